"""What the benchmarks that need PostgreSQL share: a scratch database of their own, created
and dropped around the run, and the environment that points the project at it."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
import uuid
from collections.abc import Iterator
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
PG = os.environ.get("BENCH_POSTGRES", "postgres://postgres@127.0.0.1:5432")


def psql(sql: str, database: str = "postgres") -> None:
    command = ["psql", f"{PG}/{database}", "-q", "-v", "ON_ERROR_STOP=1", "-c", sql]
    if subprocess.run(command, check=False).returncode:
        raise SystemExit("psql failed (its message is above)")


@contextlib.contextmanager
def scratch_database() -> Iterator[str]:
    """A new, empty database's name; the database is dropped afterwards, whatever happens."""
    # BENCH_DATABASE_PREFIX: on a server shared with others, a name of one's own.
    name = f"{os.environ.get('BENCH_DATABASE_PREFIX', 'oddjobs_bench')}_{uuid.uuid4().hex[:6]}"
    psql(f"CREATE DATABASE {name}")
    try:
        yield name
    finally:
        psql(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def project_environment(database: str, **extra: str) -> dict[str, str]:
    """This process's environment without Celery or settings overrides, pointed at
    ``database``: for the subprocesses (manage.py, workers, gunicorn) a benchmark starts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("CELERY_", "DJANGO_SETTINGS"))}
    env.pop("REDIS_URL", None)
    env.update(
        DATABASE_URL=f"{PG}/{database}",
        DEBUG="1",
        DJANGO_SETTINGS_MODULE="config.settings",
        **extra,
    )
    return env


def migrate_and_seed(env: dict[str, str]) -> None:
    """The schema and the seed taxonomies (regions, occupations, key groups, certificates)."""
    for command in (["migrate", "--noinput", "-v", "0"], ["load_seeds"]):
        subprocess.run(
            [sys.executable, "manage.py", *command],
            cwd=PROJECT_DIR,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )


def django_setup(env: dict[str, str]) -> None:
    """Set Django up in this process on the benchmark's database."""
    os.environ.update(env)
    sys.path.insert(0, str(PROJECT_DIR))
    import django

    django.setup()
    from django.conf import settings

    assert settings.DATABASES["default"]["NAME"] == env["DATABASE_URL"].rsplit("/", 1)[1]
