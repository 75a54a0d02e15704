"""Importing the station day's registers (``import_records sign-ins``)."""

from __future__ import annotations

import datetime as dt
from io import BytesIO

import pytest
import time_machine
from django.utils import timezone

from stations.imports import import_records
from stations.models import SignIn
from tests import factories
from tests.stations.test_imports import EXAMPLES

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _frozen_day():
    with time_machine.travel(dt.datetime(2026, 11, 22, 9, 0, tzinfo=dt.UTC), tick=False):
        yield


@pytest.fixture
def station(seeded):
    import_records(kind="seekers", source=EXAMPLES / "seekers.csv", by=None)
    return factories.StationFactory(code="chengguan-1")


def csv_file(text: str) -> BytesIO:
    return BytesIO(text.encode("utf-8"))


def test_the_example_register_imports_once(station):
    first = import_records(kind="sign-ins", source=EXAMPLES / "sign-ins.csv", by=None)
    again = import_records(kind="sign-ins", source=EXAMPLES / "sign-ins.csv", by=None)

    assert (first.created, first.problems) == (3, [])
    assert (again.created, again.updated, again.unchanged) == (0, 0, 3)
    day_one = list(
        SignIn.objects.filter(day=dt.date(2026, 11, 20))
        .order_by("position")
        .values_list("position", "method", "not_dispatched_reason")
    )
    assert day_one == [(1, "id_card", ""), (2, "qr", "no_suitable_post")]
    undated = SignIn.objects.get(day=dt.date(2026, 11, 21)).signed_in_at
    assert timezone.localtime(undated).time() == dt.time(7, 0)


def test_a_corrected_reason_updates_the_sign_in(station):
    import_records(kind="sign-ins", source=EXAMPLES / "sign-ins.csv", by=None)
    corrected = csv_file(
        "station,day,seeker_phone,method,not_dispatched_reason\n"
        "chengguan-1,2026-11-21,13500135000,counter,left\n"
    )

    report = import_records(kind="sign-ins", source=corrected, filename="fix.csv", by=None)

    assert report.updated == 1
    assert SignIn.objects.get(day=dt.date(2026, 11, 21)).not_dispatched_reason == "left"


def test_bad_rows_are_reported_by_number_and_nothing_is_written(station):
    bad = csv_file(
        "station,day,seeker_id_number,seeker_phone,signed_in_at,method\n"
        "chengguan-1,2026-11-20,620102198503090029,,,id_card\n"
        "nowhere,2026-11-20,620102198503090029,,,qr\n"
        "chengguan-1,2026-13-01,620102198503090029,,,qr\n"
        "chengguan-1,2026-11-20,,13999999999,,qr\n"
        "chengguan-1,2026-11-20,620102199207140030,,2026-11-19 07:00,qr\n"
        "chengguan-1,2026-12-30,620102199207140030,,,qr\n"
        "chengguan-1,2026-11-20,620102199207140030,,,teleport\n"
    )

    report = import_records(kind="sign-ins", source=bad, filename="bad.csv", by=None)

    assert [(p.row, p.column) for p in report.problems] == [
        (3, "station"),
        (4, "day"),
        (5, "seeker_id_number"),
        (6, "signed_in_at"),
        (7, "day"),
        (8, "method"),
    ]
    assert not report.written
    assert not SignIn.objects.exists()
