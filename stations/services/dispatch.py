"""The station day: seekers sign in (a QR code from the app, or their ID card at the
counter) and queue; staff move people with a reason; those not dispatched get a reason when
the day closes. The allocation itself is the matching engine's (matching/services/dispatch.py)."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.core import signing
from django.db import transaction
from django.db.models import Max, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError, NotFound
from stations.models import JobSeeker, QueueMove, SignIn, Station
from stations.models.dispatch import NotDispatchedReason

# A check-in code is good for the day it was made for, at any station or fair gate.
_CODE_SALT = "stations.check-in"


def check_in_code(*, seeker: JobSeeker, day: dt.date) -> str:
    """What the app shows as a QR code: the seeker and the day, signed (not encrypted: it
    holds no personal data)."""
    return signing.dumps({"s": seeker.pk, "d": day.isoformat()}, salt=_CODE_SALT, compress=True)


def seeker_from_check_in_code(code: str, *, today: dt.date) -> JobSeeker:
    """The seeker a scanned code names; refused when forged, for another day, or merged."""
    try:
        payload = signing.loads(code.strip(), salt=_CODE_SALT)
    except signing.BadSignature as error:
        raise DomainError(
            _("This is not a valid check-in code."), field_errors={"code": [_("not valid")]}
        ) from error
    if payload.get("d") != today.isoformat():
        raise DomainError(
            _("This check-in code is for another day: open the app again."),
            field_errors={"code": [_("expired")]},
        )
    seeker = JobSeeker.objects.filter(pk=payload.get("s"), merged_into__isnull=True).first()
    if seeker is None:
        raise NotFound(_("No such seeker."))
    return seeker


@transaction.atomic
def sign_in(
    *, station: Station, seeker: JobSeeker, method: str, now: dt.datetime, note: str = ""
) -> SignIn:
    """Put the seeker in today's queue at the station, last; signing in again changes
    nothing and returns their place."""
    if seeker.merged_into_id is not None:
        raise DomainError(_("This seeker's record was merged into another; use that one."))
    if not station.active:
        raise DomainError(_("This station is not in operation."))
    day = timezone.localdate(now)
    # The station's row lock serialises the day's queue: positions stay 1..n without gaps.
    Station.objects.select_for_update().get(pk=station.pk)
    existing = SignIn.objects.filter(station=station, seeker=seeker, day=day).first()
    if existing is not None:
        return existing
    last = SignIn.objects.filter(station=station, day=day).aggregate(last=Max("position"))["last"]
    return SignIn.objects.create(
        station=station,
        seeker=seeker,
        day=day,
        signed_in_at=now,
        method=method,
        position=(last or 0) + 1,
        note=note,
    )


@transaction.atomic
def queue_move(
    *, sign_in: SignIn, to_position: int, reason: str, by: User | None, now: dt.datetime
) -> SignIn:
    """Move someone in the day's queue (an elderly worker forward, someone who stepped out
    back); the others close up, and the move is recorded with its reason."""
    if not reason.strip():
        raise DomainError(
            _("Say why the place in the queue changes."),
            field_errors={"reason": [_("This field cannot be blank.")]},
        )
    Station.objects.select_for_update().get(pk=sign_in.station_id)
    queue = list(
        SignIn.objects.filter(station_id=sign_in.station_id, day=sign_in.day).order_by(
            "position", "pk"
        )
    )
    moving = next((row for row in queue if row.pk == sign_in.pk), None)
    if moving is None:
        raise NotFound(_("No such sign-in."))
    if not 1 <= to_position <= len(queue):
        raise DomainError(
            _("The queue has places 1 to %(last)d.") % {"last": len(queue)},
            field_errors={"to_position": [_("out of range")]},
        )
    from_position = moving.position
    queue.remove(moving)
    queue.insert(to_position - 1, moving)
    changed = []
    for position, row in enumerate(queue, start=1):
        if row.position != position:
            row.position = position
            changed.append(row)
    SignIn.objects.bulk_update(changed, ["position"])
    QueueMove.objects.create(
        sign_in=moving,
        from_position=from_position,
        to_position=to_position,
        reason=reason.strip(),
        at=now,
        by=by,
    )
    return moving


@transaction.atomic
def sign_in_not_dispatched(*, sign_in: SignIn, reason: str, note: str = "") -> SignIn:
    """Why someone who came was not sent to work today (the daily sheet shows it)."""
    sign_in = SignIn.objects.select_for_update().get(pk=sign_in.pk)
    if sign_in.application_id is not None:
        raise DomainError(_("This person was dispatched today."))
    if reason not in NotDispatchedReason.values:
        raise DomainError(
            _("Choose a reason."), field_errors={"not_dispatched_reason": [_("not valid")]}
        )
    sign_in.not_dispatched_reason = reason
    sign_in.note = note or sign_in.note
    sign_in.save(update_fields=["not_dispatched_reason", "note", "updated_at"])
    return sign_in


def _still_waiting(sign_ins: QuerySet[SignIn]) -> QuerySet[SignIn]:
    return sign_ins.filter(application__isnull=True, not_dispatched_reason="")


@transaction.atomic
def station_day_close(*, station: Station, day: dt.date, now: dt.datetime) -> int:
    """The day is over at the station: everyone still waiting in its queue is marked not
    dispatched because the day closed (the daily sheet then shows nobody waiting). Closing
    again changes nothing; returns how many were marked this time."""
    if day > timezone.localdate(now):
        raise DomainError(
            _("A day that has not begun cannot be closed."),
            field_errors={"day": [_("in the future")]},
        )
    # The station's row lock, as sign-ins take it: nobody joins the queue while it closes.
    # A dispatch of the same person (which locks their sign-in) wins either way: committed
    # first, the row no longer matches; committed after, it sets the post and clears the
    # reason.
    Station.objects.select_for_update().get(pk=station.pk)
    return _still_waiting(SignIn.objects.filter(station=station, day=day)).update(
        not_dispatched_reason=NotDispatchedReason.DAY_CLOSED, updated_at=now
    )


@transaction.atomic
def station_days_close(*, today: dt.date, now: dt.datetime) -> int:
    """The nightly close of every station's days up to ``today``, including a day a missed
    night left open; idempotent (one conditional UPDATE: a second run finds nobody
    waiting). Returns how many people were marked."""
    return _still_waiting(SignIn.objects.filter(day__lte=today)).update(
        not_dispatched_reason=NotDispatchedReason.DAY_CLOSED, updated_at=now
    )
