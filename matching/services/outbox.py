"""The notification outbox: write in the cause's transaction, dispatch after commit, sweep.

Life of a row (one table of legal moves, ``NOTIFICATION_TRANSITIONS``):

    pending ──claim──▶ sending ──▶ sent
       ▲                  │ ├──▶ failed    (permanent error, or attempts used up)
       └── transient error┘ └──▶ skipped   (policy: consent withdrawn, daily cap)
       └── lease expired (the worker died): the sweep takes it back

Nothing is lost: a row is committed with its cause, and a row whose task never ran (lost
broker message) or whose worker died (lease expired) is picked up by the sweep. Nothing is
sent twice: the unique ``dedup_key`` refuses a second row for one cause, claiming is a
conditional update under row locks, and the key travels to the gateway as the idempotency
key for the one window no database can close (the gateway accepted, the worker died before
recording it).
"""

from __future__ import annotations

import datetime as dt
import logging
import random
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import partial
from typing import Any
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from core.tasks import enqueue
from matching.channels import get_channel
from matching.channels.base import (
    OutgoingMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from matching.messages import TEMPLATES, render
from matching.models import Device, Notification
from stations.models import JobPost, JobSeeker
from stations.services.followup import pushes_record

Channel = Notification.Channel
Status = Notification.Status

NOTIFICATION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    Status.PENDING: (Status.SENDING, Status.SKIPPED),
    Status.SENDING: (Status.SENT, Status.PENDING, Status.FAILED, Status.SKIPPED),
    Status.SENT: (),
    Status.FAILED: (),
    Status.SKIPPED: (),
}
EXTERNAL_CHANNELS = (Channel.SMS, Channel.PUSH, Channel.WECHAT)
QUIET_CHANNELS = (Channel.SMS, Channel.PUSH)  # WeChat messages wait in the app silently
BACKOFF_BASE_SECONDS = 15
BACKOFF_MAX_SECONDS = 3600
SEND_THREADS = 8
# Rows claimed at once: SEND_THREADS × CLAIM_ROUNDS, finished within CLAIM_ROUNDS send
# timeouts, which the lease (NOTIFICATION_LEASE_SECONDS) must exceed.
CLAIM_ROUNDS = 4

log = logging.getLogger(__name__)


def _enqueue(ids: Sequence[int]) -> None:
    # matching.tasks imports this module: imported on use.
    from matching.tasks import dispatch_notifications

    # With the broker away the rows stay pending, and the sweep enqueues them again.
    for start in range(0, len(ids), 200):
        enqueue(dispatch_notifications, list(ids[start : start + 200]))


# Which consent each external channel needs (the inbox needs none).
CONSENT_FIELDS: dict[str, str] = {
    Channel.PUSH: "consent_push",
    Channel.WECHAT: "consent_wechat",
    Channel.SMS: "consent_sms",
}
# The order a job push prefers its one external channel in; the device a channel reaches.
EXTERNAL_PREFERENCE = ((Channel.PUSH, Device.Kind.FCM), (Channel.WECHAT, Device.Kind.WECHAT))


def _consents_to(seeker: JobSeeker, channel: str) -> bool:
    field = CONSENT_FIELDS.get(channel)
    return field is None or bool(getattr(seeker, field))


def _external_channel(seeker: JobSeeker) -> tuple[str, str] | None:
    """The one channel a job push goes out on besides the inbox: the app if the person has
    it and agrees, else WeChat, else SMS; with its address."""
    devices = dict(seeker.devices.filter(active=True).values_list("kind", "token"))
    for channel, device in EXTERNAL_PREFERENCE:
        if device in devices and _consents_to(seeker, channel):
            return channel, devices[device]
    if seeker.phone and _consents_to(seeker, Channel.SMS):
        return Channel.SMS, seeker.phone
    return None


