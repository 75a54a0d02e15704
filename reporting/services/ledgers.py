"""Programme ledger entries: figures the records do not hold, entered by bureau staff (the
admin, ``import_records ledgers``). The capture triggers carry each change into the facts."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from reporting.models import Indicator, ProgrammeLedger
from reporting.selectors import ledger_indicators
from stations.models import Region


@transaction.atomic
def ledger_entry_record(
    *,
    indicator: Indicator,
    region: Region,
    month: dt.date,
    value: Decimal,
    note: str = "",
    by: User | None,
) -> tuple[ProgrammeLedger, str]:
    """Enter (or correct) one region's figure of a programme indicator for a month: one
    entry per indicator, region and month, so entering it again replaces it. Returns the
    entry and "created", "updated" or "unchanged"."""
    if not ledger_indicators().filter(pk=indicator.pk).exists():
        raise DomainError(
            _("%(indicator)s is counted from the records, not entered in a ledger.")
            % {"indicator": indicator.code},
            field_errors={"indicator": [_("not a programme indicator")]},
        )
    if value < 0:
        raise DomainError(
            _("A ledger figure cannot be negative."),
            field_errors={"value": [_("cannot be negative")]},
        )
    month = month.replace(day=1)
    entry = (
        ProgrammeLedger.objects.select_for_update()
        .filter(indicator=indicator, region=region, month=month)
        .first()
    )
    if entry is None:
        entry = ProgrammeLedger.objects.create(
            indicator=indicator, region=region, month=month, value=value, note=note, entered_by=by
        )
        return entry, "created"
    if (entry.value, entry.note) == (value, note):
        return entry, "unchanged"
    entry.value, entry.note, entry.entered_by = value, note, by
    entry.save(update_fields=["value", "note", "entered_by", "updated_at"])
    return entry, "updated"
