from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from stations.validators import (
    CREDIT_CODE_ALPHABET,
    PROVINCE_PREFIXES,
    Sex,
    credit_code_check_character,
    mask_national_id,
    mask_phone,
    national_id_check_character,
    normalize_mobile_phone,
    parse_national_id,
    validate_credit_code,
    validate_mobile_phone,
)

TODAY = dt.date(2026, 3, 2)
ID_CHARACTERS = "0123456789X"
# Characters a typist might put in a credit code: the alphabet and the five letters GB 32100
# leaves out (I, O, S, V, Z) because they look like digits.
CREDIT_CODE_TYPED = CREDIT_CODE_ALPHABET + "IOSVZ"

hypothesis_settings = settings(max_examples=200, deadline=None)


def _national_id(prefix: str, rest_of_region: str, born: dt.date, sequence: int) -> str:
    first17 = f"{prefix}{rest_of_region}{born:%Y%m%d}{sequence:03d}"
    return first17 + national_id_check_character(first17)


national_ids = st.builds(
    _national_id,
    st.sampled_from(sorted(PROVINCE_PREFIXES)),
    st.text("0123456789", min_size=4, max_size=4),
    st.dates(min_value=dt.date(1900, 1, 1), max_value=TODAY),
    st.integers(min_value=0, max_value=999),
)


def _credit_code(first17: str) -> str:
    return first17 + credit_code_check_character(first17)


credit_codes = st.builds(
    lambda head, region, organisation: _credit_code(head + region + organisation),
    st.text(CREDIT_CODE_ALPHABET, min_size=2, max_size=2),
    st.text("0123456789", min_size=6, max_size=6),
    st.text(CREDIT_CODE_ALPHABET, min_size=9, max_size=9),
)


def _substituted(value: str, position: int, replacement: str) -> str:
    return value[:position] + replacement + value[position + 1 :]


# National ID numbers (GB 11643)


@hypothesis_settings
@given(number=national_ids)
def test_a_valid_national_id_is_accepted_and_gives_birth_date_and_sex(number):
    parsed = parse_national_id(number, today=TODAY)

    assert parsed.number == number
    assert parsed.birth_date == dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    assert parsed.sex == (Sex.MALE if int(number[16]) % 2 == 1 else Sex.FEMALE)


@hypothesis_settings
@given(number=national_ids, data=st.data())
def test_changing_any_one_character_of_a_national_id_makes_it_invalid(number, data):
    position = data.draw(st.integers(min_value=0, max_value=17), label="position")
    replacement = data.draw(
        st.sampled_from([c for c in ID_CHARACTERS if c != number[position]]), label="replacement"
    )

    with pytest.raises(ValidationError) as refused:
        parse_national_id(_substituted(number, position, replacement), today=TODAY)

    assert refused.value.code in {
        "invalid_national_id_format",
        "invalid_national_id_region",
        "invalid_national_id_birth_date",
        "invalid_national_id_checksum",
    }


@hypothesis_settings
@given(number=national_ids)
def test_a_lowercase_x_check_character_is_accepted_and_stored_as_a_capital(number):
    # The same region and birth date with the first sequence number that gives an X.
    born = parse_national_id(number, today=TODAY).birth_date
    with_x = next(
        candidate
        for sequence in range(1000)
        if (candidate := _national_id(number[:2], number[2:6], born, sequence)).endswith("X")
    )

    parsed = parse_national_id(with_x[:17] + "x", today=TODAY)

    assert parsed.number == with_x


def test_the_worked_example_of_the_national_id_check_character_holds():
    assert national_id_check_character("11010519491231002") == "X"


def test_a_published_example_number_gives_a_woman_born_on_the_last_day_of_1949():
    parsed = parse_national_id("11010519491231002X", today=TODAY)

    assert parsed.birth_date == dt.date(1949, 12, 31)
    assert parsed.sex == Sex.FEMALE
    assert parsed.masked == "110105********002X"


