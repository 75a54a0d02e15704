"""Markers for tests that need real services or a real browser.

``@pytest.mark.services("postgres", "redis", "worker")`` runs only where DATABASE_URL points
at PostgreSQL and REDIS_URL at a Redis that answers (a worker needs both); elsewhere it is
skipped with the reason, or fails when REQUIRE_SERVICES=1 (CI). ``@pytest.mark.browser``
likewise needs Chromium (CHROMIUM_PATH, default /usr/bin/chromium) and REQUIRE_BROWSER=1.
"""

from __future__ import annotations

import functools
import os
import shutil
from pathlib import Path

import pytest
from django.conf import settings

KNOWN_SERVICES = {"postgres", "redis", "worker"}


def _truthy(name: str) -> bool:
    return os.environ.get(name, "").lower() in {"1", "true", "yes", "on"}


@functools.cache
def _postgres_problem() -> str | None:
    if settings.DATABASES["default"]["ENGINE"] != "django.db.backends.postgresql":
        return "DATABASE_URL does not point at PostgreSQL"
    return None


@functools.cache
def _redis_problem() -> str | None:
    if not settings.REDIS_URL:
        return "REDIS_URL is not set"
    import redis

    try:
        redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2).ping()
    except redis.RedisError as error:
        return f"Redis at REDIS_URL does not answer ({error})"
    return None


def chromium_path() -> str | None:
    candidate = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    return candidate if Path(candidate).exists() else shutil.which("chromium")


@functools.cache
def _browser_problem() -> str | None:
    if chromium_path() is None:
        return "Chromium is not installed (apt-get install chromium, or set CHROMIUM_PATH)"
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "the playwright package is not installed"
    return None


def pytest_runtest_setup(item: pytest.Item) -> None:
    services_marker = item.get_closest_marker("services")
    if services_marker is not None:
        wanted = set(services_marker.args) or {"postgres", "redis"}
        unknown = wanted - KNOWN_SERVICES
        if unknown:
            raise pytest.UsageError(f"unknown services {unknown} on {item.nodeid}")
        if "worker" in wanted:
            wanted |= {"postgres", "redis"}
        problems = [
            problem
            for service, check in (("postgres", _postgres_problem), ("redis", _redis_problem))
            if service in wanted and (problem := check()) is not None
        ]
        if problems:
            reason = "needs real services: " + "; ".join(problems)
            if _truthy("REQUIRE_SERVICES"):
                pytest.fail(f"REQUIRE_SERVICES=1 but {reason}", pytrace=False)
            pytest.skip(reason)
    if item.get_closest_marker("browser") is not None:
        problem = _browser_problem()
        if problem is not None:
            if _truthy("REQUIRE_BROWSER"):
                pytest.fail(f"REQUIRE_BROWSER=1 but {problem}", pytrace=False)
            pytest.skip(f"needs a browser: {problem}")


@pytest.fixture(scope="session", autouse=True)
def _stray_database_sessions_ended(django_db_setup, django_db_blocker):
    """End database sessions left open by the live server's request threads.

    Browser tests talk to a live server whose request threads keep their own connections
    and may outlive the test session's database; PostgreSQL refuses to drop a database that
    has sessions ("is being accessed by other users"). This runs just before the test
    database is dropped.
    """
    yield
    from django.db import connection

    if connection.vendor != "postgresql":
        return
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(autouse=True)
def _english():
    """Tests read messages in English; those about the Chinese interface say so themselves
    (``translation.override("zh-hans")``, or a URL without the /en/ prefix)."""
    from django.utils import translation

    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _fresh_matching_snapshots():
    """Matching keeps its snapshots in process memory; each test starts from its own data."""
    from matching.snapshots import snapshots

    snapshots.clear()
    yield
    snapshots.clear()


@pytest.fixture(autouse=True)
def _fresh_local_cache():
    """Each test starts with an empty local-memory cache (the embedded mode's). SQLite gives
    a test's rows the ids an earlier test's had, and a user's throttle log left in the cache
    would count against the next user with that id. (Redis keys are apart per process, and
    ids never repeat in PostgreSQL; clearing Redis would clear it for every process.)"""
    from django.core.cache import caches
    from django.core.cache.backends.locmem import LocMemCache

    if isinstance(caches["default"], LocMemCache):
        caches["default"].clear()
