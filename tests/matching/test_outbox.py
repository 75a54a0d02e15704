"""The notification outbox: one row per cause and channel, policy at dispatch, retries, the
sweep, and exactly one delivery at the gateway."""

from __future__ import annotations

import datetime as dt
import threading
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test import override_settings

from matching.models import Device, Notification
from matching.services.outbox import (
    backoff,
    notifications_dispatch,
    notifications_sweep,
    notify_seeker,
    quiet_until,
)
from tests.factories import PostFactory, SeekerFactory
from tests.fakegateway import FakeGateway

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
DAYTIME = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
NIGHT = dt.datetime(2026, 11, 20, 23, 30, tzinfo=SHANGHAI)
Status = Notification.Status
Channel = Notification.Channel


@pytest.fixture
def gateway():
    with FakeGateway() as running:
        channels = {
            "sms": {
                "BACKEND": "matching.channels.sms.HttpSmsChannel",
                "OPTIONS": {"url": f"{running.url}/sms", "api_key": "k", "sender": "oddjobs"},
            },
            "push": {
                "BACKEND": "matching.channels.fcm.FcmChannel",
                "OPTIONS": {"url": running.url, "project_id": "p", "access_token": "t"},
            },
            "wechat": {
                "BACKEND": "matching.channels.wechat.WechatTemplateChannel",
                "OPTIONS": {
                    "url": running.url,
                    "access_token": "t",
                    "template_ids": {"post_recommended": "tpl-1", "login_code": "tpl-2"},
                },
            },
        }
        with override_settings(NOTIFICATION_CHANNELS=channels, NOTIFICATION_SEND_TIMEOUT=2.0):
            yield running


def push(seeker, key="post:1", now=DAYTIME, post=None):
    return notify_seeker(
        seeker=seeker,
        template="post_recommended",
        context={
            "title": "装卸工",
            "employer": "宏达",
            "reason": {"zh-hans": "距离1.0公里", "en": "1.0 km away"},
        },
        dedup_key=key,
        now=now,
        post=post,
    )


def external(rows):
    (row,) = [row for row in rows if row.channel != Channel.IN_APP]
    return row


def test_a_push_lands_in_the_inbox_and_on_sms_for_a_seeker_without_the_app(seeded):
    seeker = SeekerFactory()
    rows = push(seeker)
    assert sorted(row.channel for row in rows) == [Channel.IN_APP, Channel.SMS]
    inbox = next(row for row in rows if row.channel == Channel.IN_APP)
    assert inbox.status == Status.SENT  # the inbox is the row itself
    assert external(rows).address == seeker.phone
    assert external(rows).status == Status.PENDING


def test_the_app_goes_before_wechat_and_wechat_before_sms(seeded):
    seeker = SeekerFactory(consent_wechat=True)
    Device.objects.create(seeker=seeker, kind=Device.Kind.WECHAT, token="openid-1")
    assert external(push(seeker, "a")).channel == Channel.WECHAT
    Device.objects.create(seeker=seeker, kind=Device.Kind.FCM, token="fcm-token")
    row = external(push(seeker, "b"))
    assert (row.channel, row.address) == (Channel.PUSH, "fcm-token")


def test_without_consent_only_the_inbox_is_written(seeded):
    seeker = SeekerFactory(consent_sms=False)
    assert [row.channel for row in push(seeker)] == [Channel.IN_APP]


def test_a_cause_that_runs_twice_writes_its_messages_once(seeded):
    seeker = SeekerFactory()
    assert len(push(seeker, "post:7:seeker")) == 2
    assert push(seeker, "post:7:seeker") == []
    assert Notification.objects.filter(seeker=seeker).count() == 2


def test_dispatch_delivers_through_the_gateway_and_records_the_provider_id(seeded, gateway):
    seeker = SeekerFactory()
    row = external(push(seeker))

    counts = notifications_dispatch([row.pk], now=lambda: DAYTIME)

    row.refresh_from_db()
    assert counts == {Status.SENT: 1}
    assert row.status == Status.SENT
    assert row.provider_message_id
    assert row.attempts == 1
    body = gateway.delivered[row.dedup_key]
    assert body["to"] == seeker.phone
    assert "装卸工" in body["text"]  # rendered in the seeker's language (zh-hans)
    assert "距离1.0公里" in body["text"]


def test_an_english_speaker_gets_the_english_text(seeded, gateway):
    seeker = SeekerFactory(preferred_language="en")
    row = external(push(seeker))
    notifications_dispatch([row.pk], now=lambda: DAYTIME)
    text = gateway.delivered[row.dedup_key]["text"]
    assert text.startswith("A job that suits you: 装卸工")
    assert "1.0 km away" in text


