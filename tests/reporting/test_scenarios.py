"""The scenarios in seeds/scenarios reproduce the bulletins' published figures exactly.

Sanmenxia (shared/bulletins/002_aca8eb07e664f915.txt): the first quarter of 2024. Lanzhou
(shared/bulletins/000_69b8b4eb5eedaca2.txt): January to the end of September 2024. Both are
loaded through ``load_scenario`` and read through ``reporting.selectors.figures``.
"""

from __future__ import annotations

import datetime as dt
import time
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command

from reporting.bulletin import bulletin
from reporting.models import Outcome, PendingSource
from reporting.selectors import Figure, Period, figures
from seeds.scenarios.generate import apportion, spread
from stations.models import Region

SANMENXIA = {
    "new_urban_jobs": 11641,
    "guarantee_loans": 179_000_000,
    "special_fairs_held": 69,
    "fair_jobs_offered": 182_056,  # "more than 182,000 jobs"
    "fair_intentions": 32_018,  # "more than 32,000 people"
}

LANZHOU = {
    "new_urban_jobs": 60_502,
    "reemployed": 24_987,
    "difficulty_employed": 6_343,
    "labour_transferred": 252_500,
    "labour_income": 6_231_000_000,
    "poverty_labour_transferred": 63_300,
    "poverty_labour_income": 1_699_000_000,
    "fairs_held": 313,
    "live_broadcasts": 369,
    "youth_employed": 32_800,
    "graduates_registered": 7_440,
    "graduates_employed": 2_757,
    "veteran_fairs_held": 15,
    "veteran_fair_jobs_offered": 9_618,
    "veteran_fair_intentions": 2_251,
    "employment_subsidies": 180_000_000,
    "ui_premiums_reduced": 326_000_000,
    "ui_units_reduced": 35_400,
    "social_insurance_deferred": 83_821_500,
    "social_insurance_deferred_enterprises": 831,
    "job_stability_refunds": 262_000_000,
    "job_stability_refund_enterprises": 27_700,
    "job_stability_refund_employees": 569_700,
    "retention_subsidies": 234_000_000,
    "retention_subsidy_enterprises": 30_000,
    "retention_subsidy_employees": 468_700,
    "rural_workshops": 94,
    "rural_workshop_employed": 1_873,
}


def load(name: str) -> str:
    out = StringIO()
    started = time.perf_counter()
    call_command("load_scenario", name, stdout=out)
    print(f"load_scenario {name}: {time.perf_counter() - started:.1f} s")
    return out.getvalue()


def figures_by_code(city: str, period: Period, codes: list[str]) -> dict[str, Figure]:
    region = Region.objects.get(code=city)
    return {f.indicator.code: f for f in figures([region], period, codes=codes)}


def test_apportion_and_spread_add_up_exactly():
    assert apportion(10, [1, 1, 1]) == [4, 3, 3]
    assert sum(apportion(179_000_000, [24, 15, 14, 10, 9, 28] * 3)) == 179_000_000
    amounts = spread(1_699_000_000, 63_300)
    assert sum(amounts) == 1_699_000_000
    assert min(amounts) > 0
    assert len(set(amounts)) > 100


@pytest.mark.django_db
def test_sanmenxia_first_quarter_figures_are_the_bulletins():
    load("sanmenxia")

    found = figures_by_code("411200", Period.quarter(2024, 1), list(SANMENXIA))

    assert {code: found[code].value for code in SANMENXIA} == SANMENXIA
    assert found["new_urban_jobs"].target == 35_000
    assert found["new_urban_jobs"].completion == Decimal("33.26")
    assert found["guarantee_loans"].target == 613_000_000
    assert found["guarantee_loans"].completion == Decimal("29.20")
    assert not PendingSource.objects.exists()
    # The generated bulletin states them, in each language's conventions.
    city = Region.objects.get(code="411200")
    english = bulletin(city, dt.date(2024, 3, 1), "en").markdown
    for text in ("11,641", "33.26%", "179 million yuan", "29.2", "69", "182,056", "32,018"):
        assert text in english
    chinese = bulletin(city, dt.date(2024, 3, 1), "zh-hans").markdown
    for text in ("1.16万人", "33.26%", "1.79亿元", "18.21万", "3.2万"):
        assert text in chinese
    # Spread over the counties and the months, the city is their sum.
    county = figures_by_code("411202", Period.quarter(2024, 1), ["new_urban_jobs"])
    assert 0 < county["new_urban_jobs"].value < 11641
    january = figures_by_code("411200", Period.month(2024, 1), ["new_urban_jobs"])
    assert 0 < january["new_urban_jobs"].value < 11641
    # Loading it again writes nothing (in this test: loading takes a while).
    rows = Outcome.objects.count()
    assert "loaded already" in load("sanmenxia")
    assert Outcome.objects.count() == rows


# PostgreSQL only (COPY); required in CI, where REQUIRE_SERVICES=1. One test, not several
# reading a shared fixture: under xdist each worker would load the scenario again. Slow:
# loading took 316 s on a shared 2-core machine (load average 5-9), most of it in
# rollups_rebuild deriving 576,000 outcome rows in Python.
@pytest.mark.services("postgres")
@pytest.mark.django_db
def test_lanzhou_january_to_september_figures_are_the_bulletins():
    load("lanzhou")
    period = Period.year_to_date(dt.date(2024, 9, 30))

    found = figures_by_code("620100", period, list(LANZHOU))

    assert {code: found[code].value for code in LANZHOU} == LANZHOU
    assert not PendingSource.objects.exists()
    city = Region.objects.get(code="620100")
    english = bulletin(city, dt.date(2024, 9, 1), "en").markdown
    for text in (
        "60,502",
        "24,987",
        "6,343",
        "252,500",
        "6.231 billion yuan",
        "63,300",
        "1.699 billion yuan",
        "313",
        "369",
        "7,440",
        "2,757",
        "9,618",
        "2,251",
    ):
        assert text in english
    chinese = bulletin(city, dt.date(2024, 9, 1), "zh-hans").markdown
    for text in ("6.05万人", "25.25万人", "62.31亿元", "16.99亿元", "7440人", "2757人"):
        assert text in chinese
    # The poverty-lifted labour is part of the labour transferred, the re-employed part of
    # the new urban jobs, the graduates employed part of the young: counted in both.
    june = figures_by_code("620100", Period.year_to_date(dt.date(2024, 6, 30)), list(LANZHOU))
    assert 0 < june["labour_transferred"].value < LANZHOU["labour_transferred"]
