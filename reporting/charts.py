"""Charts of the figures, as SVG or PNG bytes: the monthly trend of an indicator (this year's
bars against last year's line), progress towards the annual target, and the breakdown of a
region into its children.

Rendering uses matplotlib's object API on the Agg and SVG canvases (no pyplot, so no global
figure state shared between requests). SVG keeps its text as text (``svg.fonttype`` none):
the browser draws the Chinese labels with its own fonts. PNG is rasterised here, and this
machine may have no CJK font; without one, PNG labels fall back to English.
Each bar has an SVG id ("current-2025-03", "previous-2024-03", "region-620102") so that the
dashboard, and the tests, can find the series.
"""

from __future__ import annotations

import datetime as dt
import io
import warnings
from collections.abc import Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from decimal import Decimal
from functools import cache

import matplotlib

matplotlib.use("Agg")

from matplotlib import font_manager
from matplotlib.figure import Figure as ChartFigure

from reporting.models import Indicator
from reporting.selectors import Period, figures, monthly_series
from stations.models import Region

SVG = "svg"
PNG = "png"
CJK_FONTS = ("Noto Sans CJK SC", "Noto Sans SC", "Source Han Sans SC", "WenQuanYi Micro Hei")
CURRENT_COLOUR, PREVIOUS_COLOUR, TARGET_COLOUR = "#2b6cb0", "#a0aec0", "#c53030"


@cache
def cjk_font() -> str | None:
    """An installed font that can draw Chinese, if any."""
    installed = {entry.name for entry in font_manager.fontManager.ttflist}
    return next((name for name in CJK_FONTS if name in installed), None)


def label_language(language: str, image_format: str) -> str:
    """The language the labels can be drawn in: Chinese in PNG needs a CJK font."""
    if image_format == PNG and not language.startswith("en") and cjk_font() is None:
        return "en"
    return language


def _style() -> AbstractContextManager[None]:
    """The settings every chart is built and drawn under (text takes its font when made)."""
    font = cjk_font()
    return matplotlib.rc_context(
        {
            "svg.fonttype": "none",
            "svg.hashsalt": "reporting",
            "font.family": ["DejaVu Sans", *([font] if font else [])],
            "axes.unicode_minus": False,
        }
    )


def _render(chart: ChartFigure, image_format: str) -> bytes:
    buffer = io.BytesIO()
    with warnings.catch_warnings():
        # Laying out Chinese text without a CJK font only misjudges its width a little; an
        # SVG's text is drawn by the browser, and PNG labels are English without the font.
        warnings.filterwarnings(
            "ignore", message="Glyph .* missing from font", category=UserWarning
        )
        chart.savefig(buffer, format=image_format, metadata=_metadata(image_format))
    return buffer.getvalue()


def inline_svg(svg: bytes) -> str:
    """The SVG without its XML prolog, to stand inside an HTML page."""
    text = svg.decode()
    return text[text.index("<svg") :]


def _metadata(image_format: str) -> dict[str, str | None]:
    # No creation date: the same figures give the same bytes.
    return {"Date": None} if image_format == SVG else {}


def _new_chart(width: float = 6.4, height: float = 3.2) -> ChartFigure:
    return ChartFigure(figsize=(width, height), dpi=100, layout="constrained")


@dataclass(frozen=True)
class Labels:
    title: str
    current: str
    previous: str
    target: str
    cumulative: str


def _labels(indicator: Indicator, language: str, year: int) -> Labels:
    if language.startswith("en"):
        return Labels(
            title=indicator.name_en,
            current=str(year),
            previous=str(year - 1),
            target="annual target",
            cumulative="year to date",
        )
    return Labels(
        title=indicator.name_zh_hans,
        current=f"{year}年",
        previous=f"{year - 1}年",
        target="年度目标",
        cumulative="累计",
    )


def render_trend(
    title: str,
    months: Sequence[dt.date],
    current: Sequence[Decimal | None],
    previous: Sequence[Decimal | None],
    labels: tuple[str, str],
    image_format: str = SVG,
) -> bytes:
    """Bars for this year's months, a line for the same months a year earlier."""
    with _style():
        chart = _new_chart()
        axes = chart.add_subplot()
        positions = list(range(len(months)))
        bars = axes.bar(
            positions, [float(v or 0) for v in current], color=CURRENT_COLOUR, label=labels[0]
        )
        for bar, month in zip(bars, months, strict=True):
            bar.set_gid(f"current-{month:%Y-%m}")
        (line,) = axes.plot(
            positions,
            [float(v or 0) for v in previous],
            color=PREVIOUS_COLOUR,
            marker="o",
            label=labels[1],
        )
        line.set_gid("previous")
        axes.set_xticks(positions, [f"{m.month}" for m in months])
        axes.set_title(title)
        axes.legend(loc="upper left")
        return _render(chart, image_format)


