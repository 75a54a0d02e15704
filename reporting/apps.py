from __future__ import annotations

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _sync_catalogue(sender: AppConfig, using: str, **kwargs: object) -> None:
    # Reference data, like the seeds: every database (tests' too) holds the catalogue once
    # migrated. Only for the default database: the catalogue lives where the records do.
    if using != "default":
        return
    from reporting.services.catalogue import indicators_sync

    indicators_sync()


class ReportingConfig(AppConfig):
    name = "reporting"
    verbose_name = _("Reporting")

    def ready(self) -> None:
        post_migrate.connect(_sync_catalogue, sender=self)
