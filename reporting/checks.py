"""Plausibility checks before a figure is published.

The Binzhou bulletin printed a "completion rate of 1042%" and an "employment rate of 9425%":
figures typed from spreadsheets go out wrong. Each check raises a warning for the editor
naming the indicator, region, period and figures, with a reference to the records behind
them. Warnings are listed beside a bulletin, never printed in it.

- a share above 100% where the indicator cannot exceed it (``Indicator.at_most_100``);
- a completion rate above ``settings.REPORTING_COMPLETION_MAX`` percent;
- a month-on-month change above ``settings.REPORTING_JUMP_MAX`` percent from a month of at
  least ``settings.REPORTING_JUMP_MIN_BASE``;
- a child region's figure larger than its parent's (every indicator but ratios: a region's
  figure includes its children's, so this means the facts are wrong).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext as _

from reporting.models import AnnualTarget, Fact, IndicatorVersion, Measure
from reporting.numbers import format_figure, format_percent
from reporting.selectors import (
    HUNDRED,
    Figure,
    MonthlyValue,
    Period,
    add_months,
    current_versions,
    figures,
    monthly_series,
)
from stations.models import Region

ABOVE_100 = "above_100"
COMPLETION = "completion_too_high"
JUMP = "month_on_month_jump"
CHILD_ABOVE_PARENT = "child_above_parent"

RECORDS_API = "/api/v1/reports/records"
OUTCOME_CHANGELIST = "/admin/reporting/outcome/"


@dataclass(frozen=True)
class RecordsReference:
    """Where the records behind a figure are listed: the reports API and the admin."""

    indicator: str
    region: str
    start: str
    end: str
    api: str
    admin: str


@dataclass(frozen=True)
class PlausibilityWarning:
    kind: str
    indicator: str
    indicator_name: str
    region: str
    region_name: str
    period: str
    figures: dict[str, str]
    records: RecordsReference
    message: str
    parent_region: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """JSON-serialisable (the month close stores it)."""
        return dataclasses.asdict(self)


def records_reference(
    version: IndicatorVersion, region: Region, period: Period
) -> RecordsReference:
    """The drill-through of a figure. A ratio has no records of its own: its numerator's
    records are what made it too high."""
    code = version.indicator.code
    if version.measure == Measure.RATIO:
        code = version.definition["numerator"]
    start, end = f"{period.start:%Y-%m}", f"{period.end:%Y-%m}"
    api = f"{RECORDS_API}?" + urlencode(
        {"indicator": code, "region": region.code, "from": start, "to": end}
    )
    # The changelist filters on the outcome's own columns only (admin refuses lookups across
    # relations it does not list): the months, and the kinds when the definition names them.
    query: dict[str, str] = {
        "month__gte": period.start.isoformat(),
        "month__lte": period.end.isoformat(),
    }
    kinds = version.definition.get("kinds")
    if kinds:
        query["kind__in"] = ",".join(kinds)
    admin = f"{OUTCOME_CHANGELIST}?" + urlencode(query)
    return RecordsReference(code, region.code, start, end, api, admin)


def _value(figure: Figure, value: Decimal, language: str) -> str:
    return format_figure(value, figure.indicator.unit, language, figure.indicator.code)


def _language() -> str:
    return translation.get_language() or settings.LANGUAGE_CODE


def _ratio_and_completion(
    figure: Figure, version: IndicatorVersion, language: str
) -> list[PlausibilityWarning]:
    above_100 = figure.indicator.at_most_100 and figure.value is not None and figure.value > HUNDRED
    completion = figure.completion
    maximum = Decimal(settings.REPORTING_COMPLETION_MAX)
    if not above_100 and (completion is None or completion <= maximum):
        # The usual case, and a month's close checks tens of thousands of figures: nothing
        # is named or linked for a figure that raises nothing.
        return []
    found = []
    names = {
        "indicator": figure.indicator.name,
        "region": figure.region.name,
        "period": str(figure.period),
    }
    reference = records_reference(version, figure.region, figure.period)
    if above_100:
        assert figure.value is not None
        found.append(
            PlausibilityWarning(
                kind=ABOVE_100,
                indicator=figure.indicator.code,
                indicator_name=figure.indicator.name,
                region=figure.region.code,
                region_name=figure.region.name,
                period=str(figure.period),
                figures={"value": str(figure.value)},
                records=reference,
                message=_(
                    "%(indicator)s, %(region)s, %(period)s: %(value)s is above 100%%, "
                    "which this share cannot be."
                )
                % {**names, "value": format_percent(figure.value)},
            )
        )
    if completion is not None and completion > maximum:
        # A completion has both.
        assert figure.value is not None
        assert figure.target is not None
        found.append(
            PlausibilityWarning(
                kind=COMPLETION,
                indicator=figure.indicator.code,
                indicator_name=figure.indicator.name,
                region=figure.region.code,
                region_name=figure.region.name,
                period=str(figure.period),
                figures={
                    "value": str(figure.value),
                    "target": str(figure.target),
                    "completion": str(completion),
                },
                records=reference,
                message=_(
                    "%(indicator)s, %(region)s, %(period)s: %(value)s is %(completion)s of "
                    "the annual target of %(target)s, above the %(maximum)s that is "
                    "plausible."
                )
                % {
                    **names,
                    "value": _value(figure, figure.value, language),
                    "target": _value(figure, figure.target, language),
                    "completion": format_percent(completion),
                    "maximum": format_percent(maximum),
                },
            )
        )
    return found


def _jumps(
    series: Sequence[MonthlyValue],
    versions: dict[str, IndicatorVersion],
    months: Sequence[dt.date],
    language: str,
) -> list[PlausibilityWarning]:
    """Month-on-month changes beyond the threshold, for each of ``months`` against the
    month before it (both in ``series``)."""
    maximum = Decimal(settings.REPORTING_JUMP_MAX)
    minimum_base = Decimal(settings.REPORTING_JUMP_MIN_BASE)
    by_key = {(row.region.pk, row.indicator.code, row.month): row for row in series}
    found = []
    for row in series:
        if row.month not in months:
            continue
        base = by_key.get((row.region.pk, row.indicator.code, add_months(row.month, -1)))
        if base is None or base.value is None or row.value is None:
            continue
        if base.value < minimum_base:
            continue
        change = (row.value - base.value) * HUNDRED / base.value
        if abs(change) <= maximum:
            continue
        change = change.quantize(Decimal("0.01"))
        unit, code = row.indicator.unit, row.indicator.code
        period = Period(base.month, row.month)
        found.append(
            PlausibilityWarning(
                kind=JUMP,
                indicator=code,
                indicator_name=row.indicator.name,
                region=row.region.code,
                region_name=row.region.name,
                period=f"{row.month:%Y-%m}",
                figures={
                    "value": str(row.value),
                    "base": str(base.value),
                    "change": str(change),
                },
                records=records_reference(versions[code], row.region, period),
                message=_(
                    "%(indicator)s, %(region)s: %(value)s in %(month)s against %(base)s in "
                    "%(base_month)s, a change of %(change)s (more than %(maximum)s)."
                )
                % {
                    "indicator": row.indicator.name,
                    "region": row.region.name,
                    "value": format_figure(row.value, unit, language, code),
                    "month": f"{row.month:%Y-%m}",
                    "base": format_figure(base.value, unit, language, code),
                    "base_month": f"{base.month:%Y-%m}",
                    "change": format_percent(change),
                    "maximum": format_percent(maximum),
                },
            )
        )
    return found


def _children_above_parents(
    found_figures: Sequence[Figure], versions: dict[str, IndicatorVersion], language: str
) -> list[PlausibilityWarning]:
    by_key = {(f.region.pk, f.indicator.code): f for f in found_figures}
    found = []
    for child in found_figures:
        if versions[child.indicator.code].measure == Measure.RATIO:
            continue
        parent = by_key.get((child.region.parent_id or 0, child.indicator.code))
        if parent is None or child.value is None or parent.value is None:
            continue
        if child.value <= parent.value:
            continue
        found.append(
            PlausibilityWarning(
                kind=CHILD_ABOVE_PARENT,
                indicator=child.indicator.code,
                indicator_name=child.indicator.name,
                region=child.region.code,
                region_name=child.region.name,
                period=str(child.period),
                figures={"value": str(child.value), "parent_value": str(parent.value)},
                records=records_reference(
                    versions[child.indicator.code], child.region, child.period
                ),
                parent_region=parent.region.code,
                message=_(
                    "%(indicator)s, %(period)s: %(value)s in %(child)s is larger than "
                    "%(parent_value)s in %(region)s, the region it belongs to."
                )
                % {
                    "indicator": child.indicator.name,
                    "period": str(child.period),
                    "child": child.region.name,
                    "region": parent.region.name,
                    "value": _value(child, child.value, language),
                    "parent_value": _value(parent, parent.value, language),
                },
            )
        )
    return found


def _warnings(
    regions: Sequence[Region], checked: Sequence[Region], period: Period
) -> list[PlausibilityWarning]:
    """The four checks: ratios, completion and jumps for the ``checked`` regions, children
    above parents among all of ``regions``."""
    language = _language()
    versions = {v.indicator.code: v for v in current_versions()}
    all_figures = figures(regions, period, versions=list(versions.values()))
    checked_ids = {r.pk for r in checked}
    found: list[PlausibilityWarning] = []
    for figure in all_figures:
        if figure.region.pk in checked_ids:
            found += _ratio_and_completion(figure, versions[figure.indicator.code], language)
    series = monthly_series(list(checked), Period(add_months(period.start, -1), period.end))
    found += _jumps(series, versions, period.months, language)
    found += _children_above_parents(all_figures, versions, language)
    return found


def figure_warnings(region: Region, period: Period) -> list[PlausibilityWarning]:
    """The warnings on a region's figures over ``period``, and on its children's figures
    that exceed its own."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    return _warnings([region, *children], [region], period)