def render_target_progress(
    title: str,
    months: Sequence[dt.date],
    cumulative: Sequence[Decimal],
    target: Decimal,
    labels: tuple[str, str],
    image_format: str = SVG,
) -> bytes:
    """The year-to-date figure month by month against the annual target (a horizontal line)
    and time progress (the target spread evenly over the year, dashed)."""
    with _style():
        chart = _new_chart()
        axes = chart.add_subplot()
        positions = [m.month for m in months]
        (line,) = axes.plot(
            positions,
            [float(v) for v in cumulative],
            color=CURRENT_COLOUR,
            marker="o",
            label=labels[0],
        )
        line.set_gid("cumulative")
        target_line = axes.axhline(float(target), color=TARGET_COLOUR, label=labels[1])
        target_line.set_gid("target")
        (pace,) = axes.plot(
            [0, 12], [0, float(target)], color=TARGET_COLOUR, linestyle="--", linewidth=0.8
        )
        pace.set_gid("time-progress")
        axes.set_xlim(0.5, 12.5)
        axes.set_xticks(list(range(1, 13)))
        axes.set_title(title)
        axes.legend(loc="upper left")
        return _render(chart, image_format)


def render_breakdown(
    title: str,
    rows: Sequence[tuple[str, str, Decimal]],
    image_format: str = SVG,
) -> bytes:
    """Horizontal bars, one per (code, name, value), largest on top."""
    with _style():
        ordered = sorted(rows, key=lambda row: row[2])
        chart = _new_chart(height=max(2.0, 0.35 * len(ordered) + 1.0))
        axes = chart.add_subplot()
        bars = axes.barh(
            list(range(len(ordered))), [float(row[2]) for row in ordered], color=CURRENT_COLOUR
        )
        for bar, (code, _name, _value) in zip(bars, ordered, strict=True):
            bar.set_gid(f"region-{code}")
        axes.set_yticks(list(range(len(ordered))), [row[1] for row in ordered])
        axes.set_title(title)
        return _render(chart, image_format)


def trend_chart(
    region: Region, indicator: Indicator, as_of: dt.date, language: str, image_format: str = SVG
) -> bytes:
    """January to ``as_of``'s month, against the same months a year earlier."""
    period = Period.year_to_date(as_of)
    earlier = period.year_earlier()
    values = {
        (row.month.year, row.month.month): row.value
        for span in (period, earlier)
        for row in monthly_series([region], span, codes=[indicator.code])
    }
    language = label_language(language, image_format)
    labels = _labels(indicator, language, as_of.year)
    return render_trend(
        labels.title,
        period.months,
        [values.get((m.year, m.month)) for m in period.months],
        [values.get((m.year - 1, m.month)) for m in period.months],
        (labels.current, labels.previous),
        image_format,
    )


def target_chart(
    region: Region,
    indicator: Indicator,
    as_of: dt.date,
    target: Decimal,
    language: str,
    image_format: str = SVG,
) -> bytes:
    period = Period.year_to_date(as_of)
    running, cumulative = Decimal(0), []
    for row in monthly_series([region], period, codes=[indicator.code]):
        running += row.value or 0
        cumulative.append(running)
    language = label_language(language, image_format)
    labels = _labels(indicator, language, as_of.year)
    return render_target_progress(
        labels.title,
        period.months,
        cumulative,
        target,
        (labels.cumulative, labels.target),
        image_format,
    )


def breakdown_chart(
    region: Region, indicator: Indicator, period: Period, language: str, image_format: str = SVG
) -> bytes:
    """The region's children side by side on one indicator."""
    children = list(Region.objects.filter(parent=region).order_by("code"))
    language = label_language(language, image_format)
    english = language.startswith("en")
    rows = [
        (f.region.code, f.region.name_en if english else f.region.name_zh_hans, f.value or 0)
        for f in figures(children, period, codes=[indicator.code])
    ]
    title = indicator.name_en if english else indicator.name_zh_hans
    return render_breakdown(title, [(c, n, Decimal(v)) for c, n, v in rows], image_format)
