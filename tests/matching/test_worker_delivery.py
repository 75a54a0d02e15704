"""End to end with a real Celery worker, Redis and the fake gateway in its own process: a post
opens, its pushes arrive; a worker killed with SIGKILL mid-dispatch loses nothing and, once
started again, every message is delivered exactly once."""

from __future__ import annotations

import uuid

import pytest
from django.test import override_settings
from django.utils import timezone

from config.celery import app as celery_app
from matching.models import Notification
from matching.services.outbox import notifications_sweep, notify_seeker
from stations.models import JobPost, Occupation, SeekerSkill
from stations.services.posts import post_open
from tests.factories import PostFactory, SeekerFactory
from tests.fakegateway import GatewayProcess
from tests.workers import CeleryWorker, wait_for

pytestmark = [pytest.mark.services("worker"), pytest.mark.django_db(transaction=True)]

LEASE_SECONDS = 5
Status = Notification.Status


@pytest.fixture
def gateway():
    with GatewayProcess() as running:
        yield running


@pytest.fixture
def queues():
    """Queues of this test alone, in this process's routes and in the worker's."""
    suffix = uuid.uuid4().hex[:8]
    names = {"matching": f"matching-{suffix}", "notifications": f"notifications-{suffix}"}
    routes, eager = celery_app.conf.task_routes, celery_app.conf.task_always_eager
    celery_app.conf.task_routes = {
        name: {
            "queue": names["matching"] if route["queue"] == "matching" else names["notifications"]
        }
        for name, route in routes.items()
    }
    celery_app.conf.task_always_eager = False
    _routes_changed()
    yield names
    celery_app.conf.task_routes, celery_app.conf.task_always_eager = routes, eager
    _routes_changed()


def _routes_changed() -> None:
    # Celery reads task_routes once into its router: make it read them again.
    celery_app.amqp.flush_routes()
    celery_app.amqp.__dict__.pop("router", None)


def start_worker(queues, gateway) -> CeleryWorker:
    return CeleryWorker(
        [queues["matching"], queues["notifications"]],
        CELERY_MATCHING_QUEUE=queues["matching"],
        CELERY_NOTIFICATIONS_QUEUE=queues["notifications"],
        SMS_BACKEND="matching.channels.sms.HttpSmsChannel",
        SMS_GATEWAY_URL=f"{gateway.url}/sms",
        SMS_GATEWAY_KEY="test",
        NOTIFICATION_SEND_TIMEOUT="1",
        NOTIFICATION_LEASE_SECONDS=str(LEASE_SECONDS),
        NOTIFICATION_DAILY_CAP="1000",
        MATCHING_PUSH_TOP="3",
        # No quiet hours, whatever the time of day the test runs.
        NOTIFICATION_QUIET_FROM="0",
        NOTIFICATION_QUIET_UNTIL="0",
    ).start()


def sms_rows():
    return Notification.objects.filter(channel=Notification.Channel.SMS)


def test_opening_a_post_pushes_it_to_the_best_seekers_through_the_gateway(
    seeded, gateway, queues, settings
):
    settings.MATCHING_PUSH_TOP = 3
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    seekers = []
    for n in range(4):
        seeker = SeekerFactory(latitude=36.06 + n * 0.005, longitude=103.84)
        SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=10 - n)
        seekers.append(seeker)
    post = PostFactory(occupation=trade, status=JobPost.Status.DRAFT)
    worker = start_worker(queues, gateway)
    try:
        post_open(post=post, by=None, now=timezone.now())

        sent = wait_for(
            lambda: sms_rows().filter(status=Status.SENT).count() == 3 or None, timeout=90
        )
        assert sent, (
            f"pushes did not arrive: {list(sms_rows().values_list('status', 'last_error'))}"
        )
    finally:
        worker.stop()

    delivered = gateway.delivered()
    assert sorted(body["to"] for body in delivered.values()) == sorted(s.phone for s in seekers[:3])
    assert gateway.stats()["duplicates"] == 0
    assert set(delivered) == set(sms_rows().values_list("dedup_key", flat=True))


def test_a_worker_killed_mid_dispatch_loses_nothing_and_sends_nothing_twice(
    seeded, gateway, queues
):
    total = 40
    gateway.set_mode("slow", delay=0.3)
    seekers = [SeekerFactory() for _ in range(total)]
    worker = start_worker(queues, gateway)
    try:
        for seeker in seekers:
            notify_seeker(
                seeker=seeker,
                template="post_recommended",
                context={"title": "装卸工"},
                dedup_key=f"kill-test:{seeker.pk}",
                now=timezone.now(),
            )
        # Kill it while it sends: some delivered, some in flight, the rest not begun.
        assert wait_for(lambda: gateway.stats()["requests"] >= 5, timeout=60)
        worker.kill()
        in_flight = sms_rows().filter(status=Status.SENDING).count()
        assert sms_rows().filter(status=Status.SENT).count() < total
        gateway.set_mode("ok")

        worker = start_worker(queues, gateway)
        # The broker would hand the killed task back only after its visibility timeout; the
        # sweep (every minute from beat) takes back the rows whose lease ran out meanwhile.
        with override_settings(NOTIFICATION_SWEEP_GRACE_SECONDS=0):

            def all_sent():
                notifications_sweep(now=timezone.now())
                return sms_rows().filter(status=Status.SENT).count() == total or None

            assert wait_for(all_sent, timeout=120, interval=LEASE_SECONDS), list(
                sms_rows().values_list("status", "last_error")
            )
    finally:
        worker.stop()

    stats = gateway.stats()
    keys = set(sms_rows().values_list("dedup_key", flat=True))
    assert stats["delivered"] == total
    assert set(gateway.delivered()) == keys
    # Only messages in flight at the kill were sent again, and the gateway knew them.
    assert stats["duplicates"] <= in_flight
    assert stats["requests"] <= total + in_flight + stats["duplicates"]
