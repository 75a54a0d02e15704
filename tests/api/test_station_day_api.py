"""The station day on the tablet: sign-ins three ways, the queue, dispatch (at the wage
agreed), the sheet and closing the day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from stations.models import Occupation, Placement, SeekerSkill, SignIn
from stations.services.dispatch import check_in_code, sign_in
from stations.services.seekers import seeker_register
from tests.api.test_staff_api import clerk_at
from tests.factories import PostFactory, SeekerFactory, StationFactory, national_id, region

pytestmark = pytest.mark.django_db

# The clock stands still at a morning: a test that reads "today" twice (a post for today,
# then the dispatch of today) cannot straddle midnight in Asia/Shanghai.
NOW = dt.datetime(2026, 11, 20, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def station(seeded):
    return StationFactory(region=region("620102"))


@pytest.fixture
def api(station):
    return clerk_at(station)


def queue_url(station) -> str:
    return f"/api/v1/staff/stations/{station.pk}/queue"


def skilled(**fields):
    seeker = SeekerFactory(latitude=36.061, longitude=103.841, **fields)
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=4)
    return seeker


def test_people_sign_in_by_app_code_by_id_card_or_looked_up(api, station):
    by_code = SeekerFactory()
    number = national_id()
    by_card = seeker_register(
        full_name="刘五",
        residence_region=region("620102"),
        household="rural",
        id_number=number,
        by=None,
        now=timezone.now(),
    )
    looked_up = SeekerFactory(registering_station=station)
    code = check_in_code(seeker=by_code, day=timezone.localdate())

    answers = [
        api.post(queue_url(station), body, format="json")
        for body in ({"code": code}, {"id_number": number.lower()}, {"seeker": looked_up.pk})
    ]

    assert [a.status_code for a in answers] == [201, 201, 201], [a.json() for a in answers]
    assert [(a.json()["method"], a.json()["position"]) for a in answers] == [
        ("qr", 1),
        ("id_card", 2),
        ("counter", 3),
    ]
    assert [a.json()["seeker"]["id"] for a in answers] == [by_code.pk, by_card.pk, looked_up.pk]
    listed = api.get(queue_url(station)).json()["results"]
    assert [row["state"] for row in listed] == ["waiting"] * 3


@pytest.mark.parametrize(
    "body",
    [{}, {"code": "x", "seeker": 1}, {"id_number": "123"}, {"code": "forged"}],
)
def test_a_bad_sign_in_is_refused_and_nobody_queued(api, station, body):
    response = api.post(queue_url(station), body, format="json")

    assert response.status_code == 400
    assert response.json()["errors"]
    assert not SignIn.objects.exists()


def test_an_unknown_card_or_someone_out_of_scope_is_not_found(api, station):
    stranger = SeekerFactory(registering_station=StationFactory())

    card = api.post(queue_url(station), {"id_number": national_id()}, format="json")
    other = api.post(queue_url(station), {"seeker": stranger.pk}, format="json")

    assert (card.status_code, other.status_code) == (404, 404)
    assert not SignIn.objects.exists()


def test_staff_move_someone_and_say_why_not_dispatched(api, station):
    now = timezone.now()
    rows = [
        sign_in(station=station, seeker=SeekerFactory(), method="qr", now=now) for _ in range(3)
    ]

    moved = api.post(
        f"/api/v1/staff/sign-ins/{rows[2].pk}/move",
        {"to_position": 1, "reason": "残疾人优先"},
        format="json",
    )
    sent_home = api.post(
        f"/api/v1/staff/sign-ins/{rows[0].pk}/not-dispatched",
        {"reason": "no_suitable_post"},
        format="json",
    )

    assert moved.json()["position"] == 1
    assert sent_home.json()["state"] == "not_dispatched"
    order = [row["id"] for row in api.get(queue_url(station)).json()["results"]]
    assert order == [rows[2].pk, rows[0].pk, rows[1].pk]


def test_dispatch_proposes_then_sends_the_confirmed_rows_to_work(api, station):
    today = timezone.localdate()
    post = PostFactory(station=station, starts_on=today, ends_on=today, openings=1)
    now = timezone.now()
    first, second = skilled(), skilled()
    rows = [sign_in(station=station, seeker=s, method="qr", now=now) for s in (first, second)]

    proposal = api.get(
        f"/api/v1/staff/stations/{station.pk}/dispatch", HTTP_ACCEPT_LANGUAGE="en"
    ).json()
    assert [(p["sign_in"], p["post"]["id"]) for p in proposal] == [(rows[0].pk, post.pk)]
    assert proposal[0]["reasons"]
    assert all(reason.isascii() for reason in proposal[0]["reasons"])

    # Staff edit it: the second person goes instead.
    confirmed = api.post(
        f"/api/v1/staff/stations/{station.pk}/dispatch",
        {"rows": [{"sign_in": rows[1].pk, "post": post.pk}]},
        format="json",
    )

    assert confirmed.status_code == 200, confirmed.json()
    placement = Placement.objects.get(pk=confirmed.json()[0]["placement"])
    assert placement.application.seeker == second
    sheet = api.get(f"/api/v1/staff/stations/{station.pk}/daily-sheet").json()
    assert (sheet["signed_in"], sheet["dispatched"], sheet["waiting"]) == (2, 1, 1)
    assert [row["state"] for row in sheet["rows"]] == ["waiting", "dispatched"]


def test_a_confirmation_naming_someone_not_waiting_changes_nothing(api, station):
    today = timezone.localdate()
    post = PostFactory(station=station, starts_on=today, ends_on=today, openings=3)
    waiting = sign_in(station=station, seeker=skilled(), method="qr", now=timezone.now())
    elsewhere = sign_in(station=StationFactory(), seeker=skilled(), method="qr", now=timezone.now())

    response = api.post(
        f"/api/v1/staff/stations/{station.pk}/dispatch",
        {
            "rows": [
                {"sign_in": waiting.pk, "post": post.pk},
                {"sign_in": elsewhere.pk, "post": post.pk},
            ]
        },
        format="json",
    )

    assert response.status_code == 400
    assert "rows.1.sign_in" in response.json()["errors"]
    assert not Placement.objects.exists()


def test_the_queue_costs_the_same_queries_whatever_its_length(
    api, station, django_assert_max_num_queries
):
    now = timezone.now()
    for _ in range(6):
        sign_in(station=station, seeker=SeekerFactory(), method="qr", now=now)
    api.get(queue_url(station))
    with django_assert_max_num_queries(10):
        response = api.get(queue_url(station), {"page_size": 100})
    assert response.json()["count"] == 6


def test_dispatch_takes_the_wage_agreed_per_row(api, station):
    today = timezone.localdate()
    post = PostFactory(
        station=station, starts_on=today, ends_on=today, openings=2, wage_amount=Decimal(200)
    )
    now = timezone.now()
    rows = [sign_in(station=station, seeker=skilled(), method="qr", now=now) for _ in range(2)]
    url = f"/api/v1/staff/stations/{station.pk}/dispatch"

    refused = api.post(
        url,
        {"rows": [{"sign_in": rows[0].pk, "post": post.pk, "agreed_wage_amount": "0"}]},
        format="json",
    )
    sent = api.post(
        url,
        {
            "rows": [
                {"sign_in": rows[0].pk, "post": post.pk, "agreed_wage_amount": "245.50"},
                {"sign_in": rows[1].pk, "post": post.pk},
            ]
        },
        format="json",
    )

    assert refused.status_code == 400
    assert list(refused.json()["errors"]) == ["rows.0.agreed_wage_amount"]
    assert sent.status_code == 200, sent.json()
    wages = {
        placement.application.seeker_id: placement.agreed_wage_amount
        for placement in Placement.objects.select_related("application")
    }
    assert wages == {rows[0].seeker_id: Decimal("245.50"), rows[1].seeker_id: Decimal(200)}
    sheet = api.get(f"/api/v1/staff/stations/{station.pk}/daily-sheet").json()
    assert sheet["wages_agreed"] == {post.wage_unit: "445.50"}


def test_staff_close_the_day_and_closing_again_changes_nothing(api, station):
    now = timezone.now()
    rows = [
        sign_in(station=station, seeker=SeekerFactory(), method="qr", now=now) for _ in range(3)
    ]
    api.post(
        f"/api/v1/staff/sign-ins/{rows[0].pk}/not-dispatched",
        {"reason": "left"},
        format="json",
    )
    url = f"/api/v1/staff/stations/{station.pk}/close-day"

    closed = api.post(url, {}, format="json")
    again = api.post(url, {"day": timezone.localdate().isoformat()}, format="json")
    tomorrow = api.post(
        url, {"day": (timezone.localdate() + dt.timedelta(days=1)).isoformat()}, format="json"
    )

    assert closed.status_code == 200, closed.json()
    assert closed.json()["waiting"] == 0
    assert closed.json()["not_dispatched"] == {"left": 1, "day_closed": 2}
    assert again.json() == closed.json()
    assert tomorrow.status_code == 400
    assert "day" in tomorrow.json()["errors"]
    queue = api.get(queue_url(station)).json()["results"]
    assert [row["not_dispatched_reason"] for row in queue] == ["left", "day_closed", "day_closed"]