def notify_seeker(
    *,
    seeker: JobSeeker,
    template: str,
    context: dict[str, Any],
    dedup_key: str,
    now: dt.datetime,
    post: JobPost | None = None,
    channels: Sequence[str] | None = None,
    address: str | None = None,
) -> list[Notification]:
    """Write the messages of one cause to one seeker, in the caller's transaction.

    By default a copy in the in-app inbox and one on the best external channel the person
    agreed to; ``channels`` (with ``address``) forces them, e.g. SMS for a login code to a
    phone not yet on record. Returns the rows this call wrote: none when ``dedup_key`` was
    used before (the cause ran twice).
    """
    if template not in TEMPLATES:
        raise ValueError(f"unknown notification template {template!r}")
    if channels is None:
        targets: list[tuple[str, str]] = [(Channel.IN_APP, str(seeker.pk))]
        external = _external_channel(seeker)
        if external is not None:
            targets.append(external)
    else:
        targets = [(channel, address or "") for channel in channels]
    rows = [
        Notification(
            seeker=seeker,
            post=post,
            channel=channel,
            address=address_,
            template=template,
            context=context,
            language=seeker.preferred_language,
            dedup_key=f"{dedup_key}:{channel}",
            status=Status.SENT if channel == Channel.IN_APP else Status.PENDING,
            sent_at=now if channel == Channel.IN_APP else None,
            next_attempt_at=now,
            enqueued_at=None if channel == Channel.IN_APP else now,
            created_at=now,
        )
        for channel, address_ in targets
    ]
    return _write(rows)


def notify_phone(
    *,
    phone: str,
    seeker: JobSeeker | None,
    template: str,
    context: dict[str, Any],
    dedup_key: str,
    language: str,
    now: dt.datetime,
) -> list[Notification]:
    """An SMS to a phone, known seeker or not (login codes to a first-time phone)."""
    if template not in TEMPLATES:
        raise ValueError(f"unknown notification template {template!r}")
    return _write(
        [
            Notification(
                seeker=seeker,
                channel=Channel.SMS,
                address=phone,
                template=template,
                context=context,
                language=language,
                dedup_key=f"{dedup_key}:{Channel.SMS}",
                next_attempt_at=now,
                enqueued_at=now,
                created_at=now,
            )
        ]
    )


def _write(rows: list[Notification]) -> list[Notification]:
    keys = [row.dedup_key for row in rows]
    existing = set(
        Notification.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)
    )
    fresh = [row for row in rows if row.dedup_key not in existing]
    # A concurrent writer of the same key loses quietly here: ignore_conflicts, then read back
    # what this call really wrote.
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    written = list(Notification.objects.filter(dedup_key__in=[row.dedup_key for row in fresh]))
    # In-app copies are delivered when written: a job push among them counts for 311.
    pushes_record(
        notification_ids=[row.pk for row in written if row.status == Status.SENT],
        now=timezone.now(),
    )
    to_send = [row.pk for row in written if row.status == Status.PENDING]
    if to_send:
        transaction.on_commit(partial(_enqueue, to_send))
    return written


# --- Dispatch ---------------------------------------------------------------------------------


def _local(now: dt.datetime) -> dt.datetime:
    return now.astimezone(ZoneInfo(settings.TIME_ZONE))


def quiet_until(now: dt.datetime) -> dt.datetime | None:
    """The end of the quiet hours ``now`` falls in, or None outside them."""
    start, end = settings.NOTIFICATION_QUIET_HOURS
    local = _local(now)
    hour = local.hour
    quiet = (start <= hour or hour < end) if start > end else (start <= hour < end)
    if not quiet:
        return None
    until = local.replace(hour=end, minute=0, second=0, microsecond=0)
    if until <= local:
        until += dt.timedelta(days=1)
    return until


def _local_day_start(now: dt.datetime) -> dt.datetime:
    return _local(now).replace(hour=0, minute=0, second=0, microsecond=0)


def backoff(attempts: int, *, retry_after: float | None = None) -> dt.timedelta:
    """Exponential backoff with full jitter, never sooner than the gateway asked."""
    ceiling = min(BACKOFF_MAX_SECONDS, BACKOFF_BASE_SECONDS * 2 ** max(attempts - 1, 0))
    seconds = random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not security
    return dt.timedelta(seconds=max(seconds, retry_after or 0))


@dataclass
class _Claimed:
    row: Notification
    message: OutgoingMessage


def _consented(row: Notification) -> bool:
    seeker = row.seeker
    # A login code is what the person just asked for, whatever their marketing consents.
    if seeker is None or not TEMPLATES[row.template].is_push:
        return True
    return _consents_to(seeker, row.channel)