def test_a_transient_failure_waits_with_backoff_and_the_sweep_sends_it_later(seeded, gateway):
    seeker = SeekerFactory()
    row = external(push(seeker))
    gateway.fail_first(1, retry_after=30)

    notifications_dispatch([row.pk], now=lambda: DAYTIME)

    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert row.attempts == 1
    assert row.next_attempt_at >= DAYTIME + dt.timedelta(seconds=30)  # the gateway's Retry-After
    assert "503" in row.last_error
    assert gateway.delivered == {}
    # Not due yet: the sweep leaves it.
    assert notifications_sweep(now=DAYTIME + dt.timedelta(seconds=5)) == 0
    later = row.next_attempt_at + dt.timedelta(seconds=1)
    assert notifications_sweep(now=later) == 1
    notifications_dispatch([row.pk], now=lambda: later)
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert row.attempts == 2
    assert list(gateway.delivered) == [row.dedup_key]


def test_a_permanent_failure_is_final(seeded, gateway):
    row = external(push(SeekerFactory()))
    gateway.set_mode("reject", status=400)
    notifications_dispatch([row.pk], now=lambda: DAYTIME)
    row.refresh_from_db()
    assert row.status == Status.FAILED
    assert notifications_sweep(now=DAYTIME + dt.timedelta(days=1)) == 0


@override_settings(NOTIFICATION_MAX_ATTEMPTS=2)
def test_transient_failures_give_up_after_the_last_attempt(seeded, gateway):
    row = external(push(SeekerFactory()))
    gateway.set_mode("error", retry_after=None)
    notifications_dispatch([row.pk], now=lambda: DAYTIME)
    row.refresh_from_db()
    assert row.status == Status.PENDING
    later = row.next_attempt_at
    notifications_dispatch([row.pk], now=lambda: later)
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Status.FAILED, 2)


def test_backoff_grows_and_never_comes_before_the_gateways_retry_after():
    first = [backoff(1).total_seconds() for _ in range(50)]
    fourth = [backoff(4).total_seconds() for _ in range(50)]
    assert max(first) <= 15 < min(fourth)
    assert len(set(first)) > 1  # jittered
    assert backoff(1, retry_after=120).total_seconds() >= 120


def test_no_job_push_by_sms_in_quiet_hours_it_waits_for_the_morning(seeded, gateway):
    row = external(push(SeekerFactory(), now=NIGHT))

    notifications_dispatch([row.pk], now=lambda: NIGHT)

    row.refresh_from_db()
    assert row.status == Status.PENDING
    assert row.attempts == 0
    assert row.next_attempt_at == dt.datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI)
    assert gateway.request_count == 0
    morning = dt.datetime(2026, 11, 21, 8, 1, tzinfo=SHANGHAI)
    assert notifications_sweep(now=morning) == 1
    notifications_dispatch([row.pk], now=lambda: morning)
    row.refresh_from_db()
    assert row.status == Status.SENT


def test_login_codes_go_out_at_night(seeded, gateway):
    seeker = SeekerFactory()
    (row,) = notify_seeker(
        seeker=seeker,
        template="login_code",
        context={"code": "123456"},
        dedup_key="otp:1",
        now=NIGHT,
        channels=[Channel.SMS],
        address=seeker.phone,
    )
    notifications_dispatch([row.pk], now=lambda: NIGHT)
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert "123456" in gateway.delivered[row.dedup_key]["text"]


@pytest.mark.parametrize(
    ("local", "until"),
    [
        (dt.datetime(2026, 11, 20, 21, 59, tzinfo=SHANGHAI), None),
        (
            dt.datetime(2026, 11, 20, 22, 0, tzinfo=SHANGHAI),
            dt.datetime(2026, 11, 21, 8, tzinfo=SHANGHAI),
        ),
        (
            dt.datetime(2026, 11, 21, 7, 59, tzinfo=SHANGHAI),
            dt.datetime(2026, 11, 21, 8, tzinfo=SHANGHAI),
        ),
        (dt.datetime(2026, 11, 21, 8, 0, tzinfo=SHANGHAI), None),
        # UTC 15:00 is 23:00 in Shanghai.
        (
            dt.datetime(2026, 11, 20, 15, 0, tzinfo=dt.UTC),
            dt.datetime(2026, 11, 21, 8, tzinfo=SHANGHAI),
        ),
    ],
)
def test_quiet_hours_are_local_time(local, until):
    assert quiet_until(local) == until


@override_settings(NOTIFICATION_DAILY_CAP=2)
def test_the_daily_cap_stops_the_third_push_of_the_day(seeded, gateway):
    seeker = SeekerFactory()
    rows = [external(push(seeker, f"post:{n}")) for n in range(3)]

    notifications_dispatch([row.pk for row in rows], now=lambda: DAYTIME)

    statuses = sorted(
        Notification.objects.filter(pk__in=[r.pk for r in rows]).values_list("status", flat=True)
    )
    assert statuses == [Status.SENT, Status.SENT, Status.SKIPPED]
    assert len(gateway.delivered) == 2
    # The next day has room again.
    tomorrow = DAYTIME + dt.timedelta(days=1)
    row = external(push(seeker, "post:9", now=tomorrow))
    notifications_dispatch([row.pk], now=lambda: tomorrow)
    row.refresh_from_db()
    assert row.status == Status.SENT


