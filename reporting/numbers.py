"""Numbers as the bulletins write them, in Chinese and in English.

Chinese bulletins write large figures in 万 (10^4) and 亿 (10^8): 6,231,000,000 yuan is
"62.31亿元", 60,502 people "6.05万人", 834,000 yuan "83.4万元"; small counts are exact
("6343人"). English bulletins group thousands ("60,502") and write amounts in millions and
billions ("6.231 billion yuan", "179 million yuan"). Trailing zeros are dropped ("18.2万个").
Pure functions: no database, no active language (the caller passes it).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

ZH = "zh-hans"
EN = "en"

WAN = Decimal(10_000)
YI = Decimal(100_000_000)
MILLION = Decimal(1_000_000)
BILLION = Decimal(1_000_000_000)

# The word after a Chinese figure, by unit; a count's word depends on what it counts.
UNIT_WORDS_ZH = {
    "persons": "人",
    "person_times": "人次",
    "households": "户",
    "yuan": "元",
    "percent": "%",
}
DEFAULT_COUNTER_WORD = "个"
# Counter words (量词) of the count indicators, as the bulletins use them: fairs are held in
# 场, jobs and stations counted in 个, enterprises in 户 (insured units) or 家, cases in 件.
COUNTER_WORDS = {
    "fairs_held": "场",
    "special_fairs_held": "场",
    "live_broadcasts": "场",
    "veteran_fairs_held": "场",
    "fair_jobs_offered": "个",
    "veteran_fair_jobs_offered": "个",
    "posts_openings": "个",
    "stations_operating": "个",
    "rural_workshops": "个",
    "station_employers_served": "家",
    "ui_units_reduced": "户",
    "social_insurance_deferred_enterprises": "户",
    "job_stability_refund_enterprises": "家",
    "retention_subsidy_enterprises": "家",
    "guarantee_loan_enterprises": "家",
    "arrears_cases": "件",
}


def unit_word_zh(unit: str, code: str | None = None) -> str:
    """The word written after a Chinese figure: 人, 人次, 户, 元, %, or the counter word."""
    if unit == "count":
        return COUNTER_WORDS.get(code or "", DEFAULT_COUNTER_WORD)
    return UNIT_WORDS_ZH.get(unit, "")


def trimmed(value: Decimal, places: int) -> str:
    """``value`` rounded half up to at most ``places`` decimals, without trailing zeros:
    trimmed(Decimal("18.20"), 2) == "18.2", trimmed(Decimal("179.00"), 2) == "179"."""
    rounded = value.quantize(Decimal(1).scaleb(-places), ROUND_HALF_UP)
    text = f"{rounded:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return "0" if text in ("-0", "") else text


def grouped(value: Decimal, places: int = 2) -> str:
    """Thousands separated by commas, decimals trimmed: grouped(Decimal(60502)) == "60,502"."""
    text = trimmed(value, places)
    sign = "-" if text.startswith("-") else ""
    whole, _, fraction = text.lstrip("-").partition(".")
    whole = f"{int(whole):,}"
    return sign + whole + (f".{fraction}" if fraction else "")


def _scaled(value: Decimal, scales: list[tuple[Decimal, str, int]]) -> tuple[str, str] | None:
    """``value`` at the largest scale (largest first) it reaches, as (digits, scale word);
    None below every scale. When rounding reaches the next scale up, that one is used:
    99,999,999 is "1亿", not "10000万"."""
    for index, (size, word, places) in enumerate(scales):
        if value < size:
            continue
        digits = trimmed(value / size, places)
        if index > 0 and Decimal(digits) * size >= scales[index - 1][0]:
            larger, larger_word, larger_places = scales[index - 1]
            return trimmed(value / larger, larger_places), larger_word
        return digits, word
    return None


def _signed(value: Decimal, text_of_magnitude: str) -> str:
    return ("-" if value < 0 else "") + text_of_magnitude


def format_zh(value: Decimal | int, unit: str, code: str | None = None) -> str:
    """A figure as a Chinese bulletin writes it, with its unit word.

    Amounts of yuan from 1万 up, and counts of 10,000 and more, in 万 or 亿 with up to two
    decimals; smaller figures exact: 6,231,000,000 yuan -> "62.31亿元", 60,502 persons ->
    "6.05万人", 6,343 persons -> "6343人"."""
    value = Decimal(value)
    if unit == "percent":
        return format_percent(value)
    word = unit_word_zh(unit, code)
    magnitude = abs(value)
    scaled = _scaled(magnitude, [(YI, "亿", 2), (WAN, "万", 2)])
    if scaled is None:
        return _signed(value, trimmed(magnitude, 2) + word)
    digits, scale = scaled
    return _signed(value, f"{digits}{scale}{word}")


def format_en(value: Decimal | int, unit: str) -> str:
    """A figure as an English bulletin writes it: counts grouped ("60,502", from a million
    "5.243 million"), yuan with the word ("834,000 yuan", "179 million yuan", "6.231 billion
    yuan"), percentages "33.26%". Counts carry no unit word: the sentence names them."""
    value = Decimal(value)
    if unit == "percent":
        return format_percent(value)
    magnitude = abs(value)
    if unit == "yuan":
        scaled = _scaled(magnitude, [(BILLION, "billion", 3), (MILLION, "million", 2)])
        text = f"{scaled[0]} {scaled[1]}" if scaled else grouped(magnitude)
        return _signed(value, f"{text} yuan")
    scaled = _scaled(magnitude, [(MILLION, "million", 3)])
    return _signed(value, f"{scaled[0]} {scaled[1]}" if scaled else grouped(magnitude))


def format_figure(value: Decimal | int, unit: str, language: str, code: str | None = None) -> str:
    """A figure in ``language`` ("zh-hans" or "en")."""
    if language.startswith("en"):
        return format_en(value, unit)
    return format_zh(value, unit, code)


def format_percent(value: Decimal | int) -> str:
    """A percentage with up to two decimals: "33.26%", "29.2%", "110%"."""
    return f"{trimmed(Decimal(value), 2)}%"
