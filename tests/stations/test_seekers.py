from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import connection
from django.test.utils import CaptureQueriesContext

from core import crypto
from core.errors import Conflict, DomainError
from core.models import AuditLog
from stations.models import (
    Application,
    ApplicationEvent,
    CertificateKind,
    JobSeeker,
    KeyGroup,
    Occupation,
    Placement,
    SeekerCertificate,
    SeekerKeyGroup,
    SeekerSkill,
    WageClaim,
)
from stations.models.placements import ApplicationStatus
from stations.services.applications import PlacementTerms, application_create, application_hire
from stations.services.identity import id_number_hash
from stations.services.seekers import (
    DuplicateSeeker,
    seeker_certificate_set,
    seeker_key_group_add,
    seeker_register,
    seeker_skill_set,
    seeker_update,
    seekers_merge,
)
from stations.services.wages import wage_claim_file
from stations.validators import Sex, national_id_check_character
from tests.factories import (
    EmployerFactory,
    PostFactory,
    SeekerFactory,
    UserFactory,
    national_id,
    region,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_for_module")]

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)


def _register(*, by: User | None, **details) -> JobSeeker:
    details.setdefault("full_name", "王秀英")
    details.setdefault("residence_region", region("620102"))
    details.setdefault("household", JobSeeker.Household.RURAL)
    return seeker_register(by=by, now=NOW, **details)


def _trades(count: int) -> list[Occupation]:
    return list(Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code")[:count])


def _certificate_kinds(count: int) -> list[CertificateKind]:
    return list(CertificateKind.objects.order_by("code")[:count])


def _hire(seeker: JobSeeker, *, by: User, post=None) -> Placement:
    post = post or PostFactory(starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=3))
    application = application_create(post=post, seeker=seeker, source="counter", by=by, now=NOW)
    terms = PlacementTerms(
        agreed_wage_amount=Decimal("220.00"),
        agreed_wage_unit="day",
        starts_on=post.starts_on,
        ends_on=post.ends_on,
        outcome="flexible",
    )
    return application_hire(application=application, terms=terms, by=by, now=NOW)


# Registration


def test_a_seeker_registered_by_staff_with_an_id_number_is_verified(clerk):
    seeker = _register(
        by=clerk, id_number=national_id(born=dt.date(1983, 11, 4), male=False), phone="13931000001"
    )
    seeker.refresh_from_db()

    assert seeker.verified_at == NOW
    assert seeker.birth_date == dt.date(1983, 11, 4)
    assert seeker.sex == Sex.FEMALE
    assert seeker.phone == "13931000001"
    assert seeker.merged_into is None


def test_a_seeker_who_registers_themselves_is_not_verified():
    seeker = _register(by=None, id_number=national_id(male=True))

    assert seeker.verified_at is None
    assert seeker.sex == Sex.MALE
    assert seeker.has_id_number


def test_a_user_who_is_not_staff_does_not_verify_a_real_name():
    seeker = _register(by=UserFactory(username="someone", is_staff=False), id_number=national_id())

    assert seeker.verified_at is None


def test_a_seeker_without_an_id_number_has_no_birth_date_and_is_not_verified(clerk):
    seeker = _register(by=clerk, phone="13931000001")

    assert seeker.verified_at is None
    assert seeker.birth_date is None
    assert seeker.sex == ""
    assert seeker.id_number_hash is None


def test_the_name_is_stripped_and_profile_fields_are_set(clerk):
    seeker = _register(
        by=clerk, full_name="  王秀英 ", expected_daily_wage=Decimal("180"), max_travel_km=25
    )

    assert seeker.full_name == "王秀英"
    assert seeker.expected_daily_wage == Decimal("180")
    assert seeker.max_travel_km == 25


def test_an_unknown_profile_field_is_a_programming_error(clerk):
    with pytest.raises(TypeError, match="verified_at"):
        _register(by=clerk, verified_at=NOW)


def test_registering_an_id_number_on_file_names_the_existing_record(clerk):
    number = national_id()
    first = _register(by=clerk, id_number=number)
    count = JobSeeker.objects.count()

    with pytest.raises(DuplicateSeeker) as refused:
        _register(by=clerk, id_number=number.lower(), full_name="王秀")

    assert refused.value.existing == first
    assert "id_number" in refused.value.field_errors
    assert str(first.pk) in refused.value.message
    assert JobSeeker.objects.count() == count


