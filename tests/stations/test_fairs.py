"""Job fairs: the lifecycle, booths, registration and the gate, the engine's booth
suggestions, intentions through to hires, statistics, scope, the admin, imports and the
demo fairs."""

from __future__ import annotations

import csv
import datetime as dt
import io
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from core.errors import Conflict, DomainError, IllegalTransition
from matching.models import Notification
from seeds.loader import SEEDS_DIR
from stations.imports import import_records
from stations.models import (
    Application,
    Booth,
    FairRegistration,
    Intention,
    JobFair,
    JobPost,
    Occupation,
    OverdueRule,
    Placement,
    SeekerSkill,
)
from stations.models.fairs import FairFormat, FairStatus, IntentionStatus, RegistrationSource
from stations.models.followup import OverdueKind
from stations.models.organisation import StaffRole
from stations.selectors.fairs import (
    fair_list,
    fair_statistics,
    fairs_for_seeker,
    fairs_in_scope,
    fairs_near,
    fairs_upcoming,
    intentions_in_scope,
    intentions_overdue,
    registrations_in_scope,
)
from stations.selectors.scope import scope_for
from stations.services.applications import PlacementTerms, application_create, application_hire
from stations.services.dispatch import check_in_code
from stations.services.fairs import (
    booth_set,
    booth_suggestions_due,
    fair_apply,
    fair_booth_suggestions,
    fair_booths_notify,
    fair_check_in,
    fair_close,
    fair_create,
    fair_move,
    fair_open,
    fair_register,
    fair_update,
    fair_viewers_record,
    intention_assign,
    intention_follow_up,
    intention_lapse,
    intention_record,
)
from stations.services.staff import staff_assign
from tests.factories import (
    BoothFactory,
    EmployerFactory,
    FairFactory,
    PostFactory,
    SeekerFactory,
    StationFactory,
    UserFactory,
    region,
)

pytestmark = pytest.mark.django_db

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 11, 20, 10, 0, tzinfo=SHANGHAI)


@pytest.fixture
def now(time_machine):
    """The clock stands still at NOW: a test that reads "today" or "tomorrow" twice (the
    test, then the task it runs) cannot straddle midnight in Asia/Shanghai."""
    time_machine.move_to(NOW, tick=False)
    return NOW


def a_trade(index: int = 0) -> Occupation:
    return Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code")[index]


def a_trade_elsewhere(trade: Occupation) -> Occupation:
    """A trade of another middle group than ``trade``'s (no related skill)."""
    middle = "/".join(trade.path.strip("/").split("/")[:2]) + "/"
    return (
        Occupation.objects.filter(level=Occupation.Level.TRADE)
        .exclude(path__startswith=middle)
        .order_by("code")
        .first()
    )


def fair_under_way(now, **fields) -> JobFair:
    fields.setdefault("starts_at", now - dt.timedelta(hours=1))
    fields.setdefault("ends_at", now + dt.timedelta(hours=3))
    fair = FairFactory(**fields)
    return fair_open(fair=fair, by=None, now=now)


def hire(post, seeker, now) -> Placement:
    application = application_create(
        post=post, seeker=seeker, source=Application.Source.COUNTER, by=None, now=now
    )
    return application_hire(
        application=application,
        terms=PlacementTerms(
            agreed_wage_amount=Decimal(200),
            agreed_wage_unit="day",
            starts_on=post.starts_on,
            ends_on=post.ends_on,
            outcome=Placement.Outcome.FLEXIBLE,
        ),
        by=None,
        now=now,
    )


# The lifecycle


def test_a_fair_is_planned_then_under_way_then_held_and_never_goes_back(seeded, now):
    clerk = UserFactory()
    fair = fair_create(
        name="2026年春风行动专场招聘会",
        format=JobFair.Format.ON_SITE,
        series=JobFair.Series.SPRING_BREEZE,
        region=region("620102"),
        venue="兰州市人力资源市场",
        starts_at=now + dt.timedelta(days=1),
        ends_at=now + dt.timedelta(days=1, hours=4),
        by=clerk,
    )
    assert fair.status == FairStatus.PLANNED
    assert fair.reference.startswith("F")

    fair_open(fair=fair, by=clerk, now=now)
    fair = fair_close(fair=fair, by=clerk, now=now)

    assert JobFair.objects.get(pk=fair.pk).status == FairStatus.HELD
    assert fair.history.first().history_user == clerk
    for target in (FairStatus.UNDER_WAY, FairStatus.PLANNED, FairStatus.CANCELLED):
        with pytest.raises(IllegalTransition):
            fair_move(fair=fair, to=target, by=clerk, now=now)


def test_a_cancelled_fair_takes_nobody_and_changes_no_more(seeded, now):
    planned = FairFactory()
    fair_move(fair=planned, to=FairStatus.CANCELLED, by=None, now=now)
    with pytest.raises(IllegalTransition):
        fair_open(fair=planned, by=None, now=now)
    with pytest.raises(Conflict):
        fair_register(fair=planned, seeker=SeekerFactory(), source="app", now=now)
    with pytest.raises(Conflict):
        fair_update(fair=planned, by=None, name="改名")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"format": "on_site", "venue": "  "}, "venue"),
        ({"format": "live", "stream_url": ""}, "stream_url"),
        ({"ends_in_hours": -1}, "ends_at"),
        ({"latitude": 36.0, "longitude": None}, "latitude"),
    ],
)
def test_a_fair_without_its_place_or_with_wrong_times_is_refused(seeded, now, fields, field):
    details = {
        "name": "招聘会",
        "format": "on_site",
        "region": region("620102"),
        "venue": "市场",
        "starts_at": now,
        "ends_at": now + dt.timedelta(hours=fields.pop("ends_in_hours", 3)),
        **fields,
    }
    with pytest.raises(DomainError) as refusal:
        fair_create(by=None, **details)
    assert field in refusal.value.field_errors
    assert not JobFair.objects.exists()


def test_a_reference_is_used_once(seeded, now):
    FairFactory(reference="LZ-FAIR-1")
    with pytest.raises(Conflict):
        fair_create(
            reference="LZ-FAIR-1",
            name="x",
            format="online",
            region=region("620102"),
            starts_at=now,
            ends_at=now + dt.timedelta(hours=1),
            by=None,
        )


