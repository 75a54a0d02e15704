"""The bulletin: a region's year-to-date figures as the bureaus' bulletins write them, in
Chinese or English, as Markdown and as HTML with the charts inline.

The sentences follow the bulletins ("截至9月底，全市城镇新增就业6.05万人，完成年度目标任务的
33.26%" / "as of the end of September, 60,502 new urban jobs were created"): one paragraph a
section in the catalogue's order (reporting/catalogue.py SECTIONS), only figures that are not
zero, year on year where the year before is not zero, completion and time progress where the
region has a target. The programme ledgers' figures come last in a paragraph of their own.
The sentence templates are written per language here: the texts are the product.
Plausibility warnings go to the editor beside the text, never into it.
"""

from __future__ import annotations

import calendar
import datetime as dt
import html
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from django.utils import translation

from reporting import charts
from reporting.catalogue import SECTIONS
from reporting.checks import PlausibilityWarning, figure_warnings
from reporting.models import Unit
from reporting.numbers import format_figure, format_percent, trimmed
from reporting.selectors import Figure, Period, figures
from stations.models import Region

PROGRAMMES = "programmes"
MONTHS_EN = [calendar.month_name[n] for n in range(13)]


@dataclass(frozen=True)
class Bulletin:
    region: Region
    as_of: dt.date
    language: str
    title: str
    dateline: str
    paragraphs: list[str]
    markdown: str
    html: str
    warnings: list[PlausibilityWarning]
    # Indicator code -> the definition version its figure used.
    versions: dict[str, int]


def _english(language: str) -> bool:
    return language.startswith("en")


def year_on_year_phrase(change: Decimal, language: str) -> str:
    """同比增长10.5% / up 10.5% year on year."""
    size = format_percent(abs(change))
    if _english(language):
        if change == 0:
            return "unchanged year on year"
        return f"{'up' if change > 0 else 'down'} {size} year on year"
    if change == 0:
        return "与上年同期持平"
    return f"同比{'增长' if change > 0 else '下降'}{size}"


def completion_phrase(completion: Decimal, language: str) -> str:
    """完成年度目标任务的33.26% / completing 33.26% of the annual target."""
    if _english(language):
        return f"completing {format_percent(completion)} of the annual target"
    return f"完成年度目标任务的{format_percent(completion)}"


def time_progress_phrase(completion: Decimal, time_progress: Decimal, language: str) -> str:
    """超时序进度8.26个百分点 / 8.26 percentage points ahead of time progress."""
    gap = completion - time_progress
    points = trimmed(abs(gap), 2)
    if _english(language):
        if gap == 0:
            return "in line with time progress"
        unit = "percentage point" if abs(gap) == 1 else "percentage points"
        return f"{points} {unit} {'ahead of' if gap > 0 else 'behind'} time progress"
    if gap == 0:
        return "与时序进度持平"
    return f"{'超' if gap > 0 else '低于'}时序进度{points}个百分点"


def figure_clause(figure: Figure, language: str) -> str:
    """One figure with its year-on-year, completion and time-progress phrases."""
    assert figure.value is not None
    indicator = figure.indicator
    value = format_figure(figure.value, indicator.unit, language, indicator.code)
    if _english(language):
        if indicator.unit == Unit.YUAN:
            parts = [f"{value} of {indicator.name_en}"]
        elif indicator.unit == Unit.PERCENT:
            parts = [f"{indicator.name_en} at {value}"]
        else:
            parts = [f"{value} {indicator.name_en}"]
    else:
        parts = [f"{indicator.name_zh_hans}{value}"]
    if figure.year_on_year is not None:
        parts.append(year_on_year_phrase(figure.year_on_year, language))
    completion = figure.completion
    if completion is not None:
        parts.append(completion_phrase(completion, language))
        time_progress = figure.period.time_progress
        if time_progress is not None:
            parts.append(time_progress_phrase(completion, time_progress, language))
    return ", ".join(parts) if _english(language) else "，".join(parts)


def as_of_phrase(as_of: dt.date, language: str) -> str:
    """截至2025年9月底 / As of the end of September 2025."""
    if _english(language):
        return f"As of the end of {MONTHS_EN[as_of.month]} {as_of.year}"
    return f"截至{as_of.year}年{as_of.month}月底"


def title_of(region: Region, as_of: dt.date, language: str) -> str:
    if _english(language):
        return (
            f"{region.name_en}: main employment figures, January to "
            f"{MONTHS_EN[as_of.month]} {as_of.year}"
        )
    if as_of.month == 1:
        return f"{region.name_zh_hans}{as_of.year}年1月就业工作主要指标"
    return f"{region.name_zh_hans}{as_of.year}年1—{as_of.month}月就业工作主要指标"


