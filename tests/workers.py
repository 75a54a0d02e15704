"""Real Celery worker processes for end-to-end tests, on queues of their own."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection

from tests.helpers import PROJECT_DIR, clean_environment

T = TypeVar("T")


def worker_database_url() -> str:
    """The database this test reads (pytest-django's and xdist's), for the worker to write."""
    db = connection.settings_dict
    credentials = db["USER"] + (f":{db['PASSWORD']}" if db["PASSWORD"] else "")
    return f"postgres://{credentials}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"


class CeleryWorker:
    """``celery worker --pool solo`` on the given queues; ``kill()`` is SIGKILL, mid-task."""

    def __init__(self, queues: list[str], **environment: str) -> None:
        self.queues = queues
        self.hostname = f"{queues[0]}-{uuid.uuid4().hex[:6]}@pytest"
        self.environment = environment
        self.process: subprocess.Popen[str] | None = None
        self.output = ""

    def start(self) -> CeleryWorker:
        self.process = subprocess.Popen(
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
                ",".join(self.queues),
                "--hostname",
                self.hostname,
                "--without-mingle",
                "--without-gossip",
                "--loglevel",
                "INFO",
            ],
            cwd=PROJECT_DIR,
            env=clean_environment(
                DATABASE_URL=worker_database_url(),
                REDIS_URL=settings.REDIS_URL,
                DEBUG="1",
                **self.environment,
            ),
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        return self

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.output += self.process.communicate()[0]
        self.process = None

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.send_signal(signal.SIGTERM)
        try:
            self.output += self.process.communicate(timeout=20)[0]
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.output += self.process.communicate()[0]
        self.process = None
        if os.environ.get("SHOW_WORKER_LOG"):
            print(self.output)

    def __enter__(self) -> CeleryWorker:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()


def wait_for(predicate: Callable[[], T], timeout: float = 60.0, interval: float = 0.2) -> T | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        result = predicate()
        if result:
            return result
        time.sleep(interval)
    return None
