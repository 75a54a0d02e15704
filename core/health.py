"""Liveness of the parts the suite depends on, for /healthz.

Each check is one round trip (``SELECT 1``, a Redis pipeline) so that the endpoint can be
polled every few seconds by a load balancer or an orchestrator.
"""

from __future__ import annotations

import functools
import logging
import time
from dataclasses import dataclass, field
from typing import Any

import redis
from django.conf import settings
from django.db import DatabaseError, connection

logger = logging.getLogger(__name__)

WORKERS_KEY = "oddjobs:celery:workers"


@dataclass(frozen=True)
class CheckResult:
    status: str  # "ok", "down", or "eager"/"local" for the embedded mode
    detail: dict[str, Any] = field(default_factory=dict)

    @property
    def healthy(self) -> bool:
        return self.status != "down"


@functools.cache
def redis_client() -> redis.Redis:
    """One client (and connection pool) per process, with short timeouts for health checks."""
    return redis.Redis.from_url(
        settings.REDIS_URL, socket_connect_timeout=1, socket_timeout=1, health_check_interval=30
    )


def worker_heartbeat_interval() -> float:
    return max(1.0, settings.CELERY_WORKER_HEARTBEAT_TTL / 3)


def record_worker_heartbeat(hostname: str) -> None:
    """Called by each worker every few seconds (see config.celery.WorkerHeartbeat)."""
    if not settings.REDIS_URL:
        return
    try:
        redis_client().zadd(WORKERS_KEY, {hostname: time.time()})
    except redis.RedisError:
        # The broker is Redis too: the worker has bigger troubles and will log them itself.
        logger.warning("Could not record the worker heartbeat of %s", hostname)


def forget_worker_heartbeat(hostname: str) -> None:
    if not settings.REDIS_URL:
        return
    try:
        redis_client().zrem(WORKERS_KEY, hostname)
    except redis.RedisError:
        logger.warning("Could not remove the worker heartbeat of %s", hostname)


def check_database() -> CheckResult:
    started = time.perf_counter()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as error:
        logger.error("Health check: database unavailable: %s", error)
        # A broken connection must not be reused by the next request of this thread.
        connection.close_if_unusable_or_obsolete()
        return CheckResult("down", {"vendor": connection.vendor, "error": type(error).__name__})
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    return CheckResult("ok", {"vendor": connection.vendor, "latency_ms": elapsed_ms})


def check_redis_and_workers() -> tuple[CheckResult, CheckResult]:
    """Redis (cache and broker) and the Celery workers that reported a heartbeat recently."""
    if not settings.REDIS_URL:
        return (
            CheckResult("local", {"backend": "local memory"}),
            CheckResult("eager", {"mode": "tasks run in-process after commit"}),
        )
    cutoff = time.time() - settings.CELERY_WORKER_HEARTBEAT_TTL
    started = time.perf_counter()
    try:
        pipeline = redis_client().pipeline()
        pipeline.ping()
        pipeline.zremrangebyscore(WORKERS_KEY, "-inf", cutoff)
        pipeline.zrange(WORKERS_KEY, 0, -1)
        _, _, hostnames = pipeline.execute()
    except redis.RedisError as error:
        logger.warning("Health check: Redis unavailable: %s", error)
        down = CheckResult("down", {"error": type(error).__name__})
        return down, CheckResult("down", {"error": "redis unavailable"})
    elapsed_ms = round((time.perf_counter() - started) * 1000, 1)
    workers = sorted(name.decode() for name in hostnames)
    return (
        CheckResult("ok", {"latency_ms": elapsed_ms}),
        CheckResult("ok" if workers else "down", {"count": len(workers), "hostnames": workers}),
    )


def health_report() -> tuple[bool, dict[str, Any]]:
    """The whole report, and whether the process can serve requests (the database is up)."""
    database = check_database()
    redis_result, workers = check_redis_and_workers()
    checks = {"database": database, "redis": redis_result, "workers": workers}
    if not database.healthy:
        overall = "down"
    elif all(check.healthy for check in checks.values()):
        overall = "ok"
    else:
        overall = "degraded"
    body = {
        "status": overall,
        "checks": {name: {"status": c.status, **c.detail} for name, c in checks.items()},
    }
    return database.healthy, body
