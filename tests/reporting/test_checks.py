"""Plausibility checks: shares above 100%, completion rates, month-on-month jumps and
children larger than their parents, each with its drill-through reference."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
from django.utils import translation

from reporting.checks import (
    ABOVE_100,
    CHILD_ABOVE_PARENT,
    COMPLETION,
    JUMP,
    figure_warnings,
    month_warnings,
)
from reporting.models import AnnualTarget, Fact, Indicator, IndicatorVersion
from reporting.selectors import Period
from stations.models import Region

pytestmark = pytest.mark.django_db

JANUARY, FEBRUARY = dt.date(2025, 1, 1), dt.date(2025, 2, 1)


def fact(code: str, region: Region, month: dt.date, value: int) -> None:
    """A fact written directly: the checks exist for facts that went wrong."""
    version = IndicatorVersion.objects.get(indicator__code=code, superseded_at__isnull=True)
    Fact.objects.create(version=version, region=region, month=month, value=Decimal(value))


@pytest.fixture
def city(seeded) -> Region:
    return Region.objects.get(code="411200")


@pytest.fixture
def county(seeded) -> Region:
    return Region.objects.get(code="411202")


def kinds(warnings) -> list[tuple[str, str, str]]:
    return sorted((w.kind, w.indicator, w.region) for w in warnings)


def test_no_warnings_for_plausible_figures(city, county):
    fact("new_urban_jobs", county, JANUARY, 40)
    fact("new_urban_jobs", city, JANUARY, 40)
    fact("new_urban_jobs", county, FEBRUARY, 60)
    fact("new_urban_jobs", city, FEBRUARY, 70)
    assert figure_warnings(city, Period.year_to_date(FEBRUARY)) == []


def test_a_share_above_100_percent_is_flagged_with_its_numerator_records(city):
    fact("plans_opened", city, JANUARY, 20)
    fact("plans_met", city, JANUARY, 30)

    warnings = figure_warnings(city, Period.month(2025, 1))

    assert kinds(warnings) == [(ABOVE_100, "duty_met_share", "411200")]
    warning = warnings[0]
    assert warning.figures == {"value": "150.00"}
    assert warning.records.indicator == "plans_met"
    assert warning.records.api == (
        "/api/v1/reports/records?indicator=plans_met&region=411200&from=2025-01&to=2025-01"
    )
    assert "150%" in warning.message


def test_a_share_of_exactly_100_percent_passes(city):
    fact("plans_opened", city, JANUARY, 20)
    fact("plans_met", city, JANUARY, 20)
    assert figure_warnings(city, Period.month(2025, 1)) == []


def test_a_completion_rate_like_binzhous_1042_percent_is_flagged(city, settings):
    settings.REPORTING_COMPLETION_MAX = 150
    fact("reemployed", city, JANUARY, 1042)
    fact("new_urban_jobs", city, JANUARY, 1100)
    AnnualTarget.objects.create(
        region=city, indicator=Indicator.objects.get(code="reemployed"), year=2025, value=100
    )
    AnnualTarget.objects.create(
        region=city, indicator=Indicator.objects.get(code="new_urban_jobs"), year=2025, value=1000
    )

    warnings = figure_warnings(city, Period.year_to_date(JANUARY))

    assert kinds(warnings) == [(COMPLETION, "reemployed", "411200")]
    assert warnings[0].figures == {"value": "1042.00", "target": "100.00", "completion": "1042.00"}
    assert "1042%" in warnings[0].message


def test_a_month_on_month_jump_beyond_the_threshold_is_flagged(city, settings):
    settings.REPORTING_JUMP_MAX = 300
    settings.REPORTING_JUMP_MIN_BASE = 20
    fact("guarantee_loans", city, JANUARY, 100)
    fact("guarantee_loans", city, FEBRUARY, 401)  # +301%
    fact("arrears_recovered", city, JANUARY, 100)
    fact("arrears_recovered", city, FEBRUARY, 400)  # +300%: at the threshold, passes
    fact("fairs_held", city, JANUARY, 19)  # base below the minimum
    fact("fairs_held", city, FEBRUARY, 190)

    warnings = figure_warnings(city, Period.month(2025, 2))

    assert kinds(warnings) == [(JUMP, "guarantee_loans", "411200")]
    assert warnings[0].figures == {"value": "401.00", "base": "100.00", "change": "301.00"}
    assert warnings[0].records.start == "2025-01"
    assert warnings[0].records.end == "2025-02"


def test_the_month_before_the_period_is_the_base_of_its_first_month(city):
    fact("guarantee_loans", city, dt.date(2024, 12, 1), 100)
    fact("guarantee_loans", city, JANUARY, 1000)
    assert kinds(figure_warnings(city, Period.month(2025, 1))) == [
        (JUMP, "guarantee_loans", "411200")
    ]


def test_a_child_larger_than_its_parent_is_flagged_but_not_for_ratios(city, county):
    fact("new_urban_jobs", county, JANUARY, 50)
    fact("new_urban_jobs", city, JANUARY, 40)
    # The county's share is higher than the city's: that is no contradiction.
    fact("plans_opened", county, JANUARY, 10)
    fact("plans_met", county, JANUARY, 9)
    fact("plans_opened", city, JANUARY, 100)
    fact("plans_met", city, JANUARY, 50)

    warnings = figure_warnings(city, Period.month(2025, 1))

    assert kinds(warnings) == [(CHILD_ABOVE_PARENT, "new_urban_jobs", "411202")]
    assert warnings[0].parent_region == "411200"
    assert warnings[0].figures == {"value": "50.00", "parent_value": "40.00"}


def test_messages_follow_the_active_language(city, county):
    fact("new_urban_jobs", county, JANUARY, 60_502)
    fact("new_urban_jobs", city, JANUARY, 40_000)
    with translation.override("zh-hans"):
        [warning] = figure_warnings(city, Period.month(2025, 1))
    assert "6.05万人" in warning.message
    assert "城镇新增就业" in warning.message
    assert "大于其上级地区" in warning.message
    [english] = figure_warnings(city, Period.month(2025, 1))
    assert "60,502" in english.message
    assert "new urban jobs" in english.message


def test_month_warnings_are_json_for_the_month_close(city, county, settings):
    settings.REPORTING_COMPLETION_MAX = 150
    fact("new_urban_jobs", county, JANUARY, 50)
    fact("new_urban_jobs", city, JANUARY, 40)
    fact("reemployed", city, JANUARY, 100)
    fact("reemployed", city, FEBRUARY, 900)
    AnnualTarget.objects.create(
        region=city, indicator=Indicator.objects.get(code="reemployed"), year=2025, value=100
    )

    warnings = month_warnings(FEBRUARY)

    assert json.loads(json.dumps(warnings)) == warnings
    found = sorted((w["kind"], w["indicator"], w["region"], w["period"]) for w in warnings)
    assert found == [
        (COMPLETION, "reemployed", "411200", "2025-01..2025-02"),
        (JUMP, "reemployed", "411200", "2025-02"),
    ]
    completion = next(w for w in warnings if w["kind"] == COMPLETION)
    assert completion["records"]["admin"].startswith("/admin/reporting/outcome/?")
    assert "kind__in=hire" in completion["records"]["admin"]
    # January's child-above-parent is January's warning, not February's.
    assert [w["kind"] for w in month_warnings(JANUARY)] == [CHILD_ABOVE_PARENT]


def test_month_warnings_without_facts_are_empty(seeded):
    assert month_warnings(dt.date(2025, 3, 15)) == []
