"""Core tasks, and the one way the suite hands work to Celery after a commit."""

from __future__ import annotations

import logging
from functools import partial
from typing import Any

import kombu.exceptions
import redis.exceptions
from celery import shared_task
from django.db import transaction

from core.models import WorkerProbe

log = logging.getLogger(__name__)

# What sending a task raises while the broker (Redis) is away: kombu's wrapper of connection
# errors, and the client's own where one escapes it.
BROKER_UNAVAILABLE = (kombu.exceptions.OperationalError, redis.exceptions.RedisError)


def enqueue(task: Any, *args: Any, **kwargs: Any) -> bool:
    """Send ``task`` now; with the broker away, log it and return False instead of failing
    the request that asked. Every task sent this way is made good later without the message:
    notifications stay pending in the outbox and the sweep sends them again, rankings are
    redone by the next profile change, the stale-recommendations check and the nightly
    re-match. What has no such second path (booth suggestions for one registration at a fair
    already under way) is lost with a warning in the log."""
    try:
        task.apply_async(args, kwargs)
    except BROKER_UNAVAILABLE as error:
        log.warning("task %s not enqueued, the broker is unavailable: %r", task.name, error)
        return False
    return True


def enqueue_on_commit(task: Any, *args: Any, **kwargs: Any) -> None:
    """``enqueue`` once the current transaction commits (at once outside one): a worker never
    looks for rows that are not committed yet, and a rollback sends nothing."""
    transaction.on_commit(partial(enqueue, task, *args, **kwargs))


@shared_task(name="core.write_worker_probe", ignore_result=True)
def write_worker_probe(token: str) -> None:
    """Write a probe row for ``token``; a repeated delivery finds the row and writes nothing."""
    hostname = write_worker_probe.request.hostname or "eager"
    WorkerProbe.objects.get_or_create(token=token, defaults={"worker_hostname": hostname})
