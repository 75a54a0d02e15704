"""Reports as spreadsheets: CSV and XLSX renderers for the reports API's flat rows.

Text cells that a spreadsheet would read as a formula (starting with =, +, -, @, or a tab or
carriage return, OWASP's list) get a leading apostrophe, so a region or ledger note named
"=HYPERLINK(...)" stays text when a bureau opens the file.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Mapping, Sequence
from typing import Any

from rest_framework.renderers import BaseRenderer

XLSX_MEDIA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def spreadsheet_safe(value: Any) -> Any:
    """A cell's value as a spreadsheet should hold it: text never a formula, lists joined,
    nothing for None.

    >>> spreadsheet_safe("=1+2"), spreadsheet_safe("-5 yuan"), spreadsheet_safe(["a", "b"])
    ("'=1+2", "'-5 yuan", 'a,b')
    """
    if value is None:
        return ""
    if isinstance(value, list | tuple):
        value = ",".join(str(item) for item in value)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"
    return value


def table(data: Any, renderer_context: Mapping[str, Any] | None) -> tuple[list[str], list[list]]:
    """(header, rows) of a list of flat rows (or a page of them). The header is the view's
    ``export_columns`` when it has them, so an empty report still has its columns."""
    rows: Sequence[Mapping[str, Any]]
    rows = data.get("results", [data]) if isinstance(data, Mapping) else data or []
    view = (renderer_context or {}).get("view")
    header = list(getattr(view, "export_columns", None) or (rows[0].keys() if rows else []))
    return header, [[spreadsheet_safe(row.get(column)) for column in header] for row in rows]


def _attachment(renderer_context: Mapping[str, Any] | None, extension: str) -> None:
    context = renderer_context or {}
    response, view = context.get("response"), context.get("view")
    if response is not None and response.status_code < 400:
        name = getattr(view, "export_name", "report")
        response["Content-Disposition"] = f'attachment; filename="{name}.{extension}"'


class CSVRenderer(BaseRenderer):
    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        header, rows = table(data, renderer_context)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(header)
        writer.writerows(rows)
        _attachment(renderer_context, "csv")
        # The byte-order mark tells Excel the file is UTF-8 (Chinese names otherwise garble).
        return ("\ufeff" + out.getvalue()).encode("utf-8")


class XLSXRenderer(BaseRenderer):
    media_type = XLSX_MEDIA_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(
        self,
        data: Any,
        accepted_media_type: str | None = None,
        renderer_context: Mapping[str, Any] | None = None,
    ) -> bytes:
        from openpyxl import Workbook

        header, rows = table(data, renderer_context)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(header)
        for row in rows:
            sheet.append(row)
        out = io.BytesIO()
        workbook.save(out)
        _attachment(renderer_context, "xlsx")
        return out.getvalue()
