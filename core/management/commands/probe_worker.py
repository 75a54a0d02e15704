from __future__ import annotations

import secrets
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from core.models import WorkerProbe
from core.tasks import write_worker_probe


class Command(BaseCommand):
    help = "Send a task to the Celery workers and wait until it has written its row."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--timeout", type=float, default=30.0, help="seconds to wait")

    def handle(self, *args: Any, **options: Any) -> None:
        token = secrets.token_hex(16)
        write_worker_probe.delay(token)
        deadline = time.monotonic() + options["timeout"]
        while time.monotonic() < deadline:
            probe = WorkerProbe.objects.filter(token=token).first()
            if probe is not None:
                self.stdout.write(f"Worker {probe.worker_hostname} wrote the probe row.")
                return
            time.sleep(0.2)
        raise CommandError(f"No worker wrote the probe row within {options['timeout']} s.")
