"""311 follow-up: plans opened by key groups and closed by the duty, employment or the end of
the year; pushes counted once whatever the retries; training, guidance, overdue rules and the
staff digest; zero-employment families; graduates followed; the services import."""

from __future__ import annotations

import datetime as dt
import io
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from core.errors import Conflict, DomainError, IllegalTransition
from matching.models import Notification
from matching.services.outbox import notifications_dispatch, notifications_sweep, notify_seeker
from seeds.loader import SEEDS_DIR, load_seeds
from stations.followup_tasks import (
    followup_families_check,
    followup_plans_ensure,
    followup_staff_digest,
)
from stations.imports import import_records
from stations.models import (
    Application,
    Family,
    Intention,
    JobPost,
    JobSeeker,
    KeyGroup,
    Occupation,
    OverdueRule,
    Placement,
    SeekerKeyGroup,
    ServicePlan,
    ServiceRecord,
    TrainingReferral,
    ZeroEmploymentAlert,
)
from stations.models.followup import (
    AlertClearedBecause,
    OverdueKind,
    PlanStatus,
    ReferralStatus,
    ServiceKind,
)
from stations.models.organisation import StaffRole
from stations.selectors.followup import (
    courses_in_scope,
    followups_count,
    followups_overdue,
    graduates_followed,
    plan_list,
    plan_statistics,
    plans_in_scope,
    zero_employment_families,
)
from stations.selectors.scope import scope_for
from stations.services.applications import PlacementTerms, application_create, application_hire
from stations.services.fairs import booth_set, fair_open, intention_record
from stations.services.followup import (
    family_employment_check,
    family_members_set,
    guidance_record,
    middle_group_path,
    plan_assign,
    plan_ensure,
    plans_ensure_all,
    push_record_manual,
    referral_create,
    referral_move,
)
from stations.services.seekers import seeker_key_group_add, seeker_skill_set
from stations.services.staff import staff_assign
from tests.factories import (
    FairFactory,
    FamilyFactory,
    PostFactory,
    SeekerFactory,
    StationFactory,
    TrainingCourseFactory,
    UserFactory,
    region,
    trade,
)
from tests.matching.test_outbox import gateway  # noqa: F401 - the fake SMS gateway fixture

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)
TODAY = NOW.date()


# The rules migration 0008 installs; a transaction=True test elsewhere flushes them away.
DEFAULT_RULES = {
    "no_first_push": 7,
    "duty_unmet": 60,
    "no_guidance": 30,
    "intention_idle": 7,
    "next_step_due": 0,
}


@pytest.fixture(autouse=True)
def _overdue_rules():
    for kind, days in DEFAULT_RULES.items():
        OverdueRule.objects.get_or_create(kind=kind, defaults={"days": days})


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=SHANGHAI)


def member(*groups: str, on: dt.date = TODAY, **fields) -> JobSeeker:
    seeker = SeekerFactory(**fields)
    for code in groups or ("rural_labour",):
        seeker_key_group_add(
            seeker=seeker, key_group=KeyGroup.objects.get(code=code), started_on=on
        )
    return seeker


def plan_of(seeker: JobSeeker) -> ServicePlan:
    return ServicePlan.objects.get(seeker=seeker, status=PlanStatus.OPEN)


def open_post(**fields) -> JobPost:
    fields.setdefault("starts_on", TODAY)
    return PostFactory(**fields)


def push(seeker: JobSeeker, post: JobPost, *, key: str | None = None, when=NOW, **extra):
    return notify_seeker(
        seeker=seeker,
        template="post_recommended",
        context={"title": post.title},
        dedup_key=key or f"post_recommended:{post.pk}:{seeker.pk}",
        now=when,
        post=post,
        **extra,
    )


def hire(seeker: JobSeeker, post: JobPost | None = None, *, ends_on=None) -> Placement:
    post = post or open_post(openings=5)
    application = application_create(
        post=post, seeker=seeker, source=Application.Source.COUNTER, by=None, now=NOW
    )
    return application_hire(
        application=application,
        terms=PlacementTerms(
            agreed_wage_amount=Decimal(200),
            agreed_wage_unit="day",
            starts_on=post.starts_on,
            ends_on=ends_on or post.ends_on,
            outcome=Placement.Outcome.FLEXIBLE,
        ),
        by=None,
        now=NOW,
    )


def delivered(plan: ServicePlan, kind: str = ServiceKind.JOB_PUSH) -> int:
    return ServiceRecord.objects.filter(plan=plan, kind=kind).count()


# --- Opening and closing plans ---------------------------------------------------------------


def test_tagging_a_person_with_a_key_group_opens_their_plan_for_a_year(seeded):
    seeker = member("rural_labour")

    plan = plan_of(seeker)
    assert (plan.opened_on, plan.ends_on) == (TODAY, dt.date(2027, 11, 20))
    assert (plan.duty_job_pushes, plan.duty_training, plan.duty_guidance) == (3, 1, 1)


def test_the_duty_is_the_largest_each_of_the_persons_groups_owes(seeded):
    KeyGroup.objects.filter(code="veteran").update(duty_job_pushes=5, duty_guidance_sessions=0)
    KeyGroup.objects.filter(code="disabled").update(duty_guidance_sessions=2)
    seeker = SeekerFactory()
    for code in ("veteran", "disabled"):
        SeekerKeyGroup.objects.create(
            seeker=seeker, key_group=KeyGroup.objects.get(code=code), started_on=TODAY
        )

    plan = plan_ensure(seeker_id=seeker.pk, today=TODAY)

    assert plan is not None
    assert (plan.duty_job_pushes, plan.duty_training, plan.duty_guidance) == (5, 1, 2)


def test_a_person_has_one_open_plan_however_often_they_are_tagged(seeded):
    seeker = member("rural_labour", "lifted_from_poverty")
    seeker_key_group_add(
        seeker=seeker,
        key_group=KeyGroup.objects.get(code="veteran"),
        started_on=TODAY + dt.timedelta(days=3),
    )
    plan_ensure(seeker_id=seeker.pk, today=TODAY + dt.timedelta(days=10))

    assert ServicePlan.objects.filter(seeker=seeker).count() == 1


