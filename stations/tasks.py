from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from stations import (  # noqa: F401 - each area's tasks, registered
    dispatch_tasks,
    fair_tasks,
    followup_tasks,
)
from stations.services.posts import posts_expire


@shared_task(name="stations.expire_posts", acks_late=True, ignore_result=True)
def expire_posts() -> int:
    """Run by beat every few minutes; expiring twice is harmless (see posts_expire)."""
    return posts_expire(now=timezone.now())
