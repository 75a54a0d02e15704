"""The outcome rows each kind of station record makes: the one place that says which records
count, in which region and month, with which category and tags.

A *source* is a record whose rows are derived together (a hire with its wage payments, a
fair with its booths, a plan with its services). ``derive(source, ids)`` returns the rows
those records make now; records that no longer exist or no longer count make none, so
re-deriving after a change, a correction or a cancellation replaces the old rows exactly.

Tags on a person's row are the key groups they were in on the day of the event (so a later
tagging does not rewrite a past month), plus ``youth`` (under 35 that day) and
``graduate_of_year`` (a graduate under real-name registration hired in their graduation
year). Protected attributes are not tags: rows say nothing of sex or ethnicity.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from decimal import Decimal
from functools import partial

from django.db.models import Max, Min, Model, Q, QuerySet, Sum
from django.utils import timezone

from reporting.definitions import tags_text
from reporting.models import ProgrammeLedger
from stations.models import (
    HOLDS_OPENING,
    Booth,
    GuidanceSession,
    Intention,
    JobFair,
    JobPost,
    JobSeeker,
    Placement,
    SeekerKeyGroup,
    ServicePlan,
    ServiceRecord,
    SignIn,
    Staff,
    Station,
    TrainingReferral,
    WageClaim,
    WagePayment,
    ZeroEmploymentAlert,
)
from stations.models.fairs import FairStatus, IntentionStatus
from stations.models.followup import PlanStatus, ReferralStatus
from stations.models.placements import EmploymentOutcome

TRANSFER_OUTCOMES = frozenset(
    {EmploymentOutcome.TRANSFER_WITHIN_PROVINCE, EmploymentOutcome.TRANSFER_OUT_OF_PROVINCE}
)
COMPLETED_TRAINING = (ReferralStatus.COMPLETED, ReferralStatus.CERTIFIED, ReferralStatus.EMPLOYED)
COLLEGE_GRADUATE = "college_graduate"
YOUTH_UNDER = 35
ONE = Decimal(1)


@dataclass(frozen=True)
class Row:
    source: str
    source_id: int
    kind: str
    item: int
    region_id: int
    month: dt.date
    subject: int | None
    category: str
    tags: str
    amount: Decimal

    @property
    def key(self) -> tuple[str, int, str, int]:
        return (self.source, self.source_id, self.kind, self.item)

    @property
    def year(self) -> int:
        return self.month.year


def month_of(value: dt.date | dt.datetime) -> dt.date:
    """The first day of the (local) month of a date or an aware datetime."""
    if isinstance(value, dt.datetime):
        value = timezone.localdate(value)
    return value.replace(day=1)


Ids = Sequence[int] | range


def _among(field: str, ids: Iterable[int] | range) -> Q:
    """``field`` in ``ids``: a key range for a rebuild (no list of thousands of parameters to
    send), else the ids."""
    if isinstance(ids, range):
        return Q(**{f"{field}__gte": ids.start, f"{field}__lt": ids.stop})
    return Q(**{f"{field}__in": list(ids)})


def _age_on(birth: dt.date | None, day: dt.date) -> int | None:
    if birth is None:
        return None
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


class _Seekers:
    """What person rows need of their seekers, loaded once for a batch."""

    def __init__(self, seeker_ids: QuerySet) -> None:
        # A subquery of the batch's seeker ids: no list of thousands of parameters.
        ids = seeker_ids
        self.info: dict[int, Mapping] = {
            row["pk"]: row
            for row in JobSeeker.objects.filter(pk__in=ids).values(
                "pk",
                "birth_date",
                "residence_region_id",
                "registering_station__region_id",
                "verified_at",
                "graduation_year",
            )
        }
        self.spans: dict[int, list[tuple[str, dt.date, dt.date | None]]] = defaultdict(list)
        for seeker_id, code, started, ended in SeekerKeyGroup.objects.filter(
            seeker_id__in=ids
        ).values_list("seeker_id", "key_group__code", "started_on", "ended_on"):
            self.spans[seeker_id].append((code, started, ended))

    def groups_on(self, seeker_id: int, day: dt.date) -> set[str]:
        return {
            code
            for code, started, ended in self.spans.get(seeker_id, ())
            if started <= day and (ended is None or ended >= day)
        }

    def tags_on(self, seeker_id: int, day: dt.date) -> set[str]:
        tags = self.groups_on(seeker_id, day)
        info = self.info.get(seeker_id)
        if info is not None:
            age = _age_on(info["birth_date"], day)
            if age is not None and age < YOUTH_UNDER:
                tags.add("youth")
            if self.graduation_year(seeker_id) == day.year and info["verified_at"] is not None:
                tags.add("graduate_of_year")
        return tags

    def graduation_year(self, seeker_id: int) -> int | None:
        """The year on record, else the year they joined the college-graduate group (as
        stations.selectors.followup.graduates_of reads it)."""
        info = self.info.get(seeker_id)
        if info is None:
            return None
        if info["graduation_year"]:
            return int(info["graduation_year"])
        joined = [s for code, s, _e in self.spans.get(seeker_id, ()) if code == COLLEGE_GRADUATE]
        return min(joined).year if joined else None

    def home_region(self, seeker_id: int) -> int | None:
        info = self.info.get(seeker_id)
        if info is None:
            return None
        return info["residence_region_id"] or info["registering_station__region_id"]


def _person_row(
    seekers: _Seekers,
    *,
    source: str,
    source_id: int,
    kind: str,
    seeker_id: int,
    day: dt.date,
    region_id: int | None,
    item: int = 0,
    category: str = "",
    extra_tags: Iterable[str] = (),
    amount: Decimal = ONE,
) -> Row | None:
    region = region_id or seekers.home_region(seeker_id)
    if region is None:
        return None
    return Row(
        source,
        source_id,
        kind,
        item,
        region,
        month_of(day),
        seeker_id,
        category,
        tags_text({*seekers.tags_on(seeker_id, day), *extra_tags}),
        amount,
    )


# --- Derivations, one per source ----------------------------------------------------------


def _applications(ids: Ids) -> Iterator[Row | None]:
    """A hire that holds its opening (hired, started, completed) and its wage payments. The
    region is the post's; for a labour transfer, the worker's home (labour transferred out)."""
    hires = list(
        Placement.objects.filter(
            _among("application_id", ids), application__status__in=HOLDS_OPENING
        ).values(
            "pk",
            "application_id",
            "application__seeker_id",
            "application__post__region_id",
            "outcome",
            "starts_on",
        )
    )
    seekers = _Seekers(
        Placement.objects.filter(_among("application_id", ids)).values("application__seeker_id")
    )
    payments: dict[int, list[tuple[int, dt.date, Decimal]]] = defaultdict(list)
    for payment_id, placement_id, paid_on, amount in WagePayment.objects.filter(
        _among("placement__application_id", ids),
        placement__application__status__in=HOLDS_OPENING,
    ).values_list("pk", "placement_id", "paid_on", "amount"):
        payments[placement_id].append((payment_id, paid_on, amount))
    for hire in hires:
        seeker_id = hire["application__seeker_id"]
        transfer = hire["outcome"] in TRANSFER_OUTCOMES
        region = None if transfer else hire["application__post__region_id"]
        region = region or seekers.home_region(seeker_id) or hire["application__post__region_id"]
        person_row = partial(
            _person_row,
            seekers,
            source="application",
            source_id=hire["application_id"],
            seeker_id=seeker_id,
            region_id=region,
            category=hire["outcome"],
        )
        yield person_row(kind="hire", day=hire["starts_on"])
        for payment_id, paid_on, amount in payments.get(hire["pk"], ()):
            # Tagged as of the hire: the income belongs to the transfer that earned it.
            row = person_row(
                kind="wage",
                day=hire["starts_on"],
                item=payment_id,
                amount=amount,
            )
            yield row and replace(row, month=month_of(paid_on))


def _seekers(ids: Ids) -> Iterator[Row | None]:
    """A college graduate under real-name registration, counted in their graduation year:
    in the month verified, or January if verified before that year."""
    seekers = _Seekers(JobSeeker.objects.filter(_among("pk", ids)).values("pk"))
    for seeker_id, info in seekers.info.items():
        year = seekers.graduation_year(seeker_id)
        verified = info["verified_at"]
        if year is None or verified is None:
            continue
        verified_month = month_of(verified)
        if verified_month.year > year:
            continue
        day = max(verified_month, dt.date(year, 1, 1))
        yield _person_row(
            seekers,
            source="seeker",
            source_id=seeker_id,
            kind="graduate",
            seeker_id=seeker_id,
            day=day,
            region_id=info["residence_region_id"],
        )


def _fairs(ids: Ids) -> Iterator[Row | None]:
    """A fair held, with the jobs its booths brought; category is its format, the tag its
    series."""
    jobs = dict(
        Booth.objects.filter(_among("fair_id", ids))
        .values_list("fair_id")
        .annotate(total=Sum("jobs_offered"))
        .values_list("fair_id", "total")
    )
    for fair in JobFair.objects.filter(_among("pk", ids), status=FairStatus.HELD).values(
        "pk", "format", "series", "region_id", "starts_at"
    ):
        yield Row(
            "fair",
            fair["pk"],
            "fair",
            0,
            fair["region_id"],
            month_of(fair["starts_at"]),
            None,
            fair["format"],
            tags_text([f"series_{fair['series']}"]),
            Decimal(jobs.get(fair["pk"]) or 0),
        )


def _intentions(ids: Ids) -> Iterator[Row | None]:
    rows = list(
        Intention.objects.filter(_among("pk", ids)).values(
            "pk",
            "seeker_id",
            "status",
            "reached_at",
            "closed_at",
            "fair__region_id",
            "fair__format",
            "fair__series",
        )
    )
    seekers = _Seekers(Intention.objects.filter(_among("pk", ids)).values("seeker_id"))
    for r in rows:
        person_row = partial(
            _person_row,
            seekers,
            source="intention",
            source_id=r["pk"],
            seeker_id=r["seeker_id"],
            region_id=r["fair__region_id"],
            category=r["fair__format"],
            extra_tags=[f"series_{r['fair__series']}"],
        )
        yield person_row(kind="intention", day=timezone.localdate(r["reached_at"]))
        if r["status"] == IntentionStatus.HIRED and r["closed_at"] is not None:
            yield person_row(kind="intention_hired", day=timezone.localdate(r["closed_at"]))


def _plans(ids: Ids) -> Iterator[Row | None]:
    """A 311 plan: opened, met, and every service recorded under it."""
    plans = list(
        ServicePlan.objects.filter(_among("pk", ids)).values(
            "pk", "seeker_id", "opened_on", "status", "closed_on"
        )
    )
    seekers = _Seekers(ServicePlan.objects.filter(_among("pk", ids)).values("seeker_id"))
    services: dict[int, list[tuple[int, str, dt.datetime]]] = defaultdict(list)
    for record_id, plan_id, kind, at in ServiceRecord.objects.filter(
        _among("plan_id", ids)
    ).values_list("pk", "plan_id", "kind", "at"):
        services[plan_id].append((record_id, kind, at))
    for plan in plans:
        person_row = partial(
            _person_row,
            seekers,
            source="plan",
            source_id=plan["pk"],
            seeker_id=plan["seeker_id"],
            region_id=None,
        )
        yield person_row(kind="plan", day=plan["opened_on"])
        if plan["status"] == PlanStatus.MET and plan["closed_on"] is not None:
            yield person_row(kind="plan_met", day=plan["closed_on"])
        for record_id, kind, at in services.get(plan["pk"], ()):
            yield person_row(
                kind="service",
                day=timezone.localdate(at),
                item=record_id,
                category=kind,
            )


def _referrals(ids: Ids) -> Iterator[Row | None]:
    rows = list(
        TrainingReferral.objects.filter(_among("pk", ids)).values(
            "pk", "seeker_id", "status", "referred_at", "status_changed_at", "course__region_id"
        )
    )
    seekers = _Seekers(TrainingReferral.objects.filter(_among("pk", ids)).values("seeker_id"))
    for r in rows:
        person_row = partial(
            _person_row,
            seekers,
            source="referral",
            source_id=r["pk"],
            seeker_id=r["seeker_id"],
            region_id=r["course__region_id"],
            category=r["status"],
        )
        yield person_row(kind="training_referral", day=timezone.localdate(r["referred_at"]))
        if r["status"] in COMPLETED_TRAINING:
            yield person_row(
                kind="training_completion",
                day=timezone.localdate(r["status_changed_at"]),
            )


def _claims(ids: Ids) -> Iterator[Row | None]:
    """A wage claim, where the work was (the post's region) or else the employer's."""
    rows = list(
        WageClaim.objects.filter(_among("pk", ids)).values(
            "pk",
            "seeker_id",
            "status",
            "filed_at",
            "closed_at",
            "amount_recovered",
            "placement__application__post__region_id",
            "employer__region_id",
        )
    )
    seekers = _Seekers(WageClaim.objects.filter(_among("pk", ids)).values("seeker_id"))
    for r in rows:
        region = r["placement__application__post__region_id"] or r["employer__region_id"]
        person_row = partial(
            _person_row,
            seekers,
            source="claim",
            source_id=r["pk"],
            seeker_id=r["seeker_id"],
            region_id=region,
            category=r["status"],
        )
        yield person_row(kind="arrears_case", day=timezone.localdate(r["filed_at"]))
        if r["closed_at"] is not None and (r["amount_recovered"] or 0) > 0:
            yield person_row(
                kind="arrears_recovered",
                day=timezone.localdate(r["closed_at"]),
                amount=r["amount_recovered"],
            )


def _alerts(ids: Ids) -> Iterator[Row | None]:
    """A zero-employment family found, and cleared; the subject is the family."""
    for r in ZeroEmploymentAlert.objects.filter(_among("pk", ids)).values(
        "pk", "family_id", "family__region_id", "found_on", "cleared_on", "cleared_because"
    ):
        yield Row(
            "alert",
            r["pk"],
            "zero_family_found",
            0,
            r["family__region_id"],
            month_of(r["found_on"]),
            r["family_id"],
            "",
            "",
            ONE,
        )
        if r["cleared_on"] is not None:
            yield Row(
                "alert",
                r["pk"],
                "zero_family_cleared",
                0,
                r["family__region_id"],
                month_of(r["cleared_on"]),
                r["family_id"],
                r["cleared_because"] or "",
                "",
                ONE,
            )


def _stations(ids: Ids) -> Iterator[Row | None]:
    """A station counts from the month it was recorded to the month it was made inactive
    (the last change of an inactive station: stations keep no history of their own), and
    each staff member assigned to it from the month their account was made."""
    for s in Station.objects.filter(_among("pk", ids)).values(
        "pk", "region_id", "created_at", "updated_at", "active"
    ):
        opened = month_of(s["created_at"])
        yield Row("station", s["pk"], "station", 0, s["region_id"], opened, None, "", "", ONE)
        if not s["active"]:
            yield Row(
                "station",
                s["pk"],
                "station",
                1,
                s["region_id"],
                max(opened, month_of(s["updated_at"])),
                None,
                "",
                "",
                -ONE,
            )
        for staff_id, created in Staff.objects.filter(stations=s["pk"]).values_list(
            "pk", "created_at"
        ):
            yield Row(
                "station",
                s["pk"],
                "station_staff",
                staff_id,
                s["region_id"],
                max(opened, month_of(created)),
                None,
                "",
                "",
                ONE,
            )


def _sign_ins(ids: Ids) -> Iterator[Row | None]:
    for pk, seeker_id, day, region_id in SignIn.objects.filter(_among("pk", ids)).values_list(
        "pk", "seeker_id", "day", "station__region_id"
    ):
        yield Row("signin", pk, "visit", 0, region_id, month_of(day), seeker_id, "", "", ONE)


def _guidance(ids: Ids) -> Iterator[Row | None]:
    rows = list(
        GuidanceSession.objects.filter(_among("pk", ids)).values(
            "pk", "seeker_id", "held_at", "station__region_id"
        )
    )
    seekers = _Seekers(GuidanceSession.objects.filter(_among("pk", ids)).values("seeker_id"))
    for r in rows:
        yield _person_row(
            seekers,
            source="guidance",
            source_id=r["pk"],
            kind="guidance",
            seeker_id=r["seeker_id"],
            day=timezone.localdate(r["held_at"]),
            region_id=r["station__region_id"],
        )


def _posts(ids: Ids) -> Iterator[Row | None]:
    """A post opened: its employer (the subject) served, its openings offered."""
    for pk, employer_id, region_id, opened_at, openings, kind in JobPost.objects.filter(
        _among("pk", ids), opened_at__isnull=False
    ).values_list("pk", "employer_id", "region_id", "opened_at", "openings", "kind"):
        yield Row(
            "post",
            pk,
            "post_opened",
            0,
            region_id,
            month_of(opened_at),  # type: ignore[arg-type]  # filtered on not null
            employer_id,
            kind,
            "",
            Decimal(openings),
        )


def _ledgers(ids: Ids) -> Iterator[Row | None]:
    for pk, code, region_id, month, value in ProgrammeLedger.objects.filter(
        _among("pk", ids)
    ).values_list("pk", "indicator__code", "region_id", "month", "value"):
        yield Row("ledger", pk, "ledger", 0, region_id, month_of(month), None, code, "", value)


DERIVATIONS: dict[str, Callable[[Ids], Iterator[Row | None]]] = {
    "application": _applications,
    "seeker": _seekers,
    "fair": _fairs,
    "intention": _intentions,
    "plan": _plans,
    "referral": _referrals,
    "claim": _claims,
    "alert": _alerts,
    "station": _stations,
    "signin": _sign_ins,
    "guidance": _guidance,
    "post": _posts,
    "ledger": _ledgers,
}

# The model each source's records are (its admin page shows the record behind an outcome).
SOURCE_MODELS: dict[str, str] = {
    "application": "stations.application",
    "seeker": "stations.jobseeker",
    "fair": "stations.jobfair",
    "intention": "stations.intention",
    "plan": "stations.serviceplan",
    "referral": "stations.trainingreferral",
    "claim": "stations.wageclaim",
    "alert": "stations.zeroemploymentalert",
    "station": "stations.station",
    "signin": "stations.signin",
    "guidance": "stations.guidancesession",
    "post": "stations.jobpost",
    "ledger": "reporting.programmeledger",
}


def source_admin_url(source: str, source_id: int) -> str | None:
    """The admin page of the record an outcome row comes from (None if it has none)."""
    from django.urls import NoReverseMatch, reverse

    label = SOURCE_MODELS.get(source)
    if label is None:
        return None
    app, model = label.split(".")
    try:
        return reverse(f"admin:{app}_{model}_change", args=[source_id])
    except NoReverseMatch:
        return None


# Every record of a source, for a rebuild: the model and the field its ids are kept in.
SOURCE_KEYS: dict[str, tuple[type[Model], str]] = {
    "application": (Placement, "application_id"),
    "seeker": (JobSeeker, "pk"),
    "fair": (JobFair, "pk"),
    "intention": (Intention, "pk"),
    "plan": (ServicePlan, "pk"),
    "referral": (TrainingReferral, "pk"),
    "claim": (WageClaim, "pk"),
    "alert": (ZeroEmploymentAlert, "pk"),
    "station": (Station, "pk"),
    "signin": (SignIn, "pk"),
    "guidance": (GuidanceSession, "pk"),
    "post": (JobPost, "pk"),
    "ledger": (ProgrammeLedger, "pk"),
}


def key_ranges(source: str, size: int) -> Iterator[range]:
    """Ranges of ``size`` ids covering every record of a source."""
    model, field = SOURCE_KEYS[source]
    bounds = model._default_manager.aggregate(low=Min(field), high=Max(field))
    if bounds["low"] is None:
        return
    for start in range(bounds["low"], bounds["high"] + 1, size):
        yield range(start, start + size)


def dependents(source: str, ids: set[int]) -> dict[str, set[int]]:
    """Other sources whose rows read a changed record: a seeker's tags and home are on all
    their rows; a post's region on its hires; a fair's format and series on its intentions;
    a station's region on its sign-ins and sessions."""
    found: dict[str, set[int]] = defaultdict(set)
    if source == "seeker":
        found["application"].update(
            Placement.objects.filter(application__seeker_id__in=ids).values_list(
                "application_id", flat=True
            )
        )
        for name, model in (
            ("intention", Intention),
            ("plan", ServicePlan),
            ("referral", TrainingReferral),
            ("claim", WageClaim),
            ("guidance", GuidanceSession),
        ):
            found[name].update(model.objects.filter(seeker_id__in=ids).values_list("pk", flat=True))
    elif source == "post":
        found["application"].update(
            Placement.objects.filter(application__post_id__in=ids).values_list(
                "application_id", flat=True
            )
        )
        found["claim"].update(
            WageClaim.objects.filter(placement__application__post_id__in=ids).values_list(
                "pk", flat=True
            )
        )
    elif source == "fair":
        found["intention"].update(
            Intention.objects.filter(fair_id__in=ids).values_list("pk", flat=True)
        )
    elif source == "station":
        found["signin"].update(
            SignIn.objects.filter(station_id__in=ids).values_list("pk", flat=True)
        )
        found["guidance"].update(
            GuidanceSession.objects.filter(station_id__in=ids).values_list("pk", flat=True)
        )
        found["application"].update(
            Placement.objects.filter(
                Q(application__seeker__registering_station_id__in=ids)
            ).values_list("application_id", flat=True)
        )
    return found


def derive(source: str, ids: Iterable[int] | range) -> list[Row]:
    """The rows the records ``ids`` (a list, or a range of ids for a rebuild) make now."""
    wanted = ids if isinstance(ids, range) else list(ids)
    return [row for row in DERIVATIONS[source](wanted) if row is not None]
