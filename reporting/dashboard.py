"""The admin's reporting dashboard: a region's year-to-date figures with year on year and
completion, the charts, and the plausibility warnings with links to the records.

A staff member sees the regions of their scope; any other region answers 404.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.contrib import admin
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone, translation
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from reporting.bulletin import bulletin_charts, bulletin_figures
from reporting.charts import inline_svg
from reporting.checks import figure_warnings
from reporting.numbers import format_figure, format_percent
from reporting.selectors import Figure, Period, add_months
from stations.selectors.scope import regions_in_scope, scope_for


@dataclass(frozen=True)
class Row:
    name: str
    value: str
    year_on_year: str
    completion: str


def _row(figure: Figure, language: str) -> Row:
    assert figure.value is not None
    indicator = figure.indicator
    return Row(
        name=indicator.name,
        value=format_figure(figure.value, indicator.unit, language, indicator.code),
        year_on_year="" if figure.year_on_year is None else format_percent(figure.year_on_year),
        completion="" if figure.completion is None else format_percent(figure.completion),
    )


def _month(text: str | None) -> dt.date:
    """The month asked for (YYYY-MM), or the last month closed."""
    if text:
        try:
            return dt.datetime.strptime(text, "%Y-%m").date()
        except ValueError:
            raise Http404 from None
    return add_months(timezone.localdate().replace(day=1), -1)


def dashboard(request: HttpRequest) -> HttpResponse:
    regions = regions_in_scope(scope_for(request.user))
    code = request.GET.get("region")
    region = (
        regions.filter(code=code).first()
        if code
        else regions.order_by("path").first()  # the top of the scope
    )
    if region is None:
        raise Http404
    as_of = _month(request.GET.get("month"))
    language = translation.get_language() or "zh-hans"
    stated = bulletin_figures(region, as_of)
    svgs = bulletin_charts(region, as_of, stated, language)
    choices = list(
        regions.filter(pk__in=[region.pk, region.parent_id or 0]).order_by("path")
    ) + list(regions.filter(parent=region).order_by("code"))
    context = {
        **admin.site.each_context(request),
        "title": _("Reporting dashboard"),
        "region": region,
        "region_choices": choices,
        "month": f"{as_of:%Y-%m}",
        "period": str(Period.year_to_date(as_of)),
        "rows": [_row(f, language) for f in stated],
        # matplotlib's own SVG of our figures; its writer escapes every text it holds.
        "charts": [(caption, mark_safe(inline_svg(svg))) for caption, svg in svgs],  # noqa: S308
        "warnings": figure_warnings(region, Period.year_to_date(as_of)),
    }
    return render(request, "reporting/dashboard.html", context)
