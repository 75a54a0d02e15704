"""Celery tasks of 311 follow-up (registered through stations.tasks): one line each around
a service. Each is idempotent, so a redelivery (acks_late) or a second beat tick the same
day changes nothing: plans and alerts are natural-keyed by the database's unique
constraints, digests by their outbox key per staff member and day."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from stations.selectors.followup import staff_digests
from stations.services.followup import families_check_all, plans_ensure_all, staff_digest_send

DAILY: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": (OperationalError, InterfaceError),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
    "ignore_result": True,
    "soft_time_limit": 600,
    "time_limit": 660,
}


@shared_task(name="stations.followup_plans_ensure", **DAILY)
def followup_plans_ensure() -> dict[str, int]:
    """Daily: plans past their year close (met or lapsed); key-group members without a plan
    get one, those imported in bulk included."""
    done = plans_ensure_all(today=timezone.localdate())
    return {"opened": done.opened, "met": done.met, "lapsed": done.lapsed}


@shared_task(name="stations.followup_staff_digest", **DAILY)
def followup_staff_digest() -> int:
    """Daily, in the morning: each staff member with overdue follow-ups (plans and idle fair
    intentions) or newly found zero-employment families gets one message."""
    now = timezone.now()
    return sum(
        staff_digest_send(
            user=digest.user,
            overdue=digest.overdue,
            zero_employment_found=digest.zero_employment_found,
            now=now,
        )
        for digest in staff_digests(today=timezone.localdate(now), now=now)
    )


@shared_task(name="stations.followup_families_check", **DAILY)
def followup_families_check() -> dict[str, int]:
    """Daily: zero-employment families found get an alert; those with work now clear."""
    done = families_check_all(today=timezone.localdate())
    return {"found": done.found, "cleared": done.cleared}
