"""The admin through a real browser: login form, search box, language and paginator.

Headless Chromium (Debian's, by its path) is driven by Playwright against pytest-django's
live server. Rows are written before the browser starts; Playwright's sync API runs an event
loop in this thread, so the ORM is told that synchronous calls are fine here.
"""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser

from seeds.loader import load_seeds
from stations.demo import demo_city_generate
from stations.models import JobSeeker
from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign
from tests import factories

if TYPE_CHECKING:
    # Only for annotations: the conftest skips these tests when playwright is missing.
    from playwright.sync_api import Page
    from pytest_django.live_server_helper import LiveServer

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True),
]

PASSWORD = "counter-clerk-pass-42"


@pytest.fixture
def seeds() -> None:
    load_seeds()


@pytest.fixture
def station_staff(seeds: None) -> AbstractUser:
    user = get_user_model().objects.create_user(
        username="clerk", password=PASSWORD, is_staff=True, is_superuser=False
    )
    staff_assign(user=user, role=StaffRole.STATION_STAFF, stations=[factories.StationFactory()])
    return user


@pytest.fixture
def superuser(seeds: None) -> AbstractUser:
    return get_user_model().objects.create_superuser(
        username="chief", password=PASSWORD, email="chief@example.com"
    )


def log_in(page: Page, base_url: str, login_path: str, username: str) -> None:
    page.goto(f"{base_url}{login_path}")
    page.fill("#id_username", username)
    page.fill("#id_password", PASSWORD)
    with page.expect_navigation():
        page.click("input[type=submit]")


def test_station_staff_logs_in_finds_chengguan_by_search_and_cannot_add_regions(
    live_server: LiveServer, page: Page, station_staff: AbstractUser, tmp_path: Path
) -> None:
    log_in(page, live_server.url, "/en/admin/login/", station_staff.username)

    assert page.url == f"{live_server.url}/en/admin/"
    app = page.locator("#content-main .app-stations")
    # The caption is upper-cased by CSS; its text is the app's verbose name.
    assert (app.locator("caption").text_content() or "").strip() == "Stations"
    assert app.get_by_role("link", name="Regions", exact=True).is_visible()
    assert app.get_by_role("link", name="Job seekers", exact=True).is_visible()

    app.get_by_role("link", name="Regions", exact=True).click()
    page.wait_for_url(f"{live_server.url}/en/admin/stations/region/")
    page.fill("#searchbar", "Chengguan")
    with page.expect_navigation():
        page.press("#searchbar", "Enter")

    assert "q=Chengguan" in page.url
    rows = page.locator("#result_list tbody tr")
    assert rows.count() >= 1
    codes = [text.strip() for text in rows.locator("th, td.field-code").all_inner_texts()]
    assert "620102" in codes
    assert "Chengguan District" in page.locator("#result_list").inner_text()
    # Reference data is read-only: no add link, whatever its wording. (The navigation
    # sidebar does show add links, for job seekers, employers and posts.)
    assert page.locator("#content .object-tools a.addlink").count() == 0
    assert page.get_by_role("link", name=re.compile(r"^Add region", re.IGNORECASE)).count() == 0
    assert page.locator("a[href$='/stations/region/add/']").count() == 0
    assert page.locator("#nav-sidebar a.addlink[href$='/stations/jobseeker/add/']").count() == 1

    screenshot = tmp_path / "regions-changelist.png"
    page.screenshot(path=str(screenshot), full_page=True)
    assert screenshot.stat().st_size > 0


def test_wrong_password_shows_the_error_and_stays_on_the_login_page(
    live_server: LiveServer, page: Page, station_staff: AbstractUser
) -> None:
    login_url = f"{live_server.url}/en/admin/login/"
    page.goto(login_url)
    page.fill("#id_username", station_staff.username)
    page.fill("#id_password", "not-the-password")
    with page.expect_navigation():
        page.click("input[type=submit]")

    assert page.url.startswith(login_url)
    error = page.locator(".errornote")
    assert error.is_visible()
    assert "Please enter the correct username and password for a staff account" in (
        error.inner_text()
    )
    assert page.locator("#id_password").is_visible()
    assert not [cookie for cookie in page.context.cookies() if cookie["name"] == "sessionid"]
    page.goto(f"{live_server.url}/en/admin/")
    assert page.url.startswith(login_url)


def test_admin_speaks_simplified_chinese_by_default_and_english_under_en(
    live_server: LiveServer, page: Page, station_staff: AbstractUser
) -> None:
    log_in(page, live_server.url, "/admin/login/", station_staff.username)
    assert page.url == f"{live_server.url}/admin/"
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    assert "驿站业务" in page.locator("#content").inner_text()
    assert page.locator("#site-name").inner_text().strip() == "零工驿站"

    page.goto(f"{live_server.url}/admin/stations/region/?q=620102")
    assert page.locator("html").get_attribute("lang") == "zh-hans"
    results = page.locator("#result_list").inner_text()
    assert "城关区" in results
    search_button = page.locator("#changelist-search input[type=submit]")
    assert search_button.get_attribute("value") == "搜索"

    page.goto(f"{live_server.url}/en/admin/")
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Station work" in page.locator("#content").inner_text()
    assert page.locator("#site-name").inner_text().strip() == "Odd-job stations"


def test_superuser_sees_the_database_count_of_job_seekers_on_the_changelist(
    live_server: LiveServer, page: Page, superuser: AbstractUser
) -> None:
    result = demo_city_generate(
        city_code="620100",
        seekers=30,
        employers=5,
        posts=10,
        seed=1,
        today=date(2025, 6, 2),
        stream=io.StringIO(),
    )
    assert result.seekers_created == 30
    count = JobSeeker.objects.count()
    assert count == 30

    log_in(page, live_server.url, "/en/admin/login/", superuser.username)
    page.goto(f"{live_server.url}/en/admin/stations/jobseeker/")

    paginator = page.locator(".paginator").inner_text()
    assert re.search(rf"\b{count} job seekers\b", paginator), paginator
    assert page.locator("#result_list tbody tr").count() == count