def month_warnings(month: dt.date) -> list[dict[str, Any]]:
    """Every region's warnings on ``month`` (its first day), as JSON-serialisable dicts:
    the month close stores them. Regions with facts in the month are checked, each child
    against its parent; the completion check reads the year to date."""
    month = month.replace(day=1)
    region_ids = set(
        Fact.objects.filter(month__in=[month, add_months(month, -1)])
        .values_list("region_id", flat=True)
        .distinct()
    )
    regions = list(Region.objects.filter(pk__in=region_ids).order_by("path"))
    if not regions:
        return []
    found = _warnings(regions, regions, Period.month(month.year, month.month))
    # Completion is of the annual target, so of the year to date, not of one month.
    found = [w for w in found if w.kind != COMPLETION]
    language = _language()
    versions = {v.indicator.code: v for v in current_versions()}
    targeted_codes = set(
        AnnualTarget.objects.filter(year=month.year).values_list("indicator__code", flat=True)
    )
    targeted = [v for code, v in versions.items() if code in targeted_codes]
    if targeted:
        for figure in figures(regions, Period.year_to_date(month), versions=targeted):
            found += [
                w
                for w in _ratio_and_completion(figure, versions[figure.indicator.code], language)
                if w.kind == COMPLETION
            ]
    return [w.as_dict() for w in found]
