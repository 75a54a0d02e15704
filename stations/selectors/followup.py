"""Reads of 311 follow-up: what each staff member may see, the plans with their progress,
the overdue follow-ups (and the daily digest made of them), graduates followed to
employment, zero-employment families, and plan statistics for reporting.

Overdue rules (``OverdueRule``, bureau admins set N):

- ``no_first_push``: an open plan without a job push more than N days after it opened;
- ``duty_unmet``: an open plan (so its duty is unmet) N days or less before it ends;
- ``no_guidance``: an open plan without a guidance session more than N days after it opened;
- ``next_step_due``: the person's latest guidance session has a next step more than N days
  past its date (N = 0: the day after it was due).

``intention_idle`` is the job fairs' rule: an open intention whose follow-up date (set from
the rule's N days) has passed. It is not a plan's, so the plan lists do not show it; the
staff member's count of idle intentions joins their digest and their "my follow-ups" page
links to the list. A staff member's follow-ups are the open plans (and intentions) assigned
to them, and the unassigned ones of the people (fairs) in their scope.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser, User
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
)

from stations.models import (
    Family,
    GuidanceSession,
    Intention,
    JobSeeker,
    OverdueRule,
    Placement,
    Region,
    SeekerKeyGroup,
    ServicePlan,
    ServiceRecord,
    Station,
    TrainingCourse,
    TrainingReferral,
    ZeroEmploymentAlert,
)
from stations.models.fairs import IntentionStatus
from stations.models.followup import OverdueKind, PlanStatus, ServiceKind
from stations.models.organisation import StaffRole
from stations.models.placements import ApplicationStatus
from stations.selectors.fairs import intention_list, intentions_in_scope
from stations.selectors.scope import Scope, scope_for, seekers_in_scope
from stations.services.followup import EMPLOYED_STATUSES, duty_met

# The rules plans are checked against, in the order lists show them.
PLAN_RULES = (
    OverdueKind.NO_FIRST_PUSH,
    OverdueKind.NO_GUIDANCE,
    OverdueKind.NEXT_STEP_DUE,
    OverdueKind.DUTY_UNMET,
)
COLLEGE_GRADUATE = "college_graduate"


# --- Scope ------------------------------------------------------------------------------------


def plans_in_scope(scope: Scope) -> QuerySet[ServicePlan]:
    if scope.everything:
        return ServicePlan.objects.all()
    return ServicePlan.objects.filter(seeker__in=seekers_in_scope(scope))


def services_in_scope(scope: Scope) -> QuerySet[ServiceRecord]:
    return ServiceRecord.objects.filter(plan__in=plans_in_scope(scope))


def referrals_in_scope(scope: Scope) -> QuerySet[TrainingReferral]:
    if scope.everything:
        return TrainingReferral.objects.all()
    return TrainingReferral.objects.filter(seeker__in=seekers_in_scope(scope))


def guidance_sessions_in_scope(scope: Scope) -> QuerySet[GuidanceSession]:
    if scope.everything:
        return GuidanceSession.objects.all()
    return GuidanceSession.objects.filter(seeker__in=seekers_in_scope(scope))


def _ancestor_paths(path: str) -> list[str]:
    """``620000/620100/620102/`` → the paths of it and of every region above it."""
    parts = path.strip("/").split("/")
    return ["/".join(parts[: depth + 1]) + "/" for depth in range(len(parts))]


def courses_in_scope(scope: Scope) -> QuerySet[TrainingCourse]:
    """Courses a staff member works with: those of the regions under theirs, and those of
    the regions above theirs or their stations' (a city's course serves its districts).
    Not personal records: analysts see them too."""
    courses = TrainingCourse.objects.all()
    if scope.everything:
        return courses
    if scope.empty:
        return courses.none()
    paths = set(
        Station.objects.filter(pk__in=scope.station_ids).values_list("region__path", flat=True)
    )
    if scope.region_path is not None:
        paths.add(scope.region_path)
    above = {ancestor for path in paths for ancestor in _ancestor_paths(path)}
    below = Q(region__path__startswith=scope.region_path) if scope.region_path else Q(pk__in=[])
    return courses.filter(Q(region__path__in=above) | below)


def course_regions_in_scope(scope: Scope) -> QuerySet[Region]:
    """Where a staff member may put a course on: their region, or their stations' regions,
    and everything under them."""
    regions = Region.objects.all()
    if scope.everything:
        return regions
    if scope.empty:
        return regions.none()
    under = Q(pk__in=[])
    for path in Station.objects.filter(pk__in=scope.station_ids).values_list(
        "region__path", flat=True
    ):
        under |= Q(path__startswith=path)
    if scope.region_path is not None:
        under |= Q(path__startswith=scope.region_path)
    return regions.filter(under)


def families_in_scope(scope: Scope) -> QuerySet[Family]:
    """Families of the scope's region, or with a member in scope."""
    families = Family.objects.all()
    if not scope.personal_records or scope.empty:
        return families.none()
    if scope.everything:
        return families
    members = seekers_in_scope(scope).filter(family=OuterRef("pk"))
    in_region = Q(region__path__startswith=scope.region_path) if scope.region_path else Q(pk__in=[])
    return families.filter(in_region | Q(Exists(members)))