def test_no_plan_without_a_current_key_group(seeded):
    never = SeekerFactory()
    former = SeekerFactory()
    SeekerKeyGroup.objects.create(
        seeker=former,
        key_group=KeyGroup.objects.get(code="veteran"),
        started_on=TODAY - dt.timedelta(days=400),
        ended_on=TODAY - dt.timedelta(days=30),
    )

    assert plan_ensure(seeker_id=never.pk, today=TODAY) is None
    assert plan_ensure(seeker_id=former.pk, today=TODAY) is None
    assert plans_ensure_all(today=TODAY).opened == 0
    assert not ServicePlan.objects.exists()


def test_the_daily_run_opens_plans_for_members_imported_in_bulk_and_is_idempotent(seeded):
    imported = [SeekerFactory() for _ in range(3)]
    for seeker in imported:  # as core.bulk writes them: no service sees the membership
        SeekerKeyGroup.objects.create(
            seeker=seeker, key_group=KeyGroup.objects.get(code="urban_unemployed"), started_on=TODAY
        )
    tagged = member("veteran")

    first = plans_ensure_all(today=TODAY)
    second = plans_ensure_all(today=TODAY)

    assert first.opened == 3
    assert second.opened == 0
    assert set(ServicePlan.objects.values_list("seeker_id", flat=True)) == {
        *(seeker.pk for seeker in imported),
        tagged.pk,
    }


def test_a_plan_lapses_at_the_end_of_its_year_and_the_next_year_opens(seeded):
    seeker = member()
    plan = plan_of(seeker)
    guidance_record(seeker=seeker, held_at=NOW, by=None)

    assert plans_ensure_all(today=plan.ends_on - dt.timedelta(days=1)).lapsed == 0
    done = plans_ensure_all(today=plan.ends_on)

    plan.refresh_from_db()
    assert (done.lapsed, done.opened) == (1, 1)
    assert (plan.status, plan.closed_on) == (PlanStatus.LAPSED, plan.ends_on)
    renewed = plan_of(seeker)
    assert renewed.opened_on == plan.ends_on
    assert delivered(renewed, ServiceKind.GUIDANCE) == 0


def test_a_plan_closes_as_met_with_its_last_service_and_the_next_opens_a_year_on(seeded):
    seeker = member()
    plan = plan_of(seeker)
    seeker_skill_set(seeker=seeker, occupation=trade())
    for _ in range(3):
        push_record_manual(plan=plan, posts=[open_post()], by=None, now=NOW)
    referral_create(course=TrainingCourseFactory(), seeker=seeker, by=None, now=NOW)
    plan.refresh_from_db()
    assert plan.status == PlanStatus.OPEN

    guidance_record(seeker=seeker, held_at=NOW + dt.timedelta(days=2), by=None)

    plan.refresh_from_db()
    assert (plan.status, plan.closed_on) == (PlanStatus.MET, TODAY + dt.timedelta(days=2))
    assert plans_ensure_all(today=TODAY + dt.timedelta(days=30)).opened == 0
    assert plans_ensure_all(today=plan.ends_on).opened == 1
    assert plan_of(seeker).opened_on == plan.ends_on


def test_a_hire_closes_the_plan_as_employed_with_the_placement_as_its_outcome(seeded):
    seeker = member()

    placement = hire(seeker)

    plan = ServicePlan.objects.get(seeker=seeker)
    assert (plan.status, plan.outcome, plan.closed_on) == (PlanStatus.EMPLOYED, placement, TODAY)


# --- Pushes ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("gateway")
def test_one_push_on_the_inbox_and_by_sms_counts_once_however_often_dispatched(seeded):
    seeker = member()
    rows = push(seeker, open_post())
    sms = next(row for row in rows if row.channel == Notification.Channel.SMS)

    notifications_dispatch([sms.pk], now=lambda: NOW)
    notifications_dispatch([sms.pk], now=lambda: NOW)

    plan = plan_of(seeker)
    assert Notification.objects.filter(seeker=seeker, status="sent").count() == 2
    assert delivered(plan) == 1
    (record,) = ServiceRecord.objects.filter(plan=plan)
    assert list(record.posts.all()) == [sms.post]


def test_a_push_resent_after_its_worker_died_counts_once(seeded, request):
    fake = request.getfixturevalue("gateway")
    seeker = member()
    (sms,) = push(seeker, open_post(), channels=["sms"], address=seeker.phone)
    fake.set_mode("lost")  # delivered, but the answer never came back
    notifications_dispatch([sms.pk], now=lambda: NOW)
    # The worker died while holding the row; the sweep takes it back after the lease.
    Notification.objects.filter(pk=sms.pk).update(
        status="sending", lease_until=NOW + dt.timedelta(seconds=60)
    )
    fake.set_mode("ok")
    later = NOW + dt.timedelta(minutes=5)
    notifications_sweep(now=later)
    notifications_dispatch([sms.pk], now=lambda: later)
    notifications_dispatch([sms.pk], now=lambda: later)

    assert Notification.objects.get(pk=sms.pk).status == "sent"
    assert delivered(plan_of(seeker)) == 1


def test_an_undelivered_push_does_not_count(seeded, request):
    fake = request.getfixturevalue("gateway")
    seeker = member()
    (sms,) = push(seeker, open_post(), channels=["sms"], address=seeker.phone)
    fake.set_mode("reject", status=400)

    notifications_dispatch([sms.pk], now=lambda: NOW)

    assert Notification.objects.get(pk=sms.pk).status == "failed"
    assert delivered(plan_of(seeker)) == 0


@pytest.mark.usefixtures("gateway")
def test_a_push_of_a_post_no_longer_open_when_sent_does_not_count(seeded):
    seeker = member()
    post = open_post()
    (sms,) = push(seeker, post, channels=["sms"], address=seeker.phone)
    JobPost.objects.filter(pk=post.pk).update(status=JobPost.Status.FILLED)
    push(seeker, post, key="again", channels=["in_app"])

    notifications_dispatch([sms.pk], now=lambda: NOW)

    assert Notification.objects.filter(seeker=seeker, status="sent").count() == 2
    assert delivered(plan_of(seeker)) == 0


def test_pushes_count_only_under_an_open_plan_and_only_job_pushes(seeded):
    outsider = SeekerFactory()
    seeker = member()
    push(outsider, open_post())
    notify_seeker(
        seeker=seeker,
        template="application_hired",
        context={},
        dedup_key="hired:1",
        now=NOW,
        post=open_post(),
    )
    assert not ServiceRecord.objects.exists()

    for _ in range(3):
        push(seeker, open_post())

    assert delivered(plan_of(seeker)) == 3


