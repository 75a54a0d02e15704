"""The engine's inputs read from the database: the taxonomy, whole columns of seekers, posts.

A city of a million seekers is read in a handful of queries, each fetched straight into
NumPy columns (no model instances): ``seeker_columns`` is the fast path for the full load and
the same function, given ids, refreshes the few seekers that changed.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

import numpy as np
from django.db import connections
from django.db.models import (
    Case,
    Count,
    F,
    FloatField,
    Func,
    IntegerField,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models.functions import Cast, Coalesce
from numpy.typing import NDArray

from matching.engine import MatchConfig, PostRecord, SeekerRecord, SeekerSnapshot, Taxonomy
from matching.engine.snapshot import BOOKING_COLUMNS, NEVER_EXPIRES, SKILL_COLUMNS
from matching.models import MatchingPolicy, Notification
from stations.models import (
    Application,
    CertificateKind,
    JobPost,
    JobSeeker,
    KeyGroup,
    Occupation,
    Placement,
    SeekerCertificate,
    SeekerKeyGroup,
    SeekerSkill,
)
from stations.models.common import AVAILABILITY_ALL
from stations.models.placements import HOLDS_OPENING, ApplicationStatus
from stations.models.posts import PostStatus, WageUnit

# Seekers who are matched at all: looking for work, not a merged duplicate.
MATCHABLE_STATUSES = (JobSeeker.EmploymentStatus.UNEMPLOYED, JobSeeker.EmploymentStatus.FLEXIBLE)
# Recent exposure: posts pushed to a person in this many days.
EXPOSURE_WINDOW_DAYS = 30
DEFAULT_CONFIG = MatchConfig()
# Converting offers to a day's pay.
HOURS_PER_DAY = 8
WORKING_DAYS_PER_MONTH = Decimal("21.75")


def _fetch(queryset: QuerySet[Any]) -> list[tuple[Any, ...]]:
    """The rows of a ``values_list`` queryset as plain tuples, without the ORM's per-row work."""
    sql, params = queryset.query.sql_with_params()
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _matrix(queryset: QuerySet[Any], columns: int) -> NDArray[np.float64]:
    """A ``values_list`` of numbers only (no NULLs) as one float array, rows × columns:
    converted in C, not value by value in Python."""
    rows = _fetch(queryset)
    return np.array(rows, dtype=np.float64).reshape(len(rows), columns)


class DayNumber(Func):
    """A date's (a timestamp's UTC date's) ordinal, ``date.toordinal()``, computed by the
    database: reading a million dates as Python objects costs seconds."""

    output_field = IntegerField()
    template = "((%(expressions)s)::date - DATE '0001-01-01' + 1)"  # PostgreSQL

    def as_sqlite(self, compiler: Any, connection: Any, **extra: Any) -> Any:
        # julianday('0001-01-01') is 1721425.5, the day whose ordinal is 1.
        template = "CAST(julianday(date(%(expressions)s)) - 1721424.5 AS INTEGER)"
        return super().as_sql(compiler, connection, template=template, **extra)


# Stands for NULL in the numeric fetches (no coordinate, wage or day is this).
MISSING = -1.0


def _rows_of(seeker_ids: NDArray[np.int64], owners: NDArray[Any]) -> NDArray[np.int64]:
    """The row of each owner id in ``seeker_ids`` (sorted), -1 for ids not there."""
    owners = owners.astype(np.int64)
    if len(seeker_ids) == 0:
        return np.full(len(owners), -1, dtype=np.int64)
    rows = np.searchsorted(seeker_ids, owners)
    rows = np.minimum(rows, len(seeker_ids) - 1)
    return np.where(seeker_ids[rows] == owners, rows, -1)


def _runs(owner: NDArray[np.int64]) -> NDArray[np.int64]:
    """The position of each row within its owner's run of consecutive rows."""
    starts = np.r_[0, np.flatnonzero(np.diff(owner)) + 1]
    return np.arange(len(owner)) - np.repeat(starts, np.diff(np.r_[starts, len(owner)]))


