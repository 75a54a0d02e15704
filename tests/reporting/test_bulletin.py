"""The bulletin text: the Sanmenxia first quarter in both languages, with year on year,
completion and time progress, only figures with data, ledgers apart, warnings apart."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from reporting.bulletin import (
    bulletin,
    time_progress_phrase,
    year_on_year_phrase,
)
from reporting.checks import COMPLETION
from reporting.models import AnnualTarget, Indicator
from stations.models import Region
from tests.reporting.test_checks import fact

MARCH = dt.date(2025, 3, 1)


@pytest.fixture
def sanmenxia(seeded) -> Region:
    """Sanmenxia's first quarter: 11,641 new urban jobs (33.26% of 35,000), 179 million yuan
    of guarantee loans, 69 special fairs; a year earlier 10,000 new urban jobs."""
    city = Region.objects.get(code="411200")
    for month, jobs in ((1, 3000), (2, 4000), (3, 4641)):
        fact("new_urban_jobs", city, dt.date(2025, month, 1), jobs)
    fact("new_urban_jobs", city, dt.date(2024, 2, 1), 10_000)
    fact("guarantee_loans", city, dt.date(2025, 3, 1), 179_000_000)
    fact("special_fairs_held", city, dt.date(2025, 2, 1), 69)
    fact("special_fairs_held", city, dt.date(2024, 2, 1), 69)
    AnnualTarget.objects.create(
        region=city,
        indicator=Indicator.objects.get(code="new_urban_jobs"),
        year=2025,
        value=35_000,
    )
    return city


@pytest.mark.django_db
def test_chinese_bulletin_states_the_sanmenxia_figures(sanmenxia):
    text = bulletin(sanmenxia, MARCH, "zh-hans")

    assert text.title == "三门峡市2025年1—3月就业工作主要指标"
    assert text.dateline == "三门峡市，2025年3月31日"
    employment = text.paragraphs[0]
    assert employment.startswith("截至2025年3月底，三门峡市城镇新增就业1.16万人")
    assert (
        "城镇新增就业1.16万人，同比增长16.41%，完成年度目标任务的33.26%，超时序进度8.26个百分点"
        in employment
    )
    # Same as a year earlier: no change to speak of.
    assert "专场招聘会69场，与上年同期持平" in text.markdown
    # The ledgers' figures in their own, last, paragraph.
    assert text.paragraphs[-1].startswith("据业务台账统计")
    assert "创业担保贷款1.79亿元" in text.paragraphs[-1]
    assert "创业担保贷款" not in "".join(text.paragraphs[:-1])
    # Nothing about what has no data.
    assert "零就业家庭" not in text.markdown
    assert "同比" not in text.paragraphs[-1]  # no year-earlier loans
    assert text.markdown.startswith(
        "# 三门峡市2025年1—3月就业工作主要指标\n\n*三门峡市，2025年3月31日*"
    )
    assert text.versions == {
        "new_urban_jobs": 1,
        "special_fairs_held": 1,
        "guarantee_loans": 1,
    }


@pytest.mark.django_db
def test_english_bulletin_states_the_same_figures(sanmenxia):
    text = bulletin(sanmenxia, MARCH, "en")

    assert text.title == "Sanmenxia: main employment figures, January to March 2025"
    assert text.paragraphs[0].startswith("As of the end of March 2025, Sanmenxia recorded 11,641")
    assert (
        "11,641 new urban jobs, up 16.41% year on year, completing 33.26% of the annual "
        "target, 8.26 percentage points ahead of time progress"
    ) in text.markdown
    assert "179 million yuan of business guarantee loans issued" in text.paragraphs[-1]
    assert text.paragraphs[-1].startswith("From the programme ledgers")


@pytest.mark.django_db
def test_sections_follow_the_catalogue_order(sanmenxia):
    paragraphs = bulletin(sanmenxia, MARCH, "en").paragraphs
    assert len(paragraphs) == 3
    assert "new urban jobs" in paragraphs[0]
    assert "special job fairs" in paragraphs[1]
    assert "guarantee loans" in paragraphs[2]


@pytest.mark.django_db
def test_warnings_go_to_the_editor_not_into_the_text(sanmenxia, settings):
    settings.REPORTING_COMPLETION_MAX = 20
    text = bulletin(sanmenxia, MARCH, "zh-hans")
    assert [w.kind for w in text.warnings] == [COMPLETION]
    assert text.warnings[0].message not in text.markdown
    assert "合理上限" not in text.markdown + text.html


@pytest.mark.django_db
def test_html_embeds_the_charts_inline(sanmenxia):
    page = bulletin(sanmenxia, MARCH, "zh-hans").html
    assert page.startswith('<article class="bulletin">')
    assert "<h1>三门峡市2025年1—3月就业工作主要指标</h1>" in page
    assert "<?xml" not in page
    # Trend, target progress, breakdown over the counties.
    assert page.count("<svg") == 3
    assert 'id="current-2025-03"' in page
    assert "完成年度目标任务的33.26%" in page


@pytest.mark.django_db
def test_a_region_without_data_has_an_empty_bulletin(seeded):
    text = bulletin(Region.objects.get(code="620100"), MARCH, "en")
    assert text.paragraphs == []
    assert "<svg" not in text.html
    assert text.versions == {}


def test_phrases():
    assert year_on_year_phrase(Decimal("-3.50"), "zh-hans") == "同比下降3.5%"
    assert year_on_year_phrase(Decimal("10.5"), "en") == "up 10.5% year on year"
    assert year_on_year_phrase(Decimal("-10.5"), "en") == "down 10.5% year on year"
    assert time_progress_phrase(Decimal("20"), Decimal("25"), "zh-hans") == "低于时序进度5个百分点"
    assert time_progress_phrase(Decimal("20"), Decimal("25"), "en") == (
        "5 percentage points behind time progress"
    )
    assert time_progress_phrase(Decimal("25"), Decimal("25"), "en") == "in line with time progress"