def test_registering_a_phone_on_file_in_another_format_names_the_existing_record(clerk):
    first = _register(by=clerk, phone="13931000001")
    count = JobSeeker.objects.count()

    with pytest.raises(DuplicateSeeker) as refused:
        _register(by=clerk, phone="+86 139 3100 0001", full_name="王秀")

    assert refused.value.existing == first
    assert "phone" in refused.value.field_errors
    assert JobSeeker.objects.count() == count


def test_an_invalid_id_number_is_refused_and_nothing_is_written(clerk):
    count = JobSeeker.objects.count()
    first17 = "62010219900517123"
    wrong_check = next(c for c in "0123456789X" if c != national_id_check_character(first17))

    with pytest.raises(DomainError) as refused:
        _register(by=clerk, id_number=first17 + wrong_check, phone="13931000001")

    assert refused.value.field_errors["id_number"]
    assert JobSeeker.objects.count() == count
    assert not JobSeeker.history.exists()


def test_an_invalid_phone_is_refused_with_a_field_error(clerk):
    with pytest.raises(DomainError) as refused:
        _register(by=clerk, phone="12800138000")

    assert refused.value.field_errors["phone"]
    assert not JobSeeker.objects.exists()


def test_an_invalid_profile_is_refused_with_field_errors(clerk):
    with pytest.raises(DomainError) as refused:
        _register(by=clerk, full_name="   ")

    assert "full_name" in refused.value.field_errors
    assert not JobSeeker.objects.exists()


def test_registration_is_recorded_in_the_history_with_the_clerk(clerk):
    seeker = _register(by=clerk, id_number=national_id())

    assert seeker.history.get().history_user == clerk


# Updates


def test_an_id_number_is_written_once(clerk):
    number = national_id()
    seeker = _register(by=clerk, id_number=number)

    with pytest.raises(DomainError) as refused:
        seeker_update(seeker=seeker, by=clerk, now=NOW, id_number=national_id())

    assert refused.value.field_errors["id_number"]
    seeker.refresh_from_db()
    assert seeker.id_number_hash == id_number_hash(number)
    assert crypto.decrypt(seeker.id_number_encrypted) == number


def test_typing_the_same_id_number_again_changes_nothing(clerk):
    number = national_id(born=dt.date(1990, 5, 17))
    seeker = _register(by=clerk, id_number=number)

    updated = seeker_update(
        seeker=seeker, by=clerk, now=NOW + dt.timedelta(days=1), id_number=number.lower()
    )

    assert updated.id_number_hash == id_number_hash(number)
    assert updated.verified_at == NOW


def test_an_id_number_added_later_by_staff_verifies_the_seeker(clerk):
    seeker = _register(by=None, phone="13931000001")
    later = NOW + dt.timedelta(days=2)

    updated = seeker_update(
        seeker=seeker, by=clerk, now=later, id_number=national_id(born=dt.date(2001, 2, 3))
    )

    assert updated.verified_at == later
    assert updated.birth_date == dt.date(2001, 2, 3)


def test_staff_typing_the_number_a_seeker_entered_in_the_app_verifies_them(clerk):
    number = national_id()
    seeker = _register(by=None, id_number=number)
    later = NOW + dt.timedelta(days=3)

    updated = seeker_update(seeker=seeker, by=clerk, now=later, id_number=f" {number.lower()} ")

    updated.refresh_from_db()
    assert updated.verified_at == later
    assert updated.id_number_hash == id_number_hash(number)


def test_a_seeker_typing_their_number_again_does_not_verify_them():
    number = national_id()
    seeker = _register(by=None, id_number=number)

    updated = seeker_update(seeker=seeker, by=None, now=NOW, id_number=number)

    assert updated.verified_at is None


def test_a_verified_real_name_is_changed_by_staff_only(clerk):
    seeker = _register(by=clerk, id_number=national_id(), full_name="张三")

    with pytest.raises(DomainError) as refused:
        seeker_update(seeker=seeker, by=None, now=NOW, full_name="李四")
    renamed = seeker_update(seeker=seeker, by=clerk, now=NOW, full_name="张叁")

    assert refused.value.field_errors["full_name"]
    assert renamed.full_name == "张叁"


def test_the_station_of_record_is_not_self_service():
    seeker = _register(by=None, phone="13931000001")

    with pytest.raises(TypeError):
        seeker_update(seeker=seeker, by=None, now=NOW, registering_station=None)


