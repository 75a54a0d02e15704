"""Job fairs as staff and seekers read them: the fairs, booths, registrations and intentions
of a staff member's scope, upcoming fairs near a seeker, the follow-up lists, and the
statistics reporting builds on."""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, fields, replace

from django.contrib.auth.models import User
from django.db.models import (
    Count,
    Exists,
    F,
    FloatField,
    IntegerField,
    Model,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
    Value,
)
from django.db.models.functions import ASin, Coalesce, Cos, Power, Radians, Sin, Sqrt
from django.utils import timezone

from stations.models import (
    Application,
    Booth,
    Employer,
    FairRegistration,
    Intention,
    JobFair,
    JobPost,
    JobSeeker,
    Region,
)
from stations.models.fairs import FairStatus, IntentionStatus
from stations.selectors.scope import Scope, employers_in_scope, posts_in_scope, seekers_in_scope

EARTH_RADIUS_KM = 6371.0088
UPCOMING_STATUSES = (FairStatus.PLANNED, FairStatus.UNDER_WAY)


# Scope: a fair belongs to its organising station and region; the people's records at a
# fair (registrations, intentions) follow the fair, and analysts see none of them.


def fairs_in_scope(scope: Scope) -> QuerySet[JobFair]:
    fairs = JobFair.objects.all()
    if scope.everything:
        return fairs
    if scope.empty:
        return fairs.none()
    in_region = (
        Q(region__path__startswith=scope.region_path)
        if scope.region_path is not None
        else Q(pk__in=[])
    )
    return fairs.filter(Q(station_id__in=scope.station_ids) | in_region)


def booths_in_scope(scope: Scope) -> QuerySet[Booth]:
    return Booth.objects.filter(fair__in=fairs_in_scope(scope))


def registrations_in_scope(scope: Scope) -> QuerySet[FairRegistration]:
    if not scope.personal_records:
        return FairRegistration.objects.none()
    return FairRegistration.objects.filter(fair__in=fairs_in_scope(scope))


def intentions_in_scope(scope: Scope) -> QuerySet[Intention]:
    if not scope.personal_records:
        return Intention.objects.none()
    return Intention.objects.filter(fair__in=fairs_in_scope(scope))


def fair_employers_in_scope(scope: Scope) -> QuerySet[Employer]:
    """Employers a staff member may name for a fair: those of their scope, and those with a
    booth at a fair of their scope (an employer from another district takes one)."""
    at_fairs = Booth.objects.filter(fair__in=fairs_in_scope(scope), employer=OuterRef("pk"))
    return Employer.objects.filter(
        Q(pk__in=employers_in_scope(scope).values("pk")) | Q(Exists(at_fairs))
    )


def fair_posts_in_scope(scope: Scope) -> QuerySet[JobPost]:
    """Posts a staff member may name for a fair: those of their scope, and those of the
    employers with a booth at a fair of their scope."""
    return JobPost.objects.filter(
        Q(pk__in=posts_in_scope(scope).values("pk"))
        | Q(employer__in=fair_employers_in_scope(scope))
    )


def fair_seekers_in_scope(scope: Scope) -> QuerySet[JobSeeker]:
    """Seekers a staff member may name for a fair: those of their scope, and those who
    registered for a fair of their scope (people come from anywhere)."""
    if not scope.personal_records:
        return JobSeeker.objects.none()
    registered = FairRegistration.objects.filter(
        fair__in=fairs_in_scope(scope), seeker=OuterRef("pk")
    )
    return JobSeeker.objects.filter(
        Q(pk__in=seekers_in_scope(scope).values("pk")) | Q(Exists(registered)),
        merged_into__isnull=True,
    )


# Staff lists: in scope, each row's counts and relations read in a fixed number of queries.


