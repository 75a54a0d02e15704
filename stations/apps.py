from __future__ import annotations

import contextlib
from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


def _role_groups_refresh(**kwargs: Any) -> None:
    """After migrations, the role groups hold exactly the roles' permissions, so permissions
    added by a release (a new model) reach existing staff without reassigning them."""
    from stations.services.staff import role_groups_ensure

    # post_migrate runs once per app: until the last app's permissions exist, some of the
    # roles' are missing (KeyError); the last run sets them all.
    with contextlib.suppress(KeyError):
        role_groups_ensure()


class StationsConfig(AppConfig):
    name = "stations"
    verbose_name = _("Stations")

    def ready(self) -> None:
        post_migrate.connect(_role_groups_refresh, dispatch_uid="stations.role_groups_refresh")
