"""Open posts as job seekers find them: near a point, filtered, with their distance."""

from __future__ import annotations

import datetime as dt
import math
from decimal import Decimal

from django.db.models import Count, F, FloatField, Q, QuerySet, Value
from django.db.models.functions import ASin, Coalesce, Cos, Power, Radians, Sin, Sqrt

from stations.models import HOLDS_OPENING, JobPost
from stations.models.posts import PostStatus, WageUnit

EARTH_RADIUS_KM = 6371.0088
HOURS_PER_DAY = Decimal(8)
WORKING_DAYS_PER_MONTH = Decimal("21.75")  # as matching converts offers to a day's pay


def open_jobs() -> QuerySet[JobPost]:
    return (
        JobPost.objects.filter(status=PostStatus.OPEN)
        .select_related("employer", "occupation", "region")
        .annotate(held=Count("applications", filter=Q(applications__status__in=HOLDS_OPENING)))
    )


def jobs_near(
    jobs: QuerySet[JobPost], *, latitude: float, longitude: float, radius_km: float
) -> QuerySet[JobPost]:
    """``jobs`` within ``radius_km`` of the point, annotated with ``distance_km`` (great
    circle, from the post's coordinates or its region's centre). A box on the coordinates
    narrows the rows before the exact distance is computed."""
    lat_span = radius_km / 111.0
    lon_span = radius_km / (111.0 * max(math.cos(math.radians(latitude)), 0.01))
    lat = Coalesce(F("latitude"), F("region__latitude"))
    lon = Coalesce(F("longitude"), F("region__longitude"))
    half_lat = Radians(lat - Value(latitude)) / Value(2.0)
    half_lon = Radians(lon - Value(longitude)) / Value(2.0)
    chord = Power(Sin(half_lat), 2) + Cos(Radians(Value(latitude))) * Cos(Radians(lat)) * Power(
        Sin(half_lon), 2
    )
    return (
        jobs.alias(point_lat=lat, point_lon=lon)
        .filter(
            point_lat__gte=latitude - lat_span,
            point_lat__lte=latitude + lat_span,
            point_lon__gte=longitude - lon_span,
            point_lon__lte=longitude + lon_span,
        )
        .annotate(
            distance_km=Value(2 * EARTH_RADIUS_KM, output_field=FloatField())
            * ASin(Sqrt(chord), output_field=FloatField())
        )
        .filter(distance_km__lte=radius_km)
    )


def jobs_paying_at_least(jobs: QuerySet[JobPost], daily_wage: Decimal) -> QuerySet[JobPost]:
    """Posts whose offer, as a day's pay, reaches ``daily_wage`` (piece rates never do)."""
    return jobs.filter(
        Q(wage_unit=WageUnit.DAY, wage_amount__gte=daily_wage)
        | Q(wage_unit=WageUnit.HOUR, wage_amount__gte=daily_wage / HOURS_PER_DAY)
        | Q(wage_unit=WageUnit.MONTH, wage_amount__gte=daily_wage * WORKING_DAYS_PER_MONTH)
    )


def jobs_on(jobs: QuerySet[JobPost], day: dt.date) -> QuerySet[JobPost]:
    return jobs.filter(starts_on__lte=day, ends_on__gte=day)