def test_an_update_to_another_seekers_id_number_is_refused(clerk):
    number = national_id()
    first = _register(by=clerk, id_number=number)
    second = _register(by=clerk, phone="13931000001")

    with pytest.raises(DuplicateSeeker) as refused:
        seeker_update(seeker=second, by=clerk, now=NOW, id_number=number)

    assert refused.value.existing == first
    second.refresh_from_db()
    assert second.id_number_hash is None


def test_an_update_to_another_seekers_phone_is_refused(clerk):
    first = _register(by=clerk, phone="13931000001")
    second = _register(by=clerk, phone="13931000002")

    with pytest.raises(DuplicateSeeker) as refused:
        seeker_update(seeker=second, by=clerk, now=NOW, phone="0086 139-3100-0001")

    assert refused.value.existing == first
    second.refresh_from_db()
    assert second.phone == "13931000002"


def test_an_update_normalises_the_phone_and_sets_profile_fields(clerk):
    seeker = _register(by=clerk, phone="13931000001")

    updated = seeker_update(
        seeker=seeker, by=clerk, now=NOW, phone="+86 139 3100 0009", max_travel_km=40
    )

    updated.refresh_from_db()
    assert updated.phone == "13931000009"
    assert updated.max_travel_km == 40


def test_an_update_may_keep_the_seekers_own_phone(clerk):
    seeker = _register(by=clerk, phone="13931000001")

    assert seeker_update(seeker=seeker, by=clerk, now=NOW, phone="139 3100 0001").phone == (
        "13931000001"
    )


def test_an_update_with_an_unknown_field_is_a_programming_error(clerk):
    seeker = _register(by=clerk)

    with pytest.raises(TypeError):
        seeker_update(seeker=seeker, by=clerk, now=NOW, birth_date=TODAY)


# Skills, key groups, certificates


def test_a_skill_is_set_and_then_updated_in_place():
    seeker = SeekerFactory()
    [trade] = _trades(1)

    seeker_skill_set(seeker=seeker, occupation=trade, level=4, years=2)
    seeker_skill_set(seeker=seeker, occupation=trade, level=3, years=5)

    skill = SeekerSkill.objects.get(seeker=seeker)
    assert (skill.level, skill.years) == (3, 5)


def test_a_group_of_occupations_is_not_a_skill():
    seeker = SeekerFactory()
    group = Occupation.objects.exclude(level=Occupation.Level.TRADE).first()

    with pytest.raises(DomainError):
        seeker_skill_set(seeker=seeker, occupation=group)

    assert not SeekerSkill.objects.exists()


def test_adding_the_same_key_group_span_twice_keeps_one():
    seeker = SeekerFactory()
    key_group = KeyGroup.objects.first()

    first = seeker_key_group_add(seeker=seeker, key_group=key_group, started_on=TODAY)
    second = seeker_key_group_add(seeker=seeker, key_group=key_group, started_on=TODAY)

    assert first == second
    assert SeekerKeyGroup.objects.count() == 1


def test_setting_a_certificate_again_replaces_its_dates():
    seeker = SeekerFactory()
    [kind] = _certificate_kinds(1)

    seeker_certificate_set(seeker=seeker, kind=kind, expires_on=dt.date(2026, 6, 1))
    seeker_certificate_set(seeker=seeker, kind=kind, expires_on=dt.date(2029, 6, 1), number="T-9")

    certificate = SeekerCertificate.objects.get(seeker=seeker)
    assert (certificate.expires_on, certificate.number) == (dt.date(2029, 6, 1), "T-9")


# Merging


@pytest.fixture
def pair(clerk) -> tuple[JobSeeker, JobSeeker]:
    """The same person twice: registered at the counter with an ID number, and in the app
    with a phone only."""
    keep = _register(by=clerk, id_number=national_id(born=dt.date(1979, 8, 8)))
    duplicate = _register(
        by=None,
        full_name="王秀英",
        phone="13931000001",
        latitude=36.05,
        longitude=103.8,
        expected_daily_wage=Decimal("210"),
        graduation_year=1998,
    )
    return keep, duplicate


def test_merging_moves_the_phone_and_keeps_the_duplicate_as_history(pair, clerk):
    keep, duplicate = pair

    merged = seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert merged == keep
    assert keep.phone == "13931000001"
    assert keep.merged_into is None
    assert duplicate.merged_into == keep
    assert duplicate.phone is None
    assert list(keep.merged_records.all()) == [duplicate]
    # Missing profile details are filled in from the duplicate; the kept ones stay.
    assert (keep.latitude, keep.longitude) == (36.05, 103.8)
    assert keep.expected_daily_wage == Decimal("210")
    assert keep.graduation_year == 1998
    assert keep.verified_at == NOW
    assert duplicate.history.first().history_user == clerk


