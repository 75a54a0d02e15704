"""Hard filters, features and scores for pairs of (post, seeker), vectorised.

One function serves both directions: a post against many seekers, or a seeker against many
posts. Arrays broadcast: the single side is given with length 1.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from matching.engine.config import FEATURES, MatchConfig
from matching.engine.geo import haversine_km
from matching.engine.snapshot import PostSnapshot, SeekerSnapshot, Taxonomy

Columns = dict[str, NDArray[Any]]


@dataclass
class Scored:
    """Per pair: may it match at all, its features (pairs × features), score, distance, and
    for the skill feature which skill column matched and how."""

    feasible: NDArray[np.bool_]
    features: NDArray[np.float64]
    score: NDArray[np.float64]
    distance_km: NDArray[np.float64]
    skill_column: NDArray[np.int64]
    skill_kind: NDArray[np.int64]  # 0 none, 1 middle group, 2 minor group, 3 same trade


def seeker_columns(snapshot: SeekerSnapshot, rows: NDArray[np.int64]) -> Columns:
    names = [name for name in SeekerSnapshot.COLUMNS if name != "ids"]
    columns = {name: getattr(snapshot, name)[rows] for name in names}
    columns["cert_expiry"] = snapshot.cert_expiry[rows]
    return columns


def post_columns(posts: PostSnapshot, rows: NDArray[np.int64]) -> Columns:
    names = ("lat", "lon", "trade", "wage", "starts", "ends", "slots", "radius", "required")
    return {name: getattr(posts, name)[rows] for name in names}


def skill_fit(
    trades: NDArray[np.int64],
    years: NDArray[np.float32],
    post_trade: NDArray[np.int64],
    taxonomy: Taxonomy,
    config: MatchConfig,
) -> tuple[NDArray[np.int64], NDArray[np.int64], NDArray[np.float64]]:
    """Skill fit through the taxonomy, the best of the seeker's skill columns:
    (kind, column, feature). Kind 3 is the same trade, 2 the same minor group, 1 the same
    middle group, 0 none."""
    post_trade_column = post_trade[..., None]
    post_minor = taxonomy.lookup(taxonomy.minor_of, post_trade)[..., None]
    post_middle = taxonomy.lookup(taxonomy.middle_of, post_trade)[..., None]
    kind = np.where(
        (trades == post_trade_column) & (trades >= 0),
        3,
        np.where(
            (taxonomy.lookup(taxonomy.minor_of, trades) == post_minor) & (post_minor >= 0),
            2,
            np.where(
                (taxonomy.lookup(taxonomy.middle_of, trades) == post_middle) & (post_middle >= 0),
                1,
                0,
            ),
        ),
    )
    years = np.broadcast_to(years, kind.shape)
    # The best column: highest kind, then most years.
    column = np.argmax(kind * 1000 + np.minimum(years, 999), axis=-1)
    flat = np.arange(column.size) * kind.shape[-1] + column.ravel()
    best_kind = kind.reshape(-1)[flat].reshape(column.shape)
    best_years = years.reshape(-1)[flat].reshape(column.shape)
    base = np.array(
        [
            0.0,
            config.skill_same_middle_group,
            config.skill_same_minor_group,
            config.skill_same_trade,
        ]
    )[best_kind]
    experience = np.minimum(best_years / config.experience_full_years, 1.0)
    return best_kind, column, base * (0.8 + 0.2 * experience)


def priority_feature(
    group_bits: NDArray[np.int64], taxonomy: Taxonomy, config: MatchConfig
) -> NDArray[np.float64]:
    """The highest priority among the seeker's key groups (0 for none)."""
    priorities = tuple(config.key_group_priority.get(code, 0.0) for code in taxonomy.key_groups)
    table = taxonomy.priority_table(priorities)
    if table is not None:
        # The same maximum, listed once for every combination of groups.
        return table[group_bits & (len(table) - 1)]
    priority = np.zeros(group_bits.shape)
    for bit, weight in enumerate(priorities):
        if weight:
            priority = np.maximum(priority, np.where(group_bits >> bit & 1, weight, 0.0))
    return priority


def reliability_feature(
    completions: NDArray[np.float32], no_shows: NDArray[np.float32]
) -> NDArray[Any]:
    """(completions + 1) / (completions + no-shows + 2): 1/2 for a newcomer."""
    return (completions + 1.0) / (completions + no_shows + 2.0)


