from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from cryptography.fernet import Fernet
from django.contrib.auth.models import Permission, User
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import connection

from core import crypto
from core.models import AuditLog
from stations.models import Employer, JobSeeker
from stations.services.identity import (
    InvalidIdNumber,
    id_number_apply,
    id_number_hash,
    personal_data_reveal,
    phone_masked,
)
from stations.services.seekers import seeker_register
from stations.validators import Sex
from tests.factories import EmployerFactory, SeekerFactory, UserFactory, national_id, region

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_for_module")]

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)


def _revealer(username: str = "supervisor") -> User:
    user = UserFactory(username=username)
    user.user_permissions.add(
        Permission.objects.get(content_type__app_label="stations", codename="reveal_personal_data")
    )
    # A fresh instance: has_perm caches the permissions it has read.
    return User.objects.get(pk=user.pk)


def _registered(number: str, *, by: User | None, phone: str | None = None) -> JobSeeker:
    return seeker_register(
        full_name="王秀英",
        residence_region=region("620102"),
        household=JobSeeker.Household.URBAN,
        by=by,
        now=NOW,
        id_number=number,
        phone=phone,
    )


def _all_stored_text(table: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")
        rows = cursor.fetchall()
    assert rows
    return "\n".join(str(value) for row in rows for value in row)


# Storage


def test_the_clear_id_number_is_in_no_column_of_the_seeker_or_its_history(clerk):
    number = national_id(born=dt.date(1988, 7, 9))
    seeker = _registered(number, by=clerk)

    stored = JobSeeker.objects.filter(pk=seeker.pk).values().get()
    assert all(number not in str(value) for value in stored.values())
    assert number not in _all_stored_text(JobSeeker._meta.db_table)
    assert number not in _all_stored_text(JobSeeker.history.model._meta.db_table)
    # Nor its birth-date-and-sequence middle, which the mask hides.
    assert number[6:14] not in stored["id_number_masked"]


def test_the_stored_id_number_is_masked_encrypted_and_hashed(clerk):
    number = national_id(born=dt.date(1988, 7, 9))
    seeker = _registered(number, by=clerk)
    seeker.refresh_from_db()

    assert seeker.id_number_masked == f"{number[:6]}********{number[-4:]}"
    assert crypto.decrypt(seeker.id_number_encrypted) == number
    assert seeker.id_number_hash == id_number_hash(number)
    assert len(seeker.id_number_hash) == 64
    assert seeker.has_id_number


def test_the_keyed_hash_finds_the_seeker_however_the_number_is_typed(clerk):
    number = "11010519491231002X"
    seeker = _registered(number, by=clerk)

    for typed in (number, number.lower(), f" {number[:6]} {number[6:14]} {number[14:]} "):
        assert JobSeeker.objects.get(id_number_hash=id_number_hash(typed)) == seeker


def test_under_another_hash_key_the_number_finds_nobody(clerk, settings):
    number = national_id()
    _registered(number, by=clerk)

    settings.PERSONAL_DATA_HASH_KEY = "another-hash-key"

    assert not JobSeeker.objects.filter(id_number_hash=id_number_hash(number)).exists()


def test_hashes_of_different_purposes_differ():
    number = national_id()

    assert crypto.keyed_hash(number, purpose="national-id") != crypto.keyed_hash(
        number, purpose="phone"
    )


def test_encrypting_twice_gives_different_tokens_that_open_to_the_same_value():
    first, second = crypto.encrypt("62010219900517001X"), crypto.encrypt("62010219900517001X")

    assert first != second
    assert crypto.decrypt(first) == crypto.decrypt(second) == "62010219900517001X"


def test_applying_an_id_number_derives_birth_date_and_sex_for_a_seeker():
    seeker = JobSeeker(full_name="李娜")
    number = national_id(born=dt.date(1975, 1, 31), male=False)

    id_number_apply(record=seeker, raw=number.lower(), today=TODAY)

    assert seeker.pk is None
    assert seeker.birth_date == dt.date(1975, 1, 31)
    assert seeker.sex == Sex.FEMALE
    assert crypto.decrypt(seeker.id_number_encrypted) == number.upper()


def test_an_employer_stores_its_owner_id_number_the_same_way():
    employer = EmployerFactory.build(credit_code=None, kind=Employer.Kind.INDIVIDUAL)
    number = national_id()

    id_number_apply(record=employer, raw=number, today=TODAY)
    employer.save()
    employer.refresh_from_db()

    assert employer.id_number_hash == id_number_hash(number)
    assert employer.id_number_masked == f"{number[:6]}********{number[-4:]}"
    assert crypto.decrypt(employer.id_number_encrypted) == number


def test_an_invalid_id_number_is_refused_with_a_field_error_and_leaves_the_record_alone():
    seeker = JobSeeker(full_name="李娜")

    with pytest.raises(InvalidIdNumber) as refused:
        id_number_apply(record=seeker, raw="11010519491231002Y", today=TODAY)

    assert refused.value.field_errors["id_number"]
    assert seeker.id_number_hash is None
    assert seeker.id_number_encrypted == ""
    assert seeker.birth_date is None


# Keys and their rotation


def test_data_encrypted_under_an_old_key_opens_after_a_new_key_is_put_first(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PERSONAL_DATA_KEYS = [old_key]
    token = crypto.encrypt("62010219900517001X")

    settings.PERSONAL_DATA_KEYS = [new_key, old_key]

    assert crypto.decrypt(token) == "62010219900517001X"
    # The first key encrypts new values.
    assert Fernet(new_key.encode()).decrypt(crypto.encrypt("x").encode()) == b"x"


def test_reencrypting_moves_a_value_to_the_new_key(settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PERSONAL_DATA_KEYS = [old_key]
    token = crypto.encrypt("62010219900517001X")
    settings.PERSONAL_DATA_KEYS = [new_key, old_key]

    rotated = crypto.reencrypt(token)

    settings.PERSONAL_DATA_KEYS = [new_key]
    assert crypto.decrypt(rotated) == "62010219900517001X"
    assert Fernet(new_key.encode()).decrypt(rotated.encode()) == b"62010219900517001X"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)


def test_a_stored_seeker_survives_a_key_rotation(clerk, settings):
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.PERSONAL_DATA_KEYS = [old_key]
    number = national_id()
    seeker = _registered(number, by=clerk)

    settings.PERSONAL_DATA_KEYS = [new_key, old_key]
    seeker.id_number_encrypted = crypto.reencrypt(seeker.id_number_encrypted)
    seeker.save(update_fields=["id_number_encrypted"])
    settings.PERSONAL_DATA_KEYS = [new_key]
    seeker.refresh_from_db()

    assert crypto.decrypt(seeker.id_number_encrypted) == number


def test_a_value_under_a_dropped_key_does_not_open(settings):
    settings.PERSONAL_DATA_KEYS = [Fernet.generate_key().decode()]
    token = crypto.encrypt("62010219900517001X")
    settings.PERSONAL_DATA_KEYS = [Fernet.generate_key().decode()]

    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(token)
    with pytest.raises(crypto.DecryptionError):
        crypto.reencrypt(token)
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt("not a token at all")


@pytest.mark.parametrize("keys", [[], ["not-a-fernet-key"]])
def test_missing_or_malformed_keys_are_a_configuration_error(settings, keys):
    settings.PERSONAL_DATA_KEYS = keys

    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt("62010219900517001X")


# Revealing


def test_revealing_without_the_permission_is_refused_and_logs_nothing(clerk):
    seeker = _registered(national_id(), by=clerk)

    for field in ("id_number", "phone"):
        with pytest.raises(PermissionDenied):
            personal_data_reveal(record=seeker, field=field, by=clerk)

    assert not AuditLog.objects.exists()


def test_an_inactive_user_with_the_permission_cannot_reveal(clerk):
    seeker = _registered(national_id(), by=clerk)
    revealer = _revealer()
    revealer.is_active = False
    revealer.save()

    with pytest.raises(PermissionDenied):
        personal_data_reveal(record=seeker, field="id_number", by=revealer)

    assert not AuditLog.objects.exists()


def test_revealing_with_the_permission_gives_the_number_and_logs_it_once(clerk):
    number = national_id()
    seeker = _registered(number, by=clerk)
    revealer = _revealer()

    value = personal_data_reveal(
        record=seeker, field="id_number", by=revealer, ip_address="10.0.0.7"
    )

    assert value == number
    entry = AuditLog.objects.get()
    assert entry.actor == revealer
    assert entry.action == AuditLog.Action.REVEAL == "reveal"
    assert entry.object_type == "stations.jobseeker"
    assert entry.object_id == str(seeker.pk)
    assert entry.detail == {"field": "id_number"}
    assert entry.ip_address == "10.0.0.7"
    assert number not in str(entry.detail)


def test_revealing_a_phone_gives_the_phone_and_logs_it(clerk):
    seeker = _registered(national_id(), by=clerk, phone="+86 139 3100 0001")
    revealer = _revealer()

    assert personal_data_reveal(record=seeker, field="phone", by=revealer) == "13931000001"
    assert AuditLog.objects.get().detail == {"field": "phone"}
    assert phone_masked(seeker.phone) == "139****0001"
    assert phone_masked(None) == ""


def test_a_superuser_may_reveal_an_employer_owner_id_number():
    number = national_id()
    employer = EmployerFactory.build(credit_code=None, kind=Employer.Kind.INDIVIDUAL)
    id_number_apply(record=employer, raw=number, today=TODAY)
    employer.save()
    superuser = UserFactory(username="root", is_superuser=True)

    assert personal_data_reveal(record=employer, field="id_number", by=superuser) == number
    entry = AuditLog.objects.get()
    assert entry.object_type == "stations.employer"
    assert entry.object_id == str(employer.pk)


def test_revealing_a_seeker_without_an_id_number_gives_an_empty_value_and_still_logs():
    seeker = SeekerFactory()

    assert personal_data_reveal(record=seeker, field="id_number", by=_revealer()) == ""
    assert AuditLog.objects.count() == 1


def test_revealing_an_unknown_field_is_a_programming_error_and_logs_nothing(clerk):
    seeker = _registered(national_id(), by=clerk)

    with pytest.raises(ValueError, match="birth_date"):
        personal_data_reveal(record=seeker, field="birth_date", by=_revealer())

    assert not AuditLog.objects.exists()


def test_no_value_is_revealed_when_the_audit_entry_cannot_be_written(clerk, monkeypatch):
    seeker = _registered(national_id(), by=clerk)
    revealer = _revealer()

    def refuse(**kwargs):
        raise RuntimeError("audit log unavailable")

    monkeypatch.setattr(AuditLog.objects, "create", refuse)

    with pytest.raises(RuntimeError, match="audit log unavailable"):
        personal_data_reveal(record=seeker, field="id_number", by=revealer)


def test_the_rotation_command_moves_every_id_number_to_the_new_key(settings):
    from django.core.management import call_command

    old_key = settings.PERSONAL_DATA_KEYS[0]
    numbers = [national_id() for _ in range(3)]
    for number in numbers:
        _registered(number, by=None)
    new_key = Fernet.generate_key().decode()
    settings.PERSONAL_DATA_KEYS = [new_key, old_key]
    call_command("rotate_personal_data_key", stdout=StringIO())
    settings.PERSONAL_DATA_KEYS = [new_key]  # the old key is gone now
    stored = JobSeeker.objects.order_by("pk").values_list("id_number_encrypted", flat=True)
    assert sorted(crypto.decrypt(token) for token in stored) == sorted(numbers)
