"""A counter clerk's morning in a real browser: register a seeker, open a post, record the
hire, and never see the station next door's people."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.utils import timezone

from seeds.loader import load_seeds
from stations.models import Application, JobPost, JobSeeker, Placement
from stations.models.organisation import StaffRole
from stations.services.seekers import seeker_register
from stations.services.staff import staff_assign
from tests import factories

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "counter-clerk-pass-42"


@pytest.fixture
def morning() -> dict[str, Any]:
    load_seeds()
    station_a = factories.StationFactory(code="chengguan-1", name="城关零工驿站")
    station_b = factories.StationFactory(
        code="qilihe-1", name="七里河零工驿站", region=factories.region("620103")
    )
    clerk = factories.UserFactory(username="clerk", password=PASSWORD)
    staff_assign(user=clerk, role=StaffRole.STATION_STAFF, stations=[station_a])
    start = timezone.localdate() + dt.timedelta(days=1)
    post = factories.PostFactory(
        title="钢筋工（城关工地）",
        station=station_a,
        status=JobPost.Status.DRAFT,
        openings=1,
        starts_on=start,
        ends_on=start + dt.timedelta(days=10),
    )
    neighbour = seeker_register(
        full_name="李秀英",
        residence_region=factories.region("620103"),
        household="urban",
        phone="13900139002",
        registering_station=station_b,
        by=None,
        now=timezone.now(),
    )
    return {"station": station_a, "post": post, "neighbour": neighbour}


def choose_in_autocomplete(page: Any, field: str, search: str, option: str) -> None:
    """Pick ``option`` in the admin's select2 autocomplete widget of ``field``."""
    page.locator(f"#id_{field} + .select2 .select2-selection").click()
    page.locator(".select2-container--open .select2-search__field").fill(search)
    page.locator(".select2-results__option", has_text=option).first.click()


def test_a_clerk_registers_a_seeker_opens_a_post_and_records_the_hire(
    live_server: Any, page: Any, morning: dict[str, Any]
) -> None:
    base = f"{live_server.url}/en/admin"
    page.goto(f"{base}/login/")
    page.fill("#id_username", "clerk")
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")

    # Register a seeker by real name.
    id_number = factories.national_id(born=dt.date(1988, 8, 8))
    page.goto(f"{base}/stations/jobseeker/add/")
    page.fill("#id_full_name", "马福林")
    page.fill("#id_id_number", id_number)
    page.fill("#id_new_phone", "+86 135-0013-5000")
    page.select_option("#id_household", "rural")
    choose_in_autocomplete(page, "residence_region", "620102", "Chengguan")
    page.select_option("#id_registering_station", label="城关零工驿站")
    with page.expect_navigation():
        page.click("input[name=_save]")
    assert "was added successfully" in page.locator(".messagelist").inner_text()
    seeker = JobSeeker.objects.get(full_name="马福林")
    assert seeker.phone == "13500135000"
    assert seeker.birth_date == dt.date(1988, 8, 8)
    listing = page.locator("#result_list").inner_text()
    assert "马福林" in listing
    assert "135****5000" in listing
    assert "13500135000" not in page.content()
    assert id_number not in page.content()

    # Open the post.
    post = morning["post"]
    page.goto(f"{base}/stations/jobpost/")
    page.locator(f"input[name=_selected_action][value='{post.pk}']").check()
    page.select_option("select[name=action]", "open_posts")
    with page.expect_navigation():
        page.click("button[name=index]")
    assert "1 posts opened." in page.locator(".messagelist").inner_text()
    post.refresh_from_db()
    assert post.status == JobPost.Status.OPEN

    # The seeker applies at the counter, and the clerk records the hire.
    page.goto(f"{base}/stations/application/add/")
    choose_in_autocomplete(page, "post", "钢筋工", "钢筋工")
    choose_in_autocomplete(page, "seeker", "马福林", "马福林")
    page.select_option("#id_source", "counter")
    with page.expect_navigation():
        page.click("input[name=_save]")
    application = Application.objects.get(seeker=seeker, post=post)
    page.goto(f"{base}/stations/application/")
    with page.expect_navigation():
        page.locator("a", has_text="Record hire").first.click()
    page.fill("#id_agreed_wage_amount", "260")
    page.select_option("#id_outcome", "transfer_within")
    with page.expect_navigation():
        page.click("#hire-form input[type=submit]")
    assert re.search(r"马福林 is hired for 钢筋工", page.locator(".messagelist").inner_text())
    placement = Placement.objects.get(application=application)
    assert placement.agreed_wage_amount == 260
    post.refresh_from_db()
    assert post.status == JobPost.Status.FILLED

    # The station next door's seeker is nowhere to be seen.
    page.goto(f"{base}/stations/jobseeker/")
    assert "李秀英" not in page.locator("#content").inner_text()
    page.goto(f"{base}/stations/jobseeker/?q=13900139002")
    assert "0 job seekers" in page.locator("#changelist").inner_text()
    page.goto(f"{base}/stations/jobseeker/{morning['neighbour'].pk}/change/")
    assert "李秀英" not in page.locator("#content").inner_text()
    assert "doesn’t exist" in page.locator(".messagelist").inner_text()
