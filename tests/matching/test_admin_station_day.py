"""The station day in the admin: signing in, the queue, the dispatch page (with the wage
agreed per row), the daily sheet and closing the day, within the staff member's stations."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from stations.models import Occupation, Placement, SeekerSkill, SignIn
from stations.services.dispatch import check_in_code, sign_in
from stations.services.seekers import seeker_register
from tests import factories
from tests.matching.test_admin import login

pytestmark = pytest.mark.django_db

# The clock stands still at a morning: the day the post is made for is the day dispatched.
NOW = dt.datetime(2026, 11, 20, 8, 30, tzinfo=ZoneInfo("Asia/Shanghai"))


@pytest.fixture(autouse=True)
def _clock(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def day(seeded):
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    station = factories.StationFactory(code="chengguan-1", region=factories.region("620102"))
    other = factories.StationFactory(code="qilihe-1", region=factories.region("620103"))
    today = timezone.localdate()
    post = factories.PostFactory(
        station=station, occupation=trade, starts_on=today, ends_on=today, openings=1
    )
    workers = []
    for name in ("王建国", "李秀英"):
        seeker = factories.SeekerFactory(full_name=name, latitude=36.061, longitude=103.841)
        SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=5)
        workers.append(seeker)
    return {"station": station, "other": other, "post": post, "workers": workers}


def test_staff_sign_people_in_by_app_code_or_id_number(client, day):
    login(client, stations=[day["station"]])
    number = factories.national_id()
    by_card = seeker_register(
        full_name="刘五",
        residence_region=factories.region("620102"),
        household="rural",
        id_number=number,
        by=None,
        now=timezone.now(),
    )
    url = reverse("admin:stations_signin_sign_in")
    code = check_in_code(seeker=day["workers"][0], day=timezone.localdate())

    client.post(url, {"station": day["station"].pk, "code": code})
    client.post(url, {"station": day["station"].pk, "code": number})
    refused = client.post(url, {"station": day["station"].pk, "code": "not-a-code"})
    foreign = client.post(url, {"station": day["other"].pk, "code": code})

    queue = list(SignIn.objects.order_by("position").values_list("seeker_id", "method"))
    assert queue == [(day["workers"][0].pk, "qr"), (by_card.pk, "id_card")]
    assert refused.status_code == 200
    assert "errorlist" in refused.content.decode()
    assert "errorlist" in foreign.content.decode()  # not one of the clerk's stations


def test_the_queue_list_shows_the_clerks_station_only_and_moves_record_a_reason(client, day):
    clerk = login(client, stations=[day["station"]])
    now = timezone.now()
    first = sign_in(station=day["station"], seeker=day["workers"][0], method="qr", now=now)
    second = sign_in(station=day["station"], seeker=day["workers"][1], method="qr", now=now)
    sign_in(
        station=day["other"], seeker=factories.SeekerFactory(full_name="外站"), method="qr", now=now
    )

    listing = client.get(reverse("admin:stations_signin_changelist")).content.decode()
    moved = client.post(
        reverse("admin:stations_signin_move", args=[second.pk]),
        {"to_position": 1, "reason": "孕妇优先"},
    )

    assert "王建国" in listing
    assert "外站" not in listing
    assert moved.status_code == 302
    second.refresh_from_db()
    first.refresh_from_db()
    assert (second.position, first.position) == (1, 2)
    assert second.moves.get().by == clerk


def test_the_dispatch_page_proposes_and_sends_the_confirmed_rows(client, day):
    login(client, stations=[day["station"]])
    now = timezone.now()
    rows = [
        sign_in(station=day["station"], seeker=seeker, method="qr", now=now)
        for seeker in day["workers"]
    ]
    url = reverse("admin:stations_signin_dispatch", args=[day["station"].pk])

    page = client.get(url).content.decode()
    # The first in the queue is proposed for the one opening.
    assert f'name="row_{rows[0].pk}"' in page
    assert f'<option value="{day["post"].pk}" selected' in page
    sent = client.post(url, {f"row_{rows[1].pk}": day["post"].pk, f"row_{rows[0].pk}": ""})

    assert sent.status_code == 302
    placement = Placement.objects.get()
    assert placement.application.seeker == day["workers"][1]
    assert (
        client.get(reverse("admin:stations_signin_dispatch", args=[day["other"].pk])).status_code
        == 404
    )


def test_the_daily_sheet_shows_the_days_figures(client, day):
    login(client, stations=[day["station"]])
    now = timezone.now()
    for seeker in day["workers"]:
        sign_in(station=day["station"], seeker=seeker, method="qr", now=now)
    rows = list(SignIn.objects.order_by("position"))
    client.post(
        reverse("admin:stations_signin_changelist"),
        {"action": "declined", "_selected_action": [rows[1].pk]},
    )

    sheet = client.get(
        reverse("admin:stations_signin_sheet"),
        {"station": day["station"].pk, "day": timezone.localdate().isoformat()},
    )

    page = sheet.content.decode()
    assert sheet.status_code == 200
    assert 'id="sheet-totals"' in page
    rows[1].refresh_from_db()
    assert rows[1].not_dispatched_reason == "declined"
    assert "李秀英" in page


def test_the_dispatch_page_sends_at_the_wage_staff_typed(client, day):
    login(client, stations=[day["station"]])
    now = timezone.now()
    rows = [
        sign_in(station=day["station"], seeker=seeker, method="qr", now=now)
        for seeker in day["workers"]
    ]
    url = reverse("admin:stations_signin_dispatch", args=[day["station"].pk])

    page = client.get(url).content.decode()
    refused = client.post(url, {f"row_{rows[0].pk}": day["post"].pk, f"wage_{rows[0].pk}": "0"})
    sent = client.post(url, {f"row_{rows[0].pk}": day["post"].pk, f"wage_{rows[0].pk}": "238.00"})

    assert f'name="wage_{rows[0].pk}"' in page
    assert refused.status_code == 200  # the form shows the error; nobody is sent
    assert sent.status_code == 302
    placement = Placement.objects.get()
    assert placement.application.seeker == day["workers"][0]
    assert placement.agreed_wage_amount == Decimal("238.00")


def test_the_close_day_action_marks_whoever_is_still_waiting(client, day):
    login(client, stations=[day["station"]])
    now = timezone.now()
    rows = [
        sign_in(station=day["station"], seeker=seeker, method="qr", now=now)
        for seeker in day["workers"]
    ]
    theirs = sign_in(station=day["other"], seeker=factories.SeekerFactory(), method="qr", now=now)

    client.post(
        reverse("admin:stations_signin_changelist"),
        {"action": "close_day", "_selected_action": [rows[0].pk, theirs.pk]},
    )

    reasons = dict(SignIn.objects.values_list("pk", "not_dispatched_reason"))
    assert [reasons[row.pk] for row in rows] == ["day_closed", "day_closed"]
    assert reasons[theirs.pk] == ""  # another station's row is not the clerk's to close