def test_spaces_and_surrounding_whitespace_are_ignored():
    parsed = parse_national_id("  110105 19491231 002x\n", today=TODAY)

    assert parsed.number == "11010519491231002X"


def test_an_odd_seventeenth_digit_means_male():
    number = _national_id("62", "0102", dt.date(1990, 5, 17), 123)

    assert parse_national_id(number, today=TODAY).sex == Sex.MALE


def test_a_birth_date_after_today_is_refused():
    tomorrow = TODAY + dt.timedelta(days=1)
    number = _national_id("62", "0102", tomorrow, 12)

    with pytest.raises(ValidationError) as refused:
        parse_national_id(number, today=TODAY)

    assert refused.value.code == "invalid_national_id_birth_date"
    assert parse_national_id(number, today=tomorrow).birth_date == tomorrow


def test_a_person_born_today_is_accepted():
    number = _national_id("62", "0102", TODAY, 12)

    assert parse_national_id(number, today=TODAY).birth_date == TODAY


@pytest.mark.parametrize(
    "birth_digits",
    ["18991231", "19900230", "19900229", "19901301", "19900100", "00000000"],
)
def test_a_birth_date_that_does_not_exist_or_is_before_1900_is_refused(birth_digits):
    first17 = f"620102{birth_digits}123"
    number = first17 + national_id_check_character(first17)

    with pytest.raises(ValidationError) as refused:
        parse_national_id(number, today=TODAY)

    assert refused.value.code == "invalid_national_id_birth_date"


def test_the_29th_of_february_of_a_leap_year_is_a_birth_date():
    number = _national_id("62", "0102", dt.date(2000, 2, 29), 12)

    assert parse_national_id(number, today=TODAY).birth_date == dt.date(2000, 2, 29)


@pytest.mark.parametrize("prefix", ["00", "10", "19", "66", "72", "84", "99"])
def test_a_number_without_a_province_prefix_is_refused(prefix):
    number = _national_id(prefix, "0102", dt.date(1990, 5, 17), 12)

    with pytest.raises(ValidationError) as refused:
        parse_national_id(number, today=TODAY)

    assert refused.value.code == "invalid_national_id_region"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "11010519491231002",
        "11010519491231002X0",
        "1101051949123100XX",
        "X1010519491231002X",
        "11010519491231002Y",
        "110105194912310-2X",
        # An old 15-digit number (before 1999) has no check character and is not accepted.
        "110105491231002",
    ],
)
def test_a_number_of_the_wrong_shape_is_refused_as_a_format_error(raw):
    with pytest.raises(ValidationError) as refused:
        parse_national_id(raw, today=TODAY)

    assert refused.value.code == "invalid_national_id_format"


@pytest.mark.parametrize(
    "raw",
    [
        # Full-width digits, as a Chinese input method in full-width mode types them.
        "11０１０５１９４９１２３１００２X",
        # Arabic-Indic digits are digits to Python's \d as well.
        "110105194912310٠٢X",
    ],
)
def test_digits_other_than_ascii_are_refused(raw):
    with pytest.raises(ValidationError) as refused:
        parse_national_id(raw, today=TODAY)

    assert refused.value.code == "invalid_national_id_format"


# Unified social credit codes (GB 32100)


@hypothesis_settings
@given(code=credit_codes)
def test_a_valid_credit_code_is_accepted(code):
    validate_credit_code(code)


@hypothesis_settings
@given(code=credit_codes, data=st.data())
def test_changing_any_one_character_of_a_credit_code_makes_it_invalid(code, data):
    position = data.draw(st.integers(min_value=0, max_value=17), label="position")
    replacement = data.draw(
        st.sampled_from([c for c in CREDIT_CODE_TYPED if c != code[position]]), label="replacement"
    )

    with pytest.raises(ValidationError) as refused:
        validate_credit_code(_substituted(code, position, replacement))

    assert refused.value.code in {"invalid_credit_code_format", "invalid_credit_code_checksum"}


