"""Benchmark: notifications dispatched through Redis and real Celery worker processes to the
fake SMS gateway (target: 100,000 at 1,000 or more per second).

Baseline, in the same run: the naive dispatcher, a Python loop that reads each row through
the ORM, posts it with a fresh HTTP connection and saves it, on a smaller sample.

Needs PostgreSQL and Redis (the machine's, as in CI). It creates and drops its own database.

    .venv/bin/python bench/notifications.py [--messages 100000] [--baseline-messages 2000]
        [--workers 2] [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from pg import (
    PROJECT_DIR,
    django_setup,
    migrate_and_seed,
    project_environment,
    scratch_database,
)

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/3")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--messages", type=int, default=100_000)
    parser.add_argument("--baseline-messages", type=int, default=2_000)
    parser.add_argument("--workers", type=int, default=3, help="worker processes (prefork)")
    parser.add_argument("--json", type=Path)
    arguments = parser.parse_args()
    with scratch_database() as database:
        results = run(arguments, database)
    print(json.dumps(results, indent=2))
    if arguments.json:
        arguments.json.write_text(json.dumps(results, indent=2))


def run(arguments: argparse.Namespace, database: str) -> dict[str, object]:
    sys.path.insert(0, str(PROJECT_DIR))
    from tests.fakegateway import GatewayProcess

    with GatewayProcess() as gateway:
        queue = f"bench-notifications-{uuid.uuid4().hex[:6]}"
        env = project_environment(
            database,
            REDIS_URL=REDIS_URL,
            CELERY_NOTIFICATIONS_QUEUE=queue,
            SMS_BACKEND="matching.channels.sms.HttpSmsChannel",
            SMS_GATEWAY_URL=f"{gateway.url}/sms",
            SMS_GATEWAY_KEY="bench",
            NOTIFICATION_DAILY_CAP="1000",
            NOTIFICATION_QUIET_FROM="0",
            NOTIFICATION_QUIET_UNTIL="0",
        )
        migrate_and_seed(env)
        django_setup(env)

        baseline_rate = naive_dispatch(arguments.baseline_messages, gateway.url)
        gateway.reset()

        ids = write_messages(arguments.messages, "bench")
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "celery",
                "-A",
                "config",
                "worker",
                "--queues",
                queue,
                "--concurrency",
                str(arguments.workers),
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "WARNING",
            ],
            cwd=PROJECT_DIR,
            env=env,
        )
        try:
            time.sleep(3)  # the worker's start-up is not what we measure
            from matching.models import Notification
            from matching.services.outbox import _enqueue

            started = time.perf_counter()
            _enqueue(ids)
            sent = 0
            while sent < len(ids):
                time.sleep(0.25)
                sent = Notification.objects.filter(pk__gte=ids[0], status="sent").count()
                if time.perf_counter() - started > 900:
                    raise RuntimeError(f"only {sent} of {len(ids)} sent after 15 minutes")
            elapsed = time.perf_counter() - started
        finally:
            worker.terminate()
            worker.wait(timeout=60)
        stats = gateway.stats()
    return {
        "messages": len(ids),
        "seconds": round(elapsed, 2),
        "per_second": round(len(ids) / elapsed),
        "gateway_delivered": stats["delivered"],
        "gateway_duplicates": stats["duplicates"],
        "worker_processes": arguments.workers,
        "baseline_messages": arguments.baseline_messages,
        "baseline_per_second": round(baseline_rate),
        "speedup": round(len(ids) / elapsed / baseline_rate, 1),
    }


def write_messages(count: int, prefix: str) -> list[int]:
    """``count`` seekers, each with one pending SMS (written in bulk, not enqueued)."""
    from django.utils import timezone

    from matching.models import Notification
    from stations.models import JobSeeker, Region

    region = Region.objects.get(code="620102")
    now = timezone.now()
    start = JobSeeker.objects.count()
    JobSeeker.objects.bulk_create(
        [
            JobSeeker(
                full_name=f"工人{n}",
                phone=f"13{start + n:09d}",
                household="rural",
                residence_region=region,
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    seekers = list(
        JobSeeker.objects.filter(full_name__startswith="工人")
        .order_by("-pk")
        .values_list("pk", "phone")[:count]
    )
    Notification.objects.bulk_create(
        [
            Notification(
                seeker_id=pk,
                channel="sms",
                address=phone or "",
                template="post_recommended",
                context={"title": "装卸工", "employer": "宏达劳务", "openings": 3},
                language="zh-hans",
                dedup_key=f"{prefix}:{pk}:sms",
                next_attempt_at=now,
                enqueued_at=now,
                created_at=now,
            )
            for pk, phone in seekers
        ],
        batch_size=5000,
    )
    return sorted(
        Notification.objects.filter(dedup_key__startswith=f"{prefix}:").values_list("pk", flat=True)
    )


def naive_dispatch(count: int, url: str) -> float:
    """One row at a time: read it, post it on a new connection, save it."""
    import httpx
    from django.utils import timezone

    from matching.messages import render
    from matching.models import Notification

    ids = write_messages(count, "naive")
    started = time.perf_counter()
    for pk in ids:
        row = Notification.objects.get(pk=pk)
        title, body = render(row.template, row.context, row.language)
        answer = httpx.post(
            f"{url}/sms",
            json={"to": row.address, "text": f"{title}: {body}", "client_msg_id": row.dedup_key},
            headers={"Authorization": "Bearer bench", "Idempotency-Key": row.dedup_key},
        ).json()
        row.status, row.provider_message_id, row.sent_at = (
            "sent",
            answer["message_id"],
            timezone.now(),
        )
        row.save()
    return count / (time.perf_counter() - started)


if __name__ == "__main__":
    main()
