"""The station day: sign-in and the queue, dispatch through the engine's batch allocation,
the daily sheet, and closing the day."""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import DomainError
from matching.models import MatchingPolicy, Notification
from matching.services.dispatch import DispatchRow, dispatch_confirm, dispatch_propose
from stations.dispatch_tasks import station_days_close_task
from stations.models import Application, KeyGroup, Occupation, Placement, SeekerSkill, SignIn
from stations.models.dispatch import NotDispatchedReason
from stations.selectors.dispatch import daily_sheet, posts_to_fill, queue_waiting
from stations.services.applications import PlacementTerms, application_create, application_hire
from stations.services.dispatch import (
    check_in_code,
    queue_move,
    seeker_from_check_in_code,
    sign_in,
    sign_in_not_dispatched,
    station_day_close,
)
from tests.factories import PostFactory, SeekerFactory, StationFactory, UserFactory, region

pytestmark = pytest.mark.django_db

# A morning at the station. The clock stands still there: a test that reads "today" twice
# (a post for today, then the proposal for today) cannot straddle midnight in Asia/Shanghai.
NOW = dt.datetime(2026, 11, 20, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def station(seeded):
    return StationFactory(region=region("620102"), latitude=36.06, longitude=103.84)


@pytest.fixture
def now():
    return timezone.now()


def a_trade(index: int = 0) -> Occupation:
    return Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code")[index]


def worker(trade: Occupation | None = None, **fields):
    fields.setdefault("latitude", 36.061)
    fields.setdefault("longitude", 103.841)
    seeker = SeekerFactory(**fields)
    SeekerSkill.objects.create(seeker=seeker, occupation=trade or a_trade(), years=5)
    return seeker


def todays_post(station, now, **fields):
    today = timezone.localdate(now)
    fields.setdefault("occupation", a_trade())
    return PostFactory(station=station, starts_on=today, ends_on=today, **fields)


# Sign-in and the queue


def test_sign_ins_queue_first_come_and_a_second_sign_in_changes_nothing(station, now):
    first, second = SeekerFactory(), SeekerFactory()

    a = sign_in(station=station, seeker=first, method="id_card", now=now)
    b = sign_in(station=station, seeker=second, method="qr", now=now + dt.timedelta(minutes=1))
    again = sign_in(station=station, seeker=first, method="qr", now=now + dt.timedelta(minutes=2))

    assert (a.position, b.position) == (1, 2)
    assert again.pk == a.pk
    assert SignIn.objects.count() == 2


def test_the_check_in_code_names_the_seeker_for_that_day_only(station, now):
    seeker = SeekerFactory()
    today = timezone.localdate(now)
    code = check_in_code(seeker=seeker, day=today)

    assert seeker_from_check_in_code(code, today=today) == seeker
    with pytest.raises(DomainError):
        seeker_from_check_in_code(code, today=today + dt.timedelta(days=1))
    with pytest.raises(DomainError):
        seeker_from_check_in_code(code[:-2] + "xx", today=today)
    assert str(seeker.phone) not in code


def test_staff_move_someone_with_a_reason_and_the_others_close_up(station, now):
    clerk = UserFactory()
    rows = [
        sign_in(station=station, seeker=SeekerFactory(), method="qr", now=now) for _ in range(4)
    ]

    queue_move(sign_in=rows[3], to_position=1, reason="年长，腿脚不便", by=clerk, now=now)

    order = list(queue_waiting(station, timezone.localdate(now)).values_list("pk", flat=True))
    assert order == [rows[3].pk, rows[0].pk, rows[1].pk, rows[2].pk]
    assert sorted(SignIn.objects.values_list("position", flat=True)) == [1, 2, 3, 4]
    move = rows[3].moves.get()
    assert (move.from_position, move.to_position, move.by) == (4, 1, clerk)
    with pytest.raises(DomainError):
        queue_move(sign_in=rows[0], to_position=2, reason="  ", by=clerk, now=now)
    with pytest.raises(DomainError):
        queue_move(sign_in=rows[0], to_position=9, reason="x", by=clerk, now=now)


@pytest.mark.django_db(transaction=True)
@pytest.mark.services("postgres")
def test_concurrent_sign_ins_get_distinct_places(seeded):
    station = StationFactory()
    seekers = [SeekerFactory() for _ in range(8)]
    now = timezone.now()
    errors: list[BaseException] = []

    def arrive(seeker):
        try:
            sign_in(station=station, seeker=seeker, method="qr", now=now)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=arrive, args=(seeker,)) for seeker in seekers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert sorted(SignIn.objects.values_list("position", flat=True)) == list(range(1, 9))


# Dispatch


def test_dispatch_fills_each_post_up_to_its_openings_from_the_skilled(station, now):
    trade = a_trade()
    post = todays_post(station, now, openings=2)
    skilled = [worker(trade) for _ in range(3)]
    unskilled = SeekerFactory(latitude=36.061, longitude=103.841)
    for seeker in [*skilled, unskilled]:
        sign_in(station=station, seeker=seeker, method="qr", now=now)

    proposals = dispatch_propose(station=station, day=timezone.localdate(now), now=now)

    assert len(proposals) == 2
    assert {p.post.pk for p in proposals} == {post.pk}
    assert unskilled.pk not in {p.sign_in.seeker_id for p in proposals}
    assert all(p.reasons and "zh-hans" in p.reasons[0] for p in proposals)


