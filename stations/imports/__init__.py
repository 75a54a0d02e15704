"""Importing seekers, employers, posts and placements from CSV or XLSX files.

Importing the same file twice changes nothing (natural keys). A bad row is reported with its
row number and reason; by default nothing of a file with bad rows is written, and
``good_rows_only`` imports the good rows. Formats: docs/import-formats.md.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import IO

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.models import AuditLog
from core.progress import TextStream
from stations.imports.base import (
    ImportReport,
    Outcome,
    Problem,
    Row,
    RowKind,
    UnreadableFile,
    read_rows,
)
from stations.imports.dispatch import KINDS as DISPATCH_KINDS
from stations.imports.fairs import KINDS as FAIR_KINDS
from stations.imports.followup import KINDS as FOLLOWUP_KINDS
from stations.imports.records import (
    import_employer_row,
    import_placement_row,
    import_post_row,
    import_row_by_row,
)
from stations.imports.seekers import import_seekers


def _import_ledger_row(row: Row, *, by: User | None, now: dt.datetime) -> Outcome:
    # Programme ledgers are reporting's: imported on use, since stations never imports
    # reporting at load (reporting sits above it).
    from reporting.imports import import_ledger_row

    return import_ledger_row(row, by=by, now=now)


# Kinds imported row by row: the columns a file must have, and the function that imports
# one row (each area of the suite adds its own kinds: fairs, 311 records, sign-ins).
ROW_KINDS: dict[str, RowKind] = {
    "employers": RowKind(("name", "kind", "region"), import_employer_row),
    "posts": RowKind(
        (
            "reference",
            "title",
            "occupation",
            "wage_amount",
            "wage_unit",
            "starts_on",
            "ends_on",
            "region",
        ),
        import_post_row,
    ),
    "placements": RowKind(
        ("post_reference", "agreed_wage_amount", "starts_on", "outcome"), import_placement_row
    ),
    **DISPATCH_KINDS,
    **FAIR_KINDS,
    **FOLLOWUP_KINDS,
    "ledgers": RowKind(("indicator", "region", "month", "value"), _import_ledger_row),
}
SEEKER_COLUMNS = ("full_name", "household", "residence_region")
KINDS = ("seekers", *ROW_KINDS)

__all__ = ["KINDS", "ImportReport", "Problem", "UnreadableFile", "import_records"]


def import_records(
    *,
    kind: str,
    source: Path | IO[bytes],
    by: User | None,
    filename: str | None = None,
    now: dt.datetime | None = None,
    good_rows_only: bool = False,
    stream: TextStream | None = None,
) -> ImportReport:
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {KINDS}")
    now = now or timezone.now()
    rows = list(read_rows(source, filename=filename))
    if rows:
        columns = SEEKER_COLUMNS if kind == "seekers" else ROW_KINDS[kind].columns
        missing = [c for c in columns if c not in rows[0][1]]
        if missing:
            raise UnreadableFile(
                _("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
            )
    if kind == "seekers":
        report = import_seekers(
            rows,
            by=by,
            now=now,
            today=timezone.localdate(now),
            good_rows_only=good_rows_only,
            stream=stream,
        )
    else:
        report = import_row_by_row(
            kind, rows, ROW_KINDS[kind].importer, by=by, now=now, good_rows_only=good_rows_only
        )
    if report.written and (report.created or report.updated):
        audit_record(
            actor=by,
            action=AuditLog.Action.IMPORT,
            object_type=f"stations.{kind}",
            detail={
                "file": filename or str(getattr(source, "name", source)),
                "created": report.created,
                "updated": report.updated,
                "rejected_rows": report.rejected_rows,
            },
        )
    return report
