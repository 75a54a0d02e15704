"""What a staff member may see: their stations, everything under their region, or nothing.

Every admin queryset and API list of station records goes through these functions, so a
scope is enforced in one place. Bureau analysts see no personal records at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import Exists, OuterRef, Q, QuerySet

from stations.models import (
    Application,
    Employer,
    JobPost,
    JobSeeker,
    Placement,
    Region,
    Staff,
    Station,
    WageClaim,
)
from stations.models.organisation import StaffRole


@dataclass(frozen=True)
class Scope:
    everything: bool = False
    station_ids: frozenset[int] = frozenset()
    region_path: str | None = None
    personal_records: bool = False

    @property
    def empty(self) -> bool:
        return not self.everything and not self.station_ids and self.region_path is None


_NOTHING = Scope()


def scope_for(user: User | AnonymousUser) -> Scope:
    """The user's scope, computed once per user object (one request)."""
    cached: Scope | None = getattr(user, "_stations_scope", None)
    if cached is not None:
        return cached
    scope = _compute_scope(user)
    user._stations_scope = scope  # type: ignore[union-attr]
    return scope


def _compute_scope(user: User | AnonymousUser) -> Scope:
    if not user.is_authenticated or not user.is_active:
        return _NOTHING
    if user.is_superuser:
        return Scope(everything=True, personal_records=True)
    staff = Staff.objects.select_related("region").filter(user=user).first()
    if staff is None:
        return _NOTHING
    station_ids = set(staff.stations.values_list("pk", flat=True))
    region_path = staff.region.path if staff.region is not None else None
    if region_path is not None:
        station_ids |= set(
            Station.objects.filter(region__path__startswith=region_path).values_list(
                "pk", flat=True
            )
        )
    return Scope(
        station_ids=frozenset(station_ids),
        region_path=region_path,
        personal_records=staff.role != StaffRole.BUREAU_ANALYST,
    )


def _region_q(scope: Scope, path_field: str) -> Q:
    if scope.region_path is None:
        return Q(pk__in=[])
    return Q(**{f"{path_field}__startswith": scope.region_path})


def seekers_in_scope(scope: Scope) -> QuerySet[JobSeeker]:
    seekers = JobSeeker.objects.all()
    if not scope.personal_records or scope.empty:
        return seekers.none()
    if scope.everything:
        return seekers
    # As at a station, so over a region: whoever applied to a post in scope is in scope, or
    # staff would see an application without its seeker.
    applied_here = Application.objects.filter(
        Q(post__station_id__in=scope.station_ids) | _region_q(scope, "post__region__path"),
        seeker=OuterRef("pk"),
    )
    return seekers.filter(
        Q(registering_station_id__in=scope.station_ids)
        | Exists(applied_here)
        | _region_q(scope, "residence_region__path")
    )


def posts_in_scope(scope: Scope) -> QuerySet[JobPost]:
    posts = JobPost.objects.all()
    if scope.everything:
        return posts
    if scope.empty:
        return posts.none()
    return posts.filter(Q(station_id__in=scope.station_ids) | _region_q(scope, "region__path"))


def employers_in_scope(scope: Scope) -> QuerySet[Employer]:
    employers = Employer.objects.all()
    if scope.everything:
        return employers
    if scope.empty:
        return employers.none()
    posting_here = JobPost.objects.filter(
        Q(station_id__in=scope.station_ids) | _region_q(scope, "region__path"),
        employer=OuterRef("pk"),
    )
    return employers.filter(
        Q(registering_station_id__in=scope.station_ids)
        | Exists(posting_here)
        | _region_q(scope, "region__path")
    )


def applications_in_scope(scope: Scope) -> QuerySet[Application]:
    applications = Application.objects.all()
    if not scope.personal_records or scope.empty:
        return applications.none()
    if scope.everything:
        return applications
    return applications.filter(
        Q(post__station_id__in=scope.station_ids)
        | Q(seeker__registering_station_id__in=scope.station_ids)
        | _region_q(scope, "post__region__path")
    )


def placements_in_scope(scope: Scope) -> QuerySet[Placement]:
    return Placement.objects.filter(application__in=applications_in_scope(scope))


def wage_claims_in_scope(scope: Scope) -> QuerySet[WageClaim]:
    claims = WageClaim.objects.all()
    if not scope.personal_records or scope.empty:
        return claims.none()
    if scope.everything:
        return claims
    return claims.filter(
        Q(seeker__in=seekers_in_scope(scope)) | Q(employer__in=employers_in_scope(scope))
    )


def stations_in_scope(scope: Scope) -> QuerySet[Station]:
    stations = Station.objects.all()
    if scope.everything:
        return stations
    return stations.filter(pk__in=scope.station_ids)


def staff_in_scope(scope: Scope) -> QuerySet[Staff]:
    """Staff members working at the scope's stations or inside its region."""
    staff = Staff.objects.all()
    if scope.everything:
        return staff
    if scope.empty:
        return staff.none()
    return staff.filter(
        Q(stations__in=scope.station_ids) | _region_q(scope, "region__path")
    ).distinct()


def regions_in_scope(scope: Scope) -> QuerySet[Region]:
    regions = Region.objects.all()
    if scope.everything:
        return regions
    if scope.region_path is None:
        return regions.none()
    return regions.filter(path__startswith=scope.region_path)
