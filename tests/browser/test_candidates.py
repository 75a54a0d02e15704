"""The "Find candidates" page in a real browser: from the post to its ranked seekers with
their reasons, and a push to the ones the clerk ticks."""

from __future__ import annotations

from typing import Any

import pytest

from matching.models import Notification
from seeds.loader import load_seeds
from stations.models import Occupation, SeekerSkill
from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "counter-clerk-pass-42"


@pytest.fixture
def post_with_candidates(settings) -> dict[str, Any]:
    settings.MATCHING_PUSH_TOP = 0
    load_seeds()
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    station = factories.StationFactory(code="chengguan-1", name="城关零工驿站")
    clerk = factories.UserFactory(username="clerk", password=PASSWORD)
    staff_assign(user=clerk, role=StaffRole.STATION_STAFF, stations=[station])
    seekers = []
    for n, name in enumerate(["王建国", "马福林", "李秀英"]):
        seeker = factories.SeekerFactory(
            full_name=name, registering_station=station, latitude=36.06 + 0.01 * n, longitude=103.84
        )
        SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=9 - n)
        seekers.append(seeker)
    post = factories.PostFactory(occupation=trade, station=station, title="钢筋工（城关工地）")
    return {"post": post, "seekers": seekers}


def test_a_clerk_finds_candidates_and_pushes_the_post_to_two(
    live_server: Any, page: Any, post_with_candidates: dict[str, Any]
) -> None:
    post, seekers = post_with_candidates["post"], post_with_candidates["seekers"]
    base = f"{live_server.url}/en/admin"
    page.goto(f"{base}/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    page.click("input[type=submit]")

    page.goto(f"{base}/stations/jobpost/{post.pk}/change/")
    page.click("a.candidates-link")

    rows = page.locator("#candidates tr.candidate")
    assert rows.count() == 3
    assert rows.nth(0).locator("td").nth(2).inner_text() == "王建国"
    assert "9 years" in rows.nth(0).locator("td.reasons").inner_text()
    page.check(f"input[name=seekers][value='{seekers[0].pk}']")
    page.check(f"input[name=seekers][value='{seekers[2].pk}']")
    page.click("#push")

    assert "pushed to 2 job seekers" in page.locator("ul.messagelist").inner_text()
    pushed = page.locator("#candidates tr.candidate td.pushed")
    assert pushed.nth(1).inner_text() == "-"
    assert pushed.nth(0).inner_text() != "-"
    assert set(
        Notification.objects.filter(post=post, channel="in_app").values_list("seeker_id", flat=True)
    ) == {seekers[0].pk, seekers[2].pk}
