"""Open posts as job seekers find them: near a point, filtered, with their distance."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models import Expression, F, FloatField, Func, IntegerField, Q, QuerySet
from django.db.models.functions import Coalesce
from django.db.models.sql.compiler import SQLCompiler

from stations.models import HOLDS_OPENING, Application, JobPost
from stations.models.posts import PostStatus, WageUnit

EARTH_RADIUS_KM = 6371.0088
HOURS_PER_DAY = Decimal(8)
WORKING_DAYS_PER_MONTH = Decimal("21.75")  # as matching converts offers to a day's pay


# What a list of jobs shows (api.serializers.JobSerializer): the rest of the three tables'
# columns would be read, parsed and dropped 20 times a page.
LIST_FIELDS = (
    *("reference", "title", "kind", "openings", "wage_amount", "wage_unit", "settlement"),
    *("starts_on", "ends_on", "shift_starts_at", "shift_ends_at", "take_home"),
    *("latitude", "longitude", "status", "employer__name", "region__code"),
    *("occupation__code", "occupation__name_zh_hans", "occupation__name_en"),
)


@dataclass(frozen=True)
class JobFilters:
    """What a seeker narrows a list of open posts by, besides a place."""

    occupation: str | None = None  # a code: posts of that occupation or of any below it
    min_daily_wage: Decimal | None = None  # posts paying at least this as a day's pay
    day: dt.date | None = None  # posts with work on that day
    take_home: bool | None = None


def open_jobs(*, listed: bool = False) -> QuerySet[JobPost]:
    """Open posts with their employer, occupation and region, and ``held``: the openings
    taken by hired (or working, or done) applicants, counted for the rows read only.
    ``listed``: only the columns a list of jobs shows (``LIST_FIELDS``)."""
    jobs = (
        JobPost.objects.filter(status=PostStatus.OPEN)
        .select_related("employer", "occupation", "region")
        .annotate(held=_HeldOpenings())
    )
    return jobs.only(*LIST_FIELDS) if listed else jobs


def job_list_rows(jobs: QuerySet[JobPost]) -> QuerySet[JobPost, dict[str, Any]]:
    """``jobs`` as plain rows of what a list shows (``LIST_FIELDS``, ``held`` and, near a
    point, ``distance_km``): a page of 20 posts as model instances with their employer,
    occupation and region costs the web process more than the database's whole answer."""
    names = ["id", "occupation", *LIST_FIELDS, "held"]
    if "distance_km" in jobs.query.annotations:
        names.append("distance_km")
    return jobs.values(*names)


def jobs_near(
    jobs: QuerySet[JobPost], *, latitude: float, longitude: float, radius_km: float
) -> QuerySet[JobPost]:
    """``jobs`` within ``radius_km`` of the point, annotated with ``distance_km`` (great
    circle, from the post's coordinates or, for a post without them, its region's centre).

    A box around the circle narrows the rows on an index before the exact distance is
    computed. When no post in ``jobs`` needs its region's centre near the point (posts
    without coordinates are rare: work at a station), the posts' own columns are used
    alone, which the index on them serves. (Nearest first on PostgreSQL, the API reads
    ``stations.selectors.nearest``' statement instead.)"""
    lat_span, lon_span = box_spans(latitude, radius_km)
    lat_range = (latitude - lat_span, latitude + lat_span)
    lon_range = (longitude - lon_span, longitude + lon_span)
    placeless_near = JobPost.objects.filter(
        status=PostStatus.OPEN,
        latitude__isnull=True,
        region__latitude__range=lat_range,
        region__longitude__range=lon_range,
    ).exists()
    if not placeless_near:
        jobs = jobs.filter(latitude__range=lat_range, longitude__range=lon_range)
        return jobs.annotate(
            distance_km=GreatCircleKm(F("latitude"), F("longitude"), latitude, longitude)
        ).filter(distance_km__lte=radius_km)
    lat = Coalesce(F("latitude"), F("region__latitude"))
    lon = Coalesce(F("longitude"), F("region__longitude"))
    return (
        jobs.filter(
            Q(latitude__range=lat_range, longitude__range=lon_range)
            | Q(
                latitude__isnull=True,
                region__latitude__range=lat_range,
                region__longitude__range=lon_range,
            )
        )
        .annotate(distance_km=GreatCircleKm(lat, lon, latitude, longitude))
        .filter(distance_km__lte=radius_km)
    )


def jobs_nearest_first(jobs: QuerySet[JobPost]) -> QuerySet[JobPost]:
    """``jobs_near``'s posts nearest first, posts as near as each other by id."""
    return jobs.order_by(F("distance_km"), "pk")


def jobs_filtered(jobs: QuerySet[JobPost], filters: JobFilters) -> QuerySet[JobPost]:
    """``jobs`` narrowed by ``filters``."""
    if filters.occupation is not None:
        prefix, inside = occupation_path_patterns(filters.occupation)
        jobs = jobs.filter(
            Q(occupation__path__startswith=prefix) | Q(occupation__path__contains=inside)
        )
    if filters.min_daily_wage is not None:
        jobs = jobs_paying_at_least(jobs, filters.min_daily_wage)
    if filters.day is not None:
        jobs = jobs_on(jobs, filters.day)
    if filters.take_home is not None:
        jobs = jobs.filter(take_home=filters.take_home)
    return jobs


