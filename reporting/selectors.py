"""Reading the facts: figures for a region and a period, with year-on-year change, annual
targets and completion, monthly series, and the records behind a figure.

Periods are ranges of whole months. A distinct-subject figure over a range is the sum of its
months: a person counts once a calendar year (in the month first seen), so a quarter is the
increase of the year-to-date figure over it, as bureaus compute quarters from cumulative
figures; a range across two years counts a person once in each. A balance (stations in
operation) is the running total at the period's end. A ratio divides two figures of the same
period. Every read first applies the changes still pending, so it sees every commit.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.conf import settings
from django.db.models import Q, QuerySet, Sum

from reporting import definitions
from reporting.models import (
    AnnualTarget,
    Fact,
    Indicator,
    IndicatorVersion,
    Measure,
    Outcome,
    Unit,
)
from reporting.services.rollups import rollups_fresh
from stations.models import Region

HUNDRED = Decimal(100)
# Units whose small figures could point at a person; suppressed below the setting.
PERSON_UNITS = frozenset({Unit.PERSONS, Unit.PERSON_TIMES, Unit.HOUSEHOLDS})


def first_of_month(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, count: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + count
    return dt.date(index // 12, index % 12 + 1, 1)


@dataclass(frozen=True)
class Period:
    """The months from ``start`` to ``end`` (first days), both included."""

    start: dt.date
    end: dt.date

    def __post_init__(self) -> None:
        if self.start.day != 1 or self.end.day != 1:
            raise ValueError("a period runs from the first of a month to the first of a month")
        if self.end < self.start:
            raise ValueError("a period ends after it starts")

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        first = dt.date(year, month, 1)
        return cls(first, first)

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        if not 1 <= quarter <= 4:
            raise ValueError("a quarter is 1 to 4")
        start = dt.date(year, 3 * quarter - 2, 1)
        return cls(start, add_months(start, 2))

    @classmethod
    def year_to_date(cls, as_of: dt.date) -> Period:
        """January to the end of ``as_of``'s month: "as of the end of September"."""
        return cls(dt.date(as_of.year, 1, 1), first_of_month(as_of))

    @property
    def months(self) -> list[dt.date]:
        count = (self.end.year - self.start.year) * 12 + self.end.month - self.start.month
        return [add_months(self.start, n) for n in range(count + 1)]

    def year_earlier(self) -> Period:
        return Period(add_months(self.start, -12), add_months(self.end, -12))

    @property
    def within_one_year(self) -> bool:
        return self.start.year == self.end.year

    @property
    def time_progress(self) -> Decimal | None:
        """Share of the year elapsed at the period's end, for a period starting in January
        (Q1: 25%)."""
        if self.start.month != 1 or not self.within_one_year:
            return None
        return _percent(Decimal(self.end.month), Decimal(12))

    def __str__(self) -> str:
        if self.start == self.end:
            return f"{self.start:%Y-%m}"
        return f"{self.start:%Y-%m}..{self.end:%Y-%m}"


def _percent(numerator: Decimal, denominator: Decimal) -> Decimal | None:
    if not denominator:
        return None
    return (numerator * HUNDRED / denominator).quantize(Decimal("0.01"), ROUND_HALF_UP)


@dataclass(frozen=True)
class Figure:
    indicator: Indicator
    version: int
    region: Region
    period: Period
    value: Decimal | None
    year_earlier: Decimal | None
    target: Decimal | None
    suppressed: bool = False

    @property
    def year_on_year(self) -> Decimal | None:
        """Change against the same period a year earlier, in percent."""
        if self.value is None or not self.year_earlier:
            return None
        return _percent(self.value - self.year_earlier, self.year_earlier)

    @property
    def completion(self) -> Decimal | None:
        """Share of the annual target reached, in percent."""
        if self.value is None or self.target is None:
            return None
        return _percent(self.value, self.target)