def test_closing_a_fair_puts_its_open_intentions_on_the_follow_up_list_by_the_rule(seeded, now):
    OverdueRule.objects.update_or_create(kind=OverdueKind.INTENTION_IDLE, defaults={"days": 3})
    fair = fair_under_way(now)
    booth = BoothFactory(fair=fair)
    waiting = intention_record(
        fair=fair, seeker=SeekerFactory(), employer=booth.employer, by=None, now=now
    )
    dated = intention_record(
        fair=fair,
        seeker=SeekerFactory(),
        employer=booth.employer,
        follow_up_by=timezone.localdate(now) + dt.timedelta(days=1),
        by=None,
        now=now,
    )
    lapsed = intention_record(
        fair=fair, seeker=SeekerFactory(), employer=booth.employer, by=None, now=now
    )
    intention_lapse(intention=lapsed, by=None, now=now)
    assert Intention.objects.get(pk=waiting.pk).follow_up_by is None

    fair_close(fair=fair, by=None, now=now)

    today = timezone.localdate(now)
    assert Intention.objects.get(pk=waiting.pk).follow_up_by == today + dt.timedelta(days=3)
    assert Intention.objects.get(pk=dated.pk).follow_up_by == today + dt.timedelta(days=1)
    assert Intention.objects.get(pk=lapsed.pk).follow_up_by is None
    later = today + dt.timedelta(days=4)
    overdue = intentions_overdue(scope_for(UserFactory(is_superuser=True)), today=later)
    assert set(overdue) == {
        Intention.objects.get(pk=waiting.pk),
        Intention.objects.get(pk=dated.pk),
    }


def test_viewers_are_recorded_for_a_live_broadcast_only(seeded, now):
    live = fair_under_way(now, format="live", venue="", stream_url="https://live.example.cn/1")
    on_site = fair_under_way(now)

    fair_viewers_record(fair=live, viewers=12_345, by=None)

    assert JobFair.objects.get(pk=live.pk).viewers == 12_345
    with pytest.raises(DomainError):
        fair_viewers_record(fair=on_site, viewers=10, by=None)
    with pytest.raises(DomainError):
        fair_viewers_record(fair=live, viewers=-1, by=None)


# Booths


def test_a_booth_lists_its_employers_own_posts_and_their_openings_by_default(seeded, now):
    fair = FairFactory()
    employer = EmployerFactory()
    posts = [PostFactory(employer=employer, openings=n) for n in (2, 5)]

    booth = booth_set(fair=fair, employer=employer, label="A01", posts=posts, by=None)
    again = booth_set(fair=fair, employer=employer, label="B07", by=None)

    assert again.pk == booth.pk
    assert (again.label, again.jobs_offered) == ("B07", sum(post.openings for post in posts))
    assert set(again.posts.all()) == set(posts)
    with pytest.raises(DomainError) as refusal:
        booth_set(fair=fair, employer=employer, posts=[PostFactory()], by=None)
    assert "posts" in refusal.value.field_errors
    assert set(fair.booths.get().posts.all()) == set(posts)


def test_a_booth_label_longer_than_a_booth_sign_is_refused(seeded):
    with pytest.raises(DomainError) as refusal:
        booth_set(fair=FairFactory(), employer=EmployerFactory(), label="A" * 21, by=None)
    assert "label" in refusal.value.field_errors


# Registration and the gate


def test_registering_twice_keeps_one_registration_with_its_first_source(seeded, now):
    fair = FairFactory()
    seeker = SeekerFactory()

    first, created = fair_register(fair=fair, seeker=seeker, source="app", now=now)
    second, created_again = fair_register(
        fair=fair, seeker=seeker, source="counter", now=now + dt.timedelta(hours=1)
    )

    assert (created, created_again) == (True, False)
    assert second.pk == first.pk
    assert (second.source, second.registered_at) == ("app", now)
    assert FairRegistration.objects.count() == 1


def test_the_gate_checks_a_registered_seeker_in_once(seeded, now):
    fair = fair_under_way(now)
    seeker = SeekerFactory()
    fair_register(fair=fair, seeker=seeker, source="app", now=now - dt.timedelta(days=1))
    code = check_in_code(seeker=seeker, day=timezone.localdate(now))

    first = fair_check_in(fair=fair, code=code, now=now)
    again = fair_check_in(fair=fair, code=code, now=now + dt.timedelta(minutes=5))

    assert first.pk == again.pk
    assert again.checked_in_at == now
    assert (again.source, FairRegistration.objects.count()) == ("app", 1)


def test_the_gate_registers_an_unregistered_seeker_on_the_spot(seeded, now):
    fair = fair_under_way(now)
    seeker = SeekerFactory()

    registration = fair_check_in(
        fair=fair, code=check_in_code(seeker=seeker, day=timezone.localdate(now)), now=now
    )

    assert (registration.seeker, registration.source) == (seeker, RegistrationSource.GATE)
    assert registration.checked_in_at == now


def test_the_gate_refuses_a_forged_or_stale_code(seeded, now):
    fair = fair_under_way(now)
    seeker = SeekerFactory()
    today = timezone.localdate(now)
    good = check_in_code(seeker=seeker, day=today)

    for code in (
        good[:-3] + ("abc" if not good.endswith("abc") else "xyz"),
        check_in_code(seeker=seeker, day=today - dt.timedelta(days=1)),
        "not a code at all",
    ):
        with pytest.raises(DomainError) as refusal:
            fair_check_in(fair=fair, code=code, now=now)
        assert "code" in refusal.value.field_errors
    assert not FairRegistration.objects.exists()


def test_the_gate_refuses_fairs_without_a_gate_or_not_on_today(seeded, now):
    seeker = SeekerFactory()
    code = check_in_code(seeker=seeker, day=timezone.localdate(now))
    online = fair_under_way(now, format="online", venue="")
    tomorrow = FairFactory(starts_at=now + dt.timedelta(days=1, hours=1))
    held = fair_close(fair=fair_under_way(now), by=None, now=now)

    for fair in (online, tomorrow, held):
        with pytest.raises(DomainError):
            fair_check_in(fair=fair, code=code, now=now)
    assert not FairRegistration.objects.exists()


@pytest.mark.django_db(transaction=True)
@pytest.mark.services("postgres")
def test_two_gates_scanning_one_code_at_once_make_one_registration(seeded):
    now = timezone.now()
    fair = fair_under_way(now)
    seeker = SeekerFactory()
    code = check_in_code(seeker=seeker, day=timezone.localdate(now))
    barrier = threading.Barrier(4)
    errors: list[BaseException] = []

    def scan():
        try:
            barrier.wait()
            fair_check_in(fair=fair, code=code, now=now)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=scan) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    registration = FairRegistration.objects.get()
    assert registration.checked_in_at == now


def test_an_application_from_the_stream_counts_for_the_fair(seeded, now):
    fair = fair_under_way(now, format="live", venue="", stream_url="https://live.example.cn/2")
    post = PostFactory()
    booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
    seeker = SeekerFactory()

    application = fair_apply(fair=fair, post=post, seeker=seeker, by=None, now=now)

    assert (application.fair, application.source) == (fair, Application.Source.FAIR)
    assert fair.registrations.get().source == RegistrationSource.STREAM
    with pytest.raises(DomainError):
        fair_apply(fair=fair, post=PostFactory(), seeker=SeekerFactory(), by=None, now=now)


