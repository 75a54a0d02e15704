"""Small helpers shared by tests."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parent.parent

# Variables a developer's shell or CI may set that would leak into a "fresh" process.
CONFIG_VARIABLES = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "LOG_FORMAT",
    "LOG_LEVEL",
    "SECURE_SSL_REDIRECT",
    "CELERY_TASK_ALWAYS_EAGER",
    "CELERY_BROKER_URL",
    "CELERY_RESULT_BACKEND",
    "DJANGO_SETTINGS_MODULE",
)


def clean_environment(**overrides: str) -> dict[str, str]:
    environment = {k: v for k, v in os.environ.items() if k not in CONFIG_VARIABLES}
    environment["DJANGO_SETTINGS_MODULE"] = "config.settings"
    environment.update(overrides)
    return environment


def run(argv: list[str], **overrides: str) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in the project directory with a clean environment plus ``overrides``."""
    return subprocess.run(
        argv,
        cwd=PROJECT_DIR,
        env=clean_environment(**overrides),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def run_python(code: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "-c", code], **overrides)


def manage(*args: str, **overrides: str) -> subprocess.CompletedProcess[str]:
    return run([sys.executable, "manage.py", *args], **overrides)


def settings_in_fresh_process(*names: str, **overrides: str) -> dict[str, Any]:
    """The named settings as a fresh process configured by ``overrides`` sees them."""
    code = (
        "import django, json; django.setup(); from django.conf import settings; "
        f"print(json.dumps({{n: getattr(settings, n) for n in {list(names)!r}}}, default=str))"
    )
    result = run_python(code, **overrides)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout.strip().splitlines()[-1])
