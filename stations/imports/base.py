"""What every import shares: reading CSV or XLSX, the row-numbered report, value parsers."""

from __future__ import annotations

import csv
import datetime as dt
import functools
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import IO, Any

from django.db import models
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from core.errors import DomainError


class RowError(Exception):
    """A value of one row that cannot be imported; ``column`` names where."""

    def __init__(self, message: str, *, column: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.column = column


@dataclass(frozen=True)
class Problem:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        if self.column:
            return _("row %(row)s, column %(column)s: %(message)s") % {
                "row": self.row,
                "column": self.column,
                "message": self.message,
            }
        return _("row %(row)s: %(message)s") % {"row": self.row, "message": self.message}


# What each kind of import is called in its report (the kinds themselves are API keys).
KIND_NAMES = {
    "seekers": gettext_lazy("seekers"),
    "employers": gettext_lazy("employers"),
    "posts": gettext_lazy("posts"),
    "placements": gettext_lazy("placements"),
}


@dataclass
class ImportReport:
    kind: str
    rows: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    problems: list[Problem] = field(default_factory=list)
    written: bool = False

    @property
    def rejected_rows(self) -> int:
        return len({problem.row for problem in self.problems})

    def summary(self) -> str:
        outcome = _("written") if self.written else _("nothing written")
        return _(
            "%(kind)s: %(rows)d rows, %(created)d created, %(updated)d updated, "
            "%(unchanged)d unchanged, %(rejected)d rejected (%(outcome)s)"
        ) % {
            "kind": KIND_NAMES.get(self.kind, self.kind),
            "rows": self.rows,
            "created": self.created,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected_rows,
            "outcome": outcome,
        }


class UnreadableFile(DomainError):
    pass


Row = dict[str, str]
Outcome = str  # "created", "updated" or "unchanged"
# One row in, its outcome out; refusals raise RowError or a DomainError.
RowImporter = Callable[..., Outcome]


@dataclass(frozen=True)
class RowKind:
    """A kind of record imported row by row: the columns a file must have, and the
    importer of one row (``importer(row, by=user, now=datetime)``)."""

    columns: tuple[str, ...]
    importer: RowImporter


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        # Spreadsheets store phone numbers and years as floats.
        return str(int(value))
    return str(value).strip()


def read_rows(
    source: Path | IO[bytes], *, filename: str | None = None
) -> Iterator[tuple[int, Row]]:
    """(row number as a person sees it, the row by column name) from a CSV or XLSX file.

    The header is row 1, so the first record is row 2 in both formats.
    """
    name = (filename or getattr(source, "name", "") or str(source)).lower()
    data = source.read_bytes() if isinstance(source, Path) else source.read()
    if name.endswith(".xlsx"):
        yield from _read_xlsx(data)
    elif name.endswith(".csv"):
        yield from _read_csv(data)
    else:
        raise UnreadableFile(_("Import a .csv (UTF-8) or an .xlsx file."))


def _read_csv(data: bytes) -> Iterator[tuple[int, Row]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise UnreadableFile(_("The CSV file is not UTF-8: save it as 'CSV UTF-8'.")) from error
    reader = csv.DictReader(io.StringIO(text, newline=""))
    for row in reader:
        if not any((value or "").strip() for value in row.values()):
            continue
        yield (
            reader.line_num,
            {(key or "").strip(): (value or "").strip() for key, value in row.items() if key},
        )


def _read_xlsx(data: bytes) -> Iterator[tuple[int, Row]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a broken file
        raise UnreadableFile(
            _("The XLSX file cannot be read: %(error)s") % {"error": error}
        ) from error
    sheet = workbook.worksheets[0]
    rows = sheet.iter_rows(values_only=True)
    header = [_cell(value) for value in next(rows, ())]
    for number, values in enumerate(rows, start=2):
        cells = [_cell(value) for value in values]
        if not any(cells):
            continue
        yield number, dict(zip(header, cells, strict=False))
    workbook.close()


def check_columns(row: Row, required: tuple[str, ...]) -> None:
    missing = [column for column in required if column not in row]
    if missing:
        raise UnreadableFile(
            _("The file lacks the columns: %(columns)s.") % {"columns": ", ".join(missing)}
        )


def required(row: Row, column: str) -> str:
    value = row.get(column, "")
    if not value:
        raise RowError(_("is required"), column=column)
    return value


def optional_decimal(row: Row, column: str) -> Decimal | None:
    value = row.get(column, "")
    if not value:
        return None
    try:
        return Decimal(value)
    except InvalidOperation as error:
        raise RowError(
            _("%(value)s is not a number") % {"value": repr(value)}, column=column
        ) from error


def optional_int(row: Row, column: str, default: int | None = None) -> int | None:
    value = row.get(column, "")
    if not value:
        return default
    try:
        return int(value)
    except ValueError as error:
        raise RowError(
            _("%(value)s is not a whole number") % {"value": repr(value)}, column=column
        ) from error


def optional_float(row: Row, column: str) -> float | None:
    value = row.get(column, "")
    if not value:
        return None
    try:
        return float(value)
    except ValueError as error:
        raise RowError(
            _("%(value)s is not a number") % {"value": repr(value)}, column=column
        ) from error


def optional_date(row: Row, column: str) -> dt.date | None:
    value = row.get(column, "")
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value[:10])
    except ValueError as error:
        raise RowError(
            _("%(value)s is not a date (YYYY-MM-DD)") % {"value": repr(value)}, column=column
        ) from error


def optional_bool(row: Row, column: str) -> bool | None:
    value = row.get(column, "").lower()
    if not value:
        return None
    if value in {"1", "yes", "y", "true", "是"}:
        return True
    if value in {"0", "no", "n", "false", "否"}:
        return False
    raise RowError(_("%(value)s is not yes or no") % {"value": repr(value)}, column=column)


@functools.cache
def _choice_names(choices: type[models.Choices]) -> dict[str, str]:
    """Every accepted spelling of each choice: its code and its label in both languages."""
    from django.utils import translation

    names: dict[str, str] = {}
    for code, label in choices.choices:
        names[str(code).lower()] = str(code)
        for language in ("en", "zh-hans"):
            with translation.override(language):
                names[str(label).lower()] = str(code)
    return names


def choice(row: Row, column: str, choices: type[models.Choices], default: str | None = None) -> str:
    """A choice by its code or by its label in either language."""
    value = row.get(column, "")
    if not value:
        if default is None:
            raise RowError(_("is required"), column=column)
        return default
    code = _choice_names(choices).get(value.lower())
    if code is None:
        codes = ", ".join(str(code) for code in choices.values)
        raise RowError(
            _("%(value)s is not one of %(codes)s") % {"value": repr(value), "codes": codes},
            column=column,
        )
    return code
