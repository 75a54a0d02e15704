"""Charts: valid SVG and PNG holding the series they were asked to draw."""

from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET
from decimal import Decimal

import pytest
from PIL import Image

from reporting import charts
from reporting.models import Indicator
from reporting.selectors import Period
from stations.models import Region
from tests.reporting.test_checks import fact

SVG_NS = "{http://www.w3.org/2000/svg}"


def ids(svg: bytes) -> list[str]:
    root = ET.fromstring(svg)
    assert root.tag == f"{SVG_NS}svg"
    return [element.get("id", "") for element in root.iter()]


def texts(svg: bytes) -> str:
    return " ".join(element.text or "" for element in ET.fromstring(svg).iter(f"{SVG_NS}text"))


def months(*numbers: int) -> list[dt.date]:
    return [dt.date(2025, n, 1) for n in numbers]


def test_trend_has_one_bar_a_month_and_the_previous_year_line():
    svg = charts.render_trend(
        "城镇新增就业",
        months(1, 2, 3),
        [Decimal(3), None, Decimal(5)],
        [Decimal(1), Decimal(2), Decimal(2)],
        ("2025年", "2024年"),
    )
    found = ids(svg)
    assert [i for i in found if i.startswith("current-")] == [
        "current-2025-01",
        "current-2025-02",
        "current-2025-03",
    ]
    assert "previous" in found
    # Text stays text in SVG: the browser draws the Chinese.
    assert "城镇新增就业" in texts(svg)


def test_trend_bars_are_as_tall_as_their_values():
    svg = charts.render_trend(
        "t", months(1, 2), [Decimal(10), Decimal(30)], [Decimal(0), Decimal(0)], ("a", "b")
    )
    root = ET.fromstring(svg)
    heights = []
    for month in ("2025-01", "2025-02"):
        group = next(e for e in root.iter() if e.get("id") == f"current-{month}")
        path = next(group.iter(f"{SVG_NS}path"))
        # A bar is "M x y0 L x y1 ..." in the SVG's own units; compare the two heights.
        numbers = [float(n) for n in re.findall(r"-?\d+(?:\.\d+)?", path.get("d", ""))]
        ys = numbers[1::2]
        heights.append(max(ys) - min(ys))
    assert heights[1] == pytest.approx(3 * heights[0], rel=0.01)


def test_target_progress_draws_the_cumulative_line_and_the_target():
    svg = charts.render_target_progress(
        "t",
        months(1, 2, 3),
        [Decimal(4), Decimal(9), Decimal(11)],
        Decimal(35),
        ("累计", "年度目标"),
    )
    found = ids(svg)
    assert {"cumulative", "target", "time-progress"} <= set(found)


def test_breakdown_has_one_bar_per_child_region():
    svg = charts.render_breakdown(
        "t", [("620102", "城关区", Decimal(5)), ("620103", "七里河区", Decimal(3))]
    )
    assert sorted(i for i in ids(svg) if i.startswith("region-")) == [
        "region-620102",
        "region-620103",
    ]
    assert "七里河区" in texts(svg)


def test_png_is_a_png_image():
    png = charts.render_breakdown("t", [("620102", "Chengguan", Decimal(5))], charts.PNG)
    image = Image.open(io.BytesIO(png))
    assert image.format == "PNG"
    assert image.size == (640, 200)


def test_png_labels_fall_back_to_english_without_a_cjk_font(monkeypatch):
    monkeypatch.setattr(charts, "cjk_font", lambda: None)
    assert charts.label_language("zh-hans", charts.PNG) == "en"
    assert charts.label_language("zh-hans", charts.SVG) == "zh-hans"
    monkeypatch.setattr(charts, "cjk_font", lambda: "Noto Sans CJK SC")
    assert charts.label_language("zh-hans", charts.PNG) == "zh-hans"


@pytest.mark.django_db
def test_charts_of_a_region_read_its_figures(seeded):
    city, county = Region.objects.get(code="411200"), Region.objects.get(code="411202")
    indicator = Indicator.objects.get(code="new_urban_jobs")
    for month, value in ((1, 10), (2, 20), (3, 30)):
        fact("new_urban_jobs", city, dt.date(2025, month, 1), value)
        fact("new_urban_jobs", county, dt.date(2025, month, 1), value // 2)
    fact("new_urban_jobs", city, dt.date(2024, 2, 1), 7)
    as_of = dt.date(2025, 3, 1)

    trend = charts.trend_chart(city, indicator, as_of, "en")
    assert len([i for i in ids(trend) if i.startswith("current-")]) == 3
    assert "new urban jobs" in texts(trend)

    progress = charts.target_chart(city, indicator, as_of, Decimal(100), "zh-hans")
    assert "cumulative" in ids(progress)

    breakdown = charts.breakdown_chart(city, indicator, Period.year_to_date(as_of), "zh-hans")
    children = Region.objects.filter(parent=city).count()
    assert len([i for i in ids(breakdown) if i.startswith("region-")]) == children
    assert "region-411202" in ids(breakdown)