def test_three_counted_pushes_with_training_and_guidance_meet_the_duty(seeded):
    seeker = member()
    plan = plan_of(seeker)
    for _ in range(3):
        push(seeker, open_post())
    referral_create(course=TrainingCourseFactory(), seeker=seeker, by=None, now=NOW)
    guidance_record(seeker=seeker, held_at=NOW, by=None)

    plan.refresh_from_db()
    assert plan.status == PlanStatus.MET
    # Further pushes go under no plan: the year's duty is met.
    push(seeker, open_post())
    assert ServiceRecord.objects.filter(plan=plan).count() == 5


def test_staff_record_a_push_of_open_posts_suiting_the_persons_skills(seeded):
    seeker = member()
    seeker_skill_set(seeker=seeker, occupation=trade())
    plan = plan_of(seeker)
    clerk = UserFactory()
    suiting = open_post()
    unrelated = open_post(
        occupation=Occupation.objects.filter(level=Occupation.Level.TRADE)
        .exclude(path__startswith=middle_group_path(trade()))
        .first()
    )
    closed = open_post(status=JobPost.Status.CLOSED)

    record = push_record_manual(plan=plan, posts=[suiting], by=clerk, now=NOW)

    assert (record.kind, record.by, list(record.posts.all())) == ("job_push", clerk, [suiting])
    with pytest.raises(DomainError, match="suit none"):
        push_record_manual(plan=plan, posts=[unrelated], by=clerk, now=NOW)
    with pytest.raises(DomainError, match="not open"):
        push_record_manual(plan=plan, posts=[closed], by=clerk, now=NOW)
    with pytest.raises(DomainError, match="already"):
        push_record_manual(plan=plan, posts=[suiting], by=clerk, now=NOW)
    assert delivered(plan) == 1


def test_no_manual_push_under_a_closed_plan(seeded):
    seeker = member()
    seeker_skill_set(seeker=seeker, occupation=trade())
    hire(seeker)
    plan = ServicePlan.objects.get(seeker=seeker)

    with pytest.raises(Conflict):
        push_record_manual(plan=plan, posts=[open_post()], by=None, now=NOW)


# --- Training and guidance --------------------------------------------------------------------


def test_a_referral_is_the_training_service_and_moves_through_its_statuses(seeded):
    seeker = member()
    course = TrainingCourseFactory(places=1)
    referral = referral_create(course=course, seeker=seeker, by=None, now=NOW)
    other = referral_create(course=course, seeker=member(), by=None, now=NOW)

    for step in (ReferralStatus.ENROLLED, ReferralStatus.COMPLETED, ReferralStatus.CERTIFIED):
        referral_move(referral=referral, to=step, by=None, now=NOW)

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.CERTIFIED
    assert delivered(plan_of(seeker), ServiceKind.TRAINING) == 1
    assert ServiceRecord.objects.get(referral=referral).kind == ServiceKind.TRAINING
    with pytest.raises(Conflict, match="place"):
        referral_move(referral=other, to=ReferralStatus.ENROLLED, by=None, now=NOW)
    with pytest.raises(IllegalTransition):
        referral_move(referral=referral, to=ReferralStatus.ENROLLED, by=None, now=NOW)
    with pytest.raises(Conflict, match="already"):
        referral_create(course=course, seeker=seeker, by=None, now=NOW)


def test_no_referral_to_a_course_that_is_over(seeded):
    course = TrainingCourseFactory(starts_on=TODAY - dt.timedelta(days=40), ends_on=TODAY)
    with pytest.raises(DomainError, match="over"):
        referral_create(course=course, seeker=member(), by=None, now=NOW + dt.timedelta(days=1))


def test_a_guidance_session_is_the_guidance_service_with_its_next_step(seeded):
    seeker = member()
    session = guidance_record(
        seeker=seeker,
        held_at=NOW,
        by=None,
        notes="想做保洁",
        next_step="参加家政培训",
        next_step_by=TODAY + dt.timedelta(days=14),
    )

    assert ServiceRecord.objects.get(guidance=session).plan == plan_of(seeker)
    with pytest.raises(DomainError):
        guidance_record(
            seeker=seeker,
            held_at=NOW,
            by=None,
            next_step="x",
            next_step_by=TODAY - dt.timedelta(days=1),
        )


# --- Overdue follow-ups and the digest --------------------------------------------------------


@pytest.fixture
def desk(seeded):
    """A station, its clerk, and a key-group member it registered 8 days ago."""
    station = StationFactory()
    clerk = UserFactory(username="clerk")
    staff_assign(user=clerk, role=StaffRole.STATION_STAFF, stations=[station])
    seeker = member(on=TODAY - dt.timedelta(days=8), registering_station=station)
    return station, clerk, seeker


def kinds(items, seeker) -> set[str]:
    return {item.kind for item in items if item.seeker_id == seeker.pk}


def test_a_plan_without_a_push_7_days_after_opening_is_overdue(desk):
    station, clerk, seeker = desk
    seeker_skill_set(seeker=seeker, occupation=trade())
    fresh = member(on=TODAY - dt.timedelta(days=7), registering_station=station)

    overdue = followups_overdue(clerk, today=TODAY)

    assert OverdueKind.NO_FIRST_PUSH in kinds(overdue, seeker)
    assert OverdueKind.NO_FIRST_PUSH not in kinds(overdue, fresh)
    item = next(i for i in overdue if i.kind == OverdueKind.NO_FIRST_PUSH)
    assert item.since == TODAY
    push_record_manual(plan=plan_of(seeker), posts=[open_post()], by=clerk, now=NOW)
    assert OverdueKind.NO_FIRST_PUSH not in kinds(followups_overdue(clerk, today=TODAY), seeker)


def test_a_plan_without_guidance_after_30_days_is_overdue(desk):
    _, clerk, seeker = desk
    later = TODAY + dt.timedelta(days=23)

    assert OverdueKind.NO_GUIDANCE not in kinds(
        followups_overdue(clerk, today=later - dt.timedelta(days=1)), seeker
    )
    assert OverdueKind.NO_GUIDANCE in kinds(followups_overdue(clerk, today=later), seeker)
    guidance_record(seeker=seeker, held_at=at(later), by=clerk)
    assert OverdueKind.NO_GUIDANCE not in kinds(followups_overdue(clerk, today=later), seeker)


