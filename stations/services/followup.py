"""311 follow-up: plans, the services that meet their duty, training, guidance, and
zero-employment families.

The rules (issue 6, from the Dingxi bulletin's "311" service):

- **Opening.** A person in a key group has one plan per year, from the day they are
  registered or tagged (``plan_ensure``) or, for people imported in bulk, from the day the
  daily run finds them (``plans_ensure_all``). The duty is the largest any of their current
  groups owes, kind by kind. A plan covers ``[opened_on, ends_on)``: the next one opens on the
  day it ends, if the person is still in a key group.
- **Closing.** As ``met`` the moment the last owed service is recorded; as ``employed`` when
  the person is hired (the placement is its outcome); at its end as ``met`` or ``lapsed``. A
  plan closed early is still that year's plan: the next opens when the year is over.
- **Pushes.** A job push counts when it was delivered and names an open post. Matching's
  pushes suit the person by construction (the engine chose them) and count by themselves,
  once per push whatever the retries and however many channels carried it
  (``pushes_record``). Staff record the pushes they make by other means (a call, a visit)
  with ``push_record_manual``, naming open posts in an occupation group of the person's
  skills, the engine's own test of a related skill.
- **Employed** (zero-employment families): a current placement (hired or started, not yet
  ended) or an employment status of employed or flexibly employed (flexible employment counts
  as employment in the bulletins).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import (
    Case,
    CharField,
    Count,
    Exists,
    F,
    Max,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError
from core.transitions import check_transition
from stations.models import (
    Family,
    GuidanceSession,
    JobPost,
    JobSeeker,
    Occupation,
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
from stations.models.followup import AlertClearedBecause, PlanStatus, ReferralStatus, ServiceKind
from stations.models.placements import ApplicationStatus
from stations.models.posts import PostStatus
from stations.models.seekers import EmploymentStatus

log = logging.getLogger(__name__)

# Templates of the outbox whose rows are job pushes naming a post (matching/messages.py).
PUSH_TEMPLATES = ("post_recommended",)
PUSH_REFERENCE_PREFIX = "push:"
# Working age for zero-employment families: 16 (the legal minimum working age) up to 60,
# the statutory retirement age of men; the same bounds for everyone, since matching and
# follow-up never read sex (the staged raising of retirement ages from 2025 is not modelled).
WORKING_AGE = (16, 60)
EMPLOYED_STATUSES = (EmploymentStatus.EMPLOYED, EmploymentStatus.FLEXIBLE)
NOT_IN_LABOUR_FORCE = (EmploymentStatus.STUDENT, EmploymentStatus.OUT_OF_LABOUR_FORCE)
CURRENT_JOB_STATUSES = (ApplicationStatus.HIRED, ApplicationStatus.STARTED)

REFERRAL_TRANSITIONS: dict[ReferralStatus, tuple[ReferralStatus, ...]] = {
    ReferralStatus.REFERRED: (ReferralStatus.ENROLLED, ReferralStatus.DROPPED),
    ReferralStatus.ENROLLED: (ReferralStatus.COMPLETED, ReferralStatus.DROPPED),
    ReferralStatus.COMPLETED: (ReferralStatus.CERTIFIED, ReferralStatus.EMPLOYED),
    ReferralStatus.CERTIFIED: (ReferralStatus.EMPLOYED,),
    ReferralStatus.EMPLOYED: (),
    ReferralStatus.DROPPED: (),
}
# Referrals holding one of a course's places.
HOLDS_PLACE = (
    ReferralStatus.ENROLLED,
    ReferralStatus.COMPLETED,
    ReferralStatus.CERTIFIED,
    ReferralStatus.EMPLOYED,
)
DUTY_FIELDS = {
    ServiceKind.JOB_PUSH: "duty_job_pushes",
    ServiceKind.TRAINING: "duty_training",
    ServiceKind.GUIDANCE: "duty_guidance",
}


# --- Plans ------------------------------------------------------------------------------------


def a_year_after(day: dt.date) -> dt.date:
    """The same day a year later (29 February → 1 March)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day + dt.timedelta(days=365)


@dataclass(frozen=True)
class Duty:
    job_pushes: int
    training: int
    guidance: int

    @property
    def owed(self) -> bool:
        return bool(self.job_pushes or self.training or self.guidance)


def current_memberships(today: dt.date) -> QuerySet[SeekerKeyGroup]:
    """Key-group memberships running on ``today``."""
    return SeekerKeyGroup.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today), started_on__lte=today
    )


def _duty_of(memberships: QuerySet[SeekerKeyGroup]) -> Duty | None:
    duties = memberships.aggregate(
        pushes=Max("key_group__duty_job_pushes"),
        training=Max("key_group__duty_training_recommendations"),
        guidance=Max("key_group__duty_guidance_sessions"),
    )
    if duties["pushes"] is None:
        return None
    duty = Duty(duties["pushes"], duties["training"], duties["guidance"])
    return duty if duty.owed else None


