"""Employers: registration by credit code or owner's ID number, and verification."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import Conflict, DomainError
from stations.models import Employer, Region
from stations.services.identity import id_number_apply
from stations.validators import normalize_mobile_phone, validate_credit_code

EMPLOYER_FIELDS = frozenset(
    {"name", "kind", "contact_name", "region", "latitude", "longitude", "registering_station"}
)


def _apply_identity(
    employer: Employer, *, credit_code: str | None, owner_id_number: str | None, now: dt.datetime
) -> None:
    if credit_code:
        code = credit_code.strip().upper()
        try:
            validate_credit_code(code)
        except ValidationError as error:
            raise DomainError.from_validation_error(error, field="credit_code") from error
        employer.credit_code = code
    if owner_id_number:
        id_number_apply(record=employer, raw=owner_id_number, today=timezone.localdate(now))


def _contact_phone(raw: str | None) -> str:
    if not raw:
        return ""
    try:
        return normalize_mobile_phone(raw)
    except ValidationError as error:
        raise DomainError.from_validation_error(error, field="contact_phone") from error


def _save(employer: Employer, by: User | None) -> Employer:
    if not employer.credit_code and not employer.id_number_hash:
        raise DomainError(
            _(
                "An employer needs a unified social credit code or, for an individual or "
                "household, the owner's ID number."
            ),
            field_errors={"credit_code": [_("or the owner's ID number")]},
        )
    employer._history_user = by  # type: ignore[attr-defined]
    try:
        with transaction.atomic():
            employer.save()
    except IntegrityError as error:
        raise Conflict(
            _("An employer with this credit code or owner's ID number is registered already."),
            field_errors={"credit_code": [_("already registered")]},
        ) from error
    return employer


@transaction.atomic
def employer_register(
    *,
    name: str,
    kind: str,
    region: Region,
    by: User | None,
    now: dt.datetime,
    credit_code: str | None = None,
    owner_id_number: str | None = None,
    contact_phone: str | None = None,
    **details: Any,
) -> Employer:
    unknown = set(details) - EMPLOYER_FIELDS
    if unknown:
        raise TypeError(f"Unknown employer fields: {sorted(unknown)}")
    employer = Employer(
        name=name.strip(),
        kind=kind,
        region=region,
        contact_phone=_contact_phone(contact_phone),
        **details,
    )
    _apply_identity(employer, credit_code=credit_code, owner_id_number=owner_id_number, now=now)
    return _save(employer, by)


@transaction.atomic
def employer_update(
    *,
    employer: Employer,
    by: User | None,
    now: dt.datetime,
    credit_code: str | None = None,
    owner_id_number: str | None = None,
    contact_phone: str | None = None,
    **changes: Any,
) -> Employer:
    unknown = set(changes) - EMPLOYER_FIELDS
    if unknown:
        raise TypeError(f"Unknown employer fields: {sorted(unknown)}")
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    for field, value in changes.items():
        setattr(employer, field, value)
    if contact_phone is not None:
        employer.contact_phone = _contact_phone(contact_phone)
    if owner_id_number and employer.id_number_hash:
        raise DomainError(
            _("The owner's ID number cannot be changed once recorded."),
            field_errors={"owner_id_number": [_("already recorded")]},
        )
    _apply_identity(employer, credit_code=credit_code, owner_id_number=owner_id_number, now=now)
    return _save(employer, by)


@transaction.atomic
def employer_verify(*, employer: Employer, by: User | None, now: dt.datetime) -> Employer:
    """Staff checked the employer's papers: its posts may open from now on."""
    employer = Employer.objects.select_for_update().get(pk=employer.pk)
    if employer.verified_at is None:
        employer.verified_at = now
        employer._history_user = by  # type: ignore[attr-defined]
        employer.save(update_fields=["verified_at", "updated_at"])
    return employer