def test_a_guidance_next_step_past_its_date_is_overdue(desk):
    _, clerk, seeker = desk
    guidance_record(
        seeker=seeker,
        held_at=NOW,
        by=clerk,
        next_step="面试",
        next_step_by=TODAY + dt.timedelta(days=3),
    )

    on_the_day = followups_overdue(clerk, today=TODAY + dt.timedelta(days=3))
    day_after = followups_overdue(clerk, today=TODAY + dt.timedelta(days=4))

    assert OverdueKind.NEXT_STEP_DUE not in kinds(on_the_day, seeker)
    assert OverdueKind.NEXT_STEP_DUE in kinds(day_after, seeker)
    # A later session without a next step settles it.
    guidance_record(seeker=seeker, held_at=at(TODAY + dt.timedelta(days=4)), by=clerk)
    assert OverdueKind.NEXT_STEP_DUE not in kinds(
        followups_overdue(clerk, today=TODAY + dt.timedelta(days=4)), seeker
    )


def test_a_plan_with_its_duty_unmet_60_days_before_its_end_is_overdue(desk):
    _, clerk, seeker = desk
    ends_on = plan_of(seeker).ends_on

    before = followups_overdue(clerk, today=ends_on - dt.timedelta(days=61))
    within = followups_overdue(clerk, today=ends_on - dt.timedelta(days=60))

    assert OverdueKind.DUTY_UNMET not in kinds(before, seeker)
    assert OverdueKind.DUTY_UNMET in kinds(within, seeker)


def test_inactive_rules_and_changed_days_are_followed(desk):
    _, clerk, seeker = desk
    OverdueRule.objects.filter(kind=OverdueKind.NO_FIRST_PUSH).update(active=False)
    OverdueRule.objects.filter(kind=OverdueKind.NO_GUIDANCE).update(days=5)

    found = kinds(followups_overdue(clerk, today=TODAY), seeker)

    assert found == {OverdueKind.NO_GUIDANCE}


def test_follow_ups_are_mine_when_assigned_to_me_or_unassigned_in_my_scope(desk):
    station, clerk, seeker = desk
    colleague = UserFactory(username="colleague")
    staff_assign(user=colleague, role=StaffRole.STATION_STAFF, stations=[station])
    elsewhere = member(on=TODAY - dt.timedelta(days=8), registering_station=StationFactory())

    plan_assign(plan=plan_of(seeker), to=colleague, by=clerk)
    plan_assign(plan=plan_of(elsewhere), to=clerk, by=None)

    mine = {item.seeker_id for item in followups_overdue(clerk, today=TODAY)}
    theirs = {item.seeker_id for item in followups_overdue(colleague, today=TODAY)}
    assert mine == {elsewhere.pk}
    assert theirs == {seeker.pk}


def test_the_digest_goes_once_a_day_to_staff_with_overdue_follow_ups(desk, monkeypatch):
    _station, clerk, _seeker = desk
    idle = UserFactory(username="idle")
    staff_assign(user=idle, role=StaffRole.STATION_STAFF, stations=[StationFactory()])
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)

    assert followup_staff_digest() == 1
    assert followup_staff_digest() == 0

    (digest,) = Notification.objects.filter(template="staff_digest")
    assert (digest.user, digest.channel, digest.status) == (clerk, "in_app", "sent")
    assert digest.context["overdue"] == len(followups_overdue(clerk, today=TODAY))
    assert "no job push" in digest.context["summary"]["en"]
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW + dt.timedelta(days=1))
    assert followup_staff_digest() == 1
    assert not Notification.objects.filter(user=idle).exists()


def idle_intention(station, clerk, *, due: dt.date) -> Intention:
    """An intention reached at a fair of the station, followed up by the clerk, next due
    ``due``."""
    fair = fair_open(
        fair=FairFactory(
            station=station,
            starts_at=NOW - dt.timedelta(days=10),
            ends_at=NOW - dt.timedelta(days=10) + dt.timedelta(hours=4),
        ),
        by=None,
        now=NOW,
    )
    post = open_post()
    booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
    return intention_record(
        fair=fair,
        seeker=SeekerFactory(),
        employer=post.employer,
        by=clerk,
        now=NOW,
        follow_up_by=due,
    )


def test_idle_fair_intentions_count_among_the_follow_ups_while_their_rule_is_active(desk):
    station, clerk, _seeker = desk
    idle_intention(station, clerk, due=TODAY - dt.timedelta(days=1))
    idle_intention(station, clerk, due=TODAY)  # due today: not late yet
    colleague = UserFactory(username="colleague")
    staff_assign(user=colleague, role=StaffRole.STATION_STAFF, stations=[station])

    mine = followups_count(clerk, today=TODAY)
    theirs = followups_count(colleague, today=TODAY)
    OverdueRule.objects.filter(kind=OverdueKind.INTENTION_IDLE).update(active=False)

    assert mine[OverdueKind.INTENTION_IDLE] == 1
    assert OverdueKind.INTENTION_IDLE not in theirs  # assigned to the clerk
    assert OverdueKind.INTENTION_IDLE not in followups_count(clerk, today=TODAY)


def test_the_digest_counts_idle_intentions_and_new_zero_employment_families(desk, time_machine):
    station, clerk, _seeker = desk
    idle_intention(station, clerk, due=TODAY - dt.timedelta(days=2))
    family = FamilyFactory()
    SeekerFactory(family=family, registering_station=station)  # in the clerk's scope
    quiet_station = StationFactory()
    quiet = UserFactory(username="quiet")  # no overdue follow-ups; a new family only
    staff_assign(user=quiet, role=StaffRole.STATION_STAFF, stations=[quiet_station])
    SeekerFactory(family=FamilyFactory(), registering_station=quiet_station)
    nobody = UserFactory(username="nobody")
    staff_assign(user=nobody, role=StaffRole.STATION_STAFF, stations=[StationFactory()])
    time_machine.move_to(NOW.replace(hour=1, minute=45), tick=False)
    assert followup_families_check()["found"] == 2
    time_machine.move_to(NOW.replace(hour=8, minute=30), tick=False)

    assert followup_staff_digest() == 2

    digests = {row.user: row for row in Notification.objects.filter(template="staff_digest")}
    assert set(digests) == {clerk, quiet}
    ours = digests[clerk].context
    assert ours["zero_employment_found"] == 1
    assert ours["overdue"] == sum(followups_count(clerk, today=TODAY).values())
    assert "a fair's intention not followed up within N days: 1" in ours["summary"]["en"]
    assert "zero-employment families newly found: 1" in ours["summary"]["en"]
    assert "零就业家庭" in ours["summary"]["zh-hans"]
    assert (digests[quiet].context["overdue"], digests[quiet].context["zero_employment_found"]) == (
        0,
        1,
    )
    # The next morning the families are not new any more: the quiet desk gets nothing.
    time_machine.move_to(NOW.replace(hour=8, minute=30) + dt.timedelta(days=1), tick=False)
    assert followup_staff_digest() == 1
    assert Notification.objects.filter(user=quiet).count() == 1