def delivered_counts(plan_ids: Iterable[int]) -> dict[int, dict[str, int]]:
    """Services recorded per plan and kind, in one grouped query."""
    counts: dict[int, dict[str, int]] = {}
    for plan_id, kind, count in (
        ServiceRecord.objects.filter(plan_id__in=list(plan_ids))
        .values_list("plan_id", "kind")
        .annotate(count=Count("pk"))
        .order_by()
    ):
        counts.setdefault(plan_id, {})[kind] = count
    return counts


def duty_met(plan: ServicePlan, delivered: dict[str, int]) -> bool:
    return all(
        delivered.get(kind, 0) >= getattr(plan, field) for kind, field in DUTY_FIELDS.items()
    )


def _close(plan: ServicePlan, status: PlanStatus, on: dt.date, **extra: Any) -> None:
    plan.status, plan.closed_on = status, on
    for name, value in extra.items():
        setattr(plan, name, value)
    plan.save(update_fields=["status", "closed_on", *extra, "updated_at"])


def _close_if_met(plan: ServicePlan, on: dt.date) -> None:
    if plan.status == PlanStatus.OPEN and duty_met(
        plan, delivered_counts([plan.pk]).get(plan.pk, {})
    ):
        _close(plan, PlanStatus.MET, on)


def _close_at_end(plan: ServicePlan) -> None:
    """A plan whose year is over: met or lapsed, closed on its last day's end."""
    met = duty_met(plan, delivered_counts([plan.pk]).get(plan.pk, {}))
    _close(plan, PlanStatus.MET if met else PlanStatus.LAPSED, plan.ends_on)


@transaction.atomic
def plan_ensure(*, seeker_id: int, today: dt.date) -> ServicePlan | None:
    """The seeker's plan for the year from ``today``, opened if they are in a key group and
    no plan of theirs covers ``today``; a plan past its end is closed first. Idempotent:
    returns the plan that covers ``today`` (or the open one), None when nothing is owed."""
    # The seeker's row serialises the plans of one person (hiring takes the same lock).
    seeker = (
        JobSeeker.objects.select_for_update().filter(pk=seeker_id, merged_into__isnull=True).first()
    )
    if seeker is None:
        return None
    current = ServicePlan.objects.select_for_update().filter(seeker=seeker, status=PlanStatus.OPEN)
    open_plan = current.first()
    if open_plan is not None:
        if open_plan.ends_on > today:
            return open_plan
        _close_at_end(open_plan)
    covering = (
        ServicePlan.objects.filter(seeker=seeker, opened_on__lte=today, ends_on__gt=today)
        .order_by("-opened_on")
        .first()
    )
    if covering is not None:
        return covering
    duty = _duty_of(current_memberships(today).filter(seeker=seeker))
    if duty is None:
        return None
    return ServicePlan.objects.create(
        seeker=seeker,
        opened_on=today,
        ends_on=a_year_after(today),
        duty_job_pushes=duty.job_pushes,
        duty_training=duty.training,
        duty_guidance=duty.guidance,
    )


@dataclass(frozen=True)
class PlansEnsured:
    opened: int
    met: int
    lapsed: int


PLANS_CHUNK = 1_000


@transaction.atomic
def plans_ensure_all(*, today: dt.date) -> PlansEnsured:
    """The daily run: plans whose year is over close as met or lapsed, and every current
    key-group member without a plan covering ``today`` gets one. Idempotent (a second run the
    same day changes nothing), and it covers the seekers imported in bulk, whom no service
    saw joining a key group."""
    ended = list(
        ServicePlan.objects.select_for_update(skip_locked=True)
        .filter(status=PlanStatus.OPEN, ends_on__lte=today)
        .order_by("pk")
    )
    counts = delivered_counts(plan.pk for plan in ended)
    met = [plan.pk for plan in ended if duty_met(plan, counts.get(plan.pk, {}))]
    met_ids = set(met)
    lapsed = [plan.pk for plan in ended if plan.pk not in met_ids]
    now = timezone.now()
    for ids, status in ((met, PlanStatus.MET), (lapsed, PlanStatus.LAPSED)):
        for start in range(0, len(ids), PLANS_CHUNK):
            # closed_on is each plan's own end: F() keeps it in one statement per chunk.
            ServicePlan.objects.filter(pk__in=ids[start : start + PLANS_CHUNK]).update(
                status=status, closed_on=F("ends_on"), updated_at=now
            )
    opened = _plans_open(current_memberships(today), today=today)
    return PlansEnsured(opened=opened, met=len(met), lapsed=len(lapsed))


