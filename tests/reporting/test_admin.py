"""The reporting admin: a read-only catalogue, ledgers and targets entered by the bureau
within its region, report keys shown once and revoked, read-only month closes, and the
outcome records behind the figures with links to their station records."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.messages import get_messages
from rest_framework.test import APIClient

from reporting.models import Indicator, MonthClose, Outcome, ProgrammeLedger, ReportToken
from reporting.selectors import figure_records
from stations.models import Region
from stations.models.organisation import StaffRole
from stations.models.placements import EmploymentOutcome
from stations.services.staff import staff_assign
from tests.factories import UserFactory
from tests.reporting.test_selectors import hire

pytestmark = pytest.mark.django_db


def bureau(client, role=StaffRole.BUREAU_ADMIN, region="620100", name="bureau"):
    user = UserFactory(username=name)
    staff_assign(user=user, role=role, region=Region.objects.get(code=region))
    client.force_login(user)
    return user


def entry(code: str, region: str, month: dt.date, value: str = "10") -> ProgrammeLedger:
    return ProgrammeLedger.objects.create(
        indicator=Indicator.objects.get(code=code),
        region=Region.objects.get(code=region),
        month=month,
        value=Decimal(value),
    )


def test_the_catalogue_is_read_only_with_its_versions(client, seeded_for_module):
    bureau(client)
    indicator = Indicator.objects.get(code="new_urban_jobs")
    page = client.get(f"/admin/reporting/indicator/{indicator.pk}/change/")
    assert page.status_code == 200
    assert "&quot;kinds&quot;: [&quot;hire&quot;]" in page.content.decode() or "hire" in (
        page.content.decode()
    )
    assert client.get("/admin/reporting/indicator/add/").status_code == 403
    post = client.post(f"/admin/reporting/indicator/{indicator.pk}/change/", {"code": "x"})
    assert post.status_code == 403


def test_a_ledger_entry_offers_only_ledger_indicators_and_regions_in_scope(
    client, seeded_for_module
):
    user = bureau(client, region="620102")
    form = client.get("/admin/reporting/programmeledger/add/").context["adminform"].form
    codes = set(form.fields["indicator"].queryset.values_list("code", flat=True))
    assert "employment_subsidies" in codes
    assert "new_urban_jobs" not in codes
    assert all(r.path.startswith("620000/620100/620102/") for r in form.fields["region"].queryset)

    subsidies = Indicator.objects.get(code="employment_subsidies")
    response = client.post(
        "/admin/reporting/programmeledger/add/",
        {
            "indicator": subsidies.pk,
            "region": Region.objects.get(code="620102").pk,
            "month": "2025-03-01",
            "value": "1200.50",
            "note": "monthly return",
        },
    )
    assert response.status_code == 302
    saved = ProgrammeLedger.objects.get()
    assert saved.value == Decimal("1200.50")
    assert saved.entered_by == user

    outside = client.post(
        "/admin/reporting/programmeledger/add/",
        {
            "indicator": subsidies.pk,
            "region": Region.objects.get(code="620103").pk,
            "month": "2025-03-01",
            "value": "1",
        },
    )
    assert outside.status_code == 200  # the form again, with the error
    assert ProgrammeLedger.objects.count() == 1


def test_the_ledger_list_is_scoped_and_filtered_by_month(client, seeded_for_module):
    bureau(client, region="620102")
    mine = entry("employment_subsidies", "620102", dt.date(2025, 1, 1))
    entry("employment_subsidies", "620102", dt.date(2025, 2, 1))
    entry("employment_subsidies", "620103", dt.date(2025, 1, 1))
    listed = client.get("/admin/reporting/programmeledger/")
    assert listed.context["cl"].result_count == 2
    january = client.get("/admin/reporting/programmeledger/", {"month": "2025-01"})
    assert list(january.context["cl"].result_list) == [mine]
    by_indicator = client.get(
        "/admin/reporting/programmeledger/", {"indicator__id__exact": mine.indicator_id}
    )
    assert by_indicator.context["cl"].result_count == 2
    other = ProgrammeLedger.objects.get(region__code="620103")
    assert client.get(f"/admin/reporting/programmeledger/{other.pk}/change/").status_code == 302


def test_a_report_key_is_shown_once_and_revoked_by_an_action(client, seeded_for_module):
    bureau(client)
    response = client.post(
        "/admin/reporting/reporttoken/add/",
        {
            "name": "Statistics office",
            "region": Region.objects.get(code="620102").pk,
            "lifetime_days": "30",
        },
        follow=True,
    )
    assert response.status_code == 200
    token = ReportToken.objects.get()
    (message,) = [str(m) for m in get_messages(response.wsgi_request)][:1]
    key = next(word for word in message.split() if word.startswith(token.prefix)).rstrip("。.")
    assert token.digest != key
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Report {key}")
    assert api.get("/api/v1/reports/indicators").status_code == 200
    # Not on the key's own page.
    page = client.get(f"/admin/reporting/reporttoken/{token.pk}/change/").content.decode()
    assert key not in page

    client.post(
        "/admin/reporting/reporttoken/",
        {"action": "revoke", "_selected_action": [token.pk]},
    )
    token.refresh_from_db()
    assert token.revoked_at is not None
    assert api.get("/api/v1/reports/indicators").status_code == 401


def test_an_analyst_neither_makes_keys_nor_enters_ledgers(client, seeded_for_module):
    bureau(client, role=StaffRole.BUREAU_ANALYST, name="analyst")
    assert client.get("/admin/reporting/reporttoken/add/").status_code == 403
    assert client.get("/admin/reporting/programmeledger/add/").status_code == 403
    assert client.get("/admin/reporting/programmeledger/").status_code == 200
    assert client.get("/admin/reporting/outcome/").status_code == 403


def test_month_closes_are_read_only(client, seeded_for_module):
    bureau(client)
    close = MonthClose.objects.create(
        month=dt.date(2025, 3, 1), closed_at=dt.datetime(2025, 4, 1, tzinfo=dt.UTC)
    )
    assert client.get("/admin/reporting/monthclose/").status_code == 200
    assert client.get(f"/admin/reporting/monthclose/{close.pk}/change/").status_code == 200
    assert client.get("/admin/reporting/monthclose/add/").status_code == 403


def test_outcome_records_link_to_their_station_records_in_scope(client, seeded_for_module):
    bureau(client, region="620102")
    placement = hire(Region.objects.get(code="620102"), dt.date(2025, 2, 3))
    hire(Region.objects.get(code="620103"), dt.date(2025, 2, 3), EmploymentOutcome.REEMPLOYMENT)
    version = Indicator.objects.get(code="new_urban_jobs").current_version()
    figure_records(version, Region.objects.get(code="620100"), _period())  # applies changes
    page = client.get("/admin/reporting/outcome/", {"kind": "hire", "month": "2025-02"})
    assert page.status_code == 200
    rows = list(page.context["cl"].result_list)
    assert {row.region.code for row in rows} == {"620102"}
    assert Outcome.objects.filter(kind="hire").count() == 2
    link = f"/admin/stations/application/{placement.application_id}/change/"
    assert link in page.content.decode()
    outcome = rows[0]
    assert client.get(f"/admin/reporting/outcome/{outcome.pk}/change/").status_code == 200
    assert client.get("/admin/reporting/outcome/add/").status_code == 403


def _period():
    from reporting.selectors import Period

    return Period(dt.date(2025, 1, 1), dt.date(2025, 12, 1))
