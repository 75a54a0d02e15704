from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand
from django.db import transaction

from core import crypto
from core.progress import Progress
from stations.models import Employer, JobSeeker

BATCH = 1_000


class Command(BaseCommand):
    help = (
        "Re-encrypt every stored ID number under the first key of PERSONAL_DATA_KEYS. "
        "Rotate a key by putting a new one first, running this, then dropping the old one."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        models: tuple[type[JobSeeker] | type[Employer], ...] = (JobSeeker, Employer)
        for model in models:
            holders = model._default_manager.exclude(id_number_encrypted="").order_by("pk")
            total = holders.count()
            last_pk = 0
            with Progress(
                total=total, description=str(model._meta.verbose_name_plural), stream=self.stdout
            ) as progress:
                while True:
                    # Batches by id range, each its own transaction: safe to stop and rerun.
                    with transaction.atomic():
                        batch = list(
                            holders.filter(pk__gt=last_pk)
                            .select_for_update()
                            .only("pk", "id_number_encrypted")[:BATCH]
                        )
                        if not batch:
                            break
                        for record in batch:
                            record.id_number_encrypted = crypto.reencrypt(
                                record.id_number_encrypted
                            )
                        model._default_manager.bulk_update(batch, ["id_number_encrypted"])  # type: ignore[arg-type]
                    last_pk = batch[-1].pk
                    progress.advance(len(batch))
        self.stdout.write("Every ID number is now encrypted under the first key.")