def test_with_equal_fit_the_queue_decides(station, now):
    trade = a_trade()
    todays_post(station, now, openings=1)
    late, early = worker(trade), worker(trade)
    sign_in(station=station, seeker=early, method="qr", now=now)
    sign_in(station=station, seeker=late, method="qr", now=now + dt.timedelta(minutes=5))

    (proposal,) = dispatch_propose(station=station, day=timezone.localdate(now), now=now)

    assert proposal.sign_in.seeker_id == early.pk


def test_the_queue_counts_as_much_as_the_policy_says(station, now):
    """Near but late against far but early: with the queue ignored the nearer worker goes;
    with the queue weighing fully the earlier one does."""
    trade = a_trade()
    todays_post(station, now, openings=1, latitude=36.06, longitude=103.84)
    near = worker(trade, latitude=36.0601, longitude=103.8401)
    far = worker(trade, latitude=36.10, longitude=103.88)
    sign_in(station=station, seeker=far, method="qr", now=now)
    sign_in(station=station, seeker=near, method="qr", now=now + dt.timedelta(minutes=5))
    day = timezone.localdate(now)

    MatchingPolicy.objects.create(region=station.region, queue_weight=0)
    (ignoring_queue,) = dispatch_propose(station=station, day=day, now=now)
    MatchingPolicy.objects.filter(region=station.region).update(queue_weight=1)
    (queue_first,) = dispatch_propose(station=station, day=day, now=now)

    assert ignoring_queue.sign_in.seeker_id == near.pk
    assert queue_first.sign_in.seeker_id == far.pk


def test_key_group_priority_counts_in_dispatch(station, now):
    trade = a_trade()
    todays_post(station, now, openings=1)
    plain, priority = worker(trade), worker(trade)
    priority.key_group_spans.create(
        key_group=KeyGroup.objects.get(code="employment_difficulty"), started_on=dt.date(2026, 1, 1)
    )
    sign_in(station=station, seeker=plain, method="qr", now=now)
    sign_in(station=station, seeker=priority, method="qr", now=now + dt.timedelta(minutes=1))
    MatchingPolicy.objects.create(region=station.region, queue_weight=0)

    (proposal,) = dispatch_propose(station=station, day=timezone.localdate(now), now=now)

    assert proposal.sign_in.seeker_id == priority.pk


def test_confirmed_rows_become_placements_and_messages(station, now):
    trade = a_trade()
    post = todays_post(station, now, openings=1)
    first, second = worker(trade), worker(trade)
    rows = [sign_in(station=station, seeker=s, method="qr", now=now) for s in (first, second)]
    clerk = UserFactory()

    results = dispatch_confirm(rows=[(rows[0], post), (rows[1], post)], by=clerk, now=now)

    assert results[0].placement is not None
    assert results[1].placement is None
    assert results[1].error  # the only opening is taken
    placement = Placement.objects.get()
    assert placement.application.source == Application.Source.DISPATCH
    assert placement.starts_on == placement.ends_on == timezone.localdate(now)
    assert placement.agreed_wage_amount == post.wage_amount
    rows[0].refresh_from_db()
    assert rows[0].application == placement.application
    assert Notification.objects.filter(seeker=first, template="application_hired").exists()
    assert not Notification.objects.filter(seeker=second).exists()
    post.refresh_from_db()
    assert post.status == "filled"
    again = dispatch_confirm(rows=[(rows[0], post)], by=clerk, now=now)
    assert again[0].error
    assert Placement.objects.count() == 1


def test_nobody_already_dispatched_is_proposed_again(station, now):
    trade = a_trade()
    post = todays_post(station, now, openings=3)
    seekers = [worker(trade) for _ in range(2)]
    rows = [sign_in(station=station, seeker=s, method="qr", now=now) for s in seekers]
    dispatch_confirm(rows=[(rows[0], post)], by=None, now=now)

    proposals = dispatch_propose(station=station, day=timezone.localdate(now), now=now)

    assert [p.sign_in.pk for p in proposals] == [rows[1].pk]


# The daily sheet


def test_the_daily_sheet_counts_who_came_went_to_work_and_why_not(station, now):
    trade = a_trade()
    post = todays_post(station, now, openings=1)
    dispatched, declined, waiting = worker(trade), worker(trade), worker(trade)
    rows = [
        sign_in(station=station, seeker=s, method="qr", now=now)
        for s in (dispatched, declined, waiting)
    ]
    dispatch_confirm(rows=[(rows[0], post)], by=None, now=now)
    sign_in_not_dispatched(sign_in=rows[1], reason="declined", note="嫌远")

    sheet = daily_sheet(station, timezone.localdate(now))

    assert (sheet.signed_in, sheet.dispatched, sheet.waiting) == (3, 1, 1)
    assert sheet.not_dispatched == {"declined": 1}
    assert sheet.wages_agreed == {post.wage_unit: post.wage_amount}
    with pytest.raises(DomainError):
        sign_in_not_dispatched(sign_in=rows[0], reason="declined")