# The engine's booth suggestions


@pytest.fixture
def fair_with_booths(seeded, now):
    """A fair with a booth for a trade, a booth for an unrelated trade, and three registered
    seekers: one skilled in the first trade, one in neither, one not registered."""
    trade = a_trade()
    other = a_trade_elsewhere(trade)
    fair = FairFactory()
    suited = PostFactory(occupation=trade, status="open")
    unsuited = PostFactory(occupation=other, status="open")
    booth = booth_set(fair=fair, employer=suited.employer, label="A1", posts=[suited], by=None)
    booth_set(fair=fair, employer=unsuited.employer, label="B2", posts=[unsuited], by=None)
    skilled = SeekerFactory(latitude=36.061, longitude=103.841)
    SeekerSkill.objects.create(seeker=skilled, occupation=trade, years=6)
    unskilled = SeekerFactory(latitude=36.061, longitude=103.841)
    absent = SeekerFactory(latitude=36.061, longitude=103.841)
    SeekerSkill.objects.create(seeker=absent, occupation=trade, years=6)
    for seeker in (skilled, unskilled):
        fair_register(fair=fair, seeker=seeker, source="app", now=now)
    return {
        "fair": fair,
        "booth": booth,
        "skilled": skilled,
        "unskilled": unskilled,
        "absent": absent,
    }


def test_the_engine_suggests_the_booths_whose_posts_suit_each_registered_seeker(
    fair_with_booths, now
):
    suggestions = fair_booth_suggestions(fair=fair_with_booths["fair"], now=now)

    assert suggestions == {fair_with_booths["skilled"].pk: [fair_with_booths["booth"]]}


def test_booth_suggestions_are_sent_once_even_when_run_twice(fair_with_booths, now):
    fair = fair_with_booths["fair"]

    told = fair_booths_notify(fair=fair, now=now)
    told_again = fair_booths_notify(fair=fair, now=now + dt.timedelta(hours=1))

    assert (told, told_again) == (1, 0)
    rows = Notification.objects.filter(template="fair_booths")
    assert {row.seeker_id for row in rows} == {fair_with_booths["skilled"].pk}
    inbox = rows.get(channel=Notification.Channel.IN_APP)
    assert inbox.context["fair"] == fair.name
    assert "A1" in inbox.context["booths"]
    assert "B2" not in inbox.context["booths"]


def test_the_daily_task_notifies_for_fairs_starting_tomorrow_only(fair_with_booths, now):
    from stations.fair_tasks import fairs_tomorrow_notify

    fair = fair_with_booths["fair"]
    tomorrow_noon = timezone.make_aware(
        dt.datetime.combine(timezone.localdate() + dt.timedelta(days=1), dt.time(12))
    )
    JobFair.objects.filter(pk=fair.pk).update(
        starts_at=tomorrow_noon, ends_at=tomorrow_noon + dt.timedelta(hours=3)
    )
    later = FairFactory(starts_at=tomorrow_noon + dt.timedelta(days=2))
    fair_register(fair=later, seeker=fair_with_booths["skilled"], source="app", now=now)
    booth_set(
        fair=later, employer=fair_with_booths["booth"].employer,
        posts=list(fair_with_booths["booth"].posts.all()), by=None,
    )  # fmt: skip

    assert fairs_tomorrow_notify.delay().get() == 1
    assert fairs_tomorrow_notify.delay().get() == 1

    keys = set(Notification.objects.values_list("dedup_key", flat=True))
    assert all(key.startswith(f"fair-booths:{fair.pk}:") for key in keys)
    assert Notification.objects.filter(channel=Notification.Channel.IN_APP).count() == 1


def told_of_booths(seeker) -> int:
    return Notification.objects.filter(
        seeker=seeker, template="fair_booths", channel=Notification.Channel.IN_APP
    ).count()


@pytest.mark.parametrize(
    ("when", "due"),
    [
        (dt.datetime(2026, 11, 21, 17, 59, tzinfo=SHANGHAI), False),  # before the eve's run
        (dt.datetime(2026, 11, 21, 18, 0, tzinfo=SHANGHAI), True),
        (dt.datetime(2026, 11, 22, 11, 0, tzinfo=SHANGHAI), True),  # the fair is on
        (dt.datetime(2026, 11, 22, 14, 0, tzinfo=SHANGHAI), False),  # it has ended
    ],
)
def test_booth_suggestions_are_due_on_registration_from_the_eves_run_to_the_fairs_end(
    seeded, now, when, due
):
    starts = dt.datetime(2026, 11, 22, 10, 0, tzinfo=SHANGHAI)
    fair = FairFactory(starts_at=starts, ends_at=starts + dt.timedelta(hours=4))

    assert booth_suggestions_due(fair, when) is due


def test_a_seeker_registering_after_the_eves_run_is_told_at_once_and_once_only(
    fair_with_booths, now, time_machine, django_capture_on_commit_callbacks
):
    fair, latecomer = fair_with_booths["fair"], fair_with_booths["absent"]
    fair_booths_notify(fair=fair, now=now)  # as the evening run told the registered
    evening = timezone.localtime(fair.starts_at).replace(hour=20) - dt.timedelta(days=1)
    time_machine.move_to(evening, tick=False)

    with django_capture_on_commit_callbacks(execute=True):
        fair_register(fair=fair, seeker=latecomer, source="app", now=evening)
    with django_capture_on_commit_callbacks(execute=True) as again:
        fair_register(fair=fair, seeker=latecomer, source="app", now=evening)
    told_later = fair_booths_notify(fair=fair, now=evening + dt.timedelta(minutes=5))

    assert told_of_booths(latecomer) == 1
    assert told_of_booths(fair_with_booths["skilled"]) == 1
    assert again == []  # registered already: nothing queued
    assert told_later == 0


def test_a_seeker_registering_before_the_eves_run_waits_for_it(
    fair_with_booths, now, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True) as queued:
        fair_register(
            fair=fair_with_booths["fair"], seeker=fair_with_booths["absent"], source="app", now=now
        )

    assert queued == []
    assert told_of_booths(fair_with_booths["absent"]) == 0


def test_someone_registered_at_the_gate_of_a_same_day_fair_is_told_its_booths(
    seeded, now, django_capture_on_commit_callbacks
):
    fair = fair_under_way(now)
    post = PostFactory(occupation=a_trade(), status="open")
    booth_set(fair=fair, employer=post.employer, label="C7", posts=[post], by=None)
    walk_in = SeekerFactory(latitude=36.061, longitude=103.841)
    SeekerSkill.objects.create(seeker=walk_in, occupation=a_trade(), years=3)
    code = check_in_code(seeker=walk_in, day=timezone.localdate(now))

    with django_capture_on_commit_callbacks(execute=True):
        fair_check_in(fair=fair, code=code, now=now)

    assert told_of_booths(walk_in) == 1
    inbox = Notification.objects.get(
        seeker=walk_in, template="fair_booths", channel=Notification.Channel.IN_APP
    )
    assert "C7" in inbox.context["booths"]