def alerts_in_scope(scope: Scope) -> QuerySet[ZeroEmploymentAlert]:
    return ZeroEmploymentAlert.objects.filter(family__in=families_in_scope(scope))


def overdue_rules_in_scope(scope: Scope) -> QuerySet[OverdueRule]:
    """The rules are the same for everyone; who may change them is a permission."""
    return OverdueRule.objects.all() if not scope.empty else OverdueRule.objects.none()


# --- Plans, progress and overdue flags --------------------------------------------------------


def active_rules() -> dict[str, int]:
    return dict(OverdueRule.objects.filter(active=True).values_list("kind", "days"))


def with_progress(plans: QuerySet[ServicePlan]) -> QuerySet[ServicePlan]:
    """Each plan with the services delivered per kind (``delivered_<kind>``)."""
    return plans.annotate(
        **{
            f"delivered_{kind}": Count("services", filter=Q(services__kind=kind))
            for kind in ServiceKind.values
        }
    )


def with_overdue_flags(
    plans: QuerySet[ServicePlan], *, today: dt.date, rules: dict[str, int]
) -> QuerySet[ServicePlan]:
    """Each plan with one boolean per plan rule (``overdue_<kind>``), false for rules that
    are not active."""
    pushes = ServiceRecord.objects.filter(plan=OuterRef("pk"), kind=ServiceKind.JOB_PUSH)
    guidance = ServiceRecord.objects.filter(plan=OuterRef("pk"), kind=ServiceKind.GUIDANCE)
    last_step = (
        GuidanceSession.objects.filter(seeker=OuterRef("seeker_id"))
        .order_by("-held_at", "-pk")
        .values("next_step_by")[:1]
    )
    is_open = Q(status=PlanStatus.OPEN)

    def days(kind: str) -> dt.timedelta:
        return dt.timedelta(days=rules[kind])

    conditions: dict[str, Q] = {}
    if OverdueKind.NO_FIRST_PUSH in rules:
        conditions[OverdueKind.NO_FIRST_PUSH] = (
            is_open & Q(opened_on__lt=today - days(OverdueKind.NO_FIRST_PUSH)) & ~Q(Exists(pushes))
        )
    if OverdueKind.NO_GUIDANCE in rules:
        conditions[OverdueKind.NO_GUIDANCE] = (
            is_open & Q(opened_on__lt=today - days(OverdueKind.NO_GUIDANCE)) & ~Q(Exists(guidance))
        )
    if OverdueKind.NEXT_STEP_DUE in rules:
        conditions[OverdueKind.NEXT_STEP_DUE] = is_open & Q(
            last_next_step_by__lt=today - days(OverdueKind.NEXT_STEP_DUE)
        )
    if OverdueKind.DUTY_UNMET in rules:
        conditions[OverdueKind.DUTY_UNMET] = is_open & Q(
            ends_on__lte=today + days(OverdueKind.DUTY_UNMET)
        )
    plans = plans.annotate(last_next_step_by=Subquery(last_step))
    return plans.annotate(
        **{
            f"overdue_{kind}": ExpressionWrapper(conditions[kind], output_field=BooleanField())
            if kind in conditions
            else Value(False, output_field=BooleanField())
            for kind in PLAN_RULES
        }
    )


def overdue_any() -> Q:
    """Plans annotated by ``with_overdue_flags`` with at least one rule overdue."""
    any_rule = Q(pk__in=[])
    for kind in PLAN_RULES:
        any_rule |= Q(**{f"overdue_{kind}": True})
    return any_rule


