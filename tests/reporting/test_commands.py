"""``rebuild_rollups`` and ``import_records ledgers``."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from openpyxl import Workbook

from reporting.models import Fact, Indicator, Outcome, ProgrammeLedger
from reporting.services.rollups import rollups_apply
from stations.imports import import_records
from stations.models import Region
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES = Path(__file__).resolve().parents[2] / "seeds" / "examples"
HEADER = "indicator,region,month,value,note\n"


def _ledger(value: str = "100") -> ProgrammeLedger:
    return ProgrammeLedger.objects.create(
        indicator=Indicator.objects.get(code="employment_subsidies"),
        region=Region.objects.get(code="620102"),
        month=dt.date(2025, 3, 1),
        value=Decimal(value),
    )


def _subsidies(region: str = "620100") -> Decimal:
    version = Indicator.objects.get(code="employment_subsidies").current_version()
    fact = Fact.objects.filter(version=version, region__code=region).first()
    return fact.value if fact else Decimal(0)


def test_rebuild_rollups_derives_everything_and_reports_counts(seeded_for_module):
    _ledger()
    Fact.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_rollups", stdout=out)
    assert "1 outcome records derived" in out.getvalue()
    assert f"{Fact.objects.count()} facts written" in out.getvalue()
    assert _subsidies("620100") == 100
    assert _subsidies("620000") == 100


def test_rebuild_rollups_facts_only_keeps_the_outcome_records(seeded_for_module):
    _ledger()
    rollups_apply()
    before = list(Outcome.objects.values_list("pk", flat=True))
    Fact.objects.all().delete()
    out = io.StringIO()
    call_command("rebuild_rollups", "--facts-only", stdout=out)
    assert "1 outcome records kept" in out.getvalue()
    assert list(Outcome.objects.values_list("pk", flat=True)) == before
    assert _subsidies() == 100


def _import(text: str, name: str = "ledgers.csv", **kwargs):
    return import_records(
        kind="ledgers", source=io.BytesIO(text.encode()), filename=name, by=None, **kwargs
    )


def test_ledgers_import_is_idempotent_and_updates_on_indicator_region_and_month(
    seeded_for_module,
):
    text = HEADER + (
        "employment_subsidies,620102,2025-03,1000.00,first\nguarantee_loans,620100,2025-03,5,\n"
    )
    first = _import(text)
    assert (first.created, first.updated, first.written) == (2, 0, True)
    again = _import(text)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    corrected = _import(HEADER + "employment_subsidies,620102,2025-03-01,1200,second\n")
    assert corrected.updated == 1
    assert ProgrammeLedger.objects.count() == 2
    entry = ProgrammeLedger.objects.get(indicator__code="employment_subsidies")
    assert (entry.value, entry.note, entry.month) == (Decimal(1200), "second", dt.date(2025, 3, 1))
    rollups_apply()
    assert _subsidies("620100") == 1200


def test_bad_ledger_rows_are_reported_by_number_and_nothing_is_written(seeded_for_module):
    text = HEADER + (
        "employment_subsidies,620102,2025-03,1000,\n"
        "new_urban_jobs,620102,2025-03,5,\n"
        "employment_subsidies,999999,2025-03,5,\n"
        "employment_subsidies,620102,2025-13,5,\n"
        "employment_subsidies,620102,2025-04,-5,\n"
        "employment_subsidies,620102,2025-05,1.234,\n"
    )
    report = _import(text)
    assert not report.written
    assert [(p.row, p.column) for p in report.problems] == [
        (3, "indicator"),
        (4, "region"),
        (5, "month"),
        (6, "value"),
        (7, "value"),
    ]
    assert ProgrammeLedger.objects.count() == 0
    good_only = _import(text, good_rows_only=True)
    assert good_only.created == 1
    assert ProgrammeLedger.objects.count() == 1


def test_ledgers_import_from_xlsx(seeded_for_module):
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["indicator", "region", "month", "value", "note"])
    sheet.append(["ui_units_reduced", "620100", dt.datetime(2025, 2, 1), 14, "=cmd"])
    data = io.BytesIO()
    workbook.save(data)
    report = import_records(
        kind="ledgers", source=io.BytesIO(data.getvalue()), filename="l.xlsx", by=UserFactory()
    )
    assert report.created == 1, report.problems
    entry = ProgrammeLedger.objects.get()
    assert (entry.month, entry.value) == (dt.date(2025, 2, 1), 14)


def test_the_example_ledger_file_imports_with_the_command(seeded_for_module):
    out = io.StringIO()
    call_command("import_records", "ledgers", str(EXAMPLES / "ledgers.csv"), stdout=out)
    assert ProgrammeLedger.objects.count() == 5
    call_command("import_records", "ledgers", str(EXAMPLES / "ledgers.csv"), stdout=out)
    assert ProgrammeLedger.objects.count() == 5


def test_the_command_refuses_a_file_with_bad_rows(seeded_for_module, tmp_path):
    bad = tmp_path / "bad.csv"
    bad.write_text(HEADER + "new_urban_jobs,620102,2025-03,5,\n")
    with pytest.raises(CommandError):
        call_command(
            "import_records", "ledgers", str(bad), stdout=io.StringIO(), stderr=io.StringIO()
        )
    assert ProgrammeLedger.objects.count() == 0
