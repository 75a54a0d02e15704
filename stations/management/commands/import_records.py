from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from stations.imports import KINDS, UnreadableFile, import_records


class Command(BaseCommand):
    help = (
        "Import seekers, employers, posts or placements from a CSV (UTF-8) or XLSX file. "
        "Importing the same file twice changes nothing. A file with bad rows is refused whole "
        "unless --good-rows-only; every bad row is reported with its number. "
        "Formats: docs/import-formats.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("kind", choices=KINDS)
        parser.add_argument("file", type=Path)
        parser.add_argument(
            "--good-rows-only", action="store_true", help="import the good rows of a file"
        )
        parser.add_argument("--as-user", help="username recorded as the importer")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.exists():
            raise CommandError(f"No file at {path}.")
        user = None
        if options["as_user"]:
            user = get_user_model().objects.filter(username=options["as_user"]).first()
            if user is None:
                raise CommandError(f"No user {options['as_user']}.")
        try:
            report = import_records(
                kind=options["kind"],
                source=path,
                filename=path.name,
                by=user,
                good_rows_only=options["good_rows_only"],
                stream=self.stdout,
            )
        except UnreadableFile as error:
            raise CommandError(error.message) from error
        for problem in report.problems:
            self.stderr.write(str(problem))
        self.stdout.write(report.summary())
        if report.problems and not report.written:
            raise CommandError(
                f"{report.rejected_rows} bad rows: nothing was imported. Fix them, or pass "
                "--good-rows-only to import the others."
            )