def current_versions(codes: Iterable[str] | None = None) -> list[IndicatorVersion]:
    versions = IndicatorVersion.objects.filter(superseded_at__isnull=True).select_related(
        "indicator"
    )
    if codes is not None:
        versions = versions.filter(indicator__code__in=list(codes))
    return list(versions.order_by("indicator__sort_order"))


def _sums(
    versions: Sequence[IndicatorVersion], region_ids: Sequence[int], period: Period
) -> dict[tuple[int, int], Decimal]:
    """(version, region) -> the period's figure for every non-ratio version, in two
    grouped queries (flows over the period, balances up to its end)."""
    flows = [v.pk for v in versions if v.measure in (Measure.COUNT, Measure.SUM, Measure.DISTINCT)]
    balances = [v.pk for v in versions if v.measure == Measure.BALANCE]
    found: dict[tuple[int, int], Decimal] = {}
    facts = Fact.objects.filter(region_id__in=list(region_ids))
    for ids, months in ((flows, Q(month__gte=period.start)), (balances, Q())):
        if not ids:
            continue
        for version_id, region_id, total in (
            facts.filter(months, version_id__in=ids, month__lte=period.end)
            .values_list("version_id", "region_id")
            .annotate(total=Sum("value"))
            .values_list("version_id", "region_id", "total")
        ):
            found[(version_id, region_id)] = total
    return found


def _suppressed(indicator: Indicator, value: Decimal | None) -> bool:
    threshold = getattr(settings, "REPORTING_SUPPRESS_BELOW", 0)
    return value is not None and indicator.unit in PERSON_UNITS and 0 < value < threshold


def figures(
    regions: Sequence[Region],
    period: Period,
    *,
    codes: Iterable[str] | None = None,
    versions: Sequence[IndicatorVersion] | None = None,
) -> list[Figure]:
    """Every indicator's figure for each region over ``period``, with the figure a year
    earlier and the annual target (for periods within one year), in four queries."""
    rollups_fresh()
    versions = list(versions) if versions is not None else current_versions(codes)
    by_code = {v.indicator.code: v for v in versions}
    # Ratios read their parts, asked for or not.
    parts = {
        code
        for v in versions
        if v.measure == Measure.RATIO
        for code in (v.definition["numerator"], v.definition["denominator"])
        if code not in by_code
    }
    part_versions = current_versions(parts) if parts else []
    all_versions = [*versions, *part_versions]
    code_of = {v.pk: v.indicator.code for v in all_versions}
    region_ids = [r.pk for r in regions]
    now = _sums(all_versions, region_ids, period)
    before = _sums(all_versions, region_ids, period.year_earlier())
    targets: dict[tuple[str, int], Decimal] = {}
    if period.within_one_year:
        targets = {
            (code, region_id): value
            for code, region_id, value in AnnualTarget.objects.filter(
                region_id__in=region_ids, year=period.end.year
            ).values_list("indicator__code", "region_id", "value")
        }

    def value_of(sums: dict[tuple[int, int], Decimal], code: str, region_id: int) -> Decimal:
        version = by_code.get(code) or next(v for v in part_versions if v.indicator.code == code)
        if version.measure == Measure.RATIO:
            numerator = value_of(sums, version.definition["numerator"], region_id)
            denominator = value_of(sums, version.definition["denominator"], region_id)
            return _percent(numerator, denominator) or Decimal(0)
        return sums.get((version.pk, region_id), Decimal(0))

    result = []
    for region in regions:
        for version in versions:
            code = code_of[version.pk]
            value = value_of(now, code, region.pk)
            earlier = value_of(before, code, region.pk)
            suppressed = _suppressed(version.indicator, value)
            result.append(
                Figure(
                    indicator=version.indicator,
                    version=version.number,
                    region=region,
                    period=period,
                    value=None if suppressed else value,
                    year_earlier=None if _suppressed(version.indicator, earlier) else earlier,
                    target=targets.get((code, region.pk)),
                    suppressed=suppressed,
                )
            )
    return result


@dataclass(frozen=True)
class MonthlyValue:
    region: Region
    indicator: Indicator
    version: int
    month: dt.date
    value: Decimal | None
    suppressed: bool