# Intentions


@pytest.fixture
def fair_day(seeded, now):
    fair = fair_under_way(now)
    post = PostFactory(openings=3)
    booth = booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
    return {"fair": fair, "post": post, "booth": booth, "seeker": SeekerFactory()}


def test_a_hire_with_the_employer_converts_the_open_intention(fair_day, now):
    clerk = UserFactory()
    intention = intention_record(
        fair=fair_day["fair"],
        seeker=fair_day["seeker"],
        employer=fair_day["post"].employer,
        by=clerk,
        now=now,
    )
    assert (intention.status, intention.assigned_to) == (IntentionStatus.OPEN, clerk)

    placement = hire(fair_day["post"], fair_day["seeker"], now)

    intention.refresh_from_db()
    assert (intention.status, intention.placement, intention.closed_at) == (
        IntentionStatus.HIRED,
        placement,
        now,
    )


def test_a_hire_with_another_employer_converts_nothing(fair_day, now):
    intention = intention_record(
        fair=fair_day["fair"],
        seeker=fair_day["seeker"],
        employer=fair_day["post"].employer,
        by=None,
        now=now,
    )

    hire(PostFactory(), fair_day["seeker"], now)

    intention.refresh_from_db()
    assert (intention.status, intention.placement) == (IntentionStatus.OPEN, None)


def test_an_intention_for_one_post_converts_on_a_hire_for_that_post_only(fair_day, now):
    post = fair_day["post"]
    other_post = PostFactory(employer=post.employer)
    seeker = fair_day["seeker"]
    intention = intention_record(
        fair=fair_day["fair"], seeker=seeker, employer=post.employer, post=post, by=None, now=now
    )

    hire(other_post, seeker, now)
    intention.refresh_from_db()
    assert intention.status == IntentionStatus.OPEN

    Application.objects.filter(seeker=seeker).update(status=Application.Status.COMPLETED)
    placement = hire(post, seeker, now)
    intention.refresh_from_db()
    assert (intention.status, intention.placement) == (IntentionStatus.HIRED, placement)


def test_an_intention_is_reached_with_an_employer_at_the_fair_only(fair_day, now):
    with pytest.raises(DomainError):
        intention_record(
            fair=fair_day["fair"],
            seeker=fair_day["seeker"],
            employer=EmployerFactory(),
            by=None,
            now=now,
        )
    with pytest.raises(DomainError):
        intention_record(
            fair=fair_day["fair"],
            seeker=fair_day["seeker"],
            employer=fair_day["post"].employer,
            post=PostFactory(),
            by=None,
            now=now,
        )
    with pytest.raises(Conflict):
        intention_record(
            fair=FairFactory(),
            seeker=fair_day["seeker"],
            employer=fair_day["post"].employer,
            by=None,
            now=now,
        )
    first = intention_record(
        fair=fair_day["fair"],
        seeker=fair_day["seeker"],
        employer=fair_day["post"].employer,
        by=None,
        now=now,
    )
    again = intention_record(
        fair=fair_day["fair"],
        seeker=fair_day["seeker"],
        employer=fair_day["post"].employer,
        post=fair_day["post"],
        by=None,
        now=now,
    )
    assert again.pk == first.pk
    assert Intention.objects.get().post == fair_day["post"]


def test_follow_ups_are_noted_and_move_the_next_date_and_a_lapse_closes(fair_day, now):
    clerk, colleague = UserFactory(), UserFactory()
    intention = intention_record(
        fair=fair_day["fair"],
        seeker=fair_day["seeker"],
        employer=fair_day["post"].employer,
        by=clerk,
        now=now,
    )
    today = timezone.localdate(now)

    intention_follow_up(intention=intention, note="电话联系，下周面试", by=clerk, now=now)
    intention = intention_assign(intention=intention, to=colleague, by=clerk)
    intention = intention_follow_up(
        intention=intention,
        note="面试推迟",
        follow_up_by=today + dt.timedelta(days=2),
        by=colleague,
        now=now,
    )

    rule_days = OverdueRule.objects.get(kind=OverdueKind.INTENTION_IDLE).days
    assert intention.follow_up_by == today + dt.timedelta(days=2)
    assert intention.note.splitlines()[0].endswith("电话联系，下周面试")
    assert clerk.username in intention.note
    assert colleague.username in intention.note
    assert intention.assigned_to == colleague
    with pytest.raises(DomainError):
        intention_follow_up(intention=intention, note=" ", by=clerk, now=now)

    lapsed = intention_lapse(intention=intention, note="已在别处就业", by=clerk, now=now)

    assert (lapsed.status, lapsed.closed_at, lapsed.follow_up_by) == ("lapsed", now, None)
    with pytest.raises(IllegalTransition):
        intention_lapse(intention=lapsed, by=clerk, now=now)
    with pytest.raises(Conflict):
        intention_follow_up(intention=lapsed, note="x", by=clerk, now=now)
    hire(fair_day["post"], fair_day["seeker"], now)
    assert Intention.objects.get(pk=lapsed.pk).status == IntentionStatus.LAPSED
    assert rule_days > 0


# Statistics


def _held_fair(now, *, region_code="620102", **fields):
    fair = fair_under_way(now, region=region(region_code), **fields)
    return fair


