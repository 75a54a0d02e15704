"""Chinese and English number conventions, checked against the bulletins' own figures."""

from __future__ import annotations

from decimal import Decimal

import pytest

from reporting.numbers import (
    format_en,
    format_figure,
    format_percent,
    format_zh,
    grouped,
    trimmed,
    unit_word_zh,
)


@pytest.mark.parametrize(
    ("value", "unit", "code", "expected"),
    [
        # Lanzhou: labour income 6.231 billion yuan, subsidies 180 million.
        (6_231_000_000, "yuan", None, "62.31亿元"),
        (180_000_000, "yuan", None, "1.8亿元"),
        (326_000_000, "yuan", None, "3.26亿元"),
        # Sanmenxia: 179 million yuan of guarantee loans.
        (179_000_000, "yuan", None, "1.79亿元"),
        (834_000, "yuan", None, "83.4万元"),
        (1_790_000, "yuan", None, "179万元"),
        (38_040_000, "yuan", None, "3804万元"),
        (100_010_000_000, "yuan", None, "1000.1亿元"),
        (9_000, "yuan", None, "9000元"),
        (Decimal("1234.50"), "yuan", None, "1234.5元"),
        (60_502, "persons", None, "6.05万人"),
        (252_500, "persons", None, "25.25万人"),
        (5_243_000, "persons", None, "524.3万人"),
        (6_343, "persons", None, "6343人"),
        (9_999, "persons", None, "9999人"),
        (10_000, "persons", None, "1万人"),
        (8_034, "person_times", None, "8034人次"),
        (15, "households", None, "15户"),
        (182_000, "count", "fair_jobs_offered", "18.2万个"),
        (69, "count", "special_fairs_held", "69场"),
        (27_700, "count", "job_stability_refund_enterprises", "2.77万家"),
        (35_400, "count", "ui_units_reduced", "3.54万户"),
        (14, "count", "arrears_cases", "14件"),
        (94, "count", "no_such_indicator", "94个"),
        (94, "count", None, "94个"),
        (Decimal("33.26"), "percent", None, "33.26%"),
        (0, "persons", None, "0人"),
    ],
)
def test_chinese_conventions(value, unit, code, expected):
    assert format_zh(value, unit, code) == expected
    assert format_figure(value, unit, "zh-hans", code) == expected


def test_chinese_rounding_moves_up_a_scale_instead_of_writing_ten_thousand_wan():
    assert format_zh(99_999_999, "yuan") == "1亿元"
    assert format_zh(99_995, "persons") == "10万人"
    assert format_zh(99_940, "persons") == "9.99万人"


def test_chinese_rounds_half_up():
    assert format_zh(60_550, "persons") == "6.06万人"
    assert format_zh(60_549, "persons") == "6.05万人"


@pytest.mark.parametrize(
    ("value", "unit", "expected"),
    [
        (60_502, "persons", "60,502"),
        (252_500, "persons", "252,500"),
        (6_343, "persons", "6,343"),
        (999_999, "persons", "999,999"),
        (5_243_000, "persons", "5.243 million"),
        (6_231_000_000, "yuan", "6.231 billion yuan"),
        (100_010_000_000, "yuan", "100.01 billion yuan"),
        (179_000_000, "yuan", "179 million yuan"),
        (82_230_000, "yuan", "82.23 million yuan"),
        (834_000, "yuan", "834,000 yuan"),
        (Decimal("707.60"), "yuan", "707.6 yuan"),
        (999_999_999, "yuan", "1 billion yuan"),
        (Decimal("33.26"), "percent", "33.26%"),
        (69, "count", "69"),
    ],
)
def test_english_conventions(value, unit, expected):
    assert format_en(value, unit) == expected
    assert format_figure(value, unit, "en") == expected


def test_percentages_trim_trailing_zeros():
    assert format_percent(Decimal("29.20")) == "29.2%"
    assert format_percent(Decimal("110.00")) == "110%"
    assert format_percent(Decimal("-3.50")) == "-3.5%"
    assert format_percent(Decimal("0.004")) == "0%"


def test_negative_figures_keep_their_sign():
    assert format_zh(-60_502, "persons") == "-6.05万人"
    assert format_en(-834_000, "yuan") == "-834,000 yuan"


def test_helpers():
    assert trimmed(Decimal("18.20"), 2) == "18.2"
    assert trimmed(Decimal("179.00"), 2) == "179"
    assert trimmed(Decimal("-0.001"), 2) == "0"
    assert grouped(Decimal("1234567.5")) == "1,234,567.5"
    assert unit_word_zh("persons") == "人"
    assert unit_word_zh("count", "live_broadcasts") == "场"
    assert unit_word_zh("count") == "个"
