"""Every weight and limit the engine uses, in one place.

Bureaus set policy per region (how much key groups count, how far people travel): the
Django side loads a ``MatchConfig`` for the post's region and passes it in; the engine has no
defaults hidden elsewhere.

The score of a seeker for a post is a weighted sum of features, each between 0 and 1:

    score = Σ weight[f] · feature[f]        (the weights sum to 1, so score ∈ [0, 1])

Worked example with the defaults: an exact trade with 5 years (skill 0.9), 2 km away
(distance e^(-2/6) = 0.72), asking 200 for a 220 post (wage 1.0), covering every shift
(availability 1.0), a person with employment difficulty (priority 1.0), 4 jobs done and no
no-show (reliability 5/6 = 0.83), active 3 days ago (activity e^(-3/30) = 0.90):
0.35·0.9 + 0.2·0.72 + 0.1·1 + 0.1·1 + 0.1·1 + 0.1·0.83 + 0.05·0.90 ≈ 0.89.
"""

from __future__ import annotations

from dataclasses import dataclass, field

FEATURES = ("skill", "distance", "wage", "availability", "priority", "reliability", "activity")


@dataclass(frozen=True)
class MatchConfig:
    # Feature weights (sum to 1).
    weights: dict[str, float] = field(
        default_factory=lambda: {
            "skill": 0.35,
            "distance": 0.20,
            "wage": 0.10,
            "availability": 0.10,
            "priority": 0.10,
            "reliability": 0.10,
            "activity": 0.05,
        }
    )
    # Skill fit through the occupation taxonomy: the same trade, the same minor group
    # (e.g. another construction trade), the same middle group; experience adds up to a
    # fifth, full at ``experience_full_years``.
    skill_same_trade: float = 1.0
    skill_same_minor_group: float = 0.6
    skill_same_middle_group: float = 0.3
    experience_full_years: float = 10.0
    # Only seekers with a related skill are candidates (no skill in the trade's middle group:
    # no match). Bureaus that push general labour to everyone turn this off.
    require_related_skill: bool = True
    # Only seekers whose real name staff verified (ID card seen) are candidates. Off by
    # default: self-registered seekers from the app get work while they wait for a counter.
    require_verified: bool = False
    # Distance decay: e^(-km / scale).
    distance_scale_km: float = 6.0
    # A post reaches this far unless it says otherwise.
    default_post_radius_km: float = 30.0
    # Wage: full marks when the offer meets the asking wage, falling to 0 at half of it.
    wage_shortfall_to_zero: float = 0.5
    # Key-group priority, by key-group code (policy: bureaus raise the groups they serve).
    key_group_priority: dict[str, float] = field(
        default_factory=lambda: {
            "employment_difficulty": 1.0,
            "zero_employment_family": 1.0,
            "disabled": 0.9,
            "lifted_from_poverty": 0.8,
            "veteran": 0.7,
            "urban_unemployed": 0.6,
            "college_graduate": 0.5,
            "rural_labour": 0.5,
        }
    )
    # Activity: e^(-days since last active / scale).
    activity_scale_days: float = 30.0
    # Legal working age (Labour Law: 16; odd jobs go on past retirement age in practice,
    # so the upper limit is policy).
    minimum_age: int = 16
    maximum_age: int = 65
    # Fair exposure: scores within this band count as equal, and among them those pushed
    # fewer jobs lately come first.
    near_equal_band: float = 0.02
    # Morning dispatch: how much the place in the station's queue adds to a pair's score.
    # The first in the queue gets the whole bonus, the last none; 0 ignores the queue, and
    # at 1 the queue outweighs any difference of fit.
    queue_weight: float = 0.2

    def __post_init__(self) -> None:
        unknown = set(self.weights) - set(FEATURES)
        if unknown:
            raise ValueError(f"unknown features in weights: {sorted(unknown)}")
        total = sum(self.weights.values())
        if abs(total - 1.0) > 1e-6:
            raise ValueError(f"the weights must sum to 1, not {total}")
        if not 0 <= self.queue_weight <= 1:
            raise ValueError(f"the queue weight must be between 0 and 1, not {self.queue_weight}")