def test_statistics_count_what_came_of_the_fairs_held_in_the_region_and_period(seeded, now):
    today = timezone.localdate(now)
    on_site = _held_fair(now)
    live = _held_fair(
        now, format="live", venue="", stream_url="https://live.example.cn/3", series="graduates"
    )
    elsewhere = _held_fair(now, region_code="620103")
    still_planned = FairFactory()
    booths = {}
    for fair, jobs in ((on_site, 5), (live, 7), (elsewhere, 11), (still_planned, 13)):
        post = PostFactory(openings=3)
        booths[fair.pk] = booth_set(
            fair=fair, employer=post.employer, jobs_offered=jobs, posts=[post], by=None
        )
    people = [SeekerFactory() for _ in range(3)]
    for seeker in people:
        fair_register(fair=on_site, seeker=seeker, source="app", now=now)
    fair_check_in(
        fair=on_site, code=check_in_code(seeker=people[0], day=today), now=now
    )  # one checked in
    fair_register(fair=elsewhere, seeker=people[0], source="app", now=now)
    fair_viewers_record(fair=live, viewers=900, by=None)
    live_post = booths[live.pk].posts.get()
    fair_apply(fair=live, post=live_post, seeker=people[1], by=None, now=now)
    employer = booths[on_site.pk].employer
    for seeker in people[:2]:
        intention_record(fair=on_site, seeker=seeker, employer=employer, by=None, now=now)
    hire(booths[on_site.pk].posts.get(), people[0], now)
    for fair in (on_site, live, elsewhere):
        fair_close(fair=fair, by=None, now=now)

    chengguan = region("620102")
    with CaptureQueriesContext(connection) as queries:
        figures = fair_statistics(region=chengguan, start=today - dt.timedelta(days=1), end=today)

    assert len(queries) == 1
    by_format = {(row.format, row.series): row for row in figures.rows}
    assert set(by_format) == {("on_site", "spring_breeze"), ("live", "graduates")}
    site, stream = by_format[("on_site", "spring_breeze")], by_format[("live", "graduates")]
    assert (site.fairs, site.booths, site.jobs_offered) == (1, 1, 5)
    assert (site.registrations, site.check_ins, site.intentions, site.hires) == (3, 1, 2, 1)
    assert (stream.viewers, stream.applications, stream.registrations) == (900, 1, 1)
    assert figures.total.jobs_offered == 5 + 7
    assert figures.total.fairs == 2
    before = fair_statistics(
        region=region("620102"),
        start=today - dt.timedelta(days=9),
        end=today - dt.timedelta(days=1),
    )
    assert before.rows == ()
    assert before.total.fairs == 0
    city = fair_statistics(region=region("620100"), start=today, end=today)
    assert city.total.jobs_offered == 5 + 7 + 11


# Scope and lists


def test_station_staff_see_their_stations_fairs_and_analysts_no_personal_records(seeded, now):
    mine, theirs = StationFactory(), StationFactory(region=region("620103"))
    my_fair = fair_under_way(now, station=mine)
    their_fair = fair_under_way(now, station=theirs, region=region("620103"))
    for fair in (my_fair, their_fair):
        post = PostFactory()
        booth_set(fair=fair, employer=post.employer, by=None)
        seeker = SeekerFactory()
        fair_register(fair=fair, seeker=seeker, source="app", now=now)
        intention_record(fair=fair, seeker=seeker, employer=post.employer, by=None, now=now)
    clerk, analyst = UserFactory(), UserFactory()
    staff_assign(user=clerk, role=StaffRole.STATION_STAFF, stations=[mine])
    staff_assign(user=analyst, role=StaffRole.BUREAU_ANALYST, region=region("620100"))

    assert list(fairs_in_scope(scope_for(clerk))) == [my_fair]
    assert {i.fair for i in intentions_in_scope(scope_for(clerk))} == {my_fair}
    assert {r.fair for r in registrations_in_scope(scope_for(clerk))} == {my_fair}
    assert set(fairs_in_scope(scope_for(analyst))) == {my_fair, their_fair}
    assert not intentions_in_scope(scope_for(analyst)).exists()
    assert not registrations_in_scope(scope_for(analyst)).exists()
    assert clerk.has_perm("stations.add_intention")
    assert analyst.has_perm("stations.view_booth")
    assert not analyst.has_perm("stations.view_fairregistration")


def test_the_fair_list_costs_the_same_queries_for_3_and_6_fairs(seeded, now):
    superuser = UserFactory(is_superuser=True)

    def queries_for_list() -> int:
        with CaptureQueriesContext(connection) as queries:
            rows = list(fair_list(scope_for(superuser)))
            [(row.booth_count, row.registration_count, row.region.code) for row in rows]
        return len(queries)

    for _ in range(3):
        BoothFactory(fair=FairFactory())
    few = queries_for_list()
    for _ in range(3):
        fair = FairFactory()
        BoothFactory(fair=fair)
        fair_register(fair=fair, seeker=SeekerFactory(), source="app", now=now)
    assert queries_for_list() == few


def test_seekers_find_upcoming_fairs_near_them_and_past_ones_they_went_to(seeded, now):
    seeker = SeekerFactory()
    near = FairFactory(latitude=36.07, longitude=103.84)
    far = FairFactory(latitude=35.58, longitude=104.62)  # Dingxi, about 85 km
    online = FairFactory(format="online", venue="", latitude=None, longitude=None)
    went = fair_under_way(now)
    fair_register(fair=went, seeker=seeker, source="app", now=now)
    fair_close(fair=went, by=None, now=now)
    missed = fair_close(fair=fair_under_way(now), by=None, now=now)

    found = fairs_near(fairs_upcoming(now=now), latitude=36.06, longitude=103.83, radius_km=20)

    assert set(found) == {near, online}
    distances = {fair.pk: fair.distance_km for fair in found}
    assert 0 < distances[near.pk] < 2
    visible = set(fairs_for_seeker(seeker, now=now))
    assert {near, far, online, went} <= visible
    assert missed not in visible


# Imports


EXAMPLES = SEEDS_DIR / "examples"