@transaction.atomic
def plans_ensure_for(*, seeker_ids: Iterable[int], today: dt.date) -> int:
    """Open the plans of the given seekers that are owed one on ``today`` (tagged with a key
    group in bulk, as the seekers import does), in a few statements per chunk of people
    rather than a service call each; idempotent. Returns how many plans opened."""
    ids = sorted(set(seeker_ids))
    opened = 0
    for start in range(0, len(ids), PLANS_CHUNK):
        chunk = ids[start : start + PLANS_CHUNK]
        opened += _plans_open(current_memberships(today).filter(seeker_id__in=chunk), today=today)
    return opened


def _plans_open(memberships: QuerySet[SeekerKeyGroup], *, today: dt.date) -> int:
    """A plan from ``today`` for each member among ``memberships`` owed a duty and without a
    plan covering ``today`` (or an open one)."""
    covered = ServicePlan.objects.filter(
        Q(status=PlanStatus.OPEN) | Q(opened_on__lte=today, ends_on__gt=today),
        seeker=OuterRef("seeker_id"),
    )
    owed = (
        memberships.filter(seeker__merged_into__isnull=True)
        .exclude(Exists(covered))
        .values("seeker_id")
        .annotate(
            pushes=Max("key_group__duty_job_pushes"),
            training=Max("key_group__duty_training_recommendations"),
            guidance=Max("key_group__duty_guidance_sessions"),
        )
        .order_by("seeker_id")
    )
    plans = [
        ServicePlan(
            seeker_id=row["seeker_id"],
            opened_on=today,
            ends_on=a_year_after(today),
            duty_job_pushes=row["pushes"],
            duty_training=row["training"],
            duty_guidance=row["guidance"],
        )
        for row in owed
        if row["pushes"] or row["training"] or row["guidance"]
    ]
    # A plan opened meanwhile by a service (someone tagged at the counter) wins quietly.
    ServicePlan.objects.bulk_create(plans, batch_size=PLANS_CHUNK, ignore_conflicts=True)
    return len(plans)


@transaction.atomic
def plan_assign(*, plan: ServicePlan, to: User | None, by: User | None) -> ServicePlan:
    """Who follows the plan up; nobody means every staff member whose scope holds the
    person."""
    plan = ServicePlan.objects.select_for_update().get(pk=plan.pk)
    plan.assigned_to = to
    plan._history_user = by  # type: ignore[attr-defined]
    plan.save(update_fields=["assigned_to", "updated_at"])
    return plan


def _open_plan_locked(seeker_id: int, on: dt.date) -> ServicePlan | None:
    return (
        ServicePlan.objects.select_for_update()
        .filter(seeker_id=seeker_id, status=PlanStatus.OPEN, opened_on__lte=on)
        .first()
    )


def _service_add(
    *,
    seeker_id: int,
    kind: ServiceKind,
    at: dt.datetime,
    by: User | None,
    **links: Any,
) -> ServiceRecord | None:
    """A service recorded under the person's open plan (none: nothing is owed, nothing
    recorded); the plan closes as met when this was the last service owed."""
    on = timezone.localdate(at)
    plan = _open_plan_locked(seeker_id, on)
    if plan is None:
        return None
    record = ServiceRecord.objects.create(plan=plan, kind=kind, at=at, by=by, **links)
    _close_if_met(plan, on)
    return record


# --- Employment -------------------------------------------------------------------------------


def employment_recorded(*, placement: Placement, now: dt.datetime) -> None:
    """Someone was hired: their open plan closes as employed with the placement as its
    outcome, and their family's open zero-employment alert clears ("dynamic zeroing")."""
    seeker_id = placement.application.seeker_id
    today = timezone.localdate(now)
    plan = (
        ServicePlan.objects.select_for_update()
        .filter(seeker_id=seeker_id, status=PlanStatus.OPEN)
        .first()
    )
    if plan is not None:
        _close(plan, PlanStatus.EMPLOYED, today, outcome=placement)
    family_id = JobSeeker.objects.filter(pk=seeker_id).values_list("family_id", flat=True).first()
    if family_id is not None:
        ZeroEmploymentAlert.objects.filter(family_id=family_id, cleared_on__isnull=True).update(
            cleared_on=today,
            cleared_by=placement,
            cleared_because=AlertClearedBecause.PLACED,
            updated_at=now,
        )


# --- Job pushes -------------------------------------------------------------------------------


