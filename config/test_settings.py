"""Test settings: the same settings module, made faster and deterministic."""

from __future__ import annotations

from config.settings import *  # noqa: F403

# Hashing passwords properly is slow by design; tests need no such protection.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
LOGGING["root"]["level"] = "WARNING"  # noqa: F405
