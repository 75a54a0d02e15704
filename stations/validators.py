"""Validators and normalisers for identifiers that staff type or import."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.core.exceptions import ValidationError
from django.db import models
from django.utils.translation import gettext_lazy as _

# re.ASCII: a bare \d also matches full-width and other Unicode digits, which would be stored
# as typed and slip past the uniqueness of phone numbers and the keyed hash of ID numbers.
_MOBILE = re.compile(r"^1[3-9]\d{9}$", re.ASCII)
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
_CREDIT_CODE = re.compile(r"^[0-9A-HJ-NPQRTUWXY]{2}\d{6}[0-9A-HJ-NPQRTUWXY]{10}$", re.ASCII)


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


# GB 11643-1999 citizen identity number: 6-digit address code, birth date YYYYMMDD, 3-digit
# sequence (odd for men, even for women), and a check character from ISO 7064 MOD 11-2.
_NATIONAL_ID = re.compile(r"^\d{17}[\dX]$", re.ASCII)
_NATIONAL_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_NATIONAL_ID_CHECK = "10X98765432"
# Provinces (GB/T 2260) and the residence permits of Hong Kong, Macao and Taiwan residents.
PROVINCE_PREFIXES = frozenset(
    [
        "11",
        "12",
        "13",
        "14",
        "15",
        "21",
        "22",
        "23",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "37",
        "41",
        "42",
        "43",
        "44",
        "45",
        "46",
        "50",
        "51",
        "52",
        "53",
        "54",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "81",
        "82",
        "83",
    ]
)


class Sex(models.TextChoices):
    FEMALE = "female", _("female")
    MALE = "male", _("male")


@dataclass(frozen=True)
class NationalId:
    number: str
    birth_date: date
    sex: Sex

    @property
    def masked(self) -> str:
        return mask_national_id(self.number)


def national_id_check_character(first17: str) -> str:
    """The 18th character from the first 17.

    Worked example: "11010519491231002" weighs to 167; 167 mod 11 = 2 → "X".
    """
    total = sum(int(d) * w for d, w in zip(first17, _NATIONAL_ID_WEIGHTS, strict=True))
    return _NATIONAL_ID_CHECK[total % 11]


def parse_national_id(raw: str, *, today: date) -> NationalId:
    """Validate a national ID number and derive birth date and sex from it."""
    number = raw.strip().upper().replace(" ", "")
    if not _NATIONAL_ID.fullmatch(number):
        raise ValidationError(
            _("A national ID number has 18 characters: 17 digits and a digit or X."),
            code="invalid_national_id_format",
        )
    if number[:2] not in PROVINCE_PREFIXES:
        raise ValidationError(
            _("This national ID number does not start with a province code."),
            code="invalid_national_id_region",
        )
    try:
        birth_date = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        birth_date = None
    if birth_date is None or birth_date.year < 1900 or birth_date > today:
        raise ValidationError(
            _("This national ID number holds no valid birth date."),
            code="invalid_national_id_birth_date",
        )
    if national_id_check_character(number[:17]) != number[17]:
        raise ValidationError(
            _("This national ID number fails its check character (GB 11643)."),
            code="invalid_national_id_checksum",
        )
    sex = Sex.MALE if int(number[16]) % 2 else Sex.FEMALE
    return NationalId(number=number, birth_date=birth_date, sex=sex)


def mask_national_id(number: str) -> str:
    """ "620102199001011234" → "620102********1234": region and last four only."""
    return f"{number[:6]}{'*' * (len(number) - 10)}{number[-4:]}" if len(number) > 10 else "****"


def mask_phone(phone: str) -> str:
    """ "13800138000" → "138****8000"."""
    return f"{phone[:3]}****{phone[-4:]}" if len(phone) >= 8 else "****"
