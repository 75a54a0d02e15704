from __future__ import annotations

from celery import shared_task

from core.models import WorkerProbe


@shared_task(name="core.write_worker_probe", ignore_result=True)
def write_worker_probe(token: str) -> None:
    """Write a probe row for ``token``; a repeated delivery finds the row and writes nothing."""
    hostname = write_worker_probe.request.hostname or "eager"
    WorkerProbe.objects.get_or_create(token=token, defaults={"worker_hostname": hostname})
