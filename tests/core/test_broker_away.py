"""With the broker (Redis) away, work that would be handed to a worker does not fail the
request that caused it: the write commits and the answer is a success; the message is
made good later (notifications stay pending and the sweep enqueues them again).

The broker is away for real: the Celery app is pointed at a port nothing listens on, so
kombu's connect is refused as it would be while Redis restarts."""

from __future__ import annotations

import datetime as dt
import logging

import pytest
from django.db import transaction
from django.utils import timezone
from rest_framework.test import APIClient

from config.celery import app as celery_app
from core.tasks import enqueue
from matching.models import Notification
from matching.services.outbox import notifications_sweep, notify_seeker
from matching.tasks import match_post
from seeds.loader import load_seeds
from stations.models import JobPost
from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign
from tests.api.test_staff_api import staff_login
from tests.core.test_unavailable import free_port
from tests.factories import EmployerFactory, PostFactory, SeekerFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def forget_connections() -> None:
    # The app's connection pool and the producer pool made from it: the next send makes new
    # ones from the broker URL of the moment.
    celery_app._pool = None
    celery_app.amqp._producer_pool = None


@pytest.fixture
def broker_away():
    conf = celery_app.conf
    saved = conf.broker_url, conf.task_always_eager, conf.task_publish_retry_policy
    forget_connections()  # the pools hold connections to the broker of before
    conf.broker_url = f"redis://127.0.0.1:{free_port()}/0"
    conf.task_always_eager = False
    conf.task_publish_retry_policy = {"max_retries": 1, "interval_start": 0}
    yield
    forget_connections()
    conf.broker_url, conf.task_always_eager, conf.task_publish_retry_policy = saved


@pytest.fixture
def seeded() -> None:
    load_seeds()


def test_a_task_not_taken_by_the_broker_is_logged_not_raised(broker_away, caplog):
    with caplog.at_level(logging.WARNING, logger="core.tasks"):
        assert enqueue(match_post, 1) is False
    assert "matching.match_post not enqueued" in caplog.text


def test_staff_open_a_post_while_the_broker_is_away(broker_away, seeded):
    station = StationFactory()
    staff_assign(
        user=UserFactory(username="clerk"), role=StaffRole.STATION_STAFF, stations=[station]
    )
    post = PostFactory(
        station=station,
        employer=EmployerFactory(registering_station=station),
        status=JobPost.Status.DRAFT,
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_login(api, 'clerk').json()['token']}")

    answer = api.post(f"/api/v1/staff/posts/{post.pk}/open")

    assert answer.status_code == 200, answer.content
    post.refresh_from_db()
    assert post.status == JobPost.Status.OPEN


def test_a_notification_written_while_the_broker_is_away_waits_for_the_sweep(broker_away, seeded):
    now = timezone.now()
    with transaction.atomic():
        rows = notify_seeker(
            seeker=SeekerFactory(),
            template="post_recommended",
            context={"title": "装卸工"},
            dedup_key="broker-away:1",
            now=now,
            channels=["sms"],
        )
    (row,) = rows
    row.refresh_from_db()
    assert (row.status, row.attempts) == (Notification.Status.PENDING, 0)
    # The sweep (every minute, by beat) finds the row that was never dispatched.
    assert notifications_sweep(now=now + dt.timedelta(minutes=5)) == 1