def push_reference(dedup_key: str) -> str:
    """One reference per push, whatever channel carried it: the outbox key without its
    ``:<channel>`` suffix (hashed when it would not fit the reference column)."""
    base = dedup_key.rsplit(":", 1)[0]
    reference = f"{PUSH_REFERENCE_PREFIX}{base}"
    if len(reference) > 64:
        digest = hashlib.sha256(base.encode()).hexdigest()[: 64 - len(PUSH_REFERENCE_PREFIX)]
        reference = f"{PUSH_REFERENCE_PREFIX}{digest}"
    return reference


def pushes_record(*, notification_ids: Sequence[int], now: dt.datetime) -> int:
    """Count the delivered job pushes among ``notification_ids`` under their people's open
    plans; returns how many services were recorded.

    Called by the outbox wherever rows become sent (the in-app copy when written, the
    external one when the gateway accepted it). A push counts once: its in-app and external
    rows, a retry or a re-send after an expired lease share one reference, and the reference
    is unique. A push whose post was no longer open when the row was sent does not count.
    """
    if not notification_ids:
        return 0
    try:
        # In a savepoint: counting must never undo the delivery it is called from (the
        # outbox would send the message again).
        with transaction.atomic():
            return _pushes_record(notification_ids, now)
    except DatabaseError:
        log.exception("311: pushes %s could not be counted", list(notification_ids)[:20])
        return 0


def _pushes_record(notification_ids: Sequence[int], now: dt.datetime) -> int:
    from matching.models import Notification  # stations never imports matching at load

    rows = list(
        Notification.objects.filter(
            pk__in=list(notification_ids),
            status=Notification.Status.SENT,
            template__in=PUSH_TEMPLATES,
            seeker__isnull=False,
            post__isnull=False,
        )
        .order_by("pk")
        .values_list("pk", "dedup_key", "seeker_id", "post_id", "sent_at")
    )
    if not rows:
        return 0
    first_of_push: dict[str, tuple[int, int, int, dt.datetime]] = {}
    for pk, dedup_key, seeker_id, post_id, sent_at in rows:
        first_of_push.setdefault(
            push_reference(dedup_key), (pk, seeker_id, post_id, sent_at or now)
        )
    counted = set(
        ServiceRecord.objects.filter(reference__in=list(first_of_push)).values_list(
            "reference", flat=True
        )
    )
    fresh = {ref: row for ref, row in first_of_push.items() if ref not in counted}
    if not fresh:
        return 0
    open_posts = set(
        JobPost.objects.filter(
            pk__in={post_id for _, _, post_id, _ in fresh.values()}, status=PostStatus.OPEN
        ).values_list("pk", flat=True)
    )
    plans = {
        plan.seeker_id: plan
        for plan in ServicePlan.objects.select_for_update()
        .filter(
            seeker_id__in={seeker_id for _, seeker_id, _, _ in fresh.values()},
            status=PlanStatus.OPEN,
        )
        .order_by("pk")
    }
    records: list[ServiceRecord] = []
    for reference, (pk, seeker_id, post_id, sent_at) in fresh.items():
        plan = plans.get(seeker_id)
        if plan is None or post_id not in open_posts:
            continue
        if plan.opened_on > timezone.localdate(sent_at):
            continue  # sent before the plan opened
        records.append(
            ServiceRecord(
                plan=plan,
                kind=ServiceKind.JOB_PUSH,
                at=sent_at,
                notification_id=pk,
                reference=reference,
            )
        )
    if not records:
        return 0
    # A concurrent worker counting the same push (its other channel) loses quietly.
    ServiceRecord.objects.bulk_create(records, ignore_conflicts=True)
    mine = list(
        ServiceRecord.objects.filter(
            reference__in=[record.reference for record in records],
            notification_id__in=[record.notification_id for record in records],
        ).values_list("pk", "notification_id", "plan_id")
    )
    post_of = {pk: post_id for pk, _, post_id, _ in fresh.values()}
    ServiceRecord.posts.through.objects.bulk_create(
        [
            ServiceRecord.posts.through(servicerecord_id=pk, jobpost_id=post_of[notification_id])
            for pk, notification_id, _ in mine
        ],
        ignore_conflicts=True,
    )
    touched = {plan_id for _, _, plan_id in mine}
    counts = delivered_counts(touched)
    today = timezone.localdate(now)
    for plan in plans.values():
        if plan.pk in touched and duty_met(plan, counts.get(plan.pk, {})):
            _close(plan, PlanStatus.MET, today)
    return len(mine)


def middle_group_path(occupation: Occupation) -> str:
    """The path of the occupation's middle group (the occupation's own path above it)."""
    parts = occupation.path.strip("/").split("/")
    return "/".join(parts[:2]) + "/"