@transaction.atomic
def _claim(ids: Sequence[int], now: dt.datetime) -> list[_Claimed]:
    """Take the due rows among ``ids`` for this worker: lock them (skipping rows another
    worker holds), apply the policy, and lease the rest as ``sending``."""
    due = (
        Q(status=Status.PENDING, next_attempt_at__lte=now)
        | Q(status=Status.SENDING, lease_until__lt=now)  # its worker died
    )
    rows = list(
        Notification.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(due, pk__in=ids)
        .select_related("seeker")
        .order_by("pk")
    )
    if not rows:
        return []
    capped = [row for row in rows if row.seeker_id and TEMPLATES[row.template].is_push]
    # The daily cap: lock the people concerned so that two workers cannot both take the
    # last place, then count what they were sent today.
    sent_today: dict[int, int] = {}
    if capped:
        people = sorted({row.seeker_id for row in capped if row.seeker_id})
        list(
            JobSeeker.objects.select_for_update()
            .filter(pk__in=people)
            .order_by("pk")
            .values_list("pk")
        )
        for seeker_id in (
            Notification.objects.filter(
                seeker_id__in=people,
                channel__in=EXTERNAL_CHANNELS,
                template__in=[code for code, spec in TEMPLATES.items() if spec.is_push],
            )
            .filter(
                Q(status=Status.SENT, sent_at__gte=_local_day_start(now)) | Q(status=Status.SENDING)
            )
            .exclude(pk__in=[row.pk for row in rows])
            .values_list("seeker_id", flat=True)
        ):
            sent_today[seeker_id] = sent_today.get(seeker_id, 0) + 1
    lease = now + dt.timedelta(seconds=settings.NOTIFICATION_LEASE_SECONDS)
    quiet = quiet_until(now)
    claimed: list[_Claimed] = []
    changed: list[Notification] = []
    for row in rows:
        is_push = TEMPLATES[row.template].is_push
        if not _consented(row):
            row.status, row.last_error = Status.SKIPPED, "no consent for this channel"
        elif is_push and quiet is not None and row.channel in QUIET_CHANNELS:
            # Back to waiting: the sweep sends it when the quiet hours end.
            row.status, row.next_attempt_at, row.enqueued_at = Status.PENDING, quiet, None
            row.lease_until = None
        elif (
            is_push
            and row.seeker_id
            and sent_today.get(row.seeker_id, 0) >= settings.NOTIFICATION_DAILY_CAP
        ):
            row.status, row.last_error = Status.SKIPPED, "daily cap reached"
        else:
            if is_push and row.seeker_id:
                sent_today[row.seeker_id] = sent_today.get(row.seeker_id, 0) + 1
            row.status, row.lease_until = Status.SENDING, lease
            row.attempts += 1
            title, body = render(row.template, row.context, row.language)
            claimed.append(
                _Claimed(
                    row,
                    OutgoingMessage(
                        idempotency_key=row.dedup_key,
                        address=row.address,
                        title=title,
                        body=body,
                        language=row.language,
                        template=row.template,
                        data={
                            "notification": row.pk,
                            **({"post": row.post_id} if row.post_id else {}),
                        },
                    ),
                )
            )
        changed.append(row)
    _write_back(
        changed,
        ["status", "last_error", "next_attempt_at", "enqueued_at", "lease_until", "attempts"],
    )
    return claimed


def _write_back(rows: Sequence[Notification], fields: Sequence[str]) -> None:
    """Save ``fields`` of ``rows`` in a few statements: one UPDATE per distinct combination of
    values (the rows of a batch mostly share them), and the per-row provider ids in one joined
    UPDATE. (bulk_update's CASE expressions cost more CPU than the sends themselves.)"""
    shared = [field for field in fields if field != "provider_message_id"]
    groups: dict[tuple[Any, ...], list[int]] = {}
    for row in rows:
        groups.setdefault(tuple(getattr(row, field) for field in shared), []).append(row.pk)
    for values, pks in groups.items():
        Notification.objects.filter(pk__in=pks).update(**dict(zip(shared, values, strict=True)))
    if "provider_message_id" in fields:
        _set_provider_ids([(row.pk, row.provider_message_id) for row in rows])