def test_overdue_lists_cost_the_same_queries_for_3_and_12_plans(desk):
    station, clerk, _ = desk

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            items = followups_overdue(clerk, today=TODAY)
            list(plan_list(scope_for(clerk), today=TODAY))
        assert items
        return len(captured)

    for _ in range(2):
        member(on=TODAY - dt.timedelta(days=9), registering_station=station)
    few = queries()
    for _ in range(9):
        member(on=TODAY - dt.timedelta(days=9), registering_station=station)
    clerk = type(clerk).objects.get(pk=clerk.pk)  # a fresh user: the scope is cached on it
    assert queries() == few


def test_plans_are_seen_only_within_scope(desk):
    _station, clerk, seeker = desk
    other = member(registering_station=StationFactory())
    analyst = UserFactory(username="analyst")
    staff_assign(user=analyst, role=StaffRole.BUREAU_ANALYST, region=region("620100"))

    assert set(plans_in_scope(scope_for(clerk)).values_list("seeker_id", flat=True)) == {seeker.pk}
    assert not plans_in_scope(scope_for(analyst)).exists()
    assert other.pk not in {i.seeker_id for i in followups_overdue(clerk, today=TODAY)}


def test_courses_are_seen_in_the_region_and_the_regions_above(desk):
    _station, clerk, _ = desk  # the station is in Chengguan (620102)
    city = TrainingCourseFactory(region=region("620100"))
    district = TrainingCourseFactory(region=region("620102"))
    neighbour = TrainingCourseFactory(region=region("620103"))

    seen = set(courses_in_scope(scope_for(clerk)))

    assert {city, district} <= seen
    assert neighbour not in seen


# --- Zero-employment families -----------------------------------------------------------------


def family_of(*members_fields) -> tuple:
    family = FamilyFactory()
    people = [SeekerFactory(family=family, **fields) for fields in members_fields]
    return family, people


def test_a_family_with_no_member_employed_is_found_and_cleared_by_a_placement(seeded):
    family, (_father, mother) = family_of({}, {})

    alert = family_employment_check(family=family, today=TODAY)
    assert alert is not None
    assert family_employment_check(family=family, today=TODAY) == alert  # one open alert

    placement = hire(mother)

    alert.refresh_from_db()
    assert (alert.cleared_on, alert.cleared_by) == (TODAY, placement)
    assert alert.cleared_because == AlertClearedBecause.PLACED
    assert family_employment_check(family=family, today=TODAY) is None


def test_families_with_someone_employed_or_nobody_able_to_work_raise_no_alert(seeded):
    working, _ = family_of({}, {"employment_status": "flexible"})
    students, _ = family_of({"employment_status": "student"})
    empty = FamilyFactory()

    for family in (working, students, empty):
        assert family_employment_check(family=family, today=TODAY) is None
    assert not ZeroEmploymentAlert.objects.exists()


def test_the_daily_check_finds_and_clears_families_and_is_idempotent(seeded, monkeypatch):
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)
    _first, (person,) = family_of({})
    second, _ = family_of({}, {})

    assert followup_families_check() == {"found": 2, "cleared": 0}
    assert followup_families_check() == {"found": 0, "cleared": 0}
    JobSeeker.objects.filter(pk=person.pk).update(employment_status="employed")
    assert followup_families_check() == {"found": 0, "cleared": 1}
    listed = zero_employment_families(scope_for(UserFactory(is_superuser=True)))
    assert [alert.family for alert in listed] == [second]


def test_the_nightly_clearing_says_who_or_what_cleared_a_family_as_the_hire_does(
    seeded, time_machine
):
    time_machine.move_to(NOW, tick=False)
    by_status, (worker,) = family_of({})
    joined, _ = family_of({})
    aged_out, (only,) = family_of({})
    assert followup_families_check() == {"found": 3, "cleared": 0}
    JobSeeker.objects.filter(pk=worker.pk).update(employment_status="employed")
    newcomer = SeekerFactory()  # hired before they moved into the household
    placement = hire(newcomer)
    family_members_set(family=joined, members=[newcomer])
    JobSeeker.objects.filter(pk=only.pk).update(employment_status="student")

    assert followup_families_check() == {"found": 0, "cleared": 3}

    cleared = {
        alert.family_id: (alert.cleared_on, alert.cleared_because, alert.cleared_by)
        for alert in ZeroEmploymentAlert.objects.all()
    }
    assert cleared == {
        by_status.pk: (TODAY, AlertClearedBecause.EMPLOYED, None),
        joined.pk: (TODAY, AlertClearedBecause.PLACED, placement),
        aged_out.pk: (TODAY, AlertClearedBecause.NOBODY_ABLE, None),
    }


def test_a_family_checked_in_the_admin_clears_as_the_nightly_run_does(seeded):
    family, (person,) = family_of({})
    family_employment_check(family=family, today=TODAY)
    JobSeeker.objects.filter(pk=person.pk).update(employment_status="flexible")

    assert family_employment_check(family=family, today=TODAY) is None

    alert = family.alerts.get()
    assert (alert.cleared_on, alert.cleared_because, alert.cleared_by) == (
        TODAY,
        AlertClearedBecause.EMPLOYED,
        None,
    )


# --- Graduates followed, statistics -----------------------------------------------------------


def graduate(**fields) -> JobSeeker:
    """A graduate under real-name registration: staff saw their ID card."""
    return SeekerFactory(verified_at=NOW, **fields)