def overdue_kinds(plan: ServicePlan) -> list[str]:
    """The rules a plan annotated by ``with_overdue_flags`` is overdue by."""
    return [kind for kind in PLAN_RULES if getattr(plan, f"overdue_{kind}", False)]


def plans_followed_by(user: User | AnonymousUser) -> QuerySet[ServicePlan]:
    """The open plans a staff member follows up: assigned to them, or unassigned and of a
    person in their scope."""
    if not user.is_authenticated:
        return ServicePlan.objects.none()
    unassigned_here = Q(assigned_to__isnull=True) & Q(pk__in=plans_in_scope(scope_for(user)))
    return ServicePlan.objects.filter(Q(assigned_to=user) | unassigned_here, status=PlanStatus.OPEN)


def plan_list(
    scope: Scope, *, today: dt.date, rules: dict[str, int] | None = None
) -> QuerySet[ServicePlan]:
    """Plans in scope with their person, progress and overdue flags, newest first."""
    rules = active_rules() if rules is None else rules
    plans = plans_in_scope(scope).select_related("seeker", "assigned_to", "outcome")
    return with_overdue_flags(with_progress(plans), today=today, rules=rules).order_by(
        "-opened_on", "-pk"
    )


def plan_detail(scope: Scope, *, today: dt.date) -> QuerySet[ServicePlan]:
    """``plan_list`` with each plan's services and the posts they named."""
    services = ServiceRecord.objects.select_related("by").prefetch_related("posts")
    return plan_list(scope, today=today).prefetch_related(
        Prefetch("services", queryset=services.order_by("at", "pk"))
    )


@dataclass(frozen=True)
class OverdueItem:
    plan_id: int
    seeker_id: int
    seeker_name: str
    kind: str
    since: dt.date
    plan_ends_on: dt.date


def _overdue_since(plan: ServicePlan, kind: str, rules: dict[str, int]) -> dt.date:
    """The day the follow-up became overdue."""
    days = dt.timedelta(days=rules[kind])
    if kind == OverdueKind.DUTY_UNMET:
        return plan.ends_on - days
    if kind == OverdueKind.NEXT_STEP_DUE:
        last: dt.date = plan.last_next_step_by  # type: ignore[attr-defined]
        return last + days + dt.timedelta(days=1)
    return plan.opened_on + days + dt.timedelta(days=1)


def followups_overdue(user: User | AnonymousUser, *, today: dt.date) -> list[OverdueItem]:
    """The staff member's overdue follow-ups, one item per plan and rule, oldest first."""
    rules = active_rules()
    plans = with_overdue_flags(
        plans_followed_by(user).select_related("seeker"), today=today, rules=rules
    ).filter(overdue_any())
    items = [
        OverdueItem(
            plan_id=plan.pk,
            seeker_id=plan.seeker_id,
            seeker_name=str(plan.seeker),
            kind=kind,
            since=_overdue_since(plan, kind, rules),
            plan_ends_on=plan.ends_on,
        )
        for plan in plans
        for kind in overdue_kinds(plan)
    ]
    return sorted(items, key=lambda item: (item.since, item.plan_id, item.kind))


def intentions_followed_by(user: User | AnonymousUser) -> QuerySet[Intention]:
    """The open fair intentions a staff member follows up: assigned to them, or unassigned
    and of a fair in their scope."""
    if not user.is_authenticated:
        return Intention.objects.none()
    unassigned_here = Q(assigned_to__isnull=True) & Q(
        pk__in=intentions_in_scope(scope_for(user)).values("pk")
    )
    return Intention.objects.filter(
        Q(assigned_to=user) | unassigned_here, status=IntentionStatus.OPEN
    )


def intentions_idle(user: User | AnonymousUser, *, today: dt.date) -> QuerySet[Intention]:
    """The staff member's intentions past their follow-up date (the ``intention_idle``
    rule; its N days set the date)."""
    return intentions_followed_by(user).filter(follow_up_by__lt=today)


def intention_follow_up_list(user: User | AnonymousUser, *, today: dt.date) -> QuerySet[Intention]:
    """The staff member's idle intentions (``intentions_idle``) among the intentions of their
    scope, as lists show them (``intention_list``), the longest idle first: the admin's
    "mine, overdue" list, over the API."""
    idle = intentions_idle(user, today=today).values("pk")
    return intention_list(scope_for(user)).filter(pk__in=idle).order_by("follow_up_by", "pk")


