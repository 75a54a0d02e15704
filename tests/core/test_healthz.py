from __future__ import annotations

from unittest import mock

import pytest
from django.db import OperationalError, connection
from django.test import override_settings

from core import health

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_redis_client():
    health.redis_client.cache_clear()
    yield
    health.redis_client.cache_clear()


def test_healthz_reports_the_database_and_answers_200(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["checks"]["database"]["status"] == "ok"
    assert body["checks"]["database"]["vendor"] == connection.vendor
    assert response["Cache-Control"].startswith("max-age=0")


@override_settings(REDIS_URL="")
def test_embedded_mode_reports_local_cache_and_eager_tasks(client):
    body = client.get("/healthz").json()
    assert body["status"] == "ok"
    assert body["checks"]["redis"]["status"] == "local"
    assert body["checks"]["workers"]["status"] == "eager"


def test_healthz_answers_503_when_the_database_is_down(client):
    with mock.patch.object(
        connection, "cursor", side_effect=OperationalError("connection refused")
    ):
        response = client.get("/healthz")
    assert response.status_code == 503
    body = response.json()
    assert body["status"] == "down"
    assert body["checks"]["database"] == {
        "status": "down",
        "vendor": connection.vendor,
        "error": "OperationalError",
    }


@override_settings(REDIS_URL="redis://127.0.0.1:1/0")
def test_unreachable_redis_degrades_but_keeps_serving(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "degraded"
    assert body["checks"]["redis"]["status"] == "down"
    assert body["checks"]["workers"]["status"] == "down"


def test_healthz_refuses_writes(client):
    assert client.post("/healthz").status_code == 405


@pytest.mark.services("redis")
def test_real_redis_up_without_workers_is_degraded(client, settings):
    # A host name no real worker uses: the key is shared with any worker running meanwhile.
    health.redis_client().zrem(health.WORKERS_KEY, "ghost@nowhere")
    body = client.get("/healthz").json()
    assert body["checks"]["redis"]["status"] == "ok"
    assert "ghost@nowhere" not in body["checks"]["workers"]["hostnames"]


@pytest.mark.services("redis")
def test_worker_heartbeats_expire_after_the_ttl(client, settings):
    settings.CELERY_WORKER_HEARTBEAT_TTL = 30
    client_redis = health.redis_client()
    health.record_worker_heartbeat("fresh@test-host")
    client_redis.zadd(health.WORKERS_KEY, {"stale@test-host": 1.0})  # 1970: long dead
    try:
        workers = client.get("/healthz").json()["checks"]["workers"]
        assert "fresh@test-host" in workers["hostnames"]
        assert "stale@test-host" not in workers["hostnames"]
        assert workers["status"] == "ok"
    finally:
        health.forget_worker_heartbeat("fresh@test-host")
    assert client_redis.zscore(health.WORKERS_KEY, "fresh@test-host") is None
