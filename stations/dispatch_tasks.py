"""Celery tasks of the station day (registered through stations.tasks).

Closing twice is harmless: the close is one conditional UPDATE of the people still waiting,
so a redelivered task (acks_late) or a second beat tick finds nobody left to mark."""

from __future__ import annotations

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from stations.services.dispatch import station_days_close


@shared_task(
    name="stations.station_days_close",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=30,
    retry_backoff_max=600,
    retry_jitter=True,
    max_retries=5,
    soft_time_limit=240,
    time_limit=300,
    ignore_result=True,
)
def station_days_close_task() -> int:
    """Nightly (beat, 23:00): whoever is still waiting in a station's queue today, or on a
    day a missed night left open, is not dispatched because the day closed."""
    now = timezone.now()
    return station_days_close(today=timezone.localdate(now), now=now)
