from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from reporting.models import Fact, Outcome
from reporting.services.rollups import rollups_rebuild


class Command(BaseCommand):
    help = (
        "Recompute the reporting rollups from scratch: the region tree's closure, the outcome "
        "records derived from the station records, and every monthly fact. Changes made "
        "meanwhile wait and are applied after. --facts-only keeps the outcome records and "
        "recomputes the facts from them."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--facts-only",
            action="store_true",
            help="keep the outcome records; recompute only the facts from them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        outcomes = rollups_rebuild(outcomes=not options["facts_only"])
        facts = Fact.objects.count()
        verb = "kept" if options["facts_only"] else "derived"
        self.stdout.write(
            f"{outcomes} outcome records {verb}, {facts} facts written "
            f"({Outcome.objects.values('kind').distinct().count()} kinds)."
        )
