"""The beat tasks: changes applied every minute, and the monthly close (once per month,
with the plausibility warnings, and a message to each bureau user)."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest
import time_machine
from django_celery_beat.models import PeriodicTask

from matching.messages import render
from matching.models import Notification
from reporting import tasks
from reporting.models import (
    AnnualTarget,
    Indicator,
    MonthClose,
    PendingSource,
    ProgrammeLedger,
)
from stations.models import Region
from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign
from tests.factories import StationFactory, UserFactory

pytestmark = pytest.mark.django_db


def _ledger() -> None:
    ProgrammeLedger.objects.create(
        indicator=Indicator.objects.get(code="employment_subsidies"),
        region=Region.objects.get(code="620102"),
        month=dt.date(2025, 3, 1),
        value=Decimal(5),
    )


@pytest.fixture
def bureau_users(seeded_for_module):
    lanzhou = Region.objects.get(code="620100")
    analyst, admin = UserFactory(username="analyst"), UserFactory(username="admin")
    staff_assign(user=analyst, role=StaffRole.BUREAU_ANALYST, region=lanzhou)
    staff_assign(user=admin, role=StaffRole.BUREAU_ADMIN, region=lanzhou)
    staff_assign(
        user=UserFactory(username="clerk"),
        role=StaffRole.STATION_STAFF,
        stations=[StationFactory()],
    )
    return [analyst, admin]


def test_both_tasks_are_scheduled_by_the_migration():
    apply = PeriodicTask.objects.get(task="reporting.rollups_apply")
    assert (apply.crontab.minute, apply.crontab.hour) == ("*", "*")
    close = PeriodicTask.objects.get(task="reporting.month_close")
    assert (close.crontab.minute, close.crontab.hour, close.crontab.day_of_month) == (
        "0",
        "2",
        "1",
    )
    assert str(close.crontab.timezone) == "Asia/Shanghai"


def test_rollups_apply_applies_what_is_pending(seeded_for_module):
    _ledger()
    assert PendingSource.objects.exists()
    assert tasks.rollups_apply.delay().get() == 1
    assert not PendingSource.objects.exists()
    assert tasks.rollups_apply.delay().get() == 0


@time_machine.travel(dt.datetime(2025, 4, 1, 2, 0, tzinfo=dt.timezone(dt.timedelta(hours=8))))
def test_the_month_close_closes_the_previous_month_once_and_tells_the_bureau(bureau_users):
    _ledger()
    assert tasks.month_close.delay().get() == "2025-03"
    close = MonthClose.objects.get()
    assert close.month == dt.date(2025, 3, 1)
    assert not PendingSource.objects.exists()
    messages = Notification.objects.filter(template="rollups_ready")
    assert {m.user for m in messages} == set(bureau_users)
    assert {m.channel for m in messages} == {"in_app"}
    title, body = render("rollups_ready", messages[0].context, "en")
    assert "2025-03" in title
    assert "0 plausibility warnings" in body

    # A second run (beat twice, a redelivery) changes nothing.
    assert tasks.month_close.delay().get() is None
    assert MonthClose.objects.count() == 1
    assert messages.count() == 2
    assert MonthClose.objects.get().closed_at == close.closed_at


def test_a_month_is_closed_with_its_plausibility_warnings(bureau_users):
    """A completion rate far above the setting (the Binzhou bulletin's "1042%") is kept
    with the close and counted in the message."""
    county = Region.objects.get(code="620102")
    loans = Indicator.objects.get(code="guarantee_loans")
    ProgrammeLedger.objects.create(
        indicator=loans, region=county, month=dt.date(2025, 2, 1), value=Decimal("1042")
    )
    AnnualTarget.objects.create(region=county, indicator=loans, year=2025, value=Decimal("100"))

    assert tasks.month_close.delay("2025-02").get() == "2025-02"

    close = MonthClose.objects.get(month=dt.date(2025, 2, 1))
    completion = [w for w in close.warnings if w["indicator"] == "guarantee_loans"]
    assert completion
    assert completion[0]["region"] == "620102"
    assert "1042" in json.dumps(completion[0])
    message = Notification.objects.filter(template="rollups_ready").first()
    assert message.context["warnings"] == len(close.warnings)


def test_a_month_already_closed_sends_nothing(bureau_users):
    MonthClose.objects.create(month=dt.date(2025, 2, 1), closed_at=dt.datetime.now(dt.UTC))
    assert tasks.month_close.delay("2025-02").get() is None
    assert not Notification.objects.filter(template="rollups_ready").exists()