def test_graduates_of_a_year_are_followed_to_employment(seeded):
    lanzhou = region("620100")
    graduates = [graduate(graduation_year=2026) for _ in range(4)]
    hire(graduates[0])
    JobSeeker.objects.filter(pk=graduates[1].pk).update(employment_status="employed")
    tagged = member("college_graduate", on=dt.date(2026, 7, 1), verified_at=NOW)
    graduate(graduation_year=2025)
    graduate(graduation_year=2026, residence_region=region("621102"))

    followed = graduates_followed(region=lanzhou, year=2026)

    assert (followed.registered, followed.employed) == (5, 2)
    assert followed.employment_rate == pytest.approx(0.4)
    assert tagged.graduation_year is None


def test_only_graduates_under_real_name_registration_are_counted(seeded):
    lanzhou = region("620100")
    verified = graduate(graduation_year=2026)
    self_registered = SeekerFactory(graduation_year=2026)  # from the app, ID card not seen
    hire(self_registered)
    member("college_graduate", on=dt.date(2026, 7, 1))  # tagged, not verified

    followed = graduates_followed(region=lanzhou, year=2026)

    assert (followed.registered, followed.employed) == (1, 0)
    assert verified.verified_at is not None


def test_plan_statistics_count_plans_by_outcome_and_services_by_kind(seeded):
    met = member()
    for _ in range(3):
        push(met, open_post())
    referral_create(course=TrainingCourseFactory(), seeker=met, by=None, now=NOW)
    guidance_record(seeker=met, held_at=NOW, by=None)
    hire(member())
    member()

    stats = plan_statistics(
        region=region("620100"), start=dt.date(2026, 1, 1), end=dt.date(2027, 1, 1)
    )

    assert (stats.plans, stats.met, stats.employed, stats.open, stats.lapsed) == (3, 1, 1, 1, 0)
    assert stats.duty_met_share == pytest.approx(1 / 3)
    assert stats.services == {"job_push": 3, "training": 1, "guidance": 1}


# --- The services import ----------------------------------------------------------------------


def csv_file(text: str) -> io.BytesIO:
    return io.BytesIO(text.encode())


def test_importing_311_history_opens_plans_and_a_second_import_changes_nothing(seeded):
    seeker = member()
    history = SeekerFactory()
    SeekerKeyGroup.objects.create(
        seeker=history, key_group=KeyGroup.objects.get(code="veteran"), started_on=TODAY
    )
    post = open_post(reference="LZ-2026-0001")
    text = (
        "seeker_id_number,seeker_phone,kind,date,reference,post_references\n"
        f",{seeker.phone},push,2026-11-18,DX-311-0001,LZ-2026-0001\n"
        f",{seeker.phone},training,2026-11-18,DX-311-0002,\n"
        f",{history.phone},职业指导,2026-03-02,DX-311-0003,\n"
    )

    first = import_records(
        kind="services", source=csv_file(text), filename="s.csv", by=None, now=NOW
    )
    again = import_records(
        kind="services", source=csv_file(text), filename="s.csv", by=None, now=NOW
    )

    assert (first.created, first.problems) == (3, [])
    assert (again.created, again.unchanged) == (0, 3)
    assert ServiceRecord.objects.get(reference="DX-311-0001").posts.get() == post
    assert delivered(plan_of(seeker)) == 1
    old = ServicePlan.objects.get(seeker=history)
    assert (old.opened_on, old.status) == (dt.date(2026, 3, 2), PlanStatus.OPEN)


def test_a_services_file_with_bad_rows_is_refused_with_row_numbers(seeded):
    seeker = member()
    outsider = SeekerFactory()
    text = (
        "seeker_phone,kind,date,reference\n"
        f"{seeker.phone},push,2026-11-18,OK-1\n"
        f"{seeker.phone},massage,2026-11-18,BAD-1\n"
        f"{outsider.phone},guidance,2026-11-18,BAD-2\n"
        f"13000000000,guidance,2026-11-18,BAD-3\n"
        f"{seeker.phone},guidance,2026-11-18,OK-1\n"
    )

    report = import_records(
        kind="services", source=csv_file(text), filename="s.csv", by=None, now=NOW
    )

    assert [(p.row, p.column) for p in report.problems] == [
        (3, "kind"),
        (4, "seeker_id_number"),
        (5, "seeker_id_number"),
        (6, "reference"),
    ]
    assert not report.written
    assert not ServiceRecord.objects.exists()


def seekers_file(people: int, *, first: int) -> io.BytesIO:
    rows = [
        f"139{first + number:08d},张{first + number},rural,620102,rural_labour"
        for number in range(people)
    ]
    return csv_file("phone,full_name,household,residence_region,key_groups\n" + "\n".join(rows))


def test_importing_seekers_in_key_groups_opens_their_plans_in_bulk(seeded):
    def imported(people: int, first: int) -> int:
        with CaptureQueriesContext(connection) as captured:
            report = import_records(
                kind="seekers",
                source=seekers_file(people, first=first),
                filename="s.csv",
                by=None,
                now=NOW,
            )
        assert (report.created, report.problems) == (people, [])
        return len(captured)

    few = imported(3, first=1)
    many = imported(9, first=100)
    again = import_records(
        kind="seekers", source=seekers_file(3, first=1), filename="s.csv", by=None, now=NOW
    )

    assert few == many  # a few statements per batch, not a service call per person
    plans = ServicePlan.objects.filter(status=PlanStatus.OPEN)
    assert plans.count() == 12
    assert set(plans.values_list("opened_on", flat=True)) == {TODAY}
    assert again.unchanged == 3
    assert ServicePlan.objects.count() == 12


def test_the_plans_task_closes_ended_plans(seeded, monkeypatch):
    seeker = member(on=TODAY - dt.timedelta(days=366))
    monkeypatch.setattr("django.utils.timezone.now", lambda: NOW)

    assert followup_plans_ensure() == {"opened": 1, "met": 0, "lapsed": 1}
    assert ServicePlan.objects.filter(seeker=seeker).count() == 2


# --- The admin --------------------------------------------------------------------------------


def admin_login(client, *, role=StaffRole.STATION_STAFF, stations=(), region=None, name="desk"):
    user = UserFactory(username=name)
    staff_assign(user=user, role=role, stations=list(stations), region=region)
    client.force_login(user)
    return user


