from __future__ import annotations

import io
from datetime import date

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from seeds.loader import load_seeds
from stations.demo import demo_city_generate

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin_client_with_city(admin_client):
    load_seeds()
    return admin_client


def _changelist_queries(client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


@pytest.mark.parametrize(
    "url",
    [
        "/en/admin/stations/jobseeker/",
        "/en/admin/stations/jobpost/",
        "/en/admin/stations/employer/",
    ],
)
def test_changelists_cost_the_same_queries_for_3_and_30_rows(admin_client_with_city, url):
    generate = {"city_code": "620100", "seed": 3, "today": date(2026, 11, 20)}
    demo_city_generate(seekers=3, employers=3, posts=3, stream=io.StringIO(), **generate)
    few = _changelist_queries(admin_client_with_city, url)
    demo_city_generate(seekers=30, employers=30, posts=30, stream=io.StringIO(), **generate)
    many = _changelist_queries(admin_client_with_city, url)
    assert many == few