def followups_count(user: User | AnonymousUser, *, today: dt.date) -> dict[str, int]:
    """How many of the staff member's plans are overdue by each rule (one query), and how
    many of their intentions are idle (``intention_idle``, while that rule is active; one
    query)."""
    rules = active_rules()
    plans = with_overdue_flags(plans_followed_by(user), today=today, rules=rules)
    counts = plans.aggregate(
        **{kind: Count("pk", filter=Q(**{f"overdue_{kind}": True})) for kind in PLAN_RULES}
    )
    if OverdueKind.INTENTION_IDLE in rules:
        counts[OverdueKind.INTENTION_IDLE] = intentions_idle(user, today=today).count()
    return {kind: count for kind, count in counts.items() if count}


def zero_employment_found(user: User | AnonymousUser, *, since: dt.datetime) -> int:
    """Zero-employment families found in the staff member's scope since ``since`` (their
    alert opened then) and not cleared yet."""
    if not user.is_authenticated:
        return 0
    return (
        alerts_in_scope(scope_for(user))
        .filter(cleared_on__isnull=True, created_at__gt=since)
        .count()
    )


def digest_recipients() -> QuerySet[User]:
    """Staff who follow people up: active, in a role with personal records."""
    return (
        User.objects.filter(
            is_active=True,
            staff__isnull=False,
        )
        .exclude(staff__role=StaffRole.BUREAU_ANALYST)
        .order_by("pk")
    )


@dataclass(frozen=True)
class StaffDigest:
    user: User
    overdue: dict[str, int]  # rule → follow-ups overdue by it
    zero_employment_found: int


# The digest goes out once a day: the families found in the day before it are new to it.
DIGEST_PERIOD = dt.timedelta(days=1)


def staff_digests(*, today: dt.date, now: dt.datetime) -> Iterator[StaffDigest]:
    """Each staff member with overdue follow-ups or with zero-employment families found in
    their scope in the last day, and their counts (three queries per staff member: their
    scopes differ)."""
    for user in digest_recipients().iterator():
        counts = followups_count(user, today=today)
        found = zero_employment_found(user, since=now - DIGEST_PERIOD)
        if counts or found:
            yield StaffDigest(user=user, overdue=counts, zero_employment_found=found)


def digests_of(user: User, *, days: int = 1) -> list[Any]:
    """The staff member's latest digests (the admin's "my follow-ups" shows today's)."""
    from matching.models import Notification  # stations never imports matching at load

    return list(
        Notification.objects.filter(user=user, template="staff_digest").order_by(
            "-created_at", "-pk"
        )[:days]
    )


# --- The seeker's own -------------------------------------------------------------------------


def seeker_plan(seeker: JobSeeker, *, today: dt.date) -> ServicePlan | None:
    """The seeker's plan for the year they are in (open or closed early), if any."""
    return (
        with_progress(
            ServicePlan.objects.filter(
                Q(status=PlanStatus.OPEN) | Q(opened_on__lte=today, ends_on__gt=today),
                seeker=seeker,
            )
        )
        .order_by("-opened_on")
        .first()
    )


def courses_open(*, today: dt.date) -> QuerySet[TrainingCourse]:
    return TrainingCourse.objects.filter(ends_on__gte=today)


def courses_for_seeker(seeker: JobSeeker, *, today: dt.date) -> QuerySet[TrainingCourse]:
    """Courses not over yet in the seeker's city, or for a region above where they live,
    soonest first."""
    path = seeker.residence_region.path
    city = "/".join(path.strip("/").split("/")[:2]) + "/"
    return (
        courses_open(today=today)
        .filter(Q(region__path__startswith=city) | Q(region__path__in=_ancestor_paths(path)))
        .select_related("occupation", "region")
        .order_by("starts_on", "pk")
    )


# --- Reporting --------------------------------------------------------------------------------


@dataclass(frozen=True)
class GraduatesFollowed:
    """College graduates of a year under real-name registration in a region, and how many
    found work (the Lanzhou bulletin's "7,440 registered, 2,757 employed")."""

    region: str
    year: int
    registered: int
    employed: int

    @property
    def employment_rate(self) -> float | None:
        """employed / registered, e.g. 2,757 / 7,440 = 0.3706."""
        return self.employed / self.registered if self.registered else None