@pytest.fixture
def counter(seeded, client, time_machine):
    """A station with its clerk logged in to the admin, a key-group member it registered 8
    days ago (overdue: no push yet), and another station's member; the clock stands at NOW,
    the day the rules are reckoned from."""
    time_machine.move_to(NOW, tick=False)
    station = StationFactory()
    clerk = admin_login(client, stations=[station])
    ours = member(on=TODAY - dt.timedelta(days=8), registering_station=station, full_name="王建国")
    theirs = member(registering_station=StationFactory(), full_name="李秀英")
    return station, clerk, ours, theirs


def test_the_plan_list_shows_the_scopes_plans_with_progress_and_overdue_rules(client, counter):
    _station, _clerk, _ours, _theirs = counter

    page = client.get(reverse("admin:stations_serviceplan_changelist")).content.decode()

    assert "王建国" in page
    assert "李秀英" not in page
    assert "0/3" in page
    assert str(OverdueKind.NO_FIRST_PUSH.label) in page


def test_my_follow_ups_are_the_overdue_plans_of_mine_with_the_days_digest(client, counter):
    station, _clerk, _ours, _theirs = counter
    member(registering_station=station, full_name="刘新来")  # not overdue yet
    followup_staff_digest()

    response = client.get(reverse("admin:stations_serviceplan_mine"), follow=True)

    page = response.content.decode()
    assert response.redirect_chain[-1][0].endswith("?followups=mine")
    assert "王建国" in page
    assert "刘新来" not in page
    assert "Your follow-ups today: 1 overdue" in page


def test_my_follow_ups_link_to_my_idle_fair_intentions(client, counter):
    station, clerk, _ours, _theirs = counter
    late = idle_intention(station, clerk, due=TODAY - dt.timedelta(days=3))
    idle_intention(station, clerk, due=TODAY + dt.timedelta(days=3))
    someone_elses = idle_intention(station, UserFactory(), due=TODAY - dt.timedelta(days=3))

    page = client.get(reverse("admin:stations_serviceplan_mine"), follow=True).content.decode()
    listed = client.get(
        reverse("admin:stations_intention_changelist"), {"follow_up": "mine_overdue"}
    ).content.decode()

    assert "1 of your fair intentions are past their follow-up date." in page
    assert "?follow_up=mine_overdue" in page
    assert f"/{late.pk}/change/" in listed
    assert f"/{someone_elses.pk}/change/" not in listed


