"""End to end: a real ``celery worker`` process, Redis as broker, PostgreSQL as database."""

from __future__ import annotations

import uuid

import pytest

from config.celery import app as celery_app
from core.models import WorkerProbe
from core.tasks import write_worker_probe
from tests.workers import CeleryWorker, wait_for

pytestmark = [pytest.mark.services("worker"), pytest.mark.django_db(transaction=True)]


@pytest.fixture
def worker():
    queue = f"test-{uuid.uuid4().hex[:10]}"
    with CeleryWorker([queue]) as running:
        yield queue, running.hostname


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

    probe = wait_for(lambda: WorkerProbe.objects.filter(token=token).first())
    assert probe is not None, "the worker never wrote the probe row"
    assert probe.worker_hostname == hostname


def test_healthz_lists_a_live_worker_by_its_heartbeat(worker, client):
    _, hostname = worker

    def listed():
        body = client.get("/healthz").json()
        return body if hostname in body["checks"]["workers"]["hostnames"] else None

    body = wait_for(listed)
    assert body is not None, "the worker's heartbeat never reached /healthz"
    assert body["checks"]["workers"]["status"] == "ok"
    assert body["checks"]["database"]["vendor"] == "postgresql"
