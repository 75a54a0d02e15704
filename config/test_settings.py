"""Test settings: the same settings module, made faster and deterministic."""

from __future__ import annotations

from config.settings import *  # noqa: F403

# Hashing passwords properly is slow by design; tests need no such protection.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405

# Tasks run in-process unless a test talks to a real worker on purpose (tests/core/
# test_celery_worker.py switches this off for its own sends).
CELERY_TASK_ALWAYS_EAGER = True

# Test processes (xdist workers, parallel CI runs) share one Redis: keep their keys apart.
if REDIS_URL:  # noqa: F405
    import uuid

    CACHES["default"]["KEY_PREFIX"] = f"oddjobs-test-{uuid.uuid4().hex[:12]}"  # noqa: F405

# Throttling is tested on purpose (tests/api); elsewhere many requests come from one address.
API_THROTTLE_RATES = dict.fromkeys(
    ("user", "anon", "staff_login", "login_verify_phone", "login_verify_address"), "100000/min"
)