def dateline_of(region: Region, as_of: dt.date, language: str) -> str:
    """The place and the last day of the month the figures reach."""
    last_day = dt.date(as_of.year, as_of.month, calendar.monthrange(as_of.year, as_of.month)[1])
    if _english(language):
        return f"{region.name_en}, {last_day.day} {MONTHS_EN[last_day.month]} {last_day.year}"
    return f"{region.name_zh_hans}，{last_day.year}年{last_day.month}月{last_day.day}日"


def section_paragraph(
    region: Region,
    as_of: dt.date,
    section_figures: Sequence[Figure],
    language: str,
    *,
    ledger: bool,
) -> str:
    clauses = [figure_clause(f, language) for f in section_figures]
    if _english(language):
        lead = as_of_phrase(as_of, language)
        if ledger:
            return (
                f"From the programme ledgers: {lead[0].lower()}{lead[1:]}, "
                + "; ".join(clauses)
                + "."
            )
        return f"{lead}, {region.name_en} recorded " + "; ".join(clauses) + "."
    lead = as_of_phrase(as_of, language)
    if ledger:
        return f"据业务台账统计，{lead}，{region.name_zh_hans}" + "；".join(clauses) + "。"
    return f"{lead}，{region.name_zh_hans}" + "；".join(clauses) + "。"


def _stated(figure: Figure) -> bool:
    return figure.value is not None and figure.value != 0


def bulletin_figures(region: Region, as_of: dt.date) -> list[Figure]:
    """The year-to-date figures the bulletin states: not zero, not suppressed."""
    return [f for f in figures([region], Period.year_to_date(as_of)) if _stated(f)]


def _html(
    title: str, dateline: str, paragraphs: Sequence[str], svgs: Sequence[tuple[str, bytes]]
) -> str:
    parts = [
        '<article class="bulletin">',
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="dateline">{html.escape(dateline)}</p>',
        *(f"<p>{html.escape(p)}</p>" for p in paragraphs),
    ]
    for caption, svg in svgs:
        parts.append(
            f'<figure class="chart">{charts.inline_svg(svg)}'
            f"<figcaption>{html.escape(caption)}</figcaption></figure>"
        )
    parts.append("</article>")
    return "\n".join(parts)


def bulletin_charts(
    region: Region, as_of: dt.date, stated: Sequence[Figure], language: str
) -> list[tuple[str, bytes]]:
    """The trend of the first figure stated, the target progress of each figure with a
    target, and the breakdown of the first figure over the region's children."""
    flows = [f for f in stated if f.indicator.unit != Unit.PERCENT]
    if not flows:
        return []
    lead = flows[0]
    english = _english(language)
    svgs = [
        (
            ("Month by month: " if english else "分月情况：") + lead.indicator.name,
            charts.trend_chart(region, lead.indicator, as_of, language),
        )
    ]
    for figure in flows:
        if figure.target is not None:
            svgs.append(
                (
                    ("Progress towards the annual target: " if english else "年度目标进度：")
                    + figure.indicator.name,
                    charts.target_chart(region, figure.indicator, as_of, figure.target, language),
                )
            )
    if Region.objects.filter(parent=region).exists():
        svgs.append(
            (
                ("By region: " if english else "分地区情况：") + lead.indicator.name,
                charts.breakdown_chart(
                    region, lead.indicator, Period.year_to_date(as_of), language
                ),
            )
        )
    return svgs


def bulletin(
    region: Region, as_of: dt.date, language: str, *, with_charts: bool = True
) -> Bulletin:
    """The bulletin of ``region`` for January to the end of ``as_of``'s month; its HTML
    without the charts when ``with_charts`` is off (drawing them is most of the work, and
    the Markdown has none)."""
    as_of = as_of.replace(day=1)
    stated = bulletin_figures(region, as_of)
    by_section: dict[str, list[Figure]] = {}
    for figure in stated:
        by_section.setdefault(figure.indicator.section, []).append(figure)
    paragraphs = [
        section_paragraph(
            region, as_of, by_section[section], language, ledger=section == PROGRAMMES
        )
        for section in SECTIONS
        if section in by_section
    ]
    title, dateline = title_of(region, as_of, language), dateline_of(region, as_of, language)
    with translation.override(language):
        warnings = figure_warnings(region, Period.year_to_date(as_of))
        svgs = bulletin_charts(region, as_of, stated, language) if stated and with_charts else []
    markdown = "\n\n".join([f"# {title}", f"*{dateline}*", *paragraphs]) + "\n"
    return Bulletin(
        region=region,
        as_of=as_of,
        language=language,
        title=title,
        dateline=dateline,
        paragraphs=paragraphs,
        markdown=markdown,
        html=_html(title, dateline, paragraphs, svgs),
        warnings=warnings,
        versions={f.indicator.code: f.version for f in stated},
    )