def test_openings_held_by_other_applications_reduce_the_proposal(station, now):
    """Three openings, two already held by people hired through the counter: of three skilled
    workers waiting, one is proposed."""
    trade = a_trade()
    post = todays_post(station, now, openings=3)
    for _ in range(2):
        application = application_create(
            post=post, seeker=worker(trade), source=Application.Source.COUNTER, by=None, now=now
        )
        application_hire(
            application=application,
            terms=PlacementTerms(
                agreed_wage_amount=post.wage_amount,
                agreed_wage_unit=post.wage_unit,
                starts_on=post.starts_on,
                ends_on=post.ends_on,
                outcome=Placement.Outcome.FLEXIBLE,
            ),
            by=None,
            now=now,
        )
    for _ in range(3):
        sign_in(station=station, seeker=worker(trade), method="qr", now=now)
    day = timezone.localdate(now)

    (listed,) = posts_to_fill(station, day)
    proposals = dispatch_propose(station=station, day=day, now=now)

    assert (listed.openings, listed.held) == (3, 2)
    assert len(proposals) == 1
    assert proposals[0].post.pk == post.pk


def test_staff_agree_another_wage_for_a_row_and_a_wage_of_nothing_refuses_that_row(station, now):
    trade = a_trade()
    post = todays_post(station, now, openings=3, wage_amount=Decimal("200.00"))
    rows = [sign_in(station=station, seeker=worker(trade), method="qr", now=now) for _ in range(3)]

    results = dispatch_confirm(
        rows=[
            DispatchRow(rows[0], post, Decimal("260.00")),
            DispatchRow(rows[1], post, Decimal("0")),
            (rows[2], post),
        ],
        by=None,
        now=now,
    )

    assert [result.placement is not None for result in results] == [True, False, True]
    assert results[1].error
    assert results[0].placement.agreed_wage_amount == Decimal("260.00")
    assert results[2].placement.agreed_wage_amount == Decimal("200.00")
    assert results[0].placement.agreed_wage_unit == post.wage_unit
    sheet = daily_sheet(station, timezone.localdate(now))
    assert sheet.wages_agreed == {post.wage_unit: Decimal("460.00")}
    assert (sheet.dispatched, sheet.waiting) == (2, 1)


# Closing the day


def test_closing_the_day_marks_everyone_still_waiting_once(station, now):
    trade = a_trade()
    post = todays_post(station, now, openings=1)
    rows = [sign_in(station=station, seeker=worker(trade), method="qr", now=now) for _ in range(4)]
    dispatch_confirm(rows=[(rows[0], post)], by=None, now=now)
    sign_in_not_dispatched(sign_in=rows[1], reason="declined")
    elsewhere = sign_in(station=StationFactory(), seeker=worker(trade), method="qr", now=now)
    today = timezone.localdate(now)

    closed = station_day_close(station=station, day=today, now=now)
    again = station_day_close(station=station, day=today, now=now + dt.timedelta(hours=1))

    assert (closed, again) == (2, 0)
    reasons = dict(SignIn.objects.values_list("pk", "not_dispatched_reason"))
    assert [reasons[row.pk] for row in rows] == ["", "declined", "day_closed", "day_closed"]
    assert reasons[elsewhere.pk] == ""
    sheet = daily_sheet(station, today)
    assert sheet.waiting == 0
    assert sheet.not_dispatched == {"declined": 1, NotDispatchedReason.DAY_CLOSED: 2}
    with pytest.raises(DomainError):
        station_day_close(station=station, day=today + dt.timedelta(days=1), now=now)


def test_someone_closed_out_can_still_be_dispatched_and_loses_the_reason(station, now):
    post = todays_post(station, now, openings=1)
    row = sign_in(station=station, seeker=worker(), method="qr", now=now)
    station_day_close(station=station, day=timezone.localdate(now), now=now)

    (result,) = dispatch_confirm(rows=[(row, post)], by=None, now=now)

    row.refresh_from_db()
    assert result.placement is not None
    assert (row.application_id, row.not_dispatched_reason) == (result.placement.application_id, "")


def test_the_nightly_close_takes_every_stations_day_and_a_missed_one_and_is_harmless_twice(
    station, now, time_machine
):
    other = StationFactory()
    yesterday = now - dt.timedelta(days=1)
    missed = sign_in(station=station, seeker=SeekerFactory(), method="qr", now=yesterday)
    today_here = sign_in(station=station, seeker=SeekerFactory(), method="qr", now=now)
    today_there = sign_in(station=other, seeker=SeekerFactory(), method="id_card", now=now)
    time_machine.move_to(NOW.replace(hour=23), tick=False)

    assert station_days_close_task.delay().get() == 3
    assert station_days_close_task.delay().get() == 0

    for row in (missed, today_here, today_there):
        row.refresh_from_db()
        assert row.not_dispatched_reason == NotDispatchedReason.DAY_CLOSED