def test_merging_writes_one_audit_entry(pair, clerk):
    keep, duplicate = pair

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    entry = AuditLog.objects.get()
    assert entry.actor == clerk
    assert entry.action == AuditLog.Action.MERGE == "merge"
    assert entry.object_type == "stations.jobseeker"
    assert entry.object_id == str(keep.pk)
    assert entry.detail == {"merged": duplicate.pk}


def test_after_a_merge_the_moved_phone_finds_the_kept_record(pair, clerk):
    keep, duplicate = pair
    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    with pytest.raises(DuplicateSeeker) as refused:
        _register(by=None, phone="139 3100 0001")

    assert refused.value.existing == keep


def test_merging_moves_the_id_number_when_the_kept_record_has_none(clerk):
    number = national_id(born=dt.date(1966, 6, 6), male=False)
    keep = _register(by=None, phone="13931000001")
    duplicate = _register(by=clerk, id_number=number)
    masked = duplicate.id_number_masked

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert keep.id_number_hash == id_number_hash(number)
    assert crypto.decrypt(keep.id_number_encrypted) == number
    assert keep.id_number_masked == masked
    # The merged record keeps no trace of the number that could be revealed.
    assert (duplicate.id_number_encrypted, duplicate.id_number_masked) == ("", "")
    assert (keep.birth_date, keep.sex) == (dt.date(1966, 6, 6), Sex.FEMALE)
    assert keep.verified_at == NOW
    assert keep.phone == "13931000001"
    assert duplicate.id_number_hash is None
    assert JobSeeker.objects.get(id_number_hash=id_number_hash(number)) == keep


def test_merging_moves_applications_placements_and_wage_claims(pair, clerk):
    keep, duplicate = pair
    placement = _hire(duplicate, by=clerk)
    claim = wage_claim_file(
        seeker=duplicate,
        employer=placement.application.post.employer,
        placement=placement,
        amount_claimed=Decimal("660"),
        by=clerk,
        now=NOW,
    )

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    placement.application.refresh_from_db()
    assert placement.application.seeker == keep
    assert placement.application.status == ApplicationStatus.HIRED
    assert Placement.objects.get(application__seeker=keep) == placement
    claim.refresh_from_db()
    assert claim.seeker == keep
    assert not Application.objects.filter(seeker=duplicate).exists()
    assert not WageClaim.objects.filter(seeker=duplicate).exists()


def test_a_duplicate_application_to_a_post_both_applied_to_is_withdrawn(pair, clerk):
    keep, duplicate = pair
    both = PostFactory()
    only_duplicate = PostFactory()
    kept_application = application_create(
        post=both, seeker=keep, source="counter", by=clerk, now=NOW
    )
    doubled = application_create(post=both, seeker=duplicate, source="app", by=None, now=NOW)
    moved = application_create(
        post=only_duplicate, seeker=duplicate, source="app", by=None, now=NOW
    )
    later = NOW + dt.timedelta(hours=1)

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=later)

    kept_application.refresh_from_db()
    doubled.refresh_from_db()
    moved.refresh_from_db()
    assert kept_application.status == ApplicationStatus.APPLIED
    assert doubled.status == ApplicationStatus.WITHDRAWN
    assert doubled.status_changed_at == later
    assert moved.status == ApplicationStatus.APPLIED
    assert {doubled.seeker, moved.seeker, kept_application.seeker} == {keep}
    event = doubled.events.order_by("at", "id").last()
    assert (event.from_status, event.to_status) == ("applied", "withdrawn")
    assert event.note == f"merged into seeker #{keep.pk}"
    assert event.actor == clerk
    assert event.at == later
    assert not moved.events.filter(to_status=ApplicationStatus.WITHDRAWN).exists()
    assert ApplicationEvent.objects.filter(to_status=ApplicationStatus.WITHDRAWN).count() == 1


def test_a_closed_duplicate_application_to_the_same_post_moves_as_it_is(pair, clerk):
    keep, duplicate = pair
    post = PostFactory()
    application_create(post=post, seeker=keep, source="counter", by=clerk, now=NOW)
    rejected = application_create(post=post, seeker=duplicate, source="app", by=None, now=NOW)
    Application.objects.filter(pk=rejected.pk).update(status=ApplicationStatus.REJECTED)

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    rejected.refresh_from_db()
    assert rejected.status == ApplicationStatus.REJECTED
    assert rejected.seeker == keep
    assert not rejected.events.filter(to_status=ApplicationStatus.WITHDRAWN).exists()


