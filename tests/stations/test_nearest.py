"""Jobs near a point, nearest first: PostgreSQL's hand-written statement gives, page by page
and whatever the filters, the rows the ORM's queries give (the embedded mode's path)."""

from __future__ import annotations

import datetime as dt
import itertools
import random
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone

from stations.models import Application, JobPost, Occupation
from stations.selectors.jobs import JobFilters
from stations.selectors.nearest import (
    NearestFirstStatement,
    jobs_nearest_first_rows,
    nearest_first_queryset,
)
from stations.services.applications import application_create
from tests.factories import PostFactory, SeekerFactory, StationFactory, region

pytestmark = [pytest.mark.django_db, pytest.mark.services("postgres")]

HERE = (36.06, 103.84)


@pytest.fixture
def city(seeded):
    """Open posts strewn around HERE with every kind of pay, dates and trades; some placed
    only by their district's centre (work at a station), some closed, some partly filled."""
    draw = random.Random(20261203)
    trades = list(Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code"))
    trades = [trades[0], trades[1], trades[-2], trades[-1]]  # two major groups
    today = timezone.localdate()
    units = [
        ("day", "180", "260"),
        ("hour", "18", "40"),
        ("month", "3800", "6000"),
        ("piece", "1", "5"),
    ]
    station = StationFactory()
    posts = []
    for n in range(90):
        unit, low, high = draw.choice(units)
        starts_on = today + dt.timedelta(days=draw.randrange(-5, 10))
        placeless = n % 15 == 0
        posts.append(
            PostFactory(
                occupation=draw.choice(trades),
                openings=draw.randrange(1, 4),
                wage_unit=unit,
                wage_amount=Decimal(draw.randrange(int(low) * 100, int(high) * 100)) / 100,
                starts_on=starts_on,
                ends_on=starts_on + dt.timedelta(days=draw.randrange(0, 8)),
                take_home=draw.random() < 0.3,
                latitude=None if placeless else HERE[0] + draw.uniform(-0.08, 0.08),
                longitude=None if placeless else HERE[1] + draw.uniform(-0.1, 0.1),
                work_at_station=station if placeless else None,
                region=region("620103" if n % 30 == 0 else "620102"),
                status=JobPost.Status.CLOSED if n % 11 == 5 else JobPost.Status.OPEN,
            )
        )
    seeker = SeekerFactory()
    for post in posts[1:40:7]:
        if post.status == JobPost.Status.OPEN:
            application_create(
                post=post, seeker=seeker, source="counter", by=None, now=timezone.now()
            )
    Application.objects.update(status=Application.Status.HIRED)
    return trades


def filter_sets(trades: list[Occupation], today: dt.date) -> list[JobFilters]:
    major_group = trades[0].path.split("/")[0]
    return [
        JobFilters(),
        JobFilters(occupation=trades[1].code),
        JobFilters(occupation=major_group),
        JobFilters(occupation="no-such_%"),
        JobFilters(min_daily_wage=Decimal("200")),
        JobFilters(min_daily_wage=Decimal("199.99")),
        JobFilters(day=today + dt.timedelta(days=3)),
        JobFilters(take_home=True),
        JobFilters(take_home=False),
        JobFilters(
            occupation=major_group,
            min_daily_wage=Decimal("150"),
            day=today + dt.timedelta(days=2),
            take_home=False,
        ),
    ]


def test_the_statement_gives_the_orms_rows_page_by_page_whatever_the_filters(city):
    points = [HERE, (36.1, 103.9), (36.057, 103.841), (39.9, 116.4)]
    pages = [slice(0, 21), slice(20, 41), slice(40, 61), slice(0, 200), slice(1000, 1021)]
    compared = 0
    for (latitude, longitude), radius_km, filters in itertools.product(
        points, (0.5, 3, 8.5, 200), filter_sets(city, timezone.localdate())
    ):
        place = {"latitude": latitude, "longitude": longitude, "radius_km": radius_km}
        statement = NearestFirstStatement(**place, filters=filters)
        queryset = nearest_first_queryset(**place, filters=filters)
        for page in pages:
            rows = statement[page]
            assert rows == list(queryset[page]), (place, filters, page)
            compared += len(rows)
    assert compared > 3000  # the comparisons were not all of empty pages


def test_posts_placed_by_their_districts_centre_are_listed_with_its_distance(city):
    statement = NearestFirstStatement(36.057, 103.841, 1, JobFilters())
    placeless = [row for row in statement[0:100] if row["latitude"] is None]
    assert (
        len(placeless)
        == JobPost.objects.filter(
            status="open", latitude__isnull=True, region__code="620102"
        ).count()
    )
    assert {row["distance_km"] for row in placeless} == {0.0}
    assert [row["id"] for row in placeless] == sorted(row["id"] for row in placeless)


@pytest.mark.parametrize("plan", ["as planned", "sorted, not walked"])
def test_pages_of_posts_at_one_place_neither_repeat_nor_skip_one(seeded, plan):
    if plan != "as planned":
        # The plan PostgreSQL takes for few posts: a sort under the LIMIT, whose order among
        # equals changes with the LIMIT.
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_indexscan = off")
            cursor.execute("SET LOCAL enable_bitmapscan = off")
    at_one_place = {PostFactory(latitude=36.07, longitude=103.85).pk for _ in range(7)}
    others = {PostFactory(latitude=36.07 + n / 1000, longitude=103.85).pk for n in range(1, 6)}
    statement = NearestFirstStatement(36.07, 103.85, 5, JobFilters())
    paged = []
    for start in range(0, 20, 2):
        paged += statement[start : start + 3][:2]  # as the paginator reads a page
    ids = [row["id"] for row in paged]
    assert len(ids) == len(set(ids)) == 12
    assert set(ids[:7]) == at_one_place
    assert set(ids[7:]) == others


def test_a_page_is_one_query_prepared_once_on_the_connection(city, django_assert_num_queries):
    first = NearestFirstStatement(*HERE, 5, JobFilters())
    second = NearestFirstStatement(36.1, 103.9, 8, JobFilters())
    with django_assert_num_queries(1):
        assert len(first[0:21]) == 21
    with django_assert_num_queries(1):
        assert second[0:21]

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT generic_plans, custom_plans FROM pg_prepared_statements"
            " WHERE statement LIKE %s",
            ["%WITH walked AS%"],
        )
        assert cursor.fetchall() == [(2, 0)]


def test_on_postgresql_the_list_comes_from_the_statement(seeded):
    rows = jobs_nearest_first_rows(
        latitude=HERE[0], longitude=HERE[1], radius_km=5, filters=JobFilters()
    )
    assert isinstance(rows, NearestFirstStatement)


def test_a_slice_that_is_not_a_page_is_refused(seeded):
    statement = NearestFirstStatement(*HERE, 5, JobFilters())
    for page in (slice(None, None), slice(5, 2), slice(0, 10, 2), slice(-1, 3)):
        with pytest.raises(ValueError, match="a page of the list"):
            statement[page]
