"""National ID numbers: validated, encrypted, hashed and masked; revealed only with audit."""

from __future__ import annotations

from datetime import date

from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from core import crypto
from core.audit import audit_record
from core.errors import DomainError
from core.models import AuditLog
from stations.models import Employer, JobSeeker
from stations.validators import NationalId, mask_phone, parse_national_id

ID_NUMBER_HASH_PURPOSE = "national-id"
REVEAL_PERMISSION = "stations.reveal_personal_data"


class InvalidIdNumber(DomainError):
    pass


def id_number_hash(raw: str) -> str:
    """The keyed hash under which an ID number is stored, for exact lookup."""
    return crypto.keyed_hash(raw.strip().upper().replace(" ", ""), purpose=ID_NUMBER_HASH_PURPOSE)


def id_number_apply(*, record: JobSeeker | Employer, raw: str, today: date) -> None:
    """Validate ``raw`` and store it on ``record`` encrypted, hashed and masked (unsaved).

    For a seeker the birth date and sex are derived from the number, never typed.
    """
    try:
        parsed = parse_national_id(raw, today=today)
    except ValidationError as error:
        raise InvalidIdNumber(
            error.messages[0], field_errors={"id_number": error.messages}
        ) from error
    id_number_store(record=record, parsed=parsed)


def id_number_store(
    *, record: JobSeeker | Employer, parsed: NationalId, hashed: str | None = None
) -> None:
    """Store a validated number (``hashed``: its keyed hash, when the caller has it)."""
    record.id_number_encrypted = crypto.encrypt(parsed.number)
    record.id_number_hash = hashed or id_number_hash(parsed.number)
    record.id_number_masked = parsed.masked
    if isinstance(record, JobSeeker):
        record.birth_date = parsed.birth_date
        record.sex = parsed.sex


@transaction.atomic
def personal_data_reveal(
    *, record: JobSeeker | Employer, field: str, by: User, ip_address: str | None = None
) -> str:
    """The clear value of ``field`` ("id_number" or "phone"), written to the audit log first."""
    if not by.has_perm(REVEAL_PERMISSION):
        raise PermissionDenied(_("Revealing personal data needs its own permission."))
    if field == "id_number":
        value = crypto.decrypt(record.id_number_encrypted) if record.id_number_encrypted else ""
    elif field == "phone":
        value = (record.phone if isinstance(record, JobSeeker) else record.contact_phone) or ""
    else:
        raise ValueError(f"No personal field {field!r}")
    audit_record(
        actor=by,
        action=AuditLog.Action.REVEAL,
        object_type=record._meta.label_lower,
        object_id=str(record.pk),
        detail={"field": field},
        ip_address=ip_address,
    )
    return value


def phone_masked(phone: str | None) -> str:
    return mask_phone(phone) if phone else ""