def posts_suiting(seeker: JobSeeker, posts: Iterable[JobPost]) -> list[JobPost]:
    """The posts whose trade is in the middle group of one of the seeker's skills: what the
    engine calls a related skill (matching/engine/config.py, ``require_related_skill``)."""
    skill_paths = list(seeker.skill_rows.values_list("occupation__path", flat=True))
    suiting = []
    for post in posts:
        group = middle_group_path(post.occupation)
        if any(path.startswith(group) for path in skill_paths):
            suiting.append(post)
    return suiting


@transaction.atomic
def push_record_manual(
    *, plan: ServicePlan, posts: Sequence[JobPost], by: User | None, now: dt.datetime
) -> ServiceRecord:
    """Record a job push staff made themselves (a call, a visit, a printed list). It must name
    open posts in an occupation group of the person's skills, at least one of them not pushed
    to them under this plan before."""
    plan = ServicePlan.objects.select_for_update().select_related("seeker").get(pk=plan.pk)
    if plan.status != PlanStatus.OPEN:
        raise Conflict(_("This plan is closed: nothing more is owed under it."))
    if not posts:
        raise DomainError(
            _("Name the posts pushed."), field_errors={"posts": [_("at least one post")]}
        )
    today = timezone.localdate(now)
    posts = list(
        JobPost.objects.select_related("occupation").filter(pk__in=[post.pk for post in posts])
    )
    closed = [post for post in posts if post.status != PostStatus.OPEN or post.ends_on < today]
    if closed:
        names = ", ".join(post.title for post in closed)
        raise DomainError(
            _("Only open posts count as a push: %(posts)s are not open.") % {"posts": names},
            field_errors={"posts": [_("not open")]},
        )
    suiting = posts_suiting(plan.seeker, posts)
    if len(suiting) < len(posts):
        names = ", ".join(post.title for post in posts if post not in suiting)
        raise DomainError(
            _("%(posts)s suit none of the person's skills.") % {"posts": names},
            field_errors={"posts": [_("no related skill")]},
        )
    pushed_before = set(
        ServiceRecord.posts.through.objects.filter(
            servicerecord__plan=plan, jobpost_id__in=[post.pk for post in posts]
        ).values_list("jobpost_id", flat=True)
    )
    if pushed_before >= {post.pk for post in posts}:
        raise DomainError(
            _("These posts were pushed to the person already."),
            field_errors={"posts": [_("pushed before")]},
        )
    record = ServiceRecord.objects.create(plan=plan, kind=ServiceKind.JOB_PUSH, at=now, by=by)
    record.posts.set(posts)
    _close_if_met(plan, today)
    return record


# --- Training ---------------------------------------------------------------------------------

COURSE_FIELDS = frozenset(
    {
        "reference",
        "name",
        "provider",
        "occupation",
        "region",
        "subsidised",
        "starts_on",
        "ends_on",
        "places",
    }
)


def _course_checked(course: TrainingCourse) -> TrainingCourse:
    try:
        course.full_clean()
    except ValidationError as error:
        raise DomainError.from_validation_errors(
            error, _("The training course is not valid.")
        ) from error
    if course.ends_on < course.starts_on:
        raise DomainError(
            _("The course cannot end before it starts."),
            field_errors={"ends_on": [_("must be on or after the start date")]},
        )
    return course


@transaction.atomic
def course_create(*, by: User | None, **fields: Any) -> TrainingCourse:
    unknown = set(fields) - COURSE_FIELDS
    if unknown:
        raise TypeError(f"Unknown course fields: {sorted(unknown)}")
    course = _course_checked(TrainingCourse(**fields))
    try:
        with transaction.atomic():
            course.save()
    except IntegrityError as error:
        raise Conflict(
            _("A course with this reference exists already."),
            field_errors={"reference": [_("already used")]},
        ) from error
    return course


@transaction.atomic
def course_update(*, course: TrainingCourse, by: User | None, **changes: Any) -> TrainingCourse:
    unknown = set(changes) - COURSE_FIELDS
    if unknown:
        raise TypeError(f"Unknown course fields: {sorted(unknown)}")
    course = TrainingCourse.objects.select_for_update().get(pk=course.pk)
    for name, value in changes.items():
        setattr(course, name, value)
    _course_checked(course).save()
    return course


@transaction.atomic
def referral_create(
    *, course: TrainingCourse, seeker: JobSeeker, by: User | None, now: dt.datetime
) -> TrainingReferral:
    """Recommend a course to a person: the plan's training service."""
    if course.ends_on < timezone.localdate(now):
        raise DomainError(_("This course is over."), field_errors={"course": [_("ended")]})
    if seeker.merged_into_id is not None:
        raise DomainError(_("This seeker's record was merged into another; use that one."))
    if TrainingReferral.objects.filter(course=course, seeker=seeker).exists():
        raise Conflict(
            _("The person was referred to this course already."),
            field_errors={"course": [_("referred already")]},
        )
    try:
        with transaction.atomic():
            referral = TrainingReferral.objects.create(
                course=course, seeker=seeker, referred_at=now, status_changed_at=now, by=by
            )
    except IntegrityError as error:  # the same referral from another counter a moment ago
        raise Conflict(_("The person was referred to this course already.")) from error
    _service_add(seeker_id=seeker.pk, kind=ServiceKind.TRAINING, at=now, by=by, referral=referral)
    return referral


