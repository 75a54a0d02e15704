from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from core.errors import DomainError
from stations.demo_users import credentials_path, demo_users_ensure


class Command(BaseCommand):
    help = "Create (or reuse) the demo superuser and station-staff user and print credentials."

    def handle(self, *args: Any, **options: Any) -> None:
        if not settings.DEBUG:
            raise CommandError("Demo users are for the embedded demo only (DEBUG is off).")
        try:
            credentials = demo_users_ensure()
        except DomainError as error:
            raise CommandError(error.message) from error
        self.stdout.write("Sign in at http://127.0.0.1:8000/admin/ with:")
        for entry in credentials:
            self.stdout.write(f"  {entry.role}: {entry.username} / {entry.password}")
        self.stdout.write(f"(kept in {credentials_path()})")
