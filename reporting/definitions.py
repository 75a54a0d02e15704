"""An indicator definition, read two ways that must agree: as a database filter (rebuilds,
drill-through) and as a test on one outcome row in Python (incremental application).

A definition is JSON:

    {"kinds": ["hire"],                      # outcome kinds that count (required)
     "category": ["reemployment", ...],      # the row's category is one of these
     "tags_any": ["veteran"],                # the row has one of these tags
     "tags_all": [...], "tags_none": [...],  # all of these; none of these
     "any": [{...}, {...}]}                  # at least one of these sub-filters holds

A ratio's definition is ``{"numerator": code, "denominator": code}`` instead.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Q

CONDITION_KEYS = frozenset({"category", "tags_any", "tags_all", "tags_none", "any"})
DEFINITION_KEYS = CONDITION_KEYS | {"kinds"}
RATIO_KEYS = frozenset({"numerator", "denominator"})


def tags_text(tags: Iterable[str]) -> str:
    """The stored form of a row's tags: sorted, comma-delimited on both sides."""
    unique = sorted(set(tags))
    return f",{','.join(unique)}," if unique else ""


def _tag_pattern(tag: str) -> str:
    return f",{tag},"


def _validate_conditions(conditions: Mapping[str, Any], where: str) -> None:
    unknown = set(conditions) - CONDITION_KEYS
    if unknown:
        raise ValueError(f"{where}: unknown keys {sorted(unknown)}")
    for key in ("category", "tags_any", "tags_all", "tags_none"):
        values = conditions.get(key)
        if values is not None and (
            not isinstance(values, list)
            or not values
            or not all(isinstance(v, str) for v in values)
        ):
            raise ValueError(f"{where}: {key} must be a non-empty list of strings")
        if key != "category" and values and any("," in v for v in values):
            raise ValueError(f"{where}: a tag cannot hold a comma")
    for index, sub in enumerate(conditions.get("any", [])):
        if "kinds" in sub:
            raise ValueError(f"{where}.any[{index}]: kinds belong to the top level")
        _validate_conditions(sub, f"{where}.any[{index}]")


def validate(definition: Mapping[str, Any], *, ratio: bool) -> None:
    """Refuse a definition this module would read wrongly."""
    if ratio:
        if set(definition) != RATIO_KEYS:
            raise ValueError(f"a ratio is defined by exactly {sorted(RATIO_KEYS)}")
        return
    kinds = definition.get("kinds")
    if not isinstance(kinds, list) or not kinds:
        raise ValueError("a definition needs a non-empty list of kinds")
    _validate_conditions({k: v for k, v in definition.items() if k != "kinds"}, "definition")


def _conditions_q(conditions: Mapping[str, Any]) -> Q:
    q = Q()
    if "category" in conditions:
        q &= Q(category__in=conditions["category"])
    if "tags_any" in conditions:
        any_tag = Q()
        for tag in conditions["tags_any"]:
            any_tag |= Q(tags__contains=_tag_pattern(tag))
        q &= any_tag
    for tag in conditions.get("tags_all", []):
        q &= Q(tags__contains=_tag_pattern(tag))
    for tag in conditions.get("tags_none", []):
        q &= ~Q(tags__contains=_tag_pattern(tag))
    if conditions.get("any"):
        alternatives = Q()
        for sub in conditions["any"]:
            alternatives |= _conditions_q(sub)
        q &= alternatives
    return q


def as_q(definition: Mapping[str, Any]) -> Q:
    """The filter on ``Outcome`` rows."""
    return Q(kind__in=definition["kinds"]) & _conditions_q(definition)


def _conditions_hold(conditions: Mapping[str, Any], category: str, tags: str) -> bool:
    if "category" in conditions and category not in conditions["category"]:
        return False
    if "tags_any" in conditions and not any(
        _tag_pattern(t) in tags for t in conditions["tags_any"]
    ):
        return False
    if any(_tag_pattern(t) not in tags for t in conditions.get("tags_all", [])):
        return False
    if any(_tag_pattern(t) in tags for t in conditions.get("tags_none", [])):
        return False
    alternatives = conditions.get("any")
    return not alternatives or any(_conditions_hold(s, category, tags) for s in alternatives)


def holds(definition: Mapping[str, Any], *, kind: str, category: str, tags: str) -> bool:
    """Whether one outcome row counts; the same test as ``as_q``."""
    return kind in definition["kinds"] and _conditions_hold(definition, category, tags)


@dataclass(frozen=True)
class Counted:
    """An indicator version as the rollup code needs it."""

    version_id: int
    code: str
    measure: str
    definition: Mapping[str, Any]

    @property
    def kinds(self) -> Sequence[str]:
        return self.definition["kinds"]