# The management forms of the seeker page's inlines, with no rows.
SEEKER_INLINES = {
    f"{prefix}-{count}": "0"
    for prefix in (
        "key_group_spans",
        "skill_rows",
        "certificates",
        "applications",
        "wage_claims",
        "recommendations",
    )
    for count in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def test_tagging_a_key_group_in_the_admin_opens_the_plan_at_once(client, counter):
    station, _clerk, _ours, _theirs = counter
    seeker = SeekerFactory(registering_station=station, full_name="赵铁柱")
    url = reverse("admin:stations_jobseeker_change", args=[seeker.pk])
    form = client.get(url).context["adminform"].form
    data = {name: ("" if value is None else value) for name, value in form.initial.items()}
    data.update(SEEKER_INLINES)
    data.update(
        {
            "residence_region": seeker.residence_region_id,
            "registering_station": station.pk,
            "key_group_spans-TOTAL_FORMS": "1",
            "key_group_spans-0-key_group": KeyGroup.objects.get(code="disabled").pk,
            "key_group_spans-0-started_on": TODAY.isoformat(),
            "key_group_spans-0-ended_on": "",
        }
    )

    response = client.post(url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert seeker.key_group_spans.get().key_group.code == "disabled"
    plan = plan_of(seeker)
    assert (plan.opened_on, plan.duty_job_pushes) == (TODAY, 3)


def test_staff_take_plans_over_and_record_a_manual_push_in_the_admin(client, counter):
    station, clerk, ours, theirs = counter
    seeker_skill_set(seeker=ours, occupation=trade())
    post = open_post(station=station)
    plan = plan_of(ours)

    client.post(
        reverse("admin:stations_serviceplan_changelist"),
        {"action": "assign_to_me", "_selected_action": [plan.pk, plan_of(theirs).pk]},
    )
    added = client.post(
        reverse("admin:stations_servicerecord_add"), {"plan": plan.pk, "posts": [post.pk]}
    )
    refused = client.post(
        reverse("admin:stations_servicerecord_add"),
        {"plan": plan.pk, "posts": [post.pk]},
        follow=True,
    )

    plan.refresh_from_db()
    assert plan.assigned_to == clerk
    assert plan_of(theirs).assigned_to is None  # out of scope: not even selectable
    assert added.status_code == 302
    assert delivered(plan) == 1
    assert "already" in refused.content.decode()
    change = client.get(reverse("admin:stations_serviceplan_change", args=[plan.pk]))
    assert post.title in change.content.decode()


def test_referrals_move_through_admin_actions_and_guidance_is_recorded(client, counter):
    station, _clerk, ours, _theirs = counter
    course = TrainingCourseFactory(region=region("620102"))
    client.post(
        reverse("admin:stations_trainingreferral_add"), {"course": course.pk, "seeker": ours.pk}
    )
    referral = TrainingReferral.objects.get(seeker=ours)

    client.post(
        reverse("admin:stations_trainingreferral_changelist"),
        {"action": "mark_enrolled", "_selected_action": [referral.pk]},
    )
    client.post(
        reverse("admin:stations_guidancesession_add"),
        {
            "seeker": ours.pk,
            "held_at_0": TODAY.isoformat(),
            "held_at_1": "09:00:00",
            "station": station.pk,
            "notes": "想学厨师",
            "next_step": "报名中式烹调师",
            "next_step_by": (TODAY + dt.timedelta(days=10)).isoformat(),
        },
    )

    referral.refresh_from_db()
    assert referral.status == ReferralStatus.ENROLLED
    assert delivered(plan_of(ours), ServiceKind.TRAINING) == 1
    assert delivered(plan_of(ours), ServiceKind.GUIDANCE) == 1


def test_only_the_bureau_administrator_changes_the_overdue_rules(client, counter):
    rule = OverdueRule.objects.get(kind=OverdueKind.NO_FIRST_PUSH)
    url = reverse("admin:stations_overduerule_change", args=[rule.pk])

    assert client.get(url).status_code == 200  # station staff read them
    client.post(url, {"days": 3, "active": "on"})
    rule.refresh_from_db()
    assert rule.days == 7

    admin_login(client, role=StaffRole.BUREAU_ADMIN, region=region("620100"), name="bureau")
    client.post(url, {"days": 3, "active": "on"})
    rule.refresh_from_db()
    assert rule.days == 3


NO_INLINE_ROWS = {
    f"{prefix}-{count}": "0"
    for prefix in ("members", "alerts")
    for count in ("TOTAL_FORMS", "INITIAL_FORMS")
}


def test_a_family_registered_in_the_admin_is_checked_for_employment(client, counter):
    _station, _clerk, ours, theirs = counter

    refused = client.post(
        reverse("admin:stations_family_add"),
        {
            "reference": "620102-0001",
            "region": region("620102").pk,
            "address": "东岗街道1号",
            "add_members": theirs.phone,
            **NO_INLINE_ROWS,
        },
    )
    added = client.post(
        reverse("admin:stations_family_add"),
        {
            "reference": "620102-0001",
            "region": region("620102").pk,
            "address": "东岗街道1号",
            "add_members": f"{ours.phone}\n",
            **NO_INLINE_ROWS,
        },
    )

    assert refused.status_code == 200  # the other station's person is not found
    assert added.status_code == 302
    family = Family.objects.get(reference="620102-0001")
    assert list(family.members.all()) == [ours]
    alerts = client.get(reverse("admin:stations_zeroemploymentalert_changelist")).content.decode()
    assert "620102-0001" in alerts
    assert family.alerts.filter(cleared_on__isnull=True).exists()


def test_the_plan_list_costs_the_same_queries_for_3_and_9_plans(client, counter):
    station, *_ = counter
    url = reverse("admin:stations_serviceplan_changelist")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(url).status_code == 200
        return len(captured)

    member(registering_station=station)
    few = queries()
    for _ in range(6):
        member(registering_station=station)
    assert queries() == few


# --- Demo data --------------------------------------------------------------------------------


def test_the_demo_city_gets_plans_services_overdue_follow_ups_and_families(seeded):
    from stations.demo import demo_city_generate
    from stations.demo.followup import demo_plans_generate

    lanzhou = region("620100")
    demo_city_generate(
        city_code="620100", seekers=300, employers=5, posts=20, seed=7, today=TODAY,
        stream=io.StringIO(),
    )  # fmt: skip
    members = set(
        SeekerKeyGroup.objects.filter(ended_on__isnull=True).values_list("seeker_id", flat=True)
    )

    first = demo_plans_generate(city=lanzhou, seed=7, today=TODAY)
    second = demo_plans_generate(city=lanzhou, seed=7, today=TODAY)

    assert first.plans_opened == len(members) > 0
    assert set(ServicePlan.objects.values_list("seeker_id", flat=True)) == members
    assert first.services_recorded == ServiceRecord.objects.count() > 0
    assert ServicePlan.objects.filter(status=PlanStatus.MET).exists()
    assert first.families_created > 0
    assert (second.plans_opened, second.services_recorded, second.families_created) == (0, 0, 0)
    bureau = UserFactory(username="bureau")
    staff_assign(user=bureau, role=StaffRole.BUREAU_ADMIN, region=lanzhou)
    overdue = followups_overdue(bureau, today=TODAY)
    assert {item.kind for item in overdue} >= {OverdueKind.NO_FIRST_PUSH, OverdueKind.NEXT_STEP_DUE}


def test_the_example_services_file_imports_and_a_second_import_changes_nothing(seeded):
    examples = SEEDS_DIR / "examples"
    with time_machine.travel(dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC), tick=False):
        for kind in ("seekers", "employers", "posts"):
            assert import_records(kind=kind, source=examples / f"{kind}.csv", by=None).written
        first = import_records(kind="services", source=examples / "services.csv", by=None)
        again = import_records(kind="services", source=examples / "services.csv", by=None)

    assert (first.created, first.problems) == (5, [])
    assert (again.created, again.unchanged) == (0, 5)
    sun = ServicePlan.objects.get(seeker__full_name="孙丽")
    assert (sun.opened_on, sun.status) == (dt.date(2026, 3, 12), PlanStatus.OPEN)
    assert set(sun.services.values_list("kind", flat=True)) == {
        "job_push",
        "training",
        "guidance",
    }
    push = ServiceRecord.objects.get(reference="DX-311-2026-0004")
    assert push.posts.count() == 2


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_two_counters_enrolling_people_at_once_take_the_last_place_once():
    load_seeds()
    course = TrainingCourseFactory(places=1)
    referrals = [
        referral_create(course=course, seeker=SeekerFactory(), by=None, now=NOW) for _ in range(2)
    ]
    start = threading.Barrier(2, timeout=30)
    outcomes: list[str] = []

    def enrol(referral: TrainingReferral) -> None:
        try:
            start.wait()
            referral_move(referral=referral, to=ReferralStatus.ENROLLED, by=None, now=NOW)
        except Conflict:
            outcomes.append("full")
        except Exception as error:  # any other error fails the test below, with its name
            outcomes.append(repr(error))
        else:
            outcomes.append("enrolled")
        finally:
            connection.close()

    threads = [threading.Thread(target=enrol, args=(referral,)) for referral in referrals]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert sorted(outcomes) == ["enrolled", "full"]
    assert course.referrals.filter(status=ReferralStatus.ENROLLED).count() == 1


def test_staff_import_311_history_and_export_it_masked_in_the_admin(client, counter):
    from django.core.files.uploadedfile import SimpleUploadedFile

    _station, _clerk, ours, _theirs = counter
    upload = SimpleUploadedFile(
        "services.csv",
        f"seeker_phone,kind,date,reference\n{ours.phone},guidance,2026-11-15,HIST-1\n".encode(),
    )

    client.post(reverse("admin:stations_servicerecord_import"), {"file": upload})
    record = ServiceRecord.objects.get(reference="HIST-1")
    exported = client.post(
        reverse("admin:stations_servicerecord_changelist"),
        {"action": "export_csv", "_selected_action": [record.pk]},
    )

    assert record.plan == plan_of(ours)
    text = exported.content.decode()
    assert "HIST-1" in text
    assert "王建国" in text
