"""Celery tasks of matching and notifications: small, idempotent, enqueued after commit.

Every task may run twice or concurrently for the same arguments (acks_late redelivers after
a worker dies): matching replaces a post's or a seeker's recommendations under its row lock,
and the outbox claims rows under theirs. Transient database errors retry with backoff.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError
from django.utils import timezone

from matching.services.outbox import notifications_dispatch, notifications_sweep
from matching.services.recommendations import post_match, posts_rematch, seeker_match
from stations.models import JobPost
from stations.models.posts import PostStatus

TRANSIENT = (OperationalError, InterfaceError)
RETRYING: dict[str, Any] = {
    "acks_late": True,
    "autoretry_for": TRANSIENT,
    "retry_backoff": 2,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 8,
    "ignore_result": True,
}
REMATCH_CHUNK = 500


@shared_task(name="matching.match_post", soft_time_limit=60, time_limit=90, **RETRYING)
def match_post(post_id: int) -> int:
    """Rank seekers for a post that just opened and push it to the best of them."""
    return len(post_match(post_id=post_id, now=timezone.now()))


@shared_task(name="matching.match_seeker", soft_time_limit=30, time_limit=45, **RETRYING)
def match_seeker(seeker_id: int) -> int:
    """Refresh the posts recommended to a seeker whose profile changed."""
    return len(seeker_match(seeker_id=seeker_id, now=timezone.now()))


@shared_task(name="matching.rematch_posts", soft_time_limit=600, time_limit=660, **RETRYING)
def rematch_posts(post_ids: list[int]) -> int:
    """Re-rank a chunk of open posts without pushing again (the nightly run's unit)."""
    return posts_rematch(post_ids=post_ids, now=timezone.now())


@shared_task(name="matching.rematch_all", soft_time_limit=60, time_limit=90, **RETRYING)
def rematch_all() -> int:
    """Nightly: every open post re-ranked against today's seekers, in chunks."""
    ids = list(
        JobPost.objects.filter(status=PostStatus.OPEN).order_by("pk").values_list("pk", flat=True)
    )
    for start in range(0, len(ids), REMATCH_CHUNK):
        rematch_posts.delay(ids[start : start + REMATCH_CHUNK])
    return len(ids)


@shared_task(
    name="matching.dispatch_notifications", soft_time_limit=240, time_limit=300, **RETRYING
)
def dispatch_notifications(notification_ids: list[int]) -> dict[str, int]:
    return notifications_dispatch(notification_ids)


@shared_task(name="matching.sweep_notifications", soft_time_limit=45, time_limit=60, **RETRYING)
def sweep_notifications() -> int:
    """Every minute: enqueue again what is due and not on its way (see notifications_sweep)."""
    return notifications_sweep(now=timezone.now())