def _set_provider_ids(pairs: Sequence[tuple[int, str]]) -> None:
    if not pairs:
        return
    table = connection.ops.quote_name(Notification._meta.db_table)
    values = " UNION ALL ".join(
        ["SELECT CAST(%s AS bigint) AS id, CAST(%s AS varchar(200)) AS pid"] * len(pairs)
    )
    # UPDATE ... FROM, in PostgreSQL and SQLite alike; only placeholders carry data.
    sql = (
        f"UPDATE {table} SET provider_message_id = v.pid "  # noqa: S608
        f"FROM ({values}) AS v WHERE {table}.id = v.id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [value for pair in pairs for value in pair])


def _send(item: _Claimed) -> tuple[_Claimed, str | None, Exception | None]:
    try:
        delivery = get_channel(item.row.channel).send(item.message)
    except (TransientDeliveryError, PermanentDeliveryError) as error:
        return item, None, error
    except Exception as error:  # a channel bug must not strand the batch
        log.exception("channel %s failed unexpectedly", item.row.channel)
        return item, None, TransientDeliveryError(f"{type(error).__name__}: {error}")
    return item, delivery.provider_message_id, None


def _record(
    results: Iterable[tuple[_Claimed, str | None, Exception | None]], now: dt.datetime
) -> dict[str, int]:
    counts: dict[str, int] = {}
    done: list[Notification] = []
    for item, provider_id, error in results:
        row = item.row
        row.lease_until = None
        if error is None:
            row.status, row.sent_at, row.provider_message_id = Status.SENT, now, provider_id or ""
            row.last_error = ""
        elif (
            isinstance(error, TransientDeliveryError)
            and row.attempts < settings.NOTIFICATION_MAX_ATTEMPTS
        ):
            row.status, row.enqueued_at = Status.PENDING, None
            row.next_attempt_at = now + backoff(row.attempts, retry_after=error.retry_after)
            row.last_error = str(error)[:500]
        else:
            row.status, row.last_error = Status.FAILED, str(error)[:500]
        counts[row.status] = counts.get(row.status, 0) + 1
        done.append(row)
    # Only rows still ours: a row the sweep took back after our lease ran out (and maybe
    # claimed again, with one more attempt) is left to whoever holds it now.
    with transaction.atomic():
        held = dict(
            Notification.objects.select_for_update()
            .filter(pk__in=[row.pk for row in done], status=Status.SENDING)
            .values_list("pk", "attempts")
        )
        ours = [row for row in done if held.get(row.pk) == row.attempts]
        finished_secrets = [
            row.pk
            for row in ours
            if TEMPLATES[row.template].secret and row.status in (Status.SENT, Status.FAILED)
        ]
        if finished_secrets:
            Notification.objects.filter(pk__in=finished_secrets).update(context={})
        _write_back(
            ours,
            [
                "status",
                "sent_at",
                "provider_message_id",
                "last_error",
                "next_attempt_at",
                "enqueued_at",
                "lease_until",
            ],
        )
        # Delivered job pushes count for 311, once per push (see pushes_record).
        pushes_record(
            notification_ids=[row.pk for row in ours if row.status == Status.SENT], now=now
        )
    return counts


def notifications_dispatch(
    ids: Sequence[int], *, now: Callable[[], dt.datetime] = timezone.now
) -> dict[str, int]:
    """Send the due rows among ``ids``; safe to run twice or concurrently for the same ids.

    Rows are claimed a few dozen at a time and sent from a small thread pool, so a claimed row
    is finished within its lease (a few send timeouts), however slow the gateway; rows not
    reached before the task's time limit stay pending for the sweep.
    """
    counts: dict[str, int] = {}
    chunk = SEND_THREADS * CLAIM_ROUNDS
    with ThreadPoolExecutor(max_workers=SEND_THREADS) as pool:
        for start in range(0, len(ids), chunk):
            claimed = _claim(ids[start : start + chunk], now())
            if not claimed:
                continue
            results = list(pool.map(_send, claimed))
            for status, count in _record(results, now()).items():
                counts[status] = counts.get(status, 0) + count
    return counts


@transaction.atomic
def notifications_sweep(*, now: dt.datetime, limit: int = 5000) -> int:
    """Enqueue again what is due and not on its way: rows that were never dispatched (a lost
    broker message), whose retry time has come, or whose worker died holding them."""
    grace = dt.timedelta(seconds=settings.NOTIFICATION_SWEEP_GRACE_SECONDS)
    due = Q(status=Status.PENDING, next_attempt_at__lte=now) & (
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=now - grace)
    )
    abandoned = Q(status=Status.SENDING, lease_until__lt=now)
    ids = list(
        Notification.objects.select_for_update(skip_locked=True)
        .filter(due | abandoned)
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    if ids:
        Notification.objects.filter(pk__in=ids).update(enqueued_at=now)
        transaction.on_commit(partial(_enqueue, ids))
    return len(ids)


def notification_mark_read(*, notification: Notification, now: dt.datetime) -> Notification:
    if notification.read_at is None:
        notification.read_at = now
        notification.save(update_fields=["read_at"])
    return notification
