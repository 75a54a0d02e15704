"""The admin's reporting dashboard: the staff member's region, its figures, charts and
warnings with their drill-through links; another region is not found."""

from __future__ import annotations

import pytest
from django.test import Client

from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign
from tests.factories import UserFactory
from tests.reporting.test_bulletin import sanmenxia  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

URL = "/en/admin/reporting/dashboard/"


@pytest.fixture
def analyst(sanmenxia) -> Client:  # noqa: F811
    user = UserFactory(username="analyst")
    staff_assign(user=user, role=StaffRole.BUREAU_ANALYST, region=sanmenxia)
    client = Client()
    client.force_login(user)
    return client


def test_the_dashboard_shows_the_figures_charts_and_warnings(analyst, settings):
    settings.REPORTING_COMPLETION_MAX = 20
    response = analyst.get(URL, {"month": "2025-03"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "new urban jobs" in page
    assert "11,641" in page
    assert "33.26%" in page  # of the annual target
    assert "16.41%" in page  # year on year
    assert page.count('<figure class="chart"><svg') == 3
    assert "/admin/reporting/outcome/?month__gte=2025-01-01" in page
    assert "/api/v1/reports/records?indicator=new_urban_jobs&amp;region=411200" in page
    assert 'value="2025-03"' in page


def test_the_dashboard_starts_at_the_top_of_the_scope(analyst):
    response = analyst.get(URL, {"month": "2025-03"})
    assert response.context["region"].code == "411200"
    county = analyst.get(URL, {"region": "411202", "month": "2025-03"})
    assert county.status_code == 200
    assert county.context["region"].code == "411202"


def test_another_region_is_not_found(analyst):
    assert analyst.get(URL, {"region": "620100", "month": "2025-03"}).status_code == 404
    assert analyst.get(URL, {"month": "2025-3x"}).status_code == 404


def test_the_dashboard_needs_an_admin_login(seeded):
    response = Client().get(URL)
    assert response.status_code == 302
    assert "/admin/login/" in response["Location"]


def test_chinese_dashboard_writes_chinese_numbers(analyst):
    page = analyst.get("/admin/reporting/dashboard/", {"month": "2025-03"}).content.decode()
    assert "城镇新增就业" in page
    assert "1.16万人" in page


def test_the_admin_index_links_to_the_dashboard(analyst):
    page = analyst.get("/en/admin/").content.decode()
    assert 'href="/en/admin/reporting/dashboard/"' in page
    assert "Station work" in page  # the index itself, around the link
