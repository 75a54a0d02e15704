from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from seeds.loader import SEEDS_DIR, SeedFileError, load_seeds


class Command(BaseCommand):
    help = "Load regions, key groups, occupations and certificate kinds from the seed files."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--directory", type=Path, default=SEEDS_DIR)

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            results = load_seeds(options["directory"])
        except SeedFileError as error:
            raise CommandError(error.message) from error
        for result in results:
            self.stdout.write(str(result))