@transaction.atomic
def referral_move(
    *, referral: TrainingReferral, to: ReferralStatus, by: User | None, now: dt.datetime
) -> TrainingReferral:
    """Enrolled, completed, certified, employed, or dropped out; enrolling takes one of the
    course's places."""
    # The course's row, then the referral's: the course serialises enrolments, so that two
    # counters cannot both take its last place.
    course = TrainingCourse.objects.select_for_update().get(pk=referral.course_id)
    referral = TrainingReferral.objects.select_for_update().get(pk=referral.pk)
    check_transition(REFERRAL_TRANSITIONS, referral.status, to, what=_("training referral"))
    if to == ReferralStatus.ENROLLED:
        taken = course.referrals.filter(status__in=HOLDS_PLACE).count()
        if taken >= course.places:
            raise Conflict(_("Every place on this course is taken."))
    referral.status, referral.status_changed_at = to, now
    referral._history_user = by  # type: ignore[attr-defined]
    referral.save(update_fields=["status", "status_changed_at", "updated_at"])
    return referral


# --- Guidance ---------------------------------------------------------------------------------


@transaction.atomic
def guidance_record(
    *,
    seeker: JobSeeker,
    held_at: dt.datetime,
    by: User | None,
    station: Station | None = None,
    notes: str = "",
    next_step: str = "",
    next_step_by: dt.date | None = None,
    now: dt.datetime | None = None,
) -> GuidanceSession:
    """A vocational-guidance session held, with the next step agreed: the plan's guidance
    service. With ``now``, a session said to be held later than now is refused."""
    if seeker.merged_into_id is not None:
        raise DomainError(_("This seeker's record was merged into another; use that one."))
    if now is not None and held_at > now + dt.timedelta(minutes=10):
        raise DomainError(
            _("A session is recorded once it has been held."),
            field_errors={"held_at": [_("in the future")]},
        )
    if next_step_by is not None and next_step_by < timezone.localdate(held_at):
        raise DomainError(
            _("The next step cannot be due before the session."),
            field_errors={"next_step_by": [_("must be on or after the session")]},
        )
    if next_step_by is not None and not next_step.strip():
        raise DomainError(
            _("Say what the next step is."), field_errors={"next_step": [_("required with a date")]}
        )
    session = GuidanceSession.objects.create(
        seeker=seeker,
        held_at=held_at,
        station=station,
        by=by,
        notes=notes,
        next_step=next_step.strip(),
        next_step_by=next_step_by,
    )
    _service_add(
        seeker_id=seeker.pk, kind=ServiceKind.GUIDANCE, at=held_at, by=by, guidance=session
    )
    return session


# --- Imported history -------------------------------------------------------------------------


@transaction.atomic
def service_import(
    *,
    seeker: JobSeeker,
    kind: ServiceKind,
    on: dt.date,
    reference: str,
    posts: Sequence[JobPost] = (),
    by: User | None,
    today: dt.date,
) -> tuple[ServiceRecord, bool]:
    """A 311 service from a bureau's history, by its natural key ``reference``; (the record,
    whether it was created). It goes under the person's plan covering ``on``; without one, a
    plan opens on ``on`` (the person's current plan moves back to start then, when it opened
    later the same year). A plan whose year is over by ``today`` closes as met or lapsed."""
    if reference.startswith(PUSH_REFERENCE_PREFIX):
        raise DomainError(
            _("References starting with %(prefix)s are the counted pushes' own.")
            % {"prefix": PUSH_REFERENCE_PREFIX},
            field_errors={"reference": [_("reserved")]},
        )
    existing = ServiceRecord.objects.filter(reference=reference).select_related("plan").first()
    if existing is not None:
        if (
            existing.plan.seeker_id != seeker.pk
            or existing.kind != kind
            or timezone.localdate(existing.at) != on
        ):
            raise Conflict(
                _("This reference names another service already."),
                field_errors={"reference": [_("used by another service")]},
            )
        return existing, False
    if on > today:
        raise DomainError(
            _("A service cannot be recorded before it happens."),
            field_errors={"date": [_("in the future")]},
        )
    seeker = JobSeeker.objects.select_for_update().get(pk=seeker.pk)
    plan = (
        ServicePlan.objects.select_for_update()
        .filter(seeker=seeker, opened_on__lte=on, ends_on__gt=on)
        .order_by("-opened_on")
        .first()
    )
    if plan is None:
        plan = _plan_for_history(seeker, on)
    at = timezone.make_aware(dt.datetime.combine(on, dt.time(12)))
    record = ServiceRecord.objects.create(plan=plan, kind=kind, at=at, by=by, reference=reference)
    if posts:
        record.posts.set(posts)
    if plan.status == PlanStatus.OPEN:
        if plan.ends_on <= today:
            _close_at_end(plan)
        else:
            _close_if_met(plan, today)
    return record, True


