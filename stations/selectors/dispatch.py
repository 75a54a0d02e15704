"""The station day as staff see it: the queue, the posts to fill, and the daily sheet."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Count, Q, QuerySet

from stations.models import HOLDS_OPENING, JobPost, SignIn, Station
from stations.models.posts import PostStatus
from stations.selectors.scope import Scope, stations_in_scope


def sign_ins_in_scope(scope: Scope) -> QuerySet[SignIn]:
    """Sign-ins at the stations of the scope."""
    return SignIn.objects.filter(station__in=stations_in_scope(scope))


def queue_of(station: Station, day: dt.date) -> QuerySet[SignIn]:
    """Everyone who signed in, in queue order."""
    return (
        SignIn.objects.filter(station=station, day=day)
        .select_related("seeker", "application__post__employer", "application__placement")
        .order_by("position", "pk")
    )


def queue_waiting(station: Station, day: dt.date) -> QuerySet[SignIn]:
    """Those still waiting: not dispatched and not sent home with a reason."""
    return queue_of(station, day).filter(application__isnull=True, not_dispatched_reason="")


def posts_to_fill(station: Station, day: dt.date) -> QuerySet[JobPost]:
    """Open posts with work on ``day`` that the station dispatches to: its own, those worked
    at it, and those in its region posted without a station; each with ``held`` openings."""
    return (
        JobPost.objects.filter(status=PostStatus.OPEN, starts_on__lte=day, ends_on__gte=day)
        .filter(
            Q(station=station)
            | Q(work_at_station=station)
            | Q(station__isnull=True, region__path__startswith=station.region.path)
        )
        .select_related("employer", "occupation", "region")
        .prefetch_related("required_certificates")
        .annotate(held=Count("applications", filter=Q(applications__status__in=HOLDS_OPENING)))
        .order_by("pk")
    )


@dataclass(frozen=True)
class DailySheet:
    station: Station
    day: dt.date
    signed_in: int
    dispatched: int
    waiting: int
    not_dispatched: dict[str, int]  # reason → people
    wages_agreed: dict[str, Decimal]  # wage unit (day, hour, piece...) → the sum agreed
    rows: list[SignIn]


def daily_sheet(station: Station, day: dt.date) -> DailySheet:
    """Signed in, dispatched (to what, at what pay), not dispatched and why."""
    rows = list(queue_of(station, day))
    dispatched = [row for row in rows if row.application_id is not None]
    reasons: dict[str, int] = {}
    for row in rows:
        if row.application_id is None and row.not_dispatched_reason:
            reasons[row.not_dispatched_reason] = reasons.get(row.not_dispatched_reason, 0) + 1
    wages: dict[str, Decimal] = {}
    for row in dispatched:
        placement = getattr(row.application, "placement", None)
        if placement is not None:
            unit = placement.agreed_wage_unit
            wages[unit] = wages.get(unit, Decimal(0)) + placement.agreed_wage_amount
    return DailySheet(
        station=station,
        day=day,
        signed_in=len(rows),
        dispatched=len(dispatched),
        waiting=sum(
            1 for row in rows if row.application_id is None and not row.not_dispatched_reason
        ),
        not_dispatched=reasons,
        wages_agreed=wages,
        rows=rows,
    )