def occupation_path_patterns(code: str) -> tuple[str, str]:
    """An occupation is at or under ``code`` when its path (``4/4-03/4-03-02/``) begins
    with the first pattern (``code`` is a major group) or holds the second (any other)."""
    return f"{code}/", f"/{code}/"


def jobs_paying_at_least(jobs: QuerySet[JobPost], daily_wage: Decimal) -> QuerySet[JobPost]:
    """Posts whose offer, as a day's pay, reaches ``daily_wage`` (piece rates never do)."""
    least = Q()
    for unit, amount in wage_thresholds(daily_wage).items():
        least |= Q(wage_unit=unit, wage_amount__gte=amount)
    return jobs.filter(least)


def wage_thresholds(daily_wage: Decimal) -> dict[WageUnit, Decimal]:
    """The least offer per unit that makes ``daily_wage`` (200 a day: 25 an hour, 4350 a
    month); piece rates have none."""
    return {
        WageUnit.DAY: daily_wage,
        WageUnit.HOUR: daily_wage / HOURS_PER_DAY,
        WageUnit.MONTH: daily_wage * WORKING_DAYS_PER_MONTH,
    }


def jobs_on(jobs: QuerySet[JobPost], day: dt.date) -> QuerySet[JobPost]:
    return jobs.filter(starts_on__lte=day, ends_on__gte=day)


def box_spans(latitude: float, radius_km: float) -> tuple[float, float]:
    """Half the height and width, in degrees, of the smallest box holding the circle.

    The circle reaches ``radius_km / R`` radians north and south, and east and west
    ``asin(sin(d) / cos(latitude))``: at 36.06° N, 10 km is 0.0899° and 0.1112°."""
    angle = radius_km / EARTH_RADIUS_KM
    lat_span = math.degrees(angle) * 1.0001
    reach = math.sin(angle) / max(math.cos(math.radians(latitude)), 1e-9)
    lon_span = 180.0 if reach >= 1 else math.degrees(math.asin(reach)) * 1.0001
    return lat_span, lon_span


def great_circle_sql(lat: str, lon: str, latitude: str, cos_latitude: str, longitude: str) -> str:
    """The SQL of the great-circle distance in km from the point at SQL ``lat`` and ``lon``
    (degrees) to the point at ``latitude``, ``longitude``, by the haversine formula:
    ``2R asin(sqrt(sin²((φ - φ₀)/2) + cos φ₀ cos φ sin²((λ - λ₀)/2)))``."""
    return (
        f"({2 * EARTH_RADIUS_KM!r} * ASIN(SQRT(POWER(SIN(RADIANS({lat} - {latitude}) / 2), 2)"
        f" + {cos_latitude} * COS(RADIANS({lat}))"
        f" * POWER(SIN(RADIANS({lon} - {longitude}) / 2), 2))))"
    )


class GreatCircleKm(Func):
    """The great-circle distance in km from the point given by two expressions (degrees)
    to a fixed point (``great_circle_sql``).

    One SQL template rather than a tree of ``Sin``, ``Power``, ...: the tree costs more to
    build and compile than the query costs the database. From (36.06, 103.84) to (36.09,
    103.86): 3.75 km."""

    output_field = FloatField()

    def __init__(
        self, lat: Expression | F, lon: Expression | F, latitude: float, longitude: float
    ) -> None:
        super().__init__(lat, lon)
        self.point = (latitude, longitude)

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        (lat, lat_params), (lon, lon_params) = (
            compiler.compile(expression) for expression in self.get_source_expressions()
        )
        latitude, longitude = self.point
        sql = great_circle_sql(lat, lon, "%s", "%s", "%s")
        params = [*lat_params, latitude, math.cos(math.radians(latitude))]
        return sql, (*params, *lat_params, *lon_params, longitude)


class _HeldOpenings(Func):
    """The post's applications that hold an opening, as a subquery in the select list: the
    database counts them for the page's rows only (a join grouped by post would count
    them for every post within the radius before the page is cut)."""

    output_field = IntegerField()

    def __init__(self) -> None:
        super().__init__(F("pk"))

    def as_sql(
        self,
        compiler: SQLCompiler,
        connection: BaseDatabaseWrapper,
        function: str | None = None,
        template: str | None = None,
        arg_joiner: str | None = None,
        **extra_context: Any,
    ) -> tuple[str, tuple[Any, ...]]:
        post, params = compiler.compile(self.get_source_expressions()[0])
        quote = connection.ops.quote_name
        table = quote(Application._meta.db_table)
        column = f"{table}.{quote(str(Application._meta.get_field('post').column))}"
        status = f"{table}.{quote(str(Application._meta.get_field('status').column))}"
        holding = ", ".join(["%s"] * len(HOLDS_OPENING))
        # Names from the model, values as parameters.
        sql = f"(SELECT COUNT(*) FROM {table} WHERE {column} = {post} AND {status} IN ({holding}))"  # noqa: S608
        return sql, (*params, *HOLDS_OPENING)
