"""A live broadcast's applications in a real browser: from the fair's page the clerk records
an application for a viewer who called in, and sees it listed there with the fair's counts;
another station's clerk cannot reach the form."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from seeds.loader import load_seeds
from stations.models import Application, FairRegistration, JobFair
from stations.models.fairs import RegistrationSource
from stations.models.organisation import StaffRole
from stations.services.fairs import booth_set, fair_open, fair_viewers_record
from stations.services.staff import staff_assign
from tests import factories
from tests.browser.test_admin import PASSWORD, log_in
from tests.browser.test_station_work import choose_in_autocomplete

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def broadcast() -> dict[str, Any]:
    load_seeds()
    station = factories.StationFactory(code="chengguan-1", name="城关零工驿站")
    neighbour = factories.StationFactory(code="qilihe-1", name="七里河零工驿站")
    for username, at in (("clerk", station), ("neighbour", neighbour)):
        user = factories.UserFactory(username=username, password=PASSWORD)
        staff_assign(user=user, role=StaffRole.STATION_STAFF, stations=[at])
    now = timezone.now()
    fair = factories.FairFactory(
        station=station,
        name="春风行动直播带岗",
        format=JobFair.Format.LIVE,
        venue="",
        stream_url="https://live.example.cn/spring",
        starts_at=now - dt.timedelta(hours=1),
        ends_at=now + dt.timedelta(hours=3),
    )
    fair = fair_open(fair=fair, by=None, now=now)
    fair = fair_viewers_record(fair=fair, viewers=1280, by=None)
    post = factories.PostFactory(station=station, title="电焊工（七里河工地）", openings=4)
    booth_set(fair=fair, employer=post.employer, label="A01", posts=[post], by=None)
    caller = factories.SeekerFactory(full_name="马福林", registering_station=station)
    return {"fair": fair, "post": post, "caller": caller}


def test_a_clerk_records_a_callers_application_from_the_fairs_page(
    live_server: Any, page: Any, broadcast: dict[str, Any]
) -> None:
    fair, post, caller = broadcast["fair"], broadcast["post"], broadcast["caller"]
    base = f"{live_server.url}/en/admin"
    log_in(page, live_server.url, "/en/admin/login/", "clerk")

    page.goto(f"{base}/stations/jobfair/{fair.pk}/change/")
    assert page.input_value("#id_viewers") == "1280"
    assert page.locator(".field-applications .readonly").inner_text() == "0"
    with page.expect_navigation():
        page.click("a.button:has-text('Record an application from the stream')")
    assert "Viewers: 1280" in page.locator("#fair-counts").inner_text()
    choose_in_autocomplete(page, "seeker", "马福林", "马福林")
    page.select_option("#id_post", label=f"{post.employer.name} · 电焊工（七里河工地）")
    with page.expect_navigation():
        page.click("input[name=_save]")

    assert page.url.endswith(f"/stations/jobfair/{fair.pk}/change/")
    assert "马福林 applied for 电焊工（七里河工地） at 春风行动直播带岗." in (
        page.locator(".messagelist").inner_text()
    )
    row = page.locator("#applications-group tbody tr.has_original").first
    assert row.locator("td.field-seeker_name").inner_text() == "马福林"
    assert row.locator("td.field-status").inner_text() == "applied"
    assert page.locator(".field-applications .readonly").inner_text() == "1"
    application = Application.objects.get(seeker=caller)
    assert (application.fair_id, application.source) == (fair.pk, Application.Source.FAIR)
    registration = FairRegistration.objects.get(fair=fair, seeker=caller)
    assert registration.source == RegistrationSource.STREAM

    page.goto(f"{base}/stations/jobfair/")
    listed = page.locator("#result_list tbody tr").first
    assert listed.locator("td.field-viewers").inner_text() == "1280"
    assert listed.locator("td.field-applications").inner_text() == "1"


def test_another_stations_clerk_cannot_reach_the_fairs_form(
    live_server: Any, page: Any, broadcast: dict[str, Any]
) -> None:
    fair = broadcast["fair"]
    base = f"{live_server.url}/en/admin"
    log_in(page, live_server.url, "/en/admin/login/", "neighbour")

    answer = page.goto(f"{base}/stations/jobfair/{fair.pk}/applications/add/")

    assert answer is not None
    assert answer.status == 404
    page.goto(f"{base}/stations/jobfair/")
    assert "春风行动直播带岗" not in page.locator("#content").inner_text()
    assert not Application.objects.exists()