def _plan_for_history(seeker: JobSeeker, on: dt.date) -> ServicePlan:
    open_plan = (
        ServicePlan.objects.select_for_update()
        .filter(seeker=seeker, status=PlanStatus.OPEN)
        .first()
    )
    if open_plan is not None:
        if open_plan.opened_on > on and a_year_after(on) > open_plan.opened_on:
            # The plan opened when the person was found (the daily run after a bulk import),
            # but the bureau served them earlier: the plan's year starts with that service.
            earlier = ServicePlan.objects.filter(
                seeker=seeker, ends_on__gt=on, opened_on__lt=open_plan.opened_on
            ).exclude(pk=open_plan.pk)
            if not earlier.exists():
                open_plan.opened_on, open_plan.ends_on = on, a_year_after(on)
                open_plan.save(update_fields=["opened_on", "ends_on", "updated_at"])
                return open_plan
        raise DomainError(
            _("No plan of this person covers the date, and their current plan opened on %(day)s.")
            % {"day": open_plan.opened_on.isoformat()},
            field_errors={"date": [_("outside the person's plans")]},
        )
    memberships = SeekerKeyGroup.objects.filter(seeker=seeker).filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=on)
    )
    duty = _duty_of(memberships)
    if duty is None:
        raise DomainError(
            _("The person is in no key group: no 311 duty is owed to them."),
            field_errors={"seeker_id_number": [_("in no key group")]},
        )
    return ServicePlan.objects.create(
        seeker=seeker,
        opened_on=on,
        ends_on=a_year_after(on),
        duty_job_pushes=duty.job_pushes,
        duty_training=duty.training,
        duty_guidance=duty.guidance,
    )


# --- Zero-employment families -----------------------------------------------------------------


