"""End to end: a real ``celery worker`` process, Redis as broker, PostgreSQL as database."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid

import pytest
from django.conf import settings
from django.db import connection

from config.celery import app as celery_app
from core.models import WorkerProbe
from core.tasks import write_worker_probe
from tests.helpers import PROJECT_DIR, clean_environment

pytestmark = [pytest.mark.services("worker"), pytest.mark.django_db(transaction=True)]


def _test_database_url() -> str:
    # The worker must write to the database this test reads: the test database, whose name
    # pytest-django (and xdist) chose, not the one DATABASE_URL names.
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


@pytest.fixture
def worker():
    queue = f"test-{uuid.uuid4().hex[:10]}"
    hostname = f"{queue}@pytest"
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "--pool",
            "solo",
            "--queues",
            queue,
            "--hostname",
            hostname,
            "--without-mingle",
            "--without-gossip",
            "--loglevel",
            "INFO",
        ],
        cwd=PROJECT_DIR,
        env=clean_environment(
            DATABASE_URL=_test_database_url(), REDIS_URL=settings.REDIS_URL, DEBUG="1"
        ),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        yield queue, hostname
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            output, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            output, _ = process.communicate()
        if os.environ.get("SHOW_WORKER_LOG"):
            print(output)


def _wait_for(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(0.2)
    return None


@pytest.fixture
def tasks_sent_to_the_broker():
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


def test_a_real_worker_runs_a_task_that_writes_to_the_database(worker, tasks_sent_to_the_broker):
    queue, hostname = worker
    token = uuid.uuid4().hex

    write_worker_probe.apply_async(args=[token], queue=queue)

    probe = _wait_for(lambda: WorkerProbe.objects.filter(token=token).first())
    assert probe is not None, "the worker never wrote the probe row"
    assert probe.worker_hostname == hostname


def test_healthz_lists_a_live_worker_by_its_heartbeat(worker, client):
    _, hostname = worker

    def listed():
        body = client.get("/healthz").json()
        return body if hostname in body["checks"]["workers"]["hostnames"] else None

    body = _wait_for(listed)
    assert body is not None, "the worker's heartbeat never reached /healthz"
    assert body["checks"]["workers"]["status"] == "ok"
    assert body["checks"]["database"]["vendor"] == "postgresql"