@pytest.mark.parametrize(
    "code",
    [
        "914403001922038216",  # Huawei Technologies Co., Ltd.
        "9144030071526726XG",  # Shenzhen Tencent Computer Systems Co., Ltd.
        "91350100M000100Y43",  # the worked example in GB 32100
    ],
)
def test_real_credit_codes_are_accepted(code):
    validate_credit_code(code)


def test_the_worked_example_of_the_credit_code_check_character_holds():
    assert credit_code_check_character("91350100M000100Y4") == "3"


def test_a_check_character_of_zero_comes_from_a_weighted_sum_divisible_by_31():
    first17 = next(
        head for n in range(1000) if credit_code_check_character(head := f"91620102{n:09d}") == "0"
    )

    validate_credit_code(first17 + "0")


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "91440300192203821",
        "9144030019220382160",
        "9144030071526726xg",
        "9I4403001922038216",
        "914403A01922038216",
        "91440300192203821 ",
        # A full-width digit in the region code is not one of the 31 characters.
        "９14403001922038216",
        "914４03001922038216",
    ],
)
def test_a_credit_code_of_the_wrong_shape_is_refused_as_a_format_error(raw):
    with pytest.raises(ValidationError) as refused:
        validate_credit_code(raw)

    assert refused.value.code == "invalid_credit_code_format"


# Mobile phone numbers


@pytest.mark.parametrize(
    "raw",
    [
        "13800138000",
        " 13800138000 ",
        "+86 138-0013-8000",
        "+8613800138000",
        "0086 138 0013 8000",
        "(+86) 138 0013 8000",
        "138\u30000013\u30008000",
    ],
)
def test_a_mobile_number_is_normalised_to_eleven_digits(raw):
    assert normalize_mobile_phone(raw) == "13800138000"


@pytest.mark.parametrize(
    "raw",
    [
        "",
        "12800138000",
        "10800138000",
        "1380013800",
        "138001380000",
        "23800138000",
        "+1 138 0013 8000",
        "86 138 0013 8000",
        "0931-8888888",
        "138001380OO",
        "13８00138000",
    ],
)
def test_a_number_that_is_not_a_mainland_mobile_number_is_refused(raw):
    with pytest.raises(ValidationError) as refused:
        normalize_mobile_phone(raw)

    assert refused.value.code == "invalid_mobile"


def test_only_a_normalised_number_passes_the_model_validator():
    validate_mobile_phone("13800138000")

    with pytest.raises(ValidationError) as refused:
        validate_mobile_phone("+86 138 0013 8000")

    assert refused.value.code == "not_normal"


@hypothesis_settings
@given(number=st.from_regex(r"1[3-9][0-9]{9}", fullmatch=True))
def test_normalising_a_normal_number_changes_nothing(number):
    assert normalize_mobile_phone(number) == number
    assert normalize_mobile_phone(f"+86 {number[:3]}-{number[3:7]}-{number[7:]}") == number


# Masks


def test_a_national_id_shows_its_region_and_last_four_characters_only():
    assert mask_national_id("62010219900101123X") == "620102********123X"
    assert mask_national_id("620102199001011234") == "620102********1234"


def test_a_value_too_short_to_mask_shows_nothing():
    assert mask_national_id("1234567890") == "****"
    assert mask_phone("1234567") == "****"


def test_a_phone_shows_its_first_three_and_last_four_digits_only():
    assert mask_phone("13812345678") == "138****5678"


@hypothesis_settings
@given(number=national_ids)
def test_a_masked_national_id_hides_the_birth_date_and_sequence(number):
    masked = parse_national_id(number, today=TODAY).masked

    assert len(masked) == 18
    assert masked[:6] == number[:6]
    assert masked[6:14] == "*" * 8
    assert masked[14:] == number[14:]
