"""Celery tasks of job fairs (registered through stations.tasks).

Sending twice is harmless: each seeker's booth suggestions for a fair carry one dedup key in
the outbox, so a redelivered task (acks_late) or a second run tells nobody twice."""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from stations.models import JobFair
from stations.selectors.fairs import UPCOMING_STATUSES
from stations.services.fairs import fair_booths_notify


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


@shared_task(
    name="stations.fair_booths_notify",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=2,
    retry_backoff_max=300,
    max_retries=8,
    soft_time_limit=240,
    time_limit=300,
    ignore_result=True,
)
def fair_booths_notify_task(fair_id: int, seeker_ids: list[int] | None = None) -> int:
    """Tell the fair's registered seekers (those of ``seeker_ids`` only, when given: people
    who registered after the evening run) which booths suit them; how many were told."""
    fair = JobFair.objects.filter(pk=fair_id).first()
    if fair is None:
        return 0
    return fair_booths_notify(fair=fair, now=timezone.now(), seeker_ids=seeker_ids)


@shared_task(
    name="stations.fairs_tomorrow_notify",
    acks_late=True,
    soft_time_limit=60,
    time_limit=90,
    ignore_result=True,
)
def fairs_tomorrow_notify() -> int:
    """Daily (beat): one task per fair starting tomorrow; how many fairs."""
    tomorrow = timezone.localdate() + dt.timedelta(days=1)
    fair_ids = list(
        JobFair.objects.filter(
            status__in=UPCOMING_STATUSES,
            starts_at__gte=_start_of(tomorrow),
            starts_at__lt=_start_of(tomorrow + dt.timedelta(days=1)),
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for fair_id in fair_ids:
        fair_booths_notify_task.delay(fair_id)
    return len(fair_ids)