def test_merging_keeps_the_better_level_and_the_longer_experience_of_each_skill(pair, clerk):
    keep, duplicate = pair
    both_certified, kept_uncertified, duplicate_only = _trades(3)
    seeker_skill_set(seeker=keep, occupation=both_certified, level=4, years=2)
    seeker_skill_set(seeker=duplicate, occupation=both_certified, level=3, years=1)
    seeker_skill_set(seeker=keep, occupation=kept_uncertified, level=0, years=1)
    seeker_skill_set(seeker=duplicate, occupation=kept_uncertified, level=5, years=6)
    seeker_skill_set(seeker=duplicate, occupation=duplicate_only, level=2, years=9)

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    skills = {s.occupation: (s.level, s.years) for s in SeekerSkill.objects.filter(seeker=keep)}
    assert skills == {
        both_certified: (3, 2),
        kept_uncertified: (5, 6),
        duplicate_only: (2, 9),
    }
    assert not SeekerSkill.objects.filter(seeker=duplicate).exists()


def test_an_uncertified_duplicate_skill_does_not_lower_a_certified_one(pair, clerk):
    keep, duplicate = pair
    [trade] = _trades(1)
    seeker_skill_set(seeker=keep, occupation=trade, level=1, years=3)
    seeker_skill_set(seeker=duplicate, occupation=trade, level=0, years=4)

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    skill = SeekerSkill.objects.get(seeker=keep)
    assert (skill.level, skill.years) == (1, 4)


def test_merging_keeps_the_later_expiry_of_each_certificate(pair, clerk):
    keep, duplicate = pair
    renewed, lapsed_copy, never_expires, duplicate_only = _certificate_kinds(4)
    seeker_certificate_set(
        seeker=keep,
        kind=renewed,
        issued_on=dt.date(2023, 6, 1),
        expires_on=dt.date(2026, 6, 1),
        number="A",
    )
    seeker_certificate_set(
        seeker=duplicate,
        kind=renewed,
        issued_on=dt.date(2025, 6, 1),
        expires_on=dt.date(2028, 6, 1),
        number="B",
    )
    seeker_certificate_set(seeker=keep, kind=lapsed_copy, expires_on=dt.date(2029, 1, 1))
    seeker_certificate_set(seeker=duplicate, kind=lapsed_copy, expires_on=dt.date(2025, 1, 1))
    seeker_certificate_set(seeker=keep, kind=never_expires, expires_on=None, number="C")
    seeker_certificate_set(seeker=duplicate, kind=never_expires, expires_on=dt.date(2030, 1, 1))
    seeker_certificate_set(seeker=duplicate, kind=duplicate_only, expires_on=dt.date(2027, 3, 3))

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    held = {
        c.kind: (c.issued_on, c.expires_on, c.number)
        for c in SeekerCertificate.objects.filter(seeker=keep)
    }
    assert held == {
        renewed: (dt.date(2025, 6, 1), dt.date(2028, 6, 1), "B"),
        lapsed_copy: (None, dt.date(2029, 1, 1), ""),
        never_expires: (None, None, "C"),
        duplicate_only: (None, dt.date(2027, 3, 3), ""),
    }
    assert not SeekerCertificate.objects.filter(seeker=duplicate).exists()


def test_a_duplicate_certificate_that_never_expires_wins_over_one_that_does(pair, clerk):
    keep, duplicate = pair
    [kind] = _certificate_kinds(1)
    seeker_certificate_set(seeker=keep, kind=kind, expires_on=dt.date(2027, 1, 1))
    seeker_certificate_set(seeker=duplicate, kind=kind, expires_on=None)

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    assert SeekerCertificate.objects.get(seeker=keep).expires_on is None


def test_merging_moves_key_group_spans_without_doubling_them(pair, clerk):
    keep, duplicate = pair
    shared, other = KeyGroup.objects.order_by("code")[:2]
    seeker_key_group_add(seeker=keep, key_group=shared, started_on=dt.date(2025, 1, 1))
    seeker_key_group_add(seeker=duplicate, key_group=shared, started_on=dt.date(2025, 1, 1))
    seeker_key_group_add(seeker=duplicate, key_group=shared, started_on=dt.date(2020, 1, 1))
    seeker_key_group_add(seeker=duplicate, key_group=other, started_on=dt.date(2025, 1, 1))

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    spans = set(SeekerKeyGroup.objects.filter(seeker=keep).values_list("key_group", "started_on"))
    assert spans == {
        (shared.pk, dt.date(2025, 1, 1)),
        (shared.pk, dt.date(2020, 1, 1)),
        (other.pk, dt.date(2025, 1, 1)),
    }
    assert not SeekerKeyGroup.objects.filter(seeker=duplicate).exists()


