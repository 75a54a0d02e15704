"""Validators and normalisers for identifiers that staff type or import."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_PHONE_NOISE = re.compile(r"[\s\-()]")


def normalize_mobile_phone(raw: str) -> str:
    """Mainland mobile number as 11 digits: strips spaces, dashes and a +86 / 0086 prefix.

    >>> normalize_mobile_phone("+86 138-0013-8000")
    '13800138000'
    """
    phone = _PHONE_NOISE.sub("", raw.strip())
    for prefix in ("+86", "0086"):
        if phone.startswith(prefix):
            phone = phone[len(prefix) :]
            break
    if not _MOBILE.fullmatch(phone):
        raise ValidationError(
            _("Enter a mainland mobile number: 11 digits starting with 13 to 19."),
            code="invalid_mobile",
        )
    return phone


def validate_mobile_phone(value: str) -> None:
    if normalize_mobile_phone(value) != value:
        raise ValidationError(_("Store mobile numbers normalised to 11 digits."), code="not_normal")


# GB 32100-2015 unified social credit code: 18 characters from a 31-character alphabet
# (digits and capitals without I, O, S, V, Z), the last one a check character.
CREDIT_CODE_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_CREDIT_CODE_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$")


def credit_code_check_character(first17: str) -> str:
    """The 18th character of a unified social credit code from its first 17.

    Worked example: "91350100M000100Y4" weighs to 1,640; 1,640 mod 31 = 28; 31 - 28 = 3 → "3",
    hence the full code "91350100M000100Y43".
    """
    total = sum(
        CREDIT_CODE_ALPHABET.index(char) * weight
        for char, weight in zip(first17, _CREDIT_CODE_WEIGHTS, strict=True)
    )
    return CREDIT_CODE_ALPHABET[(31 - total % 31) % 31]


def validate_credit_code(value: str) -> None:
    if not _CREDIT_CODE.fullmatch(value):
        raise ValidationError(
            _("A unified social credit code has 18 characters: digits and capital letters."),
            code="invalid_credit_code_format",
        )
    if credit_code_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("This unified social credit code fails its check character (GB 32100)."),
            code="invalid_credit_code_checksum",
        )