def _count_of(model: type[Model], **filters: object) -> Coalesce:
    """How many rows of ``model`` name the fair, as a subquery per fair."""
    rows = (
        model._default_manager.filter(fair=OuterRef("pk"), **filters)
        .order_by()
        .values("fair")
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def _jobs_offered() -> Coalesce:
    rows = (
        Booth.objects.filter(fair=OuterRef("pk"))
        .order_by()
        .values("fair")
        .annotate(total=Sum("jobs_offered"))
        .values("total")
    )
    return Coalesce(Subquery(rows, output_field=IntegerField()), Value(0))


def fairs_counted(fairs: QuerySet[JobFair]) -> QuerySet[JobFair]:
    """``fairs`` with their booth, job, registration, check-in and application counts
    (``booth_count``, ``jobs_offered_total``, ``registration_count``, ``check_in_count``,
    ``application_count``), each a subquery computed for the rows read only."""
    return fairs.annotate(
        booth_count=_count_of(Booth),
        jobs_offered_total=_jobs_offered(),
        registration_count=_count_of(FairRegistration),
        check_in_count=_count_of(FairRegistration, checked_in_at__isnull=False),
        application_count=_count_of(Application),
    )


def fair_list(scope: Scope) -> QuerySet[JobFair]:
    """The fairs of the scope, latest first, with their counts (``fairs_counted``)."""
    return fairs_counted(fairs_in_scope(scope).select_related("region", "station")).order_by(
        "-starts_at", "-pk"
    )


def booth_list(fair: JobFair) -> QuerySet[Booth]:
    return (
        fair.booths.select_related("employer")
        .prefetch_related(
            Prefetch("posts", queryset=JobPost.objects.select_related("employer").order_by("pk"))
        )
        .order_by("label", "pk")
    )


def intention_list(scope: Scope) -> QuerySet[Intention]:
    return (
        intentions_in_scope(scope)
        .select_related("fair", "seeker", "employer", "post__employer", "assigned_to")
        .order_by("-reached_at", "-pk")
    )


def intentions_overdue(
    scope: Scope, *, today: dt.date, assigned_to: User | None = None
) -> QuerySet[Intention]:
    """Open intentions whose follow-up date has passed: the follow-up list (of one staff
    member when ``assigned_to`` is given), the longest overdue first."""
    overdue = intention_list(scope).filter(status=IntentionStatus.OPEN, follow_up_by__lt=today)
    if assigned_to is not None:
        overdue = overdue.filter(assigned_to=assigned_to)
    return overdue.order_by("follow_up_by", "pk")


def fair_application_list(scope: Scope, fair: JobFair | None = None) -> QuerySet[Application]:
    """Applications made at the scope's fairs or from their streams (at ``fair`` only, when
    given), newest first. They follow the fair, as registrations do, wherever the post or the
    seeker is from (people's records: none for analysts)."""
    if not scope.personal_records:
        return Application.objects.none()
    applications = Application.objects.filter(fair__in=fairs_in_scope(scope))
    if fair is not None:
        applications = applications.filter(fair=fair)
    return applications.select_related("post__employer", "seeker", "placement").order_by(
        "-created_at", "-pk"
    )


def registration_list(scope: Scope) -> QuerySet[FairRegistration]:
    return (
        registrations_in_scope(scope)
        .select_related("fair", "seeker")
        .order_by("-registered_at", "-pk")
    )


# Seekers: upcoming fairs near them, and their own registrations.


def _for_seeker(fairs: QuerySet[JobFair], seeker: JobSeeker | None) -> QuerySet[JobFair]:
    """With the booth and job counts, and ``registered``: whether ``seeker`` registered."""
    registered = (
        Exists(FairRegistration.objects.filter(fair=OuterRef("pk"), seeker=seeker))
        if seeker is not None
        else Value(False)
    )
    return fairs.select_related("region").annotate(
        booth_count=_count_of(Booth), jobs_offered_total=_jobs_offered(), registered=registered
    )


def fairs_upcoming(*, now: dt.datetime, seeker: JobSeeker | None = None) -> QuerySet[JobFair]:
    """Fairs planned or under way that have not ended, with their booth and job counts and
    whether ``seeker`` registered."""
    return _for_seeker(
        JobFair.objects.filter(status__in=UPCOMING_STATUSES, ends_at__gt=now), seeker
    )


def fairs_near(
    fairs: QuerySet[JobFair], *, latitude: float, longitude: float, radius_km: float
) -> QuerySet[JobFair]:
    """``fairs`` within ``radius_km`` of the point, annotated with ``distance_km`` (great
    circle, from the fair's place or, for a fair without one, such as an online fair, its
    organising region's centre). A box around the circle narrows the rows first.

    Haversine: ``2R asin(sqrt(sin²((φ - φ₀)/2) + cos φ₀ cos φ sin²((λ - λ₀)/2)))``; from
    (36.06, 103.84) to (36.09, 103.86) it gives 3.75 km."""
    angle = radius_km / EARTH_RADIUS_KM
    lat_span = math.degrees(angle) * 1.0001
    reach = math.sin(angle) / max(math.cos(math.radians(latitude)), 1e-9)
    lon_span = 180.0 if reach >= 1 else math.degrees(math.asin(reach)) * 1.0001
    lat = Coalesce(F("latitude"), F("region__latitude"))
    lon = Coalesce(F("longitude"), F("region__longitude"))
    half_lat = Radians(lat - Value(latitude)) / Value(2.0)
    half_lon = Radians(lon - Value(longitude)) / Value(2.0)
    chord = Power(Sin(half_lat), 2) + Value(math.cos(math.radians(latitude))) * Cos(
        Radians(lat)
    ) * Power(Sin(half_lon), 2)
    return (
        fairs.alias(point_lat=lat, point_lon=lon)
        .filter(
            point_lat__range=(latitude - lat_span, latitude + lat_span),
            point_lon__range=(longitude - lon_span, longitude + lon_span),
        )
        .annotate(
            distance_km=Value(2 * EARTH_RADIUS_KM, output_field=FloatField())
            * ASin(Sqrt(chord), output_field=FloatField())
        )
        .filter(distance_km__lte=radius_km)
    )


def fairs_for_seeker(seeker: JobSeeker, *, now: dt.datetime) -> QuerySet[JobFair]:
    """The fairs a seeker may open: upcoming ones, and past ones they registered for."""
    registered = FairRegistration.objects.filter(fair=OuterRef("pk"), seeker=seeker)
    return _for_seeker(
        JobFair.objects.filter(
            Q(status__in=UPCOMING_STATUSES, ends_at__gt=now) | Q(Exists(registered))
        ),
        seeker,
    )


def seeker_registrations(seeker: JobSeeker) -> QuerySet[FairRegistration]:
    return (
        FairRegistration.objects.filter(seeker=seeker)
        .select_related("fair__region")
        .order_by("-fair__starts_at", "-pk")
    )


# Statistics: what reporting (issue 7) builds on.


@dataclass(frozen=True)
class FairFigures:
    """The fairs held in a region and period (all of them, or those of one format and
    series), and what came of them."""

    format: str
    series: str
    fairs: int = 0
    booths: int = 0
    jobs_offered: int = 0
    registrations: int = 0
    check_ins: int = 0
    viewers: int = 0
    applications: int = 0
    intentions: int = 0
    hires: int = 0

    def __add__(self, other: FairFigures) -> FairFigures:
        counts = {
            field.name: getattr(self, field.name) + getattr(other, field.name)
            for field in fields(self)
            if field.name not in {"format", "series"}
        }
        return replace(self, **counts)


@dataclass(frozen=True)
class FairStatistics:
    region: Region
    start: dt.date
    end: dt.date
    rows: tuple[FairFigures, ...]  # by format and series
    total: FairFigures


def _start_of(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min))


