"""Open posts near a point, nearest first, a page at a time: the API's busiest read.

On PostgreSQL it is one hand-written statement, prepared once per connection (``core.db``):
building and compiling the ORM's two queries (is there a post placed only by its region near
the point? then the page) cost the web process about as much as the rest of the request,
and planning them cost the database three times what running them did. Elsewhere (SQLite,
the embedded mode) the ORM's ``jobs_near`` serves. ``tests/stations/test_nearest.py`` holds
the two equal on PostgreSQL.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, Protocol

from django.db import connections

from core.db import fetch_all
from stations.models import HOLDS_OPENING, JobPost
from stations.models.posts import PostStatus
from stations.selectors.jobs import (
    LIST_FIELDS,
    JobFilters,
    box_spans,
    great_circle_sql,
    job_list_rows,
    jobs_filtered,
    jobs_near,
    jobs_nearest_first,
    occupation_path_patterns,
    open_jobs,
    wage_thresholds,
)


class JobRows(Protocol):
    """Rows as ``job_list_rows`` gives them, read a slice (a page) at a time."""

    def __getitem__(self, page: slice) -> Iterable[dict[str, Any]]: ...


def jobs_nearest_first_rows(
    *, latitude: float, longitude: float, radius_km: float, filters: JobFilters
) -> JobRows:
    """The open posts within ``radius_km`` of the point that pass ``filters``, nearest
    first, as ``job_list_rows``' plain rows with their ``distance_km``."""
    if connections[JobPost.objects.db].vendor == "postgresql":
        return NearestFirstStatement(latitude, longitude, radius_km, filters)
    return nearest_first_queryset(
        latitude=latitude, longitude=longitude, radius_km=radius_km, filters=filters
    )


def nearest_first_queryset(
    *, latitude: float, longitude: float, radius_km: float, filters: JobFilters
) -> JobRows:
    """``jobs_nearest_first_rows`` by the ORM."""
    near = jobs_near(
        open_jobs(listed=True), latitude=latitude, longitude=longitude, radius_km=radius_km
    )
    rows: JobRows = job_list_rows(jobs_nearest_first(jobs_filtered(near, filters)))
    return rows


# The point on the unit sphere of a place in degrees: the expression of the GiST index
# jobpost_open_sphere (migrations 0006 and 0012: open posts with coordinates), whose `<->`
# orders them nearest first.
SPHERE_POINT = (
    "cube(ARRAY[COS(RADIANS({lat})) * COS(RADIANS({lon})),"
    " COS(RADIANS({lat})) * SIN(RADIANS({lon})), SIN(RADIANS({lat}))])"
)
HERE = "cube(ARRAY[%(x)s, %(y)s, %(z)s])"
ROW_NAMES = ("id", "occupation", *LIST_FIELDS, "held", "distance_km")
TABLES = {"": "post", "employer": "employer", "region": "region", "occupation": "occupation"}


@dataclass(frozen=True)
class NearestFirstStatement:
    """PostgreSQL: ``jobs_nearest_first_rows`` in one statement, each slice one execution.

    Posts with coordinates are read from the sphere index nearest first, as many as the
    slice ends at; posts placed only by their region's centre (few: work at a station) are
    added by their own index, and the page is cut from the two. Posts as near as each other
    come by id, as in the ORM's order."""

    latitude: float
    longitude: float
    radius_km: float
    filters: JobFilters

    def __getitem__(self, page: slice) -> list[dict[str, Any]]:
        start = page.start or 0
        if page.stop is None or page.step is not None or not 0 <= start <= page.stop:
            raise ValueError("a page of the list is a slice [start:stop] with 0 <= start <= stop")
        rows = fetch_all(
            _statement(**{name: value is not None for name, value in vars(self.filters).items()}),
            {**self._place(), **self._filters(), "stop": page.stop, "start": start},
            using=JobPost.objects.db,
        )
        return [dict(zip(ROW_NAMES, row, strict=True)) for row in rows]

    def _place(self) -> dict[str, float]:
        lat, lon = math.radians(self.latitude), math.radians(self.longitude)
        lat_span, lon_span = box_spans(self.latitude, self.radius_km)
        return {
            "x": math.cos(lat) * math.cos(lon),
            "y": math.cos(lat) * math.sin(lon),
            "z": math.sin(lat),
            "latitude": self.latitude,
            "cos_latitude": math.cos(lat),
            "longitude": self.longitude,
            "lat_span": lat_span,
            "lon_span": lon_span,
            "radius_km": self.radius_km,
        }

    def _filters(self) -> dict[str, Any]:
        filters = self.filters
        values: dict[str, Any] = {}
        if filters.occupation is not None:
            like = connections[JobPost.objects.db].ops.prep_for_like_query
            prefix, inside = occupation_path_patterns(filters.occupation)
            values.update(
                occupation_prefix=f"{like(prefix)}%", occupation_inside=f"%{like(inside)}%"
            )
        if filters.min_daily_wage is not None:
            values.update(
                {
                    f"wage_{unit}": amount
                    for unit, amount in wage_thresholds(filters.min_daily_wage).items()
                }
            )
        if filters.day is not None:
            values["day"] = filters.day
        if filters.take_home is not None:
            values["take_home"] = filters.take_home
        return values