def test_a_record_cannot_be_merged_into_itself(pair, clerk):
    keep, _ = pair

    with pytest.raises(DomainError):
        seekers_merge(keep=keep, duplicate=keep, by=clerk, now=NOW)

    assert not AuditLog.objects.exists()


def test_records_with_different_id_numbers_are_two_people_and_are_not_merged(clerk):
    first = _register(by=clerk, id_number=national_id(), phone="13931000001")
    second = _register(by=clerk, id_number=national_id())

    with pytest.raises(DomainError, match="different ID numbers"):
        seekers_merge(keep=second, duplicate=first, by=clerk, now=NOW)

    first.refresh_from_db()
    second.refresh_from_db()
    assert first.merged_into is None
    assert first.phone == "13931000001"
    assert second.phone is None
    assert not AuditLog.objects.exists()


def test_a_record_merged_already_cannot_be_merged_again(pair, clerk):
    keep, duplicate = pair
    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)
    third = _register(by=None, phone="13931000002")

    with pytest.raises(Conflict):
        seekers_merge(keep=third, duplicate=duplicate, by=clerk, now=NOW)
    with pytest.raises(Conflict):
        seekers_merge(keep=duplicate, duplicate=third, by=clerk, now=NOW)

    third.refresh_from_db()
    assert third.merged_into is None
    assert AuditLog.objects.count() == 1


def test_a_merged_record_takes_no_new_applications(pair, clerk):
    keep, duplicate = pair
    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)
    duplicate.refresh_from_db()

    with pytest.raises(DomainError):
        application_create(post=PostFactory(), seeker=duplicate, source="app", by=None, now=NOW)


def test_a_merged_record_cannot_be_updated(pair, clerk):
    keep, duplicate = pair
    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    with pytest.raises(DomainError, match="merged"):
        seeker_update(seeker=duplicate, by=clerk, now=NOW, phone="13931000009")

    duplicate.refresh_from_db()
    assert duplicate.phone is None


def test_merging_locks_both_records_in_id_order_whichever_is_kept(pair, clerk):
    keep, duplicate = pair
    assert keep.pk < duplicate.pk

    with CaptureQueriesContext(connection) as queries:
        seekers_merge(keep=duplicate, duplicate=keep, by=clerk, now=NOW)

    table = connection.ops.quote_name(JobSeeker._meta.db_table)
    lock = next(q["sql"] for q in queries if f"FROM {table}" in q["sql"] and " IN (" in q["sql"])
    # Two merges of the same pair (either way round) queue instead of deadlocking.
    assert lock.rstrip().endswith(
        f"ORDER BY {table}.{connection.ops.quote_name('id')} ASC"
        + (" FOR UPDATE" if connection.features.has_select_for_update else "")
    )


def test_merging_two_records_without_identifiers_leaves_both_unidentified():
    keep, duplicate = SeekerFactory(phone=None), SeekerFactory(phone=None)

    seekers_merge(keep=keep, duplicate=duplicate, by=None, now=NOW)

    keep.refresh_from_db()
    assert keep.phone is None
    assert keep.id_number_hash is None
    assert AuditLog.objects.get().actor is None


def test_the_kept_records_phone_stays_when_both_have_one(clerk):
    keep = _register(by=clerk, phone="13931000001")
    duplicate = _register(by=None, phone="13931000002")

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    keep.refresh_from_db()
    duplicate.refresh_from_db()
    assert keep.phone == "13931000001"
    assert duplicate.phone is None


def test_the_employer_of_a_moved_claim_is_unchanged(pair, clerk):
    keep, duplicate = pair
    employer = EmployerFactory()
    claim = wage_claim_file(
        seeker=duplicate, employer=employer, amount_claimed=Decimal("300"), by=None, now=NOW
    )

    seekers_merge(keep=keep, duplicate=duplicate, by=clerk, now=NOW)

    claim.refresh_from_db()
    assert (claim.seeker, claim.employer) == (keep, employer)