def graduates_of(region: Region, year: int) -> QuerySet[JobSeeker]:
    """Seekers under real-name registration (staff saw their ID card: ``verified_at``) living
    in ``region`` who graduated in ``year``, or, without a graduation year on record, joined
    the college-graduate key group that year."""
    joined = SeekerKeyGroup.objects.filter(
        seeker=OuterRef("pk"), key_group__code=COLLEGE_GRADUATE, started_on__year=year
    )
    return JobSeeker.objects.filter(
        Q(graduation_year=year) | Q(graduation_year__isnull=True) & Q(Exists(joined)),
        merged_into__isnull=True,
        verified_at__isnull=False,
        residence_region__path__startswith=region.path,
    )


def graduates_followed(*, region: Region, year: int) -> GraduatesFollowed:
    """Employed: any placement from the graduation year's first day on (hired, started or
    completed), or an employment status of employed or flexibly employed. One query."""
    worked = Placement.objects.filter(
        application__seeker=OuterRef("pk"),
        application__status__in=[
            ApplicationStatus.HIRED,
            ApplicationStatus.STARTED,
            ApplicationStatus.COMPLETED,
        ],
        starts_on__gte=dt.date(year, 1, 1),
    )
    counts = graduates_of(region, year).aggregate(
        registered=Count("pk"),
        employed=Count("pk", filter=Q(employment_status__in=EMPLOYED_STATUSES) | Q(Exists(worked))),
    )
    return GraduatesFollowed(region.code, year, counts["registered"], counts["employed"])


def zero_employment_families(scope: Scope) -> QuerySet[ZeroEmploymentAlert]:
    """Open zero-employment alerts in scope, oldest first, with their family."""
    return (
        alerts_in_scope(scope)
        .filter(cleared_on__isnull=True)
        .select_related("family__region")
        .annotate(members=Count("family__members"))
        .order_by("found_on", "pk")
    )


@dataclass(frozen=True)
class PlanStatistics:
    """Plans opened in a period for people living in a region.

    ``duty_met_share`` is the share of those plans whose duty was met: 30 met out of 120
    plans is 0.25 (plans still open, closed by employment or lapsed count in the 120)."""

    plans: int
    open: int
    met: int
    employed: int
    lapsed: int
    services: dict[str, int]

    @property
    def duty_met_share(self) -> float | None:
        return self.met / self.plans if self.plans else None


def plan_statistics(*, region: Region, start: dt.date, end: dt.date) -> PlanStatistics:
    """Plans opened in ``[start, end)`` for residents of ``region``: counts by status (one
    query) and the services delivered under them by kind (one grouped query)."""
    plans = ServicePlan.objects.filter(
        opened_on__gte=start,
        opened_on__lt=end,
        seeker__residence_region__path__startswith=region.path,
    )
    counts = plans.aggregate(
        plans=Count("pk"),
        **{status: Count("pk", filter=Q(status=status)) for status in PlanStatus.values},
    )
    services = dict(
        ServiceRecord.objects.filter(plan__in=plans)
        .values_list("kind")
        .annotate(count=Count("pk"))
        .order_by()
        .values_list("kind", "count")
    )
    return PlanStatistics(
        plans=counts["plans"],
        open=counts[PlanStatus.OPEN],
        met=counts[PlanStatus.MET],
        employed=counts[PlanStatus.EMPLOYED],
        lapsed=counts[PlanStatus.LAPSED],
        services={kind: services.get(kind, 0) for kind in ServiceKind.values},
    )


def plan_progress(plan: ServicePlan) -> dict[str, dict[str, int]]:
    """Owed and delivered per kind of a plan annotated by ``with_progress``."""
    return {
        kind: {
            "owed": getattr(plan, field),
            "delivered": getattr(plan, f"delivered_{kind}", 0),
        }
        for kind, field in (
            (ServiceKind.JOB_PUSH, "duty_job_pushes"),
            (ServiceKind.TRAINING, "duty_training"),
            (ServiceKind.GUIDANCE, "duty_guidance"),
        )
    }


def plan_is_met(plan: ServicePlan) -> bool:
    """Whether a plan annotated by ``with_progress`` has its duty met."""
    return duty_met(plan, {kind: getattr(plan, f"delivered_{kind}", 0) for kind in ServiceKind})