def taxonomy_load() -> Taxonomy:
    """Trades to their minor and middle groups (through the codes' paths), names, and the
    key-group and certificate orders the snapshot's bit and column layouts follow."""
    occupations = list(
        Occupation.objects.values_list("id", "code", "path", "name_zh_hans", "name_en")
    )
    id_of = {code: pk for pk, code, _path, _zh, _en in occupations}
    trade_minor: dict[int, int] = {}
    trade_middle: dict[int, int] = {}
    for pk, _code, path, _zh, _en in occupations:
        codes = path.strip("/").split("/")
        # major / middle / minor / trade: a node's middle group is its second ancestor code,
        # its minor group the third (a minor group is its own).
        if len(codes) >= 2:
            trade_middle[pk] = id_of[codes[1]]
        if len(codes) >= 3:
            trade_minor[pk] = id_of[codes[2]]
    key_groups = list(
        KeyGroup.objects.order_by("id").values_list("code", "name_zh_hans", "name_en")
    )
    return Taxonomy(
        trade_minor=trade_minor,
        trade_middle=trade_middle,
        trade_names={pk: (zh, en) for pk, _code, _path, zh, en in occupations},
        key_groups=[code for code, _zh, _en in key_groups],
        key_group_names={code: (zh, en) for code, zh, en in key_groups},
        certificate_kinds=list(
            CertificateKind.objects.order_by("id").values_list("code", flat=True)
        ),
    )


def _restricted(queryset: QuerySet[Any], field: str, ids: Sequence[int] | None) -> QuerySet[Any]:
    return queryset if ids is None else queryset.filter(**{f"{field}__in": ids})