def fair_statistics(*, region: Region, start: dt.date, end: dt.date) -> FairStatistics:
    """The fairs held in ``region`` (and below) that started between ``start`` and ``end``
    (local days, both included), by format and series: booths, jobs offered (the booths'
    own figures), registrations, check-ins at the gate, live-broadcast viewers, applications
    made from the fairs, intentions reached and those that became hires.

    One grouped query: each fair's counts are subqueries (a join of booths, registrations
    and intentions at once would multiply them), summed per format and series."""
    per_fair = (
        JobFair.objects.filter(
            status=FairStatus.HELD,
            region__path__startswith=region.path,
            starts_at__gte=_start_of(start),
            starts_at__lt=_start_of(end + dt.timedelta(days=1)),
        )
        .annotate(
            booth_count=_count_of(Booth),
            jobs=_jobs_offered(),
            registration_count=_count_of(FairRegistration),
            check_in_count=_count_of(FairRegistration, checked_in_at__isnull=False),
            application_count=_count_of(Application),
            intention_count=_count_of(Intention),
            hire_count=_count_of(Intention, status=IntentionStatus.HIRED),
        )
        .order_by()
        .values("format", "series")
        .annotate(
            total_fairs=Count("pk"),
            total_booths=Sum("booth_count"),
            total_jobs_offered=Sum("jobs"),
            total_registrations=Sum("registration_count"),
            total_check_ins=Sum("check_in_count"),
            total_viewers=Sum("viewers"),
            total_applications=Sum("application_count"),
            total_intentions=Sum("intention_count"),
            total_hires=Sum("hire_count"),
        )
        .order_by("format", "series")
    )
    rows = tuple(
        FairFigures(
            format=row["format"],
            series=row["series"],
            fairs=row["total_fairs"],
            booths=row["total_booths"] or 0,
            jobs_offered=row["total_jobs_offered"] or 0,
            registrations=row["total_registrations"] or 0,
            check_ins=row["total_check_ins"] or 0,
            viewers=row["total_viewers"] or 0,
            applications=row["total_applications"] or 0,
            intentions=row["total_intentions"] or 0,
            hires=row["total_hires"] or 0,
        )
        for row in per_fair
    )
    total = FairFigures(format="", series="")
    for row in rows:
        total += row
    return FairStatistics(region=region, start=start, end=end, rows=rows, total=total)
