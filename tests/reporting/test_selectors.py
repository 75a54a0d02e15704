"""Figures over periods: months, quarters, year to date, year on year, targets and
completion, balances, ratios, suppression, and the records behind a figure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reporting.models import AnnualTarget, Indicator, ProgrammeLedger
from reporting.selectors import Period, figure_records, figures, monthly_series
from stations.models import Application, Placement, Region
from stations.models.placements import EmploymentOutcome
from tests.factories import PostFactory, SeekerFactory, StationFactory

pytestmark = pytest.mark.django_db


def hire(region: Region, day: dt.date, outcome: str = EmploymentOutcome.NEW_URBAN_JOB) -> Placement:
    application = Application.objects.create(
        post=PostFactory(region=region),
        seeker=SeekerFactory(residence_region=region),
        status=Application.Status.HIRED,
        source=Application.Source.COUNTER,
        status_changed_at=dt.datetime(2025, 1, 1, tzinfo=dt.UTC),
    )
    return Placement.objects.create(
        application=application,
        agreed_wage_amount=Decimal("200"),
        agreed_wage_unit="day",
        starts_on=day,
        outcome=outcome,
    )


def figure(code: str, region: Region, period: Period):
    return next(f for f in figures([region], period, codes=[code]) if f.indicator.code == code)


def test_periods():
    assert Period.quarter(2025, 1) == Period(dt.date(2025, 1, 1), dt.date(2025, 3, 1))
    assert Period.year_to_date(dt.date(2025, 9, 30)).months[-1] == dt.date(2025, 9, 1)
    assert len(Period.year_to_date(dt.date(2025, 9, 30)).months) == 9
    assert Period.quarter(2025, 1).time_progress == Decimal("25.00")
    assert Period(dt.date(2024, 11, 1), dt.date(2025, 2, 1)).time_progress is None
    assert Period.month(2025, 1).year_earlier() == Period.month(2024, 1)
    with pytest.raises(ValueError):
        Period(dt.date(2025, 3, 1), dt.date(2025, 1, 1))
    with pytest.raises(ValueError):
        Period.quarter(2025, 5)


def test_quarter_year_on_year_and_completion(seeded):
    """The Sanmenxia shape: a first-quarter figure, its share of the annual target and the
    change against the first quarter a year earlier."""
    city, county = Region.objects.get(code="411200"), Region.objects.get(code="411202")
    for day in (
        dt.date(2025, 1, 10),
        dt.date(2025, 2, 3),
        dt.date(2025, 3, 31),
        dt.date(2025, 4, 1),
    ):
        hire(county, day)
    for day in (dt.date(2024, 2, 1), dt.date(2024, 3, 1)):
        hire(county, day)
    indicator = Indicator.objects.get(code="new_urban_jobs")
    AnnualTarget.objects.create(region=city, indicator=indicator, year=2025, value=12)

    q1 = figure("new_urban_jobs", city, Period.quarter(2025, 1))

    assert q1.value == 3
    assert q1.year_earlier == 2
    assert q1.year_on_year == Decimal("50.00")
    assert q1.target == 12
    assert q1.completion == Decimal("25.00")
    assert figure("new_urban_jobs", county, Period.quarter(2025, 1)).target is None
    assert figure("new_urban_jobs", city, Period.year_to_date(dt.date(2025, 4, 1))).value == 4
    assert figure("new_urban_jobs", city, Period.month(2025, 4)).value == 1


def test_balance_is_the_running_total(seeded):
    region = Region.objects.get(code="620102")
    with_clock = dt.datetime(2025, 3, 15, tzinfo=dt.UTC)
    stations = [StationFactory(region=region) for _ in range(3)]
    from stations.models import Station

    Station.objects.filter(pk__in=[s.pk for s in stations]).update(created_at=with_clock)
    Station.objects.filter(pk=stations[0].pk).update(
        active=False, updated_at=dt.datetime(2025, 6, 2, tzinfo=dt.UTC)
    )
    assert figure("stations_operating", region, Period.month(2025, 4)).value == 3
    assert figure("stations_operating", region, Period.year_to_date(dt.date(2025, 9, 1))).value == 2
    assert figure("stations_operating", region, Period.month(2025, 1)).value == 0
    series = [
        m.value
        for m in monthly_series(
            [region], Period.year_to_date(dt.date(2025, 7, 1)), codes=["stations_operating"]
        )
    ]
    assert series == [0, 0, 3, 3, 3, 2, 2]


def test_ledger_figures_roll_up_and_suppression_spares_money(seeded, settings):
    settings.REPORTING_SUPPRESS_BELOW = 5
    county, city = Region.objects.get(code="411202"), Region.objects.get(code="411200")
    loans = Indicator.objects.get(code="guarantee_loans")
    people = Indicator.objects.get(code="guarantee_loan_people")
    for month in (1, 2, 3):
        ProgrammeLedger.objects.create(
            indicator=loans, region=county, month=dt.date(2025, month, 1), value=Decimal("1000000")
        )
    ProgrammeLedger.objects.create(
        indicator=people, region=county, month=dt.date(2025, 1, 1), value=Decimal("3")
    )
    q1 = Period.quarter(2025, 1)
    assert figure("guarantee_loans", city, q1).value == Decimal("3000000")
    suppressed = figure("guarantee_loan_people", city, q1)
    assert suppressed.suppressed
    assert suppressed.value is None


def test_drill_through_lists_the_records_counted(seeded):
    city, county = Region.objects.get(code="620100"), Region.objects.get(code="620102")
    counted = hire(county, dt.date(2025, 5, 5))
    hire(county, dt.date(2025, 5, 6), EmploymentOutcome.TRANSFER_OUT_OF_PROVINCE)
    hire(county, dt.date(2025, 7, 6))
    version = Indicator.objects.get(code="new_urban_jobs").current_version()
    records = figure_records(version, city, Period.month(2025, 5))
    assert [(r.source, r.source_id) for r in records] == [("application", counted.application_id)]
    ratio = Indicator.objects.get(code="duty_met_share").current_version()
    with pytest.raises(ValueError):
        figure_records(ratio, city, Period.month(2025, 5))