def seeker_columns(
    taxonomy: Taxonomy, *, today: dt.date, now: dt.datetime, ids: Sequence[int] | None = None
) -> dict[str, NDArray[Any]]:
    """Whole columns for ``SeekerSnapshot.from_columns``: every seeker, or only ``ids``.

    Seekers without coordinates of their own stand at their residence region's centre.
    Merged duplicates are left out; people not looking for work are kept but inactive.
    """
    base = _restricted(JobSeeker.objects.filter(merged_into__isnull=True), "id", ids)
    missing = Value(MISSING)
    people = _matrix(
        base.order_by("id").values_list(
            "id",
            Coalesce(F("latitude"), F("residence_region__latitude"), missing),
            Coalesce(F("longitude"), F("residence_region__longitude"), missing),
            "availability",
            Coalesce(Cast("expected_daily_wage", FloatField()), missing),
            "max_travel_km",
            Coalesce(DayNumber("birth_date"), Value(0)),
            DayNumber("updated_at"),
            Case(
                When(employment_status__in=MATCHABLE_STATUSES, then=Value(1)),
                default=Value(0),
                output_field=IntegerField(),
            ),
            Case(When(verified_at__isnull=False, then=Value(1)), default=Value(0)),
        ),
        10,
    )
    size = len(people)

    def number(index: int, dtype: Any, none: float | None = None) -> NDArray[Any]:
        values = people[:, index]
        if none is not None:
            values = np.where(values == MISSING, none, values)
        return values.astype(dtype)

    seeker_ids = number(0, np.int64)
    columns: dict[str, NDArray[Any]] = {
        "ids": seeker_ids,
        "lat": number(1, np.float64, np.nan),
        "lon": number(2, np.float64, np.nan),
        "availability": number(3, np.int64),
        "expected_wage": number(4, np.float32, np.nan),
        "travel_km": number(5, np.float32),
        "birth": number(6, np.int64),
        "last_active": number(7, np.int64),
        "active": number(8, np.bool_),
        "verified": number(9, np.bool_),
    }

    # Skills: each seeker's four longest-practised trades, in that order.
    skills = _matrix(
        _restricted(SeekerSkill.objects.all(), "seeker_id", ids)
        .order_by("seeker_id", "-years", "occupation_id")
        .values_list("seeker_id", "occupation_id", "years"),
        3,
    )
    skill_trade = np.full((size, SKILL_COLUMNS), -1, dtype=np.int64)
    skill_years = np.zeros((size, SKILL_COLUMNS), dtype=np.float32)
    if len(skills):
        owner = _rows_of(seeker_ids, skills[:, 0])
        position = _runs(owner)
        keep = (position < SKILL_COLUMNS) & (owner >= 0)
        skill_trade[owner[keep], position[keep]] = skills[keep, 1].astype(np.int64)
        skill_years[owner[keep], position[keep]] = skills[keep, 2]
    columns["skill_trade"], columns["skill_years"] = skill_trade, skill_years

    def scatter(owner_ids: NDArray[np.float64], values: NDArray[Any], into: NDArray[Any]) -> None:
        owner = _rows_of(seeker_ids, owner_ids)
        into[owner[owner >= 0]] = values[owner >= 0]

    # Key groups held today, as bits in the taxonomy's order (key groups by id).
    group_ids = np.array(KeyGroup.objects.order_by("id").values_list("id", flat=True))
    spans = _matrix(
        _restricted(SeekerKeyGroup.objects.all(), "seeker_id", ids)
        .filter(started_on__lte=today)
        .filter(Q(ended_on__isnull=True) | Q(ended_on__gte=today))
        .values_list("seeker_id", "key_group_id"),
        2,
    )
    group_bits = np.zeros(size, dtype=np.int64)
    if len(spans):
        owner = _rows_of(seeker_ids, spans[:, 0])
        bits = np.left_shift(1, np.searchsorted(group_ids, spans[:, 1].astype(np.int64)))
        np.bitwise_or.at(group_bits, owner[owner >= 0], bits[owner >= 0])
    columns["group_bits"] = group_bits

    # Reliability: hires completed against no-shows.
    outcomes = _matrix(
        _restricted(Application.objects.all(), "seeker_id", ids)
        .filter(status__in=[ApplicationStatus.COMPLETED, ApplicationStatus.NO_SHOW])
        .values_list("seeker_id")
        .annotate(
            completed=Count("id", filter=Q(status=ApplicationStatus.COMPLETED)),
            no_shows=Count("id", filter=Q(status=ApplicationStatus.NO_SHOW)),
        )
        .values_list("seeker_id", "completed", "no_shows"),
        3,
    )
    columns["completions"] = np.zeros(size, dtype=np.float32)
    columns["no_shows"] = np.zeros(size, dtype=np.float32)
    scatter(outcomes[:, 0], outcomes[:, 1], columns["completions"])
    scatter(outcomes[:, 0], outcomes[:, 2], columns["no_shows"])

    # Recent exposure: posts pushed lately (the in-app copy exists for every push).
    pushes = _matrix(
        _restricted(Notification.objects.all(), "seeker_id", ids)
        .filter(
            channel=Notification.Channel.IN_APP,
            post__isnull=False,
            created_at__gte=now - dt.timedelta(days=EXPOSURE_WINDOW_DAYS),
        )
        .values_list("seeker_id")
        .annotate(pushes=Count("id"))
        .values_list("seeker_id", "pushes"),
        2,
    )
    columns["recent_pushes"] = np.zeros(size, dtype=np.float32)
    scatter(pushes[:, 0], pushes[:, 1], columns["recent_pushes"])

    # Bookings: the next placements that have not ended.
    bookings = _matrix(
        _restricted(Placement.objects.all(), "application__seeker_id", ids)
        .filter(application__status__in=[ApplicationStatus.HIRED, ApplicationStatus.STARTED])
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by("application__seeker_id", "starts_on")
        .values_list(
            "application__seeker_id",
            DayNumber("starts_on"),
            Coalesce(DayNumber("ends_on"), Value(NEVER_EXPIRES)),
        ),
        3,
    )
    booked_start = np.zeros((size, BOOKING_COLUMNS), dtype=np.int64)
    booked_end = np.full((size, BOOKING_COLUMNS), -1, dtype=np.int64)
    if len(bookings):
        owner = _rows_of(seeker_ids, bookings[:, 0])
        position = _runs(owner)
        keep = (position < BOOKING_COLUMNS) & (owner >= 0)
        booked_start[owner[keep], position[keep]] = bookings[keep, 1]
        booked_end[owner[keep], position[keep]] = bookings[keep, 2]
    columns["booked_start"], columns["booked_end"] = booked_start, booked_end

    # Certificates: the last valid day of each kind held (kinds by id, as the taxonomy).
    kind_ids = np.array(CertificateKind.objects.order_by("id").values_list("id", flat=True))
    held = _matrix(
        _restricted(SeekerCertificate.objects.all(), "seeker_id", ids).values_list(
            "seeker_id", "kind_id", Coalesce(DayNumber("expires_on"), Value(NEVER_EXPIRES))
        ),
        3,
    )
    cert_expiry = np.zeros((size, len(kind_ids)), dtype=np.int64)
    if len(held):
        owner = _rows_of(seeker_ids, held[:, 0])
        column = np.searchsorted(kind_ids, held[:, 1].astype(np.int64))
        keep = owner >= 0
        cert_expiry[owner[keep], column[keep]] = held[keep, 2]
    columns["cert_expiry"] = cert_expiry
    return columns


