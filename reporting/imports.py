"""Import kind ``ledgers`` (registered in stations/imports/__init__.py): programme ledger
entries a bureau keeps in a spreadsheet, one row per indicator, region and month
(docs/import-formats.md). A row entered again replaces the entry, so importing the same
file twice changes nothing."""

from __future__ import annotations

import datetime as dt
import re

from django.contrib.auth.models import User
from django.utils.translation import gettext as _

from reporting.selectors import ledger_indicators
from reporting.services.ledgers import ledger_entry_record
from stations.imports.base import Outcome, Row, RowError, optional_decimal, required
from stations.models import Region

MONTH = re.compile(r"^([0-9]{4})-(0[1-9]|1[0-2])(-01)?$")


def _month(row: Row) -> dt.date:
    value = required(row, "month")
    # A spreadsheet's date cell reads as YYYY-MM-01.
    match = MONTH.fullmatch(value[:10])
    if match is None:
        raise RowError(
            _("%(value)s is not a month (YYYY-MM)") % {"value": repr(value)}, column="month"
        )
    return dt.date(int(match[1]), int(match[2]), 1)


def import_ledger_row(row: Row, *, by: User | None, now: dt.datetime) -> Outcome:
    code = required(row, "indicator")
    indicator = ledger_indicators().filter(code=code).first()
    if indicator is None:
        raise RowError(
            _("no programme indicator has the code %(code)s") % {"code": code},
            column="indicator",
        )
    region_code = required(row, "region")
    region = Region.objects.filter(code=region_code).first()
    if region is None:
        raise RowError(
            _("no region has the code %(code)s") % {"code": region_code}, column="region"
        )
    value = optional_decimal(row, "value")
    if value is None:
        raise RowError(_("is required"), column="value")
    if value < 0 or value.as_tuple().exponent < -2 or abs(value) >= 10**14:  # type: ignore[operator]
        raise RowError(
            _("must be a figure of at least 0 with at most two decimals"), column="value"
        )
    note = row.get("note", "")
    if len(note) > 300:
        raise RowError(_("at most 300 characters"), column="note")
    _entry, outcome = ledger_entry_record(
        indicator=indicator, region=region, month=_month(row), value=value, note=note, by=by
    )
    return outcome
