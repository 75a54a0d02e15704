from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seeds.loader import load_seeds
from seeds.scenarios.generate import ScenarioError, scenario_load, scenario_names


class Command(BaseCommand):
    help = (
        "Load a record-level scenario (synthetic people and events) that reproduces a "
        "bulletin's published figures, then rebuild the rollups."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("scenario", choices=scenario_names())

    def handle(self, *args: Any, **options: Any) -> None:
        name = options["scenario"]
        load_seeds()
        started = time.perf_counter()
        try:
            report = scenario_load(name)
        except ScenarioError as error:
            raise CommandError(error.message) from error
        if report is None:
            self.stdout.write(f"The {name} scenario is loaded already; nothing was written.")
            return
        self.stdout.write(f"{report} in {time.perf_counter() - started:.1f} s")