@pytest.fixture
def frozen_before_the_example_posts():
    # The example posts run in December 2026 and the example fairs were held in November.
    with time_machine.travel(dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


def test_the_example_fairs_booths_and_intentions_import_once(
    seeded, frozen_before_the_example_posts
):
    for kind in ("seekers", "employers", "posts", "placements"):
        assert import_records(kind=kind, source=EXAMPLES / f"{kind}.csv", by=None).written

    first = {
        kind: import_records(kind=kind, source=EXAMPLES / f"{kind}.csv", by=None)
        for kind in ("fairs", "booths", "intentions")
    }
    second = {
        kind: import_records(kind=kind, source=EXAMPLES / f"{kind}.csv", by=None)
        for kind in ("fairs", "booths", "intentions")
    }

    assert all(report.written and not report.problems for report in first.values()), {
        kind: [str(p) for p in report.problems] for kind, report in first.items()
    }
    rows = {kind: len(example_rows(kind)) for kind in first}
    assert {kind: report.created for kind, report in first.items()} == rows
    assert {kind: (r.created, r.updated, r.unchanged) for kind, r in second.items()} == {
        kind: (0, 0, count) for kind, count in rows.items()
    }
    live = JobFair.objects.get(reference="LZ-LIVE-2026-11-18")
    assert (live.status, live.viewers, live.format) == ("held", 12860, "live")
    assert live.starts_at == timezone.make_aware(dt.datetime(2026, 11, 18, 19, 0))
    booth = JobFair.objects.get(reference="LZ-FAIR-2026-11-15").booths.get(label="A02")
    assert booth.jobs_offered == sum(post.openings for post in booth.posts.all())
    statuses = sorted(Intention.objects.values_list("status", flat=True))
    assert statuses == sorted(row["status"] for row in example_rows("intentions"))
    hired = Intention.objects.filter(status="hired")
    assert all(
        i.placement.application.seeker_id == i.seeker_id for i in hired.select_related("placement")
    )
    waiting = Intention.objects.get(status="open")
    assert waiting.follow_up_by == dt.date(2026, 11, 25)


def example_rows(kind: str) -> list[dict[str, str]]:
    with (EXAMPLES / f"{kind}.csv").open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def write_rows(path, rows: list[dict[str, str]]):
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


def test_bad_fair_rows_are_reported_by_row_and_column_and_nothing_is_written(
    seeded, tmp_path, frozen_before_the_example_posts
):
    good, *_ = example_rows("fairs")
    rows = [
        good,
        {**good, "reference": "X-2", "format": "carnival"},
        {**good, "reference": "X-3", "starts_at": "15/11/2026"},
        {**good, "reference": "X-4", "region": "999999"},
        {**good, "reference": "X-5", "venue": ""},
    ]

    report = import_records(kind="fairs", source=write_rows(tmp_path / "f.csv", rows), by=None)

    problems = {(p.row, p.column) for p in report.problems}
    assert problems == {(3, "format"), (4, "starts_at"), (5, "region"), (6, "venue")}
    assert not report.written
    assert not JobFair.objects.exists()
    partly = import_records(kind="fairs", source=tmp_path / "f.csv", by=None, good_rows_only=True)
    assert (partly.created, partly.rejected_rows) == (1, 4)


def test_booth_and_intention_rows_name_what_is_missing(
    seeded, tmp_path, frozen_before_the_example_posts
):
    for kind in ("seekers", "employers", "posts", "fairs"):
        import_records(kind=kind, source=EXAMPLES / f"{kind}.csv", by=None)
    booth, *_ = example_rows("booths")
    intention = example_rows("intentions")[2]
    booths = [
        {**booth, "fair_reference": "NO-SUCH-FAIR"},
        {**booth, "posts": "LZ-2026-0002"},  # another employer's post
        {**booth, "employer_credit_code": ""},
    ]
    intentions = [
        intention,  # the employer has no booth yet
        {**intention, "seeker_id_number": "", "seeker_phone": ""},
        {**intention, "post_reference": "NO-SUCH-POST"},
    ]

    booth_report = import_records(
        kind="booths", source=write_rows(tmp_path / "b.csv", booths), by=None
    )
    intention_report = import_records(
        kind="intentions", source=write_rows(tmp_path / "i.csv", intentions), by=None
    )

    assert [(p.row, p.column) for p in booth_report.problems] == [
        (2, "fair_reference"),
        (3, "posts"),
        (4, "employer_credit_code"),
    ]
    assert [(p.row, p.column) for p in intention_report.problems] == [
        (2, "employer"),
        (3, "seeker_id_number"),
        (4, "post_reference"),
    ]
    assert not Intention.objects.exists()


def test_an_imported_fair_moves_forward_to_its_status_and_never_back(
    seeded, tmp_path, frozen_before_the_example_posts
):
    planned = example_rows("fairs")[2]
    path = tmp_path / "f.csv"
    import_records(kind="fairs", source=write_rows(path, [planned]), by=None)

    moved = import_records(
        kind="fairs", source=write_rows(path, [{**planned, "status": "held"}]), by=None
    )
    back = import_records(
        kind="fairs", source=write_rows(path, [{**planned, "status": "planned"}]), by=None
    )

    assert moved.updated == 1
    fair = JobFair.objects.get(reference=planned["reference"])
    assert fair.status == "held"
    assert [h.status for h in fair.history.order_by("history_date")] == [
        "planned",
        "under_way",
        "held",
    ]
    assert [(p.row, p.column) for p in back.problems] == [(2, "status")]


# The admin


def admin_staff(client, *, role=StaffRole.STATION_STAFF, stations=(), region_=None, name="clerk"):
    user = UserFactory(username=name)
    staff_assign(user=user, role=role, stations=list(stations), region=region_)
    client.force_login(user)
    return user


def fair_form(station, **overrides):
    starts = timezone.localtime() + dt.timedelta(days=3)
    form = {
        "reference": "",
        "name": "城关区春风行动招聘会",
        "format": "on_site",
        "series": "spring_breeze",
        "region": region("620102").pk,
        "station": station.pk,
        "venue": "城关区人力资源市场",
        "stream_url": "",
        "starts_at_0": starts.date().isoformat(),
        "starts_at_1": "09:00:00",
        "ends_at_0": starts.date().isoformat(),
        "ends_at_1": "12:00:00",
        "latitude": "",
        "longitude": "",
        "viewers": "0",
        "description": "",
        "booths-TOTAL_FORMS": "0",
        "booths-INITIAL_FORMS": "0",
        "booths-MIN_NUM_FORMS": "0",
        "booths-MAX_NUM_FORMS": "1000",
    }
    form.update(overrides)
    return form


def test_staff_plan_a_fair_with_a_booth_in_the_admin_through_the_services(client, seeded):
    station = StationFactory()
    clerk = admin_staff(client, stations=[station])
    employer = EmployerFactory(registering_station=station)
    posts = [PostFactory(employer=employer, station=station, openings=n) for n in (2, 4)]
    booth = {
        "booths-TOTAL_FORMS": "1",
        "booths-0-label": "A01",
        "booths-0-employer": employer.pk,
        "booths-0-jobs_offered": "",
        "booths-0-posts": [post.pk for post in posts],
    }

    answer = client.post(
        reverse("admin:stations_jobfair_add"), fair_form(station, **booth), follow=True
    )

    assert answer.status_code == 200
    assert answer.redirect_chain, (
        answer.context["adminform"].form.errors,
        [f.errors for f in answer.context["inline_admin_formsets"][0].formset.forms],
    )
    fair = JobFair.objects.get()
    assert fair.reference.startswith("F")  # made up by the service
    assert fair.history.get().history_user == clerk
    saved = fair.booths.get()
    assert (saved.label, saved.jobs_offered) == ("A01", sum(post.openings for post in posts))
    assert set(saved.posts.all()) == set(posts)


def test_the_admin_shows_a_fairs_missing_place_by_its_field(client, seeded):
    station = StationFactory()
    admin_staff(client, stations=[station])

    answer = client.post(
        reverse("admin:stations_jobfair_add"), fair_form(station, format="live", venue="")
    )

    assert answer.status_code == 200
    assert "stream_url" in answer.context["adminform"].form.errors
    assert not JobFair.objects.exists()


def test_the_admin_lists_the_scopes_fairs_and_opens_closes_and_notifies(
    client, fair_with_booths, now
):
    station = StationFactory()
    fair = fair_with_booths["fair"]
    JobFair.objects.filter(pk=fair.pk).update(station=station, name="我们的招聘会")
    FairFactory(station=StationFactory(), name="别人的招聘会")
    admin_staff(client, stations=[station])
    url = reverse("admin:stations_jobfair_changelist")

    page = client.get(url).content.decode()
    client.post(url, {"action": "notify_booths", "_selected_action": [fair.pk]})
    client.post(url, {"action": "open_fairs", "_selected_action": [fair.pk]})
    client.post(url, {"action": "close_fairs", "_selected_action": [fair.pk]})

    assert "我们的招聘会" in page
    assert "别人的招聘会" not in page
    assert JobFair.objects.get(pk=fair.pk).status == FairStatus.HELD
    told = Notification.objects.filter(template="fair_booths", channel="in_app")
    assert [row.seeker_id for row in told] == [fair_with_booths["skilled"].pk]


def test_the_fair_changelist_costs_the_same_queries_for_3_and_6_fairs(admin_client, seeded, now):
    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(reverse("admin:stations_jobfair_changelist")).status_code == 200
        return len(captured)

    for _ in range(3):
        BoothFactory(fair=FairFactory(station=StationFactory()))
    few = queries()
    for _ in range(3):
        fair = FairFactory(station=StationFactory())
        BoothFactory(fair=fair)
        fair_register(fair=fair, seeker=SeekerFactory(), source="app", now=now)
    assert queries() == few


def test_the_admin_follow_up_list_and_its_actions(client, fair_day, now):
    station = StationFactory()
    JobFair.objects.filter(pk=fair_day["fair"].pk).update(station=station)
    clerk = admin_staff(client, stations=[station])
    employer = fair_day["post"].employer
    late, other = (
        intention_record(fair=fair_day["fair"], seeker=seeker, employer=employer, by=None, now=now)
        for seeker in (fair_day["seeker"], SeekerFactory())
    )
    Intention.objects.filter(pk=late.pk).update(
        follow_up_by=timezone.localdate(now) - dt.timedelta(days=2)
    )
    url = reverse("admin:stations_intention_changelist")

    overdue = client.get(url, {"follow_up": "overdue"})
    client.post(url, {"action": "assign_to_me", "_selected_action": [late.pk]})
    client.post(url, {"action": "lapse_intentions", "_selected_action": [other.pk]})
    changed = client.post(
        reverse("admin:stations_intention_change", args=[late.pk]),
        {
            "assigned_to": clerk.pk,
            "follow_up_by": (timezone.localdate(now) + dt.timedelta(days=5)).isoformat(),
            "follow_up_note": "约好下周一面试",
        },
    )

    assert [row.pk for row in overdue.context["cl"].result_list] == [late.pk]
    assert changed.status_code == 302, changed.context["adminform"].form.errors
    late.refresh_from_db()
    assert late.assigned_to == clerk
    assert late.follow_up_by == timezone.localdate(now) + dt.timedelta(days=5)
    assert late.note.endswith("约好下周一面试")
    assert Intention.objects.get(pk=other.pk).status == IntentionStatus.LAPSED


def test_a_counter_registers_a_seeker_and_analysts_see_fairs_but_no_people(client, seeded, now):
    station = StationFactory()
    fair = FairFactory(station=station)
    seeker = SeekerFactory(registering_station=station)
    admin_staff(client, stations=[station])

    client.post(
        reverse("admin:stations_fairregistration_add"), {"fair": fair.pk, "seeker": seeker.pk}
    )

    registration = FairRegistration.objects.get()
    assert (registration.seeker, registration.source) == (seeker, RegistrationSource.COUNTER)
    client.logout()
    admin_staff(client, role=StaffRole.BUREAU_ANALYST, region_=region("620100"), name="analyst")
    assert client.get(reverse("admin:stations_jobfair_changelist")).status_code == 200
    assert client.get(reverse("admin:stations_intention_changelist")).status_code == 403
    assert client.get(reverse("admin:stations_fairregistration_changelist")).status_code == 403


def test_the_fair_pages_render_for_open_and_closed_records(admin_client, fair_day, now):
    intention = intention_record(
        fair=fair_day["fair"],
        seeker=fair_day["seeker"],
        employer=fair_day["post"].employer,
        by=None,
        now=now,
    )
    lapsed = intention_record(
        fair=fair_day["fair"], seeker=SeekerFactory(), employer=fair_day["post"].employer,
        by=None, now=now,
    )  # fmt: skip
    intention_lapse(intention=lapsed, by=None, now=now)
    registration, _ = fair_register(
        fair=fair_day["fair"], seeker=fair_day["seeker"], source="app", now=now
    )
    pages = [
        reverse("admin:stations_jobfair_change", args=[fair_day["fair"].pk]),
        reverse("admin:stations_jobfair_add"),
        reverse("admin:stations_intention_change", args=[intention.pk]),
        reverse("admin:stations_intention_change", args=[lapsed.pk]),
        reverse("admin:stations_intention_add"),
        reverse("admin:stations_intention_changelist"),
        reverse("admin:stations_fairregistration_change", args=[registration.pk]),
        reverse("admin:stations_fairregistration_changelist"),
        reverse("admin:stations_jobfair_import"),
    ]

    answers = {page: admin_client.get(page).status_code for page in pages}

    assert set(answers.values()) == {200}, answers


# The admin: applications at a fair or from its stream


def broadcast_of(station, now, *, viewers: int = 0) -> tuple[JobFair, JobPost]:
    """A live broadcast of the station under way, with a booth for one post."""
    fair = fair_under_way(
        now, station=station, format="live", venue="", stream_url="https://live.example.cn/7"
    )
    post = PostFactory(station=station, openings=5, title="电焊工")
    booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
    if viewers:
        fair = fair_viewers_record(fair=fair, viewers=viewers, by=None)
    return fair, post


def record_url(fair: JobFair) -> str:
    return reverse("admin:stations_jobfair_application_add", args=[fair.pk])


def test_staff_see_a_broadcasts_applications_and_record_one_for_a_caller(client, seeded, now):
    station = StationFactory()
    clerk = admin_staff(client, stations=[station])
    fair, post = broadcast_of(station, now, viewers=340)
    fair_apply(fair=fair, post=post, seeker=SeekerFactory(full_name="早到的"), by=None, now=now)
    caller = SeekerFactory(registering_station=station, full_name="来电的")
    fair_page = reverse("admin:stations_jobfair_change", args=[fair.pk])

    before = client.get(fair_page).content.decode()
    form = client.get(record_url(fair))
    recorded = client.post(record_url(fair), {"seeker": caller.pk, "post": post.pk})
    after = client.get(fair_page).content.decode()
    listed = client.get(reverse("admin:stations_jobfair_changelist"))

    assert "早到的" in before
    assert "来电的" not in before
    assert record_url(fair) in before  # the button on the fair's page
    assert form.status_code == 200
    assert [choice for _, choice in form.context["form"].fields["post"].choices][1:] == [
        f"{post.employer.name} · 电焊工"
    ]
    assert recorded.status_code == 302
    assert recorded["Location"] == fair_page
    application = Application.objects.get(seeker=caller)
    assert (application.fair, application.post) == (fair, post)
    assert application.source == Application.Source.FAIR
    assert application.events.get().actor == clerk
    assert (
        FairRegistration.objects.get(fair=fair, seeker=caller).source == RegistrationSource.STREAM
    )
    assert "来电的" in after
    (row,) = listed.context["cl"].result_list
    assert (row.viewers, row.application_count) == (340, 2)


def test_save_and_take_another_comes_back_to_the_form(client, seeded, now):
    station = StationFactory()
    admin_staff(client, stations=[station])
    fair, post = broadcast_of(station, now)
    caller = SeekerFactory(registering_station=station)

    recorded = client.post(
        record_url(fair), {"seeker": caller.pk, "post": post.pk, "_addanother": "1"}, follow=True
    )

    assert recorded.redirect_chain == [(record_url(fair), 302)]
    assert f"{caller} applied for 电焊工" in recorded.content.decode()
    assert "Applications so far: 1" in recorded.content.decode()


def test_an_application_out_of_reach_twice_or_after_the_fair_is_refused_with_the_reason(
    client, seeded, now
):
    station = StationFactory()
    admin_staff(client, stations=[station])
    fair, post = broadcast_of(station, now)
    caller = SeekerFactory(registering_station=station)
    stranger = SeekerFactory(registering_station=StationFactory())  # out of reach
    elsewhere_post = PostFactory(station=station)  # at no booth of the fair

    client.post(record_url(fair), {"seeker": caller.pk, "post": post.pk})
    twice = client.post(record_url(fair), {"seeker": caller.pk, "post": post.pk})
    out_of_reach = client.post(record_url(fair), {"seeker": stranger.pk, "post": post.pk})
    not_at_the_fair = client.post(
        record_url(fair), {"seeker": caller.pk, "post": elsewhere_post.pk}
    )
    fair_close(fair=fair, by=None, now=now)
    after_the_fair = client.post(
        record_url(fair), {"seeker": SeekerFactory(registering_station=station).pk, "post": post.pk}
    )

    assert twice.status_code == 200
    assert twice.context["form"].non_field_errors() == [
        "This seeker already has a live application for this post."
    ]
    assert "seeker" in out_of_reach.context["form"].errors
    assert "post" in not_at_the_fair.context["form"].errors
    assert "takes no applications" in " ".join(after_the_fair.context["form"].non_field_errors())
    assert Application.objects.filter(fair=fair).count() == 1
    assert FairRegistration.objects.filter(fair=fair).count() == 1


def test_another_stations_staff_and_analysts_reach_no_applications_of_the_fair(client, seeded, now):
    station = StationFactory()
    fair, post = broadcast_of(station, now)
    fair_apply(fair=fair, post=post, seeker=SeekerFactory(full_name="来电的"), by=None, now=now)
    fair_page = reverse("admin:stations_jobfair_change", args=[fair.pk])
    admin_staff(client, stations=[StationFactory()], name="neighbour")
    neighbour_form = client.get(record_url(fair))
    neighbour_post = client.post(record_url(fair), {"seeker": SeekerFactory().pk, "post": post.pk})
    client.logout()
    admin_staff(client, role=StaffRole.BUREAU_ANALYST, region_=region("620100"), name="analyst")

    analyst_page = client.get(fair_page)
    analyst_form = client.get(record_url(fair))

    assert neighbour_form.status_code == neighbour_post.status_code == 404
    assert analyst_page.status_code == 200
    assert "来电的" not in analyst_page.content.decode()
    assert record_url(fair) not in analyst_page.content.decode()
    assert analyst_form.status_code == 403
    assert Application.objects.filter(fair=fair).count() == 1


def test_a_fairs_page_costs_the_same_queries_for_3_and_6_applications(admin_client, seeded, now):
    fair, post = broadcast_of(StationFactory(), now)
    fair_page = reverse("admin:stations_jobfair_change", args=[fair.pk])

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert admin_client.get(fair_page).status_code == 200
        return len(captured)

    for _ in range(3):
        fair_apply(fair=fair, post=post, seeker=SeekerFactory(), by=None, now=now)
    few = queries()
    for _ in range(3):
        fair_apply(fair=fair, post=post, seeker=SeekerFactory(), by=None, now=now)
    assert queries() == few


# The demo fairs


def _demo_fairs_snapshot():
    return sorted(
        (
            fair.reference,
            fair.name,
            fair.format,
            fair.status,
            fair.starts_at,
            fair.viewers,
            tuple(sorted(fair.booths.values_list("employer__credit_code", "jobs_offered"))),
            tuple(sorted(fair.registrations.values_list("seeker__phone", "checked_in_at"))),
            tuple(sorted(fair.intentions.values_list("seeker__phone", "status"))),
        )
        for fair in JobFair.objects.all()
    )


def test_the_demo_fairs_are_the_same_for_a_seed_and_a_second_run_adds_nothing(seeded):
    from stations.demo import demo_city_generate
    from stations.demo.fairs import PLAN, demo_fairs_generate

    now = timezone.make_aware(dt.datetime(2026, 11, 20, 10, 0))

    def generate_all():
        demo_city_generate(
            city_code="620100",
            seekers=120,
            employers=12,
            posts=40,
            seed=5,
            today=now.date(),
            stream=io.StringIO(),
        )
        return demo_fairs_generate(city_code="620100", seed=5, now=now)

    with transaction.atomic():  # a first city, rolled back
        generate_all()
        elsewhere = _demo_fairs_snapshot()
        transaction.set_rollback(True)
    made = generate_all()
    first = _demo_fairs_snapshot()
    again = demo_fairs_generate(city_code="620100", seed=5, now=now)

    assert first == elsewhere
    assert made.fairs_created == len(PLAN) == JobFair.objects.count()
    assert again.fairs_created == 0
    assert _demo_fairs_snapshot() == first
    assert {fair.format for fair in JobFair.objects.all()} == set(FairFormat.values)
    assert {fair.status for fair in JobFair.objects.all()} == {"held", "under_way", "planned"}
    assert made.booths == Booth.objects.count() > 0
    assert made.registrations == FairRegistration.objects.count() > 0
    assert made.check_ins == FairRegistration.objects.filter(checked_in_at__isnull=False).count()
    assert made.intentions == Intention.objects.count() > 0
    assert made.hires == Intention.objects.filter(status="hired").count() > 0
    assert Application.objects.filter(fair__isnull=False).count() >= made.hires
    assert JobFair.objects.filter(format="live", status="held").get().viewers > 0
    figures = fair_statistics(
        region=region("620100"), start=now.date() - dt.timedelta(days=30), end=now.date()
    )
    assert figures.total.fairs == 2