def _years_before(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def able_to_work(today: dt.date) -> Q:
    """Members of working age and in the labour force; a member without a known birth date
    (self-registered, not yet verified) counts as of working age."""
    youngest, oldest = WORKING_AGE
    in_age = Q(birth_date__isnull=True) | Q(
        birth_date__lte=_years_before(today, youngest),
        birth_date__gt=_years_before(today, oldest),
    )
    return in_age & Q(merged_into__isnull=True) & ~Q(employment_status__in=NOT_IN_LABOUR_FORCE)


def current_placements(today: dt.date) -> QuerySet[Placement]:
    """Placements that are someone's work now or to come: hired or started, not yet ended."""
    return Placement.objects.filter(
        Q(ends_on__isnull=True) | Q(ends_on__gte=today),
        application__status__in=CURRENT_JOB_STATUSES,
    )


def employed(today: dt.date) -> Q:
    """Seekers with work: a current placement, or an employment status of employed or
    flexibly employed."""
    working = current_placements(today).filter(application__seeker=OuterRef("pk"))
    return Q(employment_status__in=EMPLOYED_STATUSES) | Q(Exists(working))


def families_without_work(today: dt.date) -> QuerySet[Family]:
    """Families with members able to work and none of them employed."""
    able = JobSeeker.objects.filter(able_to_work(today), family=OuterRef("pk"))
    return Family.objects.filter(Exists(able)).exclude(Exists(able.filter(employed(today))))


def _clearing(today: dt.date) -> dict[str, Any]:
    """How an alert clears, as expressions on its family (one UPDATE clears many alerts):
    by the latest current placement of a member able to work (``placed``, as when the hire
    itself clears it), else ``employed`` (a member's employment status says so), else
    ``nobody_able`` (no member of working age in the labour force any more)."""
    able = JobSeeker.objects.filter(able_to_work(today), family=OuterRef("family_id"))
    placements = current_placements(today).filter(
        application__seeker__family=OuterRef("family_id"),
        application__seeker__in=JobSeeker.objects.filter(able_to_work(today)),
    )
    return {
        "cleared_by": Subquery(placements.order_by("-starts_on", "-pk").values("pk")[:1]),
        "cleared_because": Case(
            When(Exists(placements), then=Value(AlertClearedBecause.PLACED)),
            When(Exists(able.filter(employed(today))), then=Value(AlertClearedBecause.EMPLOYED)),
            default=Value(AlertClearedBecause.NOBODY_ABLE),
            output_field=CharField(),
        ),
    }


@transaction.atomic
def family_employment_check(*, family: Family, today: dt.date) -> ZeroEmploymentAlert | None:
    """Open an alert for a family found with no member employed, or clear its alert when a
    member has work now (or nobody is able to work any more); returns the family's open
    alert, if any."""
    family = Family.objects.select_for_update().get(pk=family.pk)
    alert = ZeroEmploymentAlert.objects.filter(family=family, cleared_on__isnull=True).first()
    zero = families_without_work(today).filter(pk=family.pk).exists()
    if zero and alert is None:
        return ZeroEmploymentAlert.objects.create(family=family, found_on=today)
    if not zero and alert is not None:
        ZeroEmploymentAlert.objects.filter(pk=alert.pk).update(
            cleared_on=today, updated_at=timezone.now(), **_clearing(today)
        )
        return None
    return alert


@dataclass(frozen=True)
class FamiliesChecked:
    found: int
    cleared: int


@transaction.atomic
def families_check_all(*, today: dt.date) -> FamiliesChecked:
    """The daily run over every family: new zero-employment families get an alert, families
    where someone has work now are cleared. Idempotent."""
    zero = families_without_work(today)
    open_alerts = ZeroEmploymentAlert.objects.filter(cleared_on__isnull=True)
    found = [
        ZeroEmploymentAlert(family_id=family_id, found_on=today)
        for family_id in zero.exclude(Exists(open_alerts.filter(family=OuterRef("pk"))))
        .order_by("pk")
        .values_list("pk", flat=True)
    ]
    ZeroEmploymentAlert.objects.bulk_create(found, ignore_conflicts=True)
    cleared = open_alerts.exclude(family__in=zero).update(
        cleared_on=today, updated_at=timezone.now(), **_clearing(today)
    )
    return FamiliesChecked(found=len(found), cleared=cleared)


@transaction.atomic
def family_create(*, reference: str, region: Region, address: str = "") -> Family:
    family = Family(reference=reference.strip(), region=region, address=address)
    try:
        family.full_clean()
    except ValidationError as error:
        raise DomainError.from_validation_errors(error, _("The family is not valid.")) from error
    family.save()
    return family


@transaction.atomic
def family_update(*, family: Family, reference: str, region: Region, address: str = "") -> Family:
    family = Family.objects.select_for_update().get(pk=family.pk)
    family.reference, family.region, family.address = reference.strip(), region, address
    try:
        family.full_clean()
    except ValidationError as error:
        raise DomainError.from_validation_errors(error, _("The family is not valid.")) from error
    family.save()
    return family


@transaction.atomic
def family_members_set(*, family: Family, members: Sequence[JobSeeker]) -> Family:
    JobSeeker.objects.filter(pk__in=[member.pk for member in members]).update(family=family)
    return family


# --- The staff digest -------------------------------------------------------------------------


def staff_digest_send(
    *,
    user: User,
    overdue: dict[str, int],
    now: dt.datetime,
    zero_employment_found: int = 0,
) -> bool:
    """One in-app message a day to a staff member with overdue follow-ups (how many, by
    rule: plans' rules and fairs' idle intentions) or with zero-employment families newly
    found in their scope (how many). Returns whether a message was written (a second call
    the same day writes none).

    In-app: staff have no phone or e-mail on record, and the admin's "my follow-ups" page
    shows the day's digest. The outbox is matching's; stations writes to it here directly,
    importing it on use as stations/services/changes.py does (stations never imports matching
    at load)."""
    from matching.models import Notification
    from stations.models.followup import OverdueKind

    total = sum(overdue.values())
    if not total and not zero_employment_found:
        return False
    day = timezone.localdate(now)
    summary: dict[str, str] = {}
    for language in ("zh-hans", "en"):
        with translation.override(language):
            parts = [
                f"{OverdueKind(kind).label}: {count}" for kind, count in sorted(overdue.items())
            ]
            if zero_employment_found:
                parts.append(
                    _("zero-employment families newly found: %(count)d")
                    % {"count": zero_employment_found}
                )
            summary[language] = "; ".join(parts)
    _row, created = Notification.objects.get_or_create(
        dedup_key=f"staff_digest:{user.pk}:{day.isoformat()}:{Notification.Channel.IN_APP}",
        defaults={
            "user": user,
            "channel": Notification.Channel.IN_APP,
            "template": "staff_digest",
            "context": {
                "overdue": total,
                "summary": summary,
                "zero_employment_found": zero_employment_found,
            },
            # Staff have no language of their own on record: the site's.
            "language": settings.LANGUAGE_CODE,
            "status": Notification.Status.SENT,
            "sent_at": now,
            "next_attempt_at": now,
            "created_at": now,
        },
    )
    return created
