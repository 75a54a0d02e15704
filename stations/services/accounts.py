"""Seekers log in to the app by phone: a one-time code by SMS, then a per-device token.

Codes are kept only as keyed hashes, expire after ``LOGIN_CODE_TTL_SECONDS``, allow
``LOGIN_CODE_ATTEMPTS`` tries, are compared in constant time and are sent at most so many
times an hour per phone and per client address. A first login by a phone nobody has on file
registers a seeker, who staff verify by real name later.
"""

from __future__ import annotations

import datetime as dt
import hmac
import secrets

from django.conf import settings
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from core.crypto import keyed_hash
from core.errors import DomainError
from stations.models import JobSeeker, LoginCode, Region
from stations.services.changes import seeker_changed
from stations.validators import normalize_mobile_phone, validate_mobile_phone


class TooManyRequests(DomainError):
    status_code = 429
    code = "throttled"


class LoginRefused(DomainError):
    status_code = 400
    code = "login_refused"


def normalized_phone(raw: str) -> str:
    try:
        phone = normalize_mobile_phone(raw or "")
        validate_mobile_phone(phone)
        if len(phone) != 11 or not phone.startswith("1") or not phone.isdigit():
            raise ValidationError("")
    except ValidationError as error:
        raise DomainError(
            _("Enter a mainland mobile number of 11 digits."),
            field_errors={"phone": [_("not a mobile number")]},
        ) from error
    return phone


def _code_hash(phone: str, code: str) -> str:
    return keyed_hash(f"{phone}:{code}", purpose="login-code")


@transaction.atomic
def login_code_send(*, phone: str, client_ip: str | None, now: dt.datetime) -> LoginCode:
    """Send a new code to ``phone`` (by SMS, through the outbox); earlier ones stop working."""
    # Outbox imports stations: imported on use (see stations/services/changes.py).
    from matching.services.outbox import notify_phone

    phone = normalized_phone(phone)
    hour_ago = now - dt.timedelta(hours=1)
    if (
        LoginCode.objects.filter(phone=phone, created_at__gte=hour_ago).count()
        >= settings.LOGIN_CODES_PER_PHONE_PER_HOUR
    ) or (
        client_ip
        and LoginCode.objects.filter(client_ip=client_ip, created_at__gte=hour_ago).count()
        >= settings.LOGIN_CODES_PER_IP_PER_HOUR
    ):
        raise TooManyRequests(_("Too many codes requested; try again in an hour."))
    LoginCode.objects.filter(phone=phone, consumed_at__isnull=True).update(consumed_at=now)
    code = f"{secrets.randbelow(10**6):06d}"
    login_code = LoginCode.objects.create(
        phone=phone,
        code_hash=_code_hash(phone, code),
        created_at=now,
        expires_at=now + dt.timedelta(seconds=settings.LOGIN_CODE_TTL_SECONDS),
        client_ip=client_ip,
    )
    seeker = JobSeeker.objects.filter(phone=phone, merged_into__isnull=True).first()
    notify_phone(
        phone=phone,
        seeker=seeker,
        template="login_code",
        context={"code": code},
        dedup_key=f"login_code:{login_code.pk}",
        language=seeker.preferred_language if seeker else settings.LANGUAGE_CODE,
        now=now,
    )
    return login_code


def _refused() -> LoginRefused:
    return LoginRefused(
        _("The code is wrong or has expired; ask for a new one."),
        field_errors={"code": [_("wrong or expired")]},
    )


def login_code_verify(*, phone: str, code: str, now: dt.datetime) -> tuple[JobSeeker, bool]:
    """The seeker whose phone received ``code``, with an account, and whether this login
    registered them."""
    phone = normalized_phone(phone)
    with transaction.atomic():
        login_code = (
            LoginCode.objects.select_for_update()
            .filter(phone=phone, consumed_at__isnull=True, expires_at__gt=now)
            .order_by("-created_at")
            .first()
        )
        if login_code is None or login_code.attempts >= settings.LOGIN_CODE_ATTEMPTS:
            raise _refused()
        login_code.attempts += 1
        matches = hmac.compare_digest(login_code.code_hash, _code_hash(phone, str(code)))
        if matches:
            login_code.consumed_at = now
        login_code.save(update_fields=["attempts", "consumed_at"])
    if not matches:
        raise _refused()
    return _seeker_with_account(phone, now)


@transaction.atomic
def _seeker_with_account(phone: str, now: dt.datetime) -> tuple[JobSeeker, bool]:
    seeker = (
        JobSeeker.objects.select_for_update().filter(phone=phone, merged_into__isnull=True).first()
    )
    registered = seeker is None
    if seeker is None:
        region = Region.objects.filter(code=settings.SELF_REGISTRATION_REGION).first()
        if region is None:
            raise DomainError(_("Registration by phone is not open here; visit a station."))
        try:
            with transaction.atomic():
                seeker = JobSeeker.objects.create(
                    full_name="",
                    phone=phone,
                    household=JobSeeker.Household.UNSTATED,
                    residence_region=region,
                )
        except IntegrityError:
            # The same phone's first login on two devices at once: the other one registered.
            seeker = JobSeeker.objects.select_for_update().get(phone=phone)
            registered = False
        else:
            seeker_changed(seeker.pk)
    if seeker.user_id is None:
        seeker.user = User.objects.create_user(username=f"seeker-{seeker.pk}", password=None)
        seeker.save(update_fields=["user", "updated_at"])
    return seeker, registered