def seeker_records(taxonomy: Taxonomy, columns: dict[str, NDArray[Any]]) -> list[SeekerRecord]:
    """The rows of ``columns`` as records, for ``SeekerSnapshot.upsert`` of a few seekers."""
    records = []
    for row, seeker_id in enumerate(columns["ids"]):
        trades, years = columns["skill_trade"][row], columns["skill_years"][row]
        bits = int(columns["group_bits"][row])
        starts, ends = columns["booked_start"][row], columns["booked_end"][row]
        lat, lon = float(columns["lat"][row]), float(columns["lon"][row])
        wage = float(columns["expected_wage"][row])
        records.append(
            SeekerRecord(
                id=int(seeker_id),
                latitude=None if np.isnan(lat) else lat,
                longitude=None if np.isnan(lon) else lon,
                skills=[(int(t), int(y)) for t, y in zip(trades, years, strict=True) if t >= 0],
                availability=int(columns["availability"][row]),
                expected_daily_wage=None if np.isnan(wage) else wage,
                max_travel_km=float(columns["travel_km"][row]),
                key_groups=[
                    code for bit, code in enumerate(taxonomy.key_groups) if bits >> bit & 1
                ],
                completions=int(columns["completions"][row]),
                no_shows=int(columns["no_shows"][row]),
                recent_pushes=int(columns["recent_pushes"][row]),
                last_active=int(columns["last_active"][row]),
                birth_date=int(columns["birth"][row]),
                active=bool(columns["active"][row]),
                verified=bool(columns["verified"][row]),
                bookings=[(int(s), int(e)) for s, e in zip(starts, ends, strict=True) if e >= 0],
                certificates={
                    code: int(columns["cert_expiry"][row, index])
                    for index, code in enumerate(taxonomy.certificate_kinds)
                    if columns["cert_expiry"][row, index] > 0
                },
            )
        )
    return records


def seeker_snapshot_load(taxonomy: Taxonomy, *, today: dt.date, now: dt.datetime) -> SeekerSnapshot:
    return SeekerSnapshot.from_columns(taxonomy, seeker_columns(taxonomy, today=today, now=now))


def _week_slots(post: JobPost) -> int:
    """The weekly slots a post's work falls in: its weekdays (all seven when it lasts a week
    or more) and the shifts its hours cover (all three when it gives none)."""
    span = (post.ends_on - post.starts_on).days + 1
    days = (
        range(7) if span >= 7 else sorted({(post.starts_on.weekday() + i) % 7 for i in range(span)})
    )
    if post.shift_starts_at is None:
        shifts = [0, 1, 2]
    else:
        start = post.shift_starts_at.hour
        end = post.shift_ends_at.hour if post.shift_ends_at else start + 1
        if end <= start:  # overnight
            end = 24
        shifts = [
            s for s, (lo, hi) in enumerate(((0, 12), (12, 18), (18, 24))) if start < hi and end > lo
        ]
    mask = sum(1 << (day * 3 + shift) for day in days for shift in shifts)
    return mask or AVAILABILITY_ALL


def daily_wage(amount: Decimal, unit: str) -> float | None:
    """An offer as a day's pay (None for piece rates, which no asking wage compares with)."""
    if unit == WageUnit.DAY:
        return float(amount)
    if unit == WageUnit.HOUR:
        return float(amount * HOURS_PER_DAY)
    if unit == WageUnit.MONTH:
        return float(amount / WORKING_DAYS_PER_MONTH)
    return None


def post_record(post: JobPost, *, openings_left: int | None = None) -> PostRecord:
    """The engine's view of one post (``post`` with ``required_certificates`` prefetched or
    not; one query either way)."""
    latitude = post.latitude if post.latitude is not None else post.region.latitude
    longitude = post.longitude if post.longitude is not None else post.region.longitude
    return PostRecord(
        id=post.pk,
        latitude=latitude,
        longitude=longitude,
        trade=post.occupation_id,
        daily_wage=daily_wage(post.wage_amount, post.wage_unit),
        starts_on=post.starts_on.toordinal(),
        ends_on=post.ends_on.toordinal(),
        slots=_week_slots(post),
        openings_left=post.openings if openings_left is None else openings_left,
        certificates=[kind.code for kind in post.required_certificates.all()],
        open=post.status == PostStatus.OPEN,
    )


def _radius_by_region() -> dict[str, float]:
    """Region path to the default post radius its policy sets (posts have no radius of
    their own)."""
    return dict(MatchingPolicy.objects.values_list("region__path", "default_post_radius_km"))


def _radius_for(path: str, radii: dict[str, float]) -> float:
    prefixes = [prefix for prefix in radii if path.startswith(prefix)]
    return radii[max(prefixes, key=len)] if prefixes else DEFAULT_CONFIG.default_post_radius_km


def open_post_records(*, ids: Sequence[int] | None = None) -> list[PostRecord]:
    """Every open post (or ``ids`` of them) with the openings not yet filled and the radius
    of its region's policy."""
    posts = (
        _restricted(JobPost.objects.filter(status=PostStatus.OPEN), "id", ids)
        .select_related("region")
        .prefetch_related("required_certificates")
        .annotate(held=Count("applications", filter=Q(applications__status__in=HOLDS_OPENING)))
        .order_by("id")
    )
    radii = _radius_by_region()
    records = []
    for post in posts:
        record = post_record(post, openings_left=max(post.openings - post.held, 0))
        record.radius_km = _radius_for(post.region.path, radii)
        records.append(record)
    return records
