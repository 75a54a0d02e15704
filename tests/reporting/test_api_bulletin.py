"""GET /api/v1/reports/bulletin: Markdown or HTML by parameter or Accept header, scoped to
the staff member's region, bad parameters as 400 in the API's error shape."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from stations.models import Region
from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign
from tests.factories import UserFactory
from tests.reporting.test_bulletin import sanmenxia  # noqa: F401  (a fixture)

pytestmark = pytest.mark.django_db

URL = "/api/v1/reports/bulletin"


@pytest.fixture
def analyst(sanmenxia):  # noqa: F811
    user = UserFactory(username="analyst")
    staff_assign(user=user, role=StaffRole.BUREAU_ANALYST, region=sanmenxia)
    api = APIClient()
    api.force_authenticate(user)
    return api


def test_markdown_by_default(analyst):
    response = analyst.get(URL, {"region": "411200", "as_of": "2025-03"})
    assert response.status_code == 200
    assert response["Content-Type"] == "text/markdown; charset=utf-8"
    text = response.content.decode()
    assert text.startswith("# 三门峡市2025年1—3月就业工作主要指标")
    assert "完成年度目标任务的33.26%" in text


def test_html_and_english_by_parameter(analyst):
    response = analyst.get(
        URL, {"region": "411200", "as_of": "2025-03", "lang": "en", "format": "html"}
    )
    assert response.status_code == 200
    assert response["Content-Type"] == "text/html; charset=utf-8"
    page = response.content.decode()
    assert "completing 33.26% of the annual target" in page
    assert "<svg" in page


def test_html_by_accept_header(analyst):
    response = analyst.get(URL, {"region": "411200", "as_of": "2025-03"}, HTTP_ACCEPT="text/html")
    assert response["Content-Type"] == "text/html; charset=utf-8"


def test_a_county_inside_the_scope_is_served(analyst):
    assert analyst.get(URL, {"region": "411202", "as_of": "2025-03"}).status_code == 200


def test_a_region_outside_the_scope_is_not_found(analyst):
    response = analyst.get(URL, {"region": "620100", "as_of": "2025-03"})
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"
    assert analyst.get(URL, {"region": "999999", "as_of": "2025-03"}).status_code == 404


def test_bad_parameters_are_field_errors(analyst):
    response = analyst.get(
        URL, {"region": "411200", "as_of": "2025-13", "lang": "fr", "format": "pdf"}
    )
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "invalid"
    assert set(body["errors"]) == {"as_of", "lang", "format"}
    missing = analyst.get(URL, HTTP_ACCEPT="text/markdown").json()
    assert set(missing["errors"]) == {"region", "as_of"}


def test_logged_out_is_refused(seeded):
    response = APIClient().get(URL, {"region": "411200", "as_of": "2025-03"})
    assert response.status_code in (401, 403)
    assert response["Content-Type"] == "application/json"


def test_staff_without_a_region_see_no_bulletin(seeded):
    from tests.factories import StationFactory

    user = UserFactory(username="clerk")
    staff_assign(user=user, role=StaffRole.STATION_STAFF, stations=[StationFactory()])
    api = APIClient()
    api.force_authenticate(user)
    region = Region.objects.get(code="411200")
    # Like every reports endpoint: somebody who reads no reports at all is refused (403);
    # a region outside a reader's scope is what answers 404.
    response = api.get(URL, {"region": region.code, "as_of": "2025-03"})
    assert response.status_code == 403
    assert response["Content-Type"] == "application/json"
    assert "bulletin" not in response.content.decode().lower()
