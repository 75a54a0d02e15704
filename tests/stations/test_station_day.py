"""The station day: sign-in and the queue, dispatch through the engine's batch allocation,
and the daily sheet."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connection
from django.utils import timezone

from core.errors import DomainError
from matching.models import MatchingPolicy, Notification
from matching.services.dispatch import dispatch_confirm, dispatch_propose
from stations.models import Application, KeyGroup, Occupation, Placement, SeekerSkill, SignIn
from stations.selectors.dispatch import daily_sheet, queue_waiting
from stations.services.dispatch import (
    check_in_code,
    queue_move,
    seeker_from_check_in_code,
    sign_in,
    sign_in_not_dispatched,
)
from tests.factories import PostFactory, SeekerFactory, StationFactory, UserFactory, region

pytestmark = pytest.mark.django_db


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