def monthly_series(
    regions: Sequence[Region],
    period: Period,
    *,
    codes: Iterable[str] | None = None,
    versions: Sequence[IndicatorVersion] | None = None,
) -> list[MonthlyValue]:
    """Each month's figure of each region and non-ratio indicator (balances as running
    totals), zero where nothing counted, in two queries. ``versions`` (superseded ones
    included) instead of the current versions of ``codes``."""
    rollups_fresh()
    chosen = list(versions) if versions is not None else current_versions(codes)
    versions = [v for v in chosen if v.measure != Measure.RATIO]
    region_ids = [r.pk for r in regions]
    values: dict[tuple[int, int, dt.date], Decimal] = defaultdict(Decimal)
    for version_id, region_id, month, value in Fact.objects.filter(
        version__in=[v.pk for v in versions],
        region_id__in=region_ids,
        month__gte=period.start,
        month__lte=period.end,
    ).values_list("version_id", "region_id", "month", "value"):
        values[(version_id, region_id, month)] += value
    opening = _sums(
        [v for v in versions if v.measure == Measure.BALANCE],
        region_ids,
        Period(add_months(period.start, -1), add_months(period.start, -1)),
    )
    months = period.months
    threshold = getattr(settings, "REPORTING_SUPPRESS_BELOW", 0)
    zero = Decimal(0)
    rows = []
    for version in versions:
        indicator, balance = version.indicator, version.measure == Measure.BALANCE
        may_suppress = threshold > 0 and indicator.unit in PERSON_UNITS
        for region in regions:
            version_id, region_id = version.pk, region.pk
            running = opening.get((version_id, region_id), zero)
            for month in months:
                value = values.get((version_id, region_id, month), zero)
                if balance:
                    running += value
                    value = running
                suppressed = may_suppress and 0 < value < threshold
                rows.append(
                    MonthlyValue(
                        region,
                        indicator,
                        version.number,
                        month,
                        None if suppressed else value,
                        suppressed,
                    )
                )
    return rows


def figure_records(version: IndicatorVersion, region: Region, period: Period) -> QuerySet[Outcome]:
    """The outcome records a figure counts (drill-through): every matching record under the
    region in the period (a balance: up to its end). For a distinct figure the records of a
    subject already counted earlier in the year are listed too; the figure counts subjects."""
    if version.measure == Measure.RATIO:
        raise ValueError("a ratio has no records of its own; open its two parts")
    rollups_fresh()
    rows = Outcome.objects.filter(
        definitions.as_q(version.definition),
        region__ancestor_links__ancestor=region,
        month__lte=period.end,
    )
    if version.measure != Measure.BALANCE:
        rows = rows.filter(month__gte=period.start)
    return rows.select_related("region").order_by("month", "pk")


def region_with_children(region: Region, *, children: bool) -> list[Region]:
    """The region, and its direct children (by code) when asked for."""
    if not children:
        return [region]
    return [region, *Region.objects.filter(parent=region).order_by("code")]


def indicator_versions(
    codes: Sequence[str] | None, *, number: int | None = None
) -> list[IndicatorVersion]:
    """The current versions of ``codes`` (every indicator when None), or version ``number``
    of them."""
    if number is None:
        return current_versions(codes)
    versions = IndicatorVersion.objects.filter(number=number).select_related("indicator")
    if codes is not None:
        versions = versions.filter(indicator__code__in=list(codes))
    return list(versions.order_by("indicator__sort_order"))


def catalogue_list() -> list[IndicatorVersion]:
    """Every indicator with its current version, in the bulletins' order."""
    return current_versions()


def ledger_indicators() -> QuerySet[Indicator]:
    """Indicators whose current definition counts programme ledger entries: the only ones
    a ledger entry may be for."""
    return Indicator.objects.filter(
        versions__superseded_at__isnull=True, versions__definition__kinds__contains=["ledger"]
    ).order_by("sort_order")
