"""The bureaus' reports API: report keys and staff scoped to a region subtree, the
catalogue, monthly rollups and period figures as JSON, CSV and XLSX, parameters refused
with field errors, and the records behind a figure for staff who may see them."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal

import pytest
from django.utils import timezone, translation
from openpyxl import load_workbook
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from reporting.models import AnnualTarget, Indicator, IndicatorVersion, ProgrammeLedger
from reporting.renderers import XLSX_MEDIA_TYPE
from reporting.services.tokens import report_token_issue, report_token_revoke
from stations.models import Region
from stations.models.organisation import StaffRole
from stations.models.placements import EmploymentOutcome
from stations.services.staff import staff_assign
from tests.api.test_staff_api import PASSWORD, staff_login
from tests.factories import StationFactory, UserFactory
from tests.reporting.test_selectors import hire

pytestmark = pytest.mark.django_db

SUBSIDIES = "employment_subsidies"


def ledger(code: str, region: str, month: dt.date, value: str) -> ProgrammeLedger:
    return ProgrammeLedger.objects.create(
        indicator=Indicator.objects.get(code=code),
        region=Region.objects.get(code=region),
        month=month,
        value=Decimal(value),
    )


def key_client(region: str = "620100", **kwargs) -> APIClient:
    _token, key = report_token_issue(
        name="bureau",
        region=Region.objects.get(code=region),
        by=UserFactory(username="maker"),
        lifetime=kwargs.pop("lifetime", dt.timedelta(days=30)),
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Report {key}")
    return api


def staff_client(role: StaffRole, region: str | None = "620100", username: str = "officer"):
    user = UserFactory(username=username)
    if region is None:
        staff_assign(user=user, role=role, stations=[StationFactory()])
    else:
        staff_assign(user=user, role=role, region=Region.objects.get(code=region))
    api = APIClient()
    api.force_authenticate(user)
    return api


def rollups(api: APIClient, **params):
    query = {"region": "620100", "from": "2025-01", "to": "2025-03", "indicator": SUBSIDIES}
    headers = {k: params.pop(k) for k in list(params) if k.startswith("HTTP_")}
    query.update(params)
    query = {k: v for k, v in query.items() if v is not None}
    return api.get("/api/v1/reports/rollups", query, **headers)


@pytest.fixture
def subsidies(seeded_for_module):
    ledger(SUBSIDIES, "620102", dt.date(2025, 1, 1), "1000")
    ledger(SUBSIDIES, "620103", dt.date(2025, 1, 1), "500")
    ledger(SUBSIDIES, "620102", dt.date(2025, 3, 1), "250")


# --- Keys ---------------------------------------------------------------------------------


def test_a_key_is_stored_only_as_its_digest_and_shown_once(seeded_for_module):
    token, key = report_token_issue(
        name="Lanzhou bureau",
        region=Region.objects.get(code="620100"),
        by=UserFactory(),
        lifetime=dt.timedelta(days=10),
    )
    token.refresh_from_db()
    assert len(key) >= 40
    assert key not in (token.digest, token.prefix, token.name)
    assert key.startswith(token.prefix)
    assert token.digest != key
    assert len(token.digest) == 64


def test_a_key_reads_its_region_and_records_its_use(subsidies):
    api = key_client()
    response = rollups(api)
    assert response.status_code == 200, response.json()
    assert [row["value"] for row in response.json()] == [1500, 0, 250]
    from reporting.models import ReportToken

    assert ReportToken.objects.get().last_used_at is not None


def test_expired_revoked_and_wrong_keys_are_refused(subsidies):
    expired = key_client(lifetime=dt.timedelta(seconds=1))
    from reporting.models import ReportToken

    ReportToken.objects.update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    assert rollups(expired).status_code == 401

    live = key_client()
    assert rollups(live).status_code == 200
    report_token_revoke(token=ReportToken.objects.filter(expires_at__gt=timezone.now()).get())
    response = rollups(live)
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"

    wrong = APIClient()
    wrong.credentials(HTTP_AUTHORIZATION="Report not-a-key")
    assert rollups(wrong).status_code == 401
    assert rollups(APIClient()).status_code == 401


def test_a_region_outside_the_subtree_answers_404_and_an_unknown_one_400(subsidies):
    api = key_client("620102")
    assert rollups(api, region="620102").status_code == 200
    outside = rollups(api, region="620100")
    assert outside.status_code == 404
    assert outside.json()["code"] == "not_found"
    unknown = rollups(api, region="999999")
    assert unknown.status_code == 400
    assert list(unknown.json()["errors"]) == ["region"]


# --- Staff ------------------------------------------------------------------------------------


def test_staff_read_their_region_subtree_and_superusers_everything(subsidies):
    analyst = staff_client(StaffRole.BUREAU_ANALYST, region="620102")
    assert rollups(analyst, region="620102").status_code == 200
    assert rollups(analyst, region="620100").status_code == 404

    root = UserFactory(username="root", is_superuser=True)
    api = APIClient()
    api.force_authenticate(root)
    assert rollups(api, region="411200").status_code == 200


def test_staff_read_reports_with_their_tablet_token(subsidies):
    staff_assign(
        user=UserFactory(username="admin1"),
        role=StaffRole.BUREAU_ADMIN,
        region=Region.objects.get(code="620100"),
    )
    api = APIClient()
    token = staff_login(api, "admin1", PASSWORD).json()["token"]
    api.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert rollups(api).status_code == 200


def test_staff_without_a_region_and_seekers_read_no_reports(subsidies):
    clerk = staff_client(StaffRole.STATION_STAFF, region=None)
    assert rollups(clerk).status_code == 403
    seeker_user = UserFactory(username="someone", is_staff=False)
    api = APIClient()
    api.force_authenticate(seeker_user)
    assert rollups(api).status_code == 403


# --- Catalogue ----------------------------------------------------------------------------


def test_the_catalogue_lists_every_indicator_in_the_request_language(seeded_for_module):
    api = key_client()
    english = api.get("/api/v1/reports/indicators", HTTP_ACCEPT_LANGUAGE="en").json()
    chinese = api.get("/api/v1/reports/indicators", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert len(english) == Indicator.objects.count()
    jobs = next(row for row in english if row["code"] == "new_urban_jobs")
    assert jobs["name_zh_hans"] == "城镇新增就业"
    assert jobs["unit"] == "persons"
    assert jobs["measure"] == "distinct"
    assert jobs["version"] == 1
    assert jobs["definition"]["kinds"] == ["hire"]
    assert jobs["description"].startswith("People hired")
    share = next(row for row in chinese if row["code"] == "duty_met_share")
    assert share["at_most_100"] is True
    assert share["description"].startswith("同期")


# --- Rollups ----------------------------------------------------------------------------------


def test_rollups_give_the_region_and_its_children_month_by_month(subsidies):
    response = rollups(key_client(), children="true", HTTP_ACCEPT_LANGUAGE="en")
    rows = response.json()
    by_region = {}
    for row in rows:
        by_region.setdefault(row["region"], []).append(row)
    assert by_region["620100"][0] == {
        "region": "620100",
        "region_name": "Lanzhou",
        "indicator": SUBSIDIES,
        "version": 1,
        "month": "2025-01",
        "value": 1500,
        "suppressed": False,
    }
    assert [r["value"] for r in by_region["620102"]] == [1000, 0, 250]
    assert [r["value"] for r in by_region["620103"]] == [500, 0, 0]
    children = Region.objects.filter(parent__code="620100").count()
    assert len(by_region) == 1 + children
    assert len(rows) == 3 * (1 + children)


def test_rollups_in_chinese(subsidies):
    rows = rollups(key_client(), HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert rows[0]["region_name"] == "兰州市"


def test_rollups_of_a_superseded_version_read_that_version(subsidies):
    version = IndicatorVersion.objects.get(indicator__code=SUBSIDIES)
    rows = rollups(key_client(), version="1").json()
    assert {row["version"] for row in rows} == {version.number}
    response = rollups(key_client(), version="2")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["version"]


def test_small_person_counts_are_suppressed(seeded_for_module, settings):
    settings.REPORTING_SUPPRESS_BELOW = 5
    hire(Region.objects.get(code="620102"), dt.date(2025, 2, 3), EmploymentOutcome.NEW_URBAN_JOB)
    rows = rollups(key_client(), indicator="new_urban_jobs").json()
    february = next(row for row in rows if row["month"] == "2025-02")
    assert february["value"] is None
    assert february["suppressed"] is True
    assert rows[0]["value"] == 0
    assert rows[0]["suppressed"] is False


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"from": "2025-13"}, "from"),
        ({"from": "25-01"}, "from"),
        ({"to": "2025-1"}, "to"),
        ({"from": "2025-04", "to": "2025-03"}, "to"),
        ({"from": "2020-01", "to": "2025-01"}, "to"),
        ({"indicator": "no_such_indicator"}, "indicator"),
        ({"indicator": "new_urban_jobs,,=x"}, "indicator"),
        ({"region": None}, "region"),
        ({"version": "1", "indicator": "new_urban_jobs,reemployed"}, "version"),
        ({"children": "perhaps"}, "children"),
    ],
)
def test_bad_parameters_answer_400_with_field_errors(subsidies, params, field):
    response = rollups(key_client(), **params, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert field in body["errors"]


def test_sixty_months_are_allowed(subsidies):
    assert rollups(key_client(), **{"from": "2021-01", "to": "2025-12"}).status_code == 200


def test_errors_are_translated(subsidies):
    response = rollups(key_client(), HTTP_ACCEPT_LANGUAGE="zh-hans", **{"from": "2025-13"})
    assert response.json()["errors"]["from"] == ["请按 YYYY-MM 格式填写月份。"]


# --- Formats ----------------------------------------------------------------------------------


def _csv_rows(response) -> list[list[str]]:
    text = response.content.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_rollups_as_csv_by_accept_header_and_by_format(subsidies):
    by_accept = rollups(key_client(), HTTP_ACCEPT="text/csv", HTTP_ACCEPT_LANGUAGE="en")
    assert by_accept["Content-Type"].startswith("text/csv")
    assert "rollups.csv" in by_accept["Content-Disposition"]
    rows = _csv_rows(by_accept)
    assert rows[0] == [
        "region",
        "region_name",
        "indicator",
        "version",
        "month",
        "value",
        "suppressed",
    ]
    assert rows[1] == ["620100", "Lanzhou", SUBSIDIES, "1", "2025-01", "1500.00", "false"]
    by_format = rollups(key_client(), format="csv", HTTP_ACCEPT_LANGUAGE="en")
    assert _csv_rows(by_format) == rows


def test_rollups_as_xlsx(subsidies):
    response = rollups(key_client(), HTTP_ACCEPT=XLSX_MEDIA_TYPE, HTTP_ACCEPT_LANGUAGE="en")
    assert response["Content-Type"] == XLSX_MEDIA_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    values = list(sheet.iter_rows(values_only=True))
    assert values[0][:3] == ("region", "region_name", "indicator")
    assert values[1][4:6] == ("2025-01", 1500)
    assert len(values) == 4


def test_spreadsheet_formulas_in_text_cells_are_neutralised(subsidies):
    chengguan = Region.objects.get(code="620102")
    Region.objects.create(
        code="620102099",
        parent=chengguan,
        path=f"{chengguan.path}620102099/",
        level=Region.Level.TOWNSHIP,
        name_zh_hans="=HYPERLINK(1)",
        name_en="@SUM(A1)",
    )
    api = key_client()
    rows = _csv_rows(
        rollups(api, region="620102", children="true", format="csv", HTTP_ACCEPT_LANGUAGE="en")
    )
    names = {row[1] for row in rows[1:]}
    assert "'@SUM(A1)" in names
    assert "@SUM(A1)" not in names
    response = rollups(api, region="620102", children="true", format="xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    cells = {row[1] for row in sheet.iter_rows(min_row=2, values_only=True)}
    assert "'=HYPERLINK(1)" in cells


def test_errors_stay_json_when_csv_was_asked_for(subsidies):
    response = rollups(key_client(), format="csv", **{"from": "bad"})
    assert response.status_code == 400
    assert response["Content-Type"].startswith("application/json")
    assert "from" in response.json()["errors"]


def test_an_empty_export_still_has_its_header(seeded_for_module):
    rows = _csv_rows(rollups(key_client(), indicator="ui_units_reduced", format="csv"))
    assert rows[0][0] == "region"
    assert [row[5] for row in rows[1:]] == ["0.00", "0.00", "0.00"]


# --- Figures ----------------------------------------------------------------------------------


def test_figures_give_total_year_on_year_target_completion_and_time_progress(subsidies):
    ledger(SUBSIDIES, "620102", dt.date(2024, 2, 1), "1000")
    AnnualTarget.objects.create(
        region=Region.objects.get(code="620100"),
        indicator=Indicator.objects.get(code=SUBSIDIES),
        year=2025,
        value=Decimal("7000"),
    )
    api = key_client()
    response = api.get(
        "/api/v1/reports/figures",
        {"region": "620100", "from": "2025-01", "to": "2025-03", "indicator": SUBSIDIES},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert response.status_code == 200
    (row,) = response.json()
    assert row["value"] == 1750
    assert row["year_earlier"] == 1000
    assert row["year_on_year"] == 75
    assert row["target"] == 7000
    assert row["completion"] == 25
    assert row["time_progress"] == 25
    assert row["period_from"] == "2025-01"
    assert row["period_to"] == "2025-03"
    assert row["indicator_name"] == "employment subsidies spent"


def test_figures_of_every_indicator_for_children_as_csv(subsidies):
    response = key_client().get(
        "/api/v1/reports/figures",
        {"region": "620100", "from": "2025-01", "to": "2025-12", "children": "true"},
        HTTP_ACCEPT="text/csv",
    )
    rows = _csv_rows(response)
    children = Region.objects.filter(parent__code="620100").count()
    assert len(rows) - 1 == Indicator.objects.count() * (1 + children)
    assert "year_on_year" in rows[0]
    assert "completion" in rows[0]


def test_figures_refuse_bad_parameters(subsidies):
    response = key_client().get(
        "/api/v1/reports/figures", {"region": "620100", "from": "2025-03", "to": "2025-01"}
    )
    assert response.status_code == 400
    assert "to" in response.json()["errors"]


# --- Records ----------------------------------------------------------------------------------


def records(api: APIClient, **params):
    query = {"region": "620100", "from": "2025-01", "to": "2025-03", "indicator": SUBSIDIES}
    query.update(params)
    return api.get("/api/v1/reports/records", query)


def test_records_behind_a_figure_for_staff_who_see_records(seeded_for_module):
    chengguan = Region.objects.get(code="620102")
    placement = hire(chengguan, dt.date(2025, 2, 3), EmploymentOutcome.REEMPLOYMENT)
    hire(Region.objects.get(code="411202"), dt.date(2025, 2, 3))  # elsewhere
    api = staff_client(StaffRole.BUREAU_ADMIN)
    response = records(api, indicator="new_urban_jobs")
    assert response.status_code == 200, response.json()
    body = response.json()
    assert body["count"] == 1
    (row,) = body["results"]
    assert row["source"] == "application"
    assert row["source_id"] == placement.application_id
    assert row["kind"] == "hire"
    assert row["month"] == "2025-02"
    assert row["region"] == "620102"
    assert row["category"] == "reemployment"
    assert row["admin_url"].endswith(f"/stations/application/{placement.application_id}/change/")
    seeker = placement.application.seeker
    assert seeker.full_name not in str(body)
    assert set(row) == {
        "id",
        "source",
        "source_id",
        "kind",
        "month",
        "region",
        "category",
        "tags",
        "amount",
        "admin_url",
    }


def test_records_are_not_for_keys_nor_analysts_nor_outside_the_scope(subsidies):
    assert records(key_client()).status_code == 403
    assert records(staff_client(StaffRole.BUREAU_ANALYST, username="analyst")).status_code == 403
    county_admin = staff_client(StaffRole.BUREAU_ADMIN, region="620102", username="county")
    assert records(county_admin, region="620102").status_code == 200
    assert records(county_admin).status_code == 404


def test_records_link_ledger_entries_and_refuse_ratios(subsidies):
    api = staff_client(StaffRole.BUREAU_ADMIN)
    body = records(api).json()
    assert body["count"] == 3
    assert all("/reporting/programmeledger/" in row["admin_url"] for row in body["results"])
    ratio = records(api, indicator="duty_met_share")
    assert ratio.status_code == 400
    assert "indicator" in ratio.json()["errors"]


# --- Query budgets --------------------------------------------------------------------------


def test_rollups_for_a_city_and_its_children_in_a_few_queries(
    subsidies, django_assert_max_num_queries
):
    api = key_client()
    rollups(api)  # the key's first use is written once
    for month in (4, 5, 6):
        ledger(SUBSIDIES, "620104", dt.date(2025, month, 1), "10")
    rollups(api, indicator=None)  # pending changes applied
    with django_assert_max_num_queries(8):
        response = rollups(api, children="true", indicator=None, **{"to": "2025-12"})
    assert response.status_code == 200


def test_figures_in_a_few_queries(subsidies, django_assert_max_num_queries):
    api = staff_client(StaffRole.BUREAU_ANALYST)
    rollups(api)
    with django_assert_max_num_queries(12):
        response = api.get(
            "/api/v1/reports/figures",
            {"region": "620100", "from": "2025-01", "to": "2025-12", "children": "true"},
        )
    assert response.status_code == 200
    assert len(response.json()) > 3 * Indicator.objects.count()


def test_records_in_a_few_queries(subsidies, django_assert_max_num_queries):
    api = staff_client(StaffRole.BUREAU_ADMIN)
    records(api)
    with django_assert_max_num_queries(10):
        response = records(api)
    assert response.json()["count"] == 3


def test_the_catalogue_in_a_few_queries(seeded_for_module, django_assert_max_num_queries):
    api = key_client()
    api.get("/api/v1/reports/indicators")
    with django_assert_max_num_queries(3):
        assert api.get("/api/v1/reports/indicators").status_code == 200


def test_rollup_rows_are_what_the_schema_serializer_gives(seeded_for_module, settings):
    from reporting.api import RollupRowSerializer, rollup_rows
    from reporting.selectors import Period, monthly_series, region_with_children

    settings.REPORTING_SUPPRESS_BELOW = 5
    county = Region.objects.get(code="620102")
    hire(county, dt.date(2025, 2, 3), EmploymentOutcome.NEW_URBAN_JOB)
    ledger(SUBSIDIES, "620102", dt.date(2025, 1, 1), "1000.5")
    ledger(SUBSIDIES, "620103", dt.date(2025, 3, 1), "0.25")
    city = Region.objects.get(code="620100")
    rows = monthly_series(
        region_with_children(city, children=True),
        Period(dt.date(2025, 1, 1), dt.date(2025, 3, 1)),
        codes=[SUBSIDIES, "new_urban_jobs"],
    )
    assert any(row.suppressed for row in rows)
    assert any(row.value and row.value % 1 for row in rows)
    for language in ("en", "zh-hans"):
        with translation.override(language):
            rendered = JSONRenderer().render(rollup_rows(rows))
            assert rendered == JSONRenderer().render(RollupRowSerializer(rows, many=True).data)
            assert rendered.count(b'"region"') == len(rows)


def test_rollups_and_figures_render_the_json_drf_would(subsidies):
    from core.renderers import FastJSONRenderer

    ledger(SUBSIDIES, "620103", dt.date(2025, 2, 1), "0.1")
    api = key_client()
    for path in ("/api/v1/reports/rollups", "/api/v1/reports/figures"):
        response = api.get(
            path, {"region": "620100", "from": "2025-01", "to": "2025-03", "children": "true"}
        )
        assert response.status_code == 200
        assert isinstance(response.accepted_renderer, FastJSONRenderer)
        assert response.content == JSONRenderer().render(response.data)
        assert "兰州" in response.content.decode()