def activity_feature(
    last_active: NDArray[np.int64], today: int, config: MatchConfig
) -> NDArray[np.float64]:
    idle_days = np.where(last_active > 0, today - last_active, 10_000)
    return np.exp(-np.maximum(idle_days, 0) / config.activity_scale_days)


def seeker_part(
    seeker: Columns, taxonomy: Taxonomy, config: MatchConfig, today: int
) -> NDArray[np.float64]:
    """The weighted features that depend on the seeker alone (priority, reliability,
    activity): a part of the score whatever the post."""
    weights = config.weights
    return (
        weights.get("priority", 0.0) * priority_feature(seeker["group_bits"], taxonomy, config)
        + weights.get("reliability", 0.0)
        * reliability_feature(seeker["completions"], seeker["no_shows"]).astype(np.float64)
        + weights.get("activity", 0.0) * activity_feature(seeker["last_active"], today, config)
    )


def weighted_sum(
    features: Sequence[NDArray[np.float64]], config: MatchConfig
) -> NDArray[np.float64]:
    """Σ weight · feature, added in ``FEATURES`` order (the same sum for one pair or many)."""
    total: NDArray[np.float64] = np.zeros(np.broadcast_shapes(*(f.shape for f in features)))
    for name, feature in zip(FEATURES, features, strict=True):
        total = total + config.weights.get(name, 0.0) * feature
    return total


def score_pairs(
    post: Columns, seeker: Columns, taxonomy: Taxonomy, config: MatchConfig, today: int
) -> Scored:
    """Score every (post, seeker) pair of the broadcast columns."""
    distance = haversine_km(post["lat"], post["lon"], seeker["lat"], seeker["lon"])
    reach = np.minimum(post["radius"], seeker["travel_km"])

    best_kind, column, skill = skill_fit(
        seeker["skill_trade"], seeker["skill_years"], post["trade"], taxonomy, config
    )
    distance_feature = np.exp(-distance / config.distance_scale_km)

    offer = post["wage"].astype(np.float64)
    asking = seeker["expected_wage"].astype(np.float64)
    shortfall = np.where(asking > 0, (asking - offer) / np.where(asking > 0, asking, 1), 0.0)
    wage = np.clip(1.0 - shortfall / config.wage_shortfall_to_zero, 0.0, 1.0)
    wage = np.where(np.isnan(asking), 1.0, np.where(np.isnan(offer), 0.5, wage))

    slots = post["slots"]
    covered = np.bitwise_count(seeker["availability"] & slots).astype(np.float64)
    needed = np.maximum(np.bitwise_count(slots), 1).astype(np.float64)
    availability = covered / needed

    priority = priority_feature(seeker["group_bits"], taxonomy, config)
    reliability = reliability_feature(seeker["completions"], seeker["no_shows"])
    activity = activity_feature(seeker["last_active"], today, config)

    parts = np.broadcast_arrays(
        skill, distance_feature, wage, availability, priority, reliability, activity
    )
    features = np.stack(parts, axis=-1).astype(np.float64)
    score = weighted_sum([features[..., index] for index in range(len(FEATURES))], config)

    # Hard filters.
    known_birth = seeker["birth"] > 0
    age_years = (post["starts"] - seeker["birth"]) / 365.2425
    of_age = ~known_birth | (
        (age_years >= config.minimum_age) & (age_years < config.maximum_age + 1)
    )
    booked = np.zeros(distance.shape, dtype=bool)
    for column_index in range(seeker["booked_start"].shape[-1]):
        start = seeker["booked_start"][..., column_index]
        end = seeker["booked_end"][..., column_index]
        booked |= (end >= 0) & (start <= post["ends"]) & (end >= post["starts"])
    lacking = post["required"] & (seeker["cert_expiry"] < post["starts"][..., None])
    feasible = (
        seeker["active"]
        & (distance <= reach)
        & (covered > 0)
        & of_age
        & ~booked
        & ~np.any(lacking, axis=-1)
        & ((best_kind > 0) | (not config.require_related_skill))
        & (seeker["verified"] | (not config.require_verified))
    )
    return Scored(
        feasible=np.broadcast_to(feasible, distance.shape),
        features=features,
        score=score,
        distance_km=distance,
        skill_column=column,
        skill_kind=best_kind,
    )
