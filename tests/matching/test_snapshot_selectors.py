"""The engine's inputs as read from the database, and the process snapshot kept fresh."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import numpy as np
import pytest

from matching.engine.snapshot import NEVER_EXPIRES
from matching.selectors.snapshot import (
    daily_wage,
    open_post_records,
    post_record,
    seeker_columns,
    seeker_records,
    taxonomy_load,
)
from matching.snapshots import SnapshotCache
from stations.models import (
    Application,
    JobPost,
    JobSeeker,
    KeyGroup,
    Occupation,
    Placement,
    SeekerCertificate,
    SeekerKeyGroup,
    SeekerSkill,
)
from stations.models.placements import ApplicationSource, ApplicationStatus
from tests.factories import CertificateKindFactory, PostFactory, SeekerFactory, region

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 20)
NOW = dt.datetime(2026, 11, 20, 9, tzinfo=dt.UTC)


def trades(count: int) -> list[Occupation]:
    return list(Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code")[:count])


def test_the_taxonomy_maps_each_trade_to_its_minor_and_middle_group(seeded_for_module):
    taxonomy = taxonomy_load()
    trade = trades(1)[0]
    minor = trade.parent
    middle = minor.parent
    assert taxonomy.trade_minor[trade.pk] == minor.pk
    assert taxonomy.trade_middle[trade.pk] == middle.pk
    assert taxonomy.trade_middle[minor.pk] == middle.pk
    assert taxonomy.trade_names[trade.pk] == (trade.name_zh_hans, trade.name_en)
    assert list(taxonomy.key_groups) == list(
        KeyGroup.objects.order_by("id").values_list("code", flat=True)
    )


def test_a_seekers_columns_hold_what_the_engine_reads(seeded_for_module):
    taxonomy = taxonomy_load()
    seeker = SeekerFactory(
        latitude=None,
        longitude=None,
        expected_daily_wage=Decimal("180"),
        max_travel_km=12,
        availability=0b111,
    )
    JobSeeker.objects.filter(pk=seeker.pk).update(birth_date=dt.date(1990, 5, 17))
    five = trades(5)
    for years, trade in zip([1, 9, 3, 7, 5], five, strict=True):
        SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=years)
    difficulty = KeyGroup.objects.get(code="employment_difficulty")
    veteran = KeyGroup.objects.get(code="veteran")
    SeekerKeyGroup.objects.create(
        seeker=seeker, key_group=difficulty, started_on=TODAY - dt.timedelta(days=9)
    )
    SeekerKeyGroup.objects.create(
        seeker=seeker,
        key_group=veteran,
        started_on=dt.date(2020, 1, 1),
        ended_on=dt.date(2021, 1, 1),
    )
    kind = CertificateKindFactory()
    SeekerCertificate.objects.create(seeker=seeker, kind=kind, expires_on=dt.date(2027, 3, 1))
    post = PostFactory()
    for status in (
        ApplicationStatus.COMPLETED,
        ApplicationStatus.COMPLETED,
        ApplicationStatus.NO_SHOW,
    ):
        Application.objects.create(
            post=PostFactory(employer=post.employer),
            seeker=seeker,
            status=status,
            source=ApplicationSource.COUNTER,
            status_changed_at=NOW,
        )
    booked = Application.objects.create(
        post=post,
        seeker=seeker,
        status=ApplicationStatus.HIRED,
        source=ApplicationSource.COUNTER,
        status_changed_at=NOW,
    )
    Placement.objects.create(
        application=booked,
        agreed_wage_amount=Decimal("200"),
        agreed_wage_unit="day",
        outcome=Placement.Outcome.FLEXIBLE,
        starts_on=TODAY + dt.timedelta(days=2),
        ends_on=TODAY + dt.timedelta(days=4),
    )

    columns = seeker_columns(taxonomy, today=TODAY, now=NOW, ids=[seeker.pk])

    home = region("620102")
    assert columns["ids"].tolist() == [seeker.pk]
    # No coordinates of their own: the residence region's centre.
    assert columns["lat"][0] == pytest.approx(home.latitude)
    assert columns["lon"][0] == pytest.approx(home.longitude)
    # The four longest-practised trades, longest first.
    assert columns["skill_trade"][0].tolist() == [five[1].pk, five[3].pk, five[4].pk, five[2].pk]
    assert columns["skill_years"][0].tolist() == [9, 7, 5, 3]
    assert columns["expected_wage"][0] == 180
    assert columns["travel_km"][0] == 12
    assert columns["availability"][0] == 0b111
    assert columns["birth"][0] == dt.date(1990, 5, 17).toordinal()
    seeker.refresh_from_db()
    assert columns["last_active"][0] == seeker.updated_at.astimezone(dt.UTC).date().toordinal()
    # Only the membership that holds today.
    assert columns["group_bits"][0] == 1 << list(taxonomy.key_groups).index("employment_difficulty")
    assert (columns["completions"][0], columns["no_shows"][0]) == (2, 1)
    assert columns["booked_start"][0, 0] == (TODAY + dt.timedelta(days=2)).toordinal()
    assert columns["booked_end"][0, 0] == (TODAY + dt.timedelta(days=4)).toordinal()
    assert columns["booked_end"][0, 1] == -1
    kind_column = list(taxonomy.certificate_kinds).index(kind.code)
    assert columns["cert_expiry"][0, kind_column] == dt.date(2027, 3, 1).toordinal()
    assert columns["active"][0]
    assert not columns["verified"][0]

    record = seeker_records(taxonomy, columns)[0]
    assert record.key_groups == ["employment_difficulty"]
    assert record.skills[0] == (five[1].pk, 9)
    assert record.certificates == {kind.code: dt.date(2027, 3, 1).toordinal()}


def test_merged_records_are_left_out_and_people_not_looking_are_inactive(seeded_for_module):
    taxonomy = taxonomy_load()
    keep = SeekerFactory()
    merged = SeekerFactory(merged_into=keep)
    student = SeekerFactory(employment_status=JobSeeker.EmploymentStatus.STUDENT)

    columns = seeker_columns(taxonomy, today=TODAY, now=NOW, ids=[keep.pk, merged.pk, student.pk])

    assert columns["ids"].tolist() == [keep.pk, student.pk]
    assert columns["active"].tolist() == [True, False]


def test_a_certificate_without_an_end_never_expires(seeded_for_module):
    taxonomy = taxonomy_load()
    seeker = SeekerFactory()
    kind = CertificateKindFactory()
    SeekerCertificate.objects.create(seeker=seeker, kind=kind, expires_on=None)

    columns = seeker_columns(taxonomy, today=TODAY, now=NOW, ids=[seeker.pk])

    assert (
        columns["cert_expiry"][0, list(taxonomy.certificate_kinds).index(kind.code)]
        == NEVER_EXPIRES
    )


@pytest.mark.parametrize(
    ("amount", "unit", "expected"),
    [("220", "day", 220.0), ("30", "hour", 240.0), ("4350", "month", 200.0), ("3", "piece", None)],
)
def test_offers_become_a_days_pay(amount, unit, expected):
    assert daily_wage(Decimal(amount), unit) == expected


def test_a_post_record_carries_its_weekdays_shifts_and_openings_left(seeded_for_module):
    monday = dt.date(2026, 11, 23)
    post = PostFactory(
        starts_on=monday,
        ends_on=monday + dt.timedelta(days=1),
        shift_starts_at=dt.time(13),
        shift_ends_at=dt.time(17),
        openings=3,
    )
    kind = CertificateKindFactory()
    post.required_certificates.add(kind)
    Application.objects.create(
        post=post,
        seeker=SeekerFactory(),
        status=ApplicationStatus.HIRED,
        source=ApplicationSource.COUNTER,
        status_changed_at=NOW,
    )

    (record,) = open_post_records(ids=[post.pk])

    # Monday and Tuesday afternoons: slots 1 and 4.
    assert record.slots == (1 << 1) | (1 << 4)
    assert record.openings_left == 2
    assert record.certificates == [kind.code]
    assert record.daily_wage == 220.0
    assert record.trade == post.occupation_id
    assert post_record(post).openings_left == 3


def test_closed_posts_are_not_open_records(seeded_for_module):
    post = PostFactory(status=JobPost.Status.CLOSED)
    assert open_post_records(ids=[post.pk]) == []


def test_the_process_snapshot_takes_in_a_changed_seeker_without_a_full_load(seeded_for_module):
    from stations.services.seekers import seeker_skill_set

    cache = SnapshotCache()
    seeker = SeekerFactory()
    snapshot = cache.seekers(now=NOW)
    row = snapshot.row_of[seeker.pk]
    assert snapshot.skill_trade[row].tolist() == [-1, -1, -1, -1]

    welder = trades(1)[0]
    seeker_skill_set(seeker=seeker, occupation=welder, years=6)
    newcomer = SeekerFactory()
    later = NOW + dt.timedelta(minutes=1)
    again = cache.seekers(now=later)

    assert again is snapshot  # refreshed in place, not reloaded
    assert again.skill_trade[row, 0] == welder.pk
    assert again.skill_years[row, 0] == 6
    assert newcomer.pk in again.row_of
    assert np.isfinite(again.lat[again.row_of[newcomer.pk]])