@functools.cache
def _statement(*, occupation: bool, min_daily_wage: bool, day: bool, take_home: bool) -> str:
    """The statement for the filters given (one prepared statement for each combination)."""
    conditions = []
    if occupation:
        conditions.append(
            "post.occupation_id IN (SELECT id FROM stations_occupation WHERE"
            " path::text LIKE %(occupation_prefix)s OR path::text LIKE %(occupation_inside)s)"
        )
    if min_daily_wage:
        paying = " OR ".join(
            f"(post.wage_unit = '{unit}' AND post.wage_amount >= %(wage_{unit})s)"
            for unit in wage_thresholds(Decimal(0))  # its units only
        )
        conditions.append(f"({paying})")
    if day:
        conditions.append("post.starts_on <= %(day)s AND post.ends_on >= %(day)s")
    if take_home:
        conditions.append("post.take_home = %(take_home)s")
    narrowed = "".join(f" AND {condition}" for condition in conditions)

    def within(table: str) -> str:
        # jobs_near's box, as distances from the point: planned once for any point, a range
        # on the columns would look narrow enough to PostgreSQL to read it by the columns'
        # index and sort, rather than walk the sphere index nearest first. (The box drops
        # nothing the circle keeps: it spares the formula.)
        return (
            f"ABS({table}.latitude - %(latitude)s) <= %(lat_span)s"
            f" AND ABS({table}.longitude - %(longitude)s) <= %(lon_span)s"
            f" AND {_distance_sql(table)} <= %(radius_km)s"
        )

    def place(table: str) -> str:
        point = SPHERE_POINT.format(lat=f"{table}.latitude", lon=f"{table}.longitude")
        return f"{point} <-> {HERE} AS nearness, {_distance_sql(table)} AS distance_km"

    select = ", ".join(
        f"{TABLES[relation]}.{column}"
        for relation, _, column in (
            name.rpartition("__") for name in ("id", "occupation_id", *LIST_FIELDS)
        )
    )
    holding = ", ".join(f"'{status}'" for status in HOLDS_OPENING)
    # Names and values from the code (choices), the request's values as parameters. Posts as
    # near as each other go by id. The index walk's own order among equals is not an order
    # (a sort under a LIMIT, which PostgreSQL plans for few posts, changes it with the
    # LIMIT), so where the walk stops inside a group of posts at one place, the rest of that
    # place's posts are added (by jobpost_status_place), and every page cuts the same list.
    # Ordering the walk by (nearness, id) instead would cost the index walk: PostgreSQL 15
    # sorts every post in the box for it.
    return f"""
        WITH walked AS MATERIALIZED (
            SELECT post.id, post.latitude, post.longitude, {place("post")}
            FROM stations_jobpost post
            WHERE post.status = '{PostStatus.OPEN}' AND post.latitude IS NOT NULL
                AND {within("post")}{narrowed}
            ORDER BY nearness
            LIMIT %(stop)s
        ), near AS (
            SELECT id, nearness, distance_km, false AS placeless FROM walked
            UNION ALL
            SELECT post.id, {place("post")}, false
            FROM stations_jobpost post
            WHERE post.status = '{PostStatus.OPEN}'
                AND (post.latitude, post.longitude) IN (
                    SELECT latitude, longitude FROM walked
                    WHERE nearness = (SELECT MAX(nearness) FROM walked))
                AND post.id NOT IN (SELECT id FROM walked)
                AND {within("post")}{narrowed}
            UNION ALL
            SELECT post.id, {place("region")}, true
            FROM stations_jobpost post JOIN stations_region region ON region.id = post.region_id
            WHERE post.status = '{PostStatus.OPEN}' AND post.latitude IS NULL
                AND {within("region")}{narrowed}
        ), page AS (
            SELECT * FROM near ORDER BY nearness, placeless, id
            LIMIT %(stop)s - %(start)s OFFSET %(start)s
        )
        SELECT {select},
            (SELECT COUNT(*) FROM stations_application application
             WHERE application.post_id = post.id AND application.status IN ({holding})),
            page.distance_km
        FROM page
        JOIN stations_jobpost post ON post.id = page.id
        JOIN stations_employer employer ON employer.id = post.employer_id
        JOIN stations_region region ON region.id = post.region_id
        JOIN stations_occupation occupation ON occupation.id = post.occupation_id
        ORDER BY page.nearness, page.placeless, page.id
    """  # noqa: S608


def _distance_sql(table: str) -> str:
    """The distance in km from the point to ``table``'s latitude and longitude."""
    return great_circle_sql(
        f"{table}.latitude",
        f"{table}.longitude",
        "%(latitude)s",
        "%(cos_latitude)s",
        "%(longitude)s",
    )
