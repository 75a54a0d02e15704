"""Why a seeker suits a post, in words staff can repeat: the largest contributions to the
score, rendered in Simplified Chinese or English."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

TEMPLATES: dict[str, dict[str, str]] = {
    "skill_trade": {"zh-hans": "{trade}，{years}年经验", "en": "{trade_en}, {years} years"},
    "skill_related": {"zh-hans": "相近工种：{trade}", "en": "related trade: {trade_en}"},
    "distance": {"zh-hans": "距离{km}公里", "en": "{km} km away"},
    "wage": {"zh-hans": "薪酬符合期望", "en": "the pay meets their expectation"},
    "availability": {
        "zh-hans": "时间匹配（{covered}/{needed}个时段）",
        "en": "free for {covered} of {needed} shifts",
    },
    "priority": {"zh-hans": "重点帮扶：{group}", "en": "priority: {group_en}"},
    "reliability": {
        "zh-hans": "已完工{completions}次，未到岗{no_shows}次",
        "en": "{completions} jobs done, {no_shows} no-shows",
    },
    "activity": {"zh-hans": "{days}天前活跃", "en": "active {days} days ago"},
}


@dataclass(frozen=True)
class Reason:
    code: str
    contribution: float
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, language: str = "zh-hans") -> str:
        templates = TEMPLATES[self.code]
        return templates["en" if language.startswith("en") else "zh-hans"].format(**self.params)

    def as_dict(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "contribution": round(self.contribution, 4),
            "params": self.params,
            "zh-hans": self.text("zh-hans"),
            "en": self.text("en"),
        }
