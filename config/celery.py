"""The Celery application, configured from Django settings (``CELERY_*``)."""

from __future__ import annotations

import os
from typing import Any

from celery import Celery, bootsteps

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")

app = Celery("oddjobs")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Records in Redis, every few seconds, that this worker is alive.

    /healthz reads the records with one cheap Redis call instead of broadcasting a ping to
    every worker and waiting for answers.
    """

    requires = ("celery.worker.components:Timer",)

    def __init__(self, worker: Any, **kwargs: Any) -> None:
        super().__init__(worker, **kwargs)
        self.timer_entry: Any = None

    def start(self, worker: Any) -> None:
        from core.health import record_worker_heartbeat, worker_heartbeat_interval

        hostname = worker.hostname
        record_worker_heartbeat(hostname)
        self.timer_entry = worker.timer.call_repeatedly(
            worker_heartbeat_interval(), record_worker_heartbeat, (hostname,), priority=10
        )

    def stop(self, worker: Any) -> None:
        from core.health import forget_worker_heartbeat

        if self.timer_entry is not None:
            self.timer_entry.cancel()
        forget_worker_heartbeat(worker.hostname)


app.steps["worker"].add(WorkerHeartbeat)