def test_consent_withdrawn_before_dispatch_skips_the_message(seeded, gateway):
    seeker = SeekerFactory()
    row = external(push(seeker))
    seeker.consent_sms = False
    seeker.save()
    notifications_dispatch([row.pk], now=lambda: DAYTIME)
    row.refresh_from_db()
    assert row.status == Status.SKIPPED
    assert gateway.request_count == 0


def test_the_sweep_sends_what_was_never_dispatched(seeded, gateway):
    """A lost broker message: the row was written and its task never ran."""
    row = external(push(SeekerFactory()))
    assert (
        notifications_sweep(now=DAYTIME + dt.timedelta(seconds=10)) == 0
    )  # its task may be on the way
    swept = notifications_sweep(now=DAYTIME + dt.timedelta(minutes=2))
    assert swept == 1
    notifications_dispatch([row.pk], now=lambda: DAYTIME + dt.timedelta(minutes=2))
    row.refresh_from_db()
    assert row.status == Status.SENT


def test_a_row_whose_worker_died_is_taken_back_and_delivered_once(seeded, gateway):
    """The worker sent the message, the gateway accepted it, and the worker died before
    recording it: the lease runs out, the sweep takes the row back, the resend carries the
    same idempotency key and the gateway delivers nothing twice."""
    row = external(push(SeekerFactory()))
    gateway.set_mode("lost")  # delivered, but the answer never comes back
    notifications_dispatch([row.pk], now=lambda: DAYTIME)
    row.refresh_from_db()
    assert row.status == Status.PENDING  # a lost answer is transient
    # Simulate the harder case: the worker died while the row was claimed.
    Notification.objects.filter(pk=row.pk).update(
        status=Status.SENDING, lease_until=DAYTIME + dt.timedelta(seconds=60)
    )
    gateway.set_mode("ok")
    assert notifications_sweep(now=DAYTIME + dt.timedelta(seconds=30)) == 0  # lease still held
    assert notifications_dispatch([row.pk], now=lambda: DAYTIME + dt.timedelta(seconds=30)) == {}
    later = DAYTIME + dt.timedelta(minutes=5)
    assert notifications_sweep(now=later) == 1
    notifications_dispatch([row.pk], now=lambda: later)
    row.refresh_from_db()
    assert row.status == Status.SENT
    assert list(gateway.delivered) == [row.dedup_key]
    assert gateway.duplicates >= 1


def test_dispatching_the_same_rows_twice_sends_each_once(seeded, gateway):
    seeker = SeekerFactory()
    rows = [external(push(seeker, f"p{n}")) for n in range(3)]
    ids = [row.pk for row in rows]
    notifications_dispatch(ids, now=lambda: DAYTIME)
    notifications_dispatch(ids, now=lambda: DAYTIME)
    assert gateway.request_count == 3
    assert len(gateway.delivered) == 3


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_concurrent_dispatchers_claim_each_row_once(seeded, gateway, monkeypatch):
    monkeypatch.setattr("matching.services.outbox._enqueue", lambda ids: None)
    seekers = [SeekerFactory() for _ in range(6)]
    post = PostFactory()
    ids = [external(push(s, f"post:{post.pk}:{s.pk}", post=post)).pk for s in seekers]
    barrier = threading.Barrier(4)
    errors = []

    def dispatch():
        try:
            barrier.wait()
            notifications_dispatch(ids, now=lambda: DAYTIME)
        except Exception as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert gateway.request_count == 6
    assert set(Notification.objects.filter(pk__in=ids).values_list("status", flat=True)) == {
        Status.SENT
    }


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
@override_settings(NOTIFICATION_DAILY_CAP=1)
def test_the_daily_cap_holds_under_concurrent_dispatchers(seeded, gateway, monkeypatch):
    monkeypatch.setattr("matching.services.outbox._enqueue", lambda ids: None)
    seeker = SeekerFactory()
    ids = [external(push(seeker, f"p{n}")).pk for n in range(4)]
    barrier = threading.Barrier(4)

    def dispatch(one):
        barrier.wait()
        try:
            notifications_dispatch([one], now=lambda: DAYTIME)
        finally:
            connection.close()

    threads = [threading.Thread(target=dispatch, args=(pk,)) for pk in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert len(gateway.delivered) == 1
    statuses = sorted(Notification.objects.filter(pk__in=ids).values_list("status", flat=True))
    assert statuses == [Status.SENT, Status.SKIPPED, Status.SKIPPED, Status.SKIPPED]


def test_a_lease_shorter_than_a_claims_sends_fails_the_system_check():
    from matching.checks import lease_outlasts_a_claim

    assert lease_outlasts_a_claim(None) == []
    with override_settings(NOTIFICATION_LEASE_SECONDS=5, NOTIFICATION_SEND_TIMEOUT=2):
        (error,) = lease_outlasts_a_claim(None)
    assert error.id == "matching.E001"
