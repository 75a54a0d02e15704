"""Top-k search with an upper bound: score in full only the pairs that can still make it.

The score is a weighted sum of features in [0, 1]. Skill, distance and the seeker's own
features (priority, reliability, activity) are cheap to compute from a few columns; wage
and availability count at most their weight. Their sum bounds the score from above:

    bound = w_skill · skill + w_distance · e^(-km / scale) + seeker part + w_wage + w_availability

A pair whose bound is below the band of the k-th best score found so far cannot be ranked
in the top k (see ``Best``), so it is never scored in full. Example with the default
weights: once twenty seekers score 0.88, a seeker with ten years in the post's own trade
(skill 1, so 0.35) whose own part is 0.15 needs 0.2 · e^(-km / 6) ≥ 0.88 - 0.35 - 0.15 -
0.2 = 0.18, i.e. to be within 6 · ln(0.2 / 0.18) = 0.63 km; a seeker of the same middle
group only (bound at most 0.755) is not even looked at.

Candidates come by skill kind: first the seekers (or posts) of the very trade, then of its
minor group, then of its middle group (then, when a related skill is not required, all),
so that the best come first and the threshold rises early. Each kind is searched only as
far as its best possible score still reaches the threshold, and skipped when it cannot.
The grid by trade carries each seeker's years in the trade, so the skill part of the bound
needs no lookup. The final pool keeps the scores ``score_pairs`` gave it and is ranked in
the order a full scan would see it (seekers by row, posts by their place in the grid), so
the ranking is the full scan's, ties included.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from numpy.typing import NDArray

from matching.engine.config import MatchConfig
from matching.engine.geo import Box, GridIndex, haversine_km
from matching.engine.scoring import Columns, seeker_part, skill_fit
from matching.engine.snapshot import PostSnapshot, SeekerSnapshot, Taxonomy

# Bounds and scores add the same terms in different orders, and experience is a float32:
# allow for the rounding.
ROUNDING = 1e-6
# Candidates scored in full per round, in order of their bound (grows 4× per round).
FIRST_ROUND = 256
# Before any threshold is known, look this near first: the best are usually close, and
# the threshold they set shrinks the search around them.
PROBE_KM = 3.0

ScoreRows = Callable[[NDArray[np.int64]], tuple[NDArray[np.bool_], NDArray[np.float64]]]
Offer = Callable[[GridIndex, NDArray[np.intp], int], None]


@dataclass
class Best:
    """The feasible rows scored so far that may still be ranked in the top k, and the score
    a row must reach for that: ``threshold`` (-inf until k rows are found).

    ``rank_fairly`` orders by band, so nothing below the k-th best score's band can pass
    the k rows at or above it: with a band of 0.02 and the 20th best at 0.883, a row needs
    0.88. (Its pool reaches further down, to 0.863, but what lies between can never be
    ranked in the top k; leaving it out changes neither the k-th best nor the order.)
    """

    k: int
    band: float
    rows: NDArray[np.int64] = field(default_factory=lambda: np.empty(0, dtype=np.int64))
    scores: NDArray[np.float64] = field(default_factory=lambda: np.empty(0))
    threshold: float = -np.inf

    def add(self, rows: NDArray[np.int64], scores: NDArray[np.float64]) -> None:
        if len(rows) == 0:
            return
        self.rows = np.concatenate([self.rows, rows])
        self.scores = np.concatenate([self.scores, scores])
        if len(self.scores) < self.k:
            return
        kth = np.partition(self.scores, len(self.scores) - self.k)[len(self.scores) - self.k]
        if self.band > 0:
            # The same expression as rank_fairly's bands, so the two agree exactly.
            level = np.floor(kth / self.band)
            keep = np.floor(self.scores / self.band) >= level
            self.threshold = float(level * self.band)
        else:
            keep = self.scores >= kth
            self.threshold = float(kth)
        self.rows, self.scores = self.rows[keep], self.scores[keep]

    def cannot_reach(self, bound: float) -> bool:
        return bound < self.threshold - ROUNDING


def score_within_bound(
    rows: NDArray[np.int64], bounds: NDArray[np.float64], score_rows: ScoreRows, best: Best
) -> None:
    """Score ``rows`` in full, highest bound first, skipping those whose bound falls below
    the threshold as it rises. A row may come more than once (with different bounds, the
    highest being its own); none is counted twice."""
    pending = np.arange(len(rows))
    batch = max(FIRST_ROUND, 4 * best.k)
    while len(pending):
        pending = pending[bounds[pending] >= best.threshold - ROUNDING]
        if len(pending) > batch:
            split = np.argpartition(-bounds[pending], batch - 1)
            taken, pending = pending[split[:batch]], pending[split[batch:]]
            batch *= 4
        else:
            taken, pending = pending, pending[:0]
        taken_rows = _new_rows(rows[taken], best.rows)
        if len(taken_rows):
            feasible, scores = score_rows(taken_rows)
            best.add(taken_rows[feasible], scores[feasible])


def _new_rows(rows: NDArray[np.int64], counted: NDArray[np.int64]) -> NDArray[np.int64]:
    """``rows`` sorted, each once, less those ``counted`` among the best already. (A row
    scored before and not counted scored too little: scoring it again adds nothing.)"""
    rows = np.sort(rows)
    keep = np.ones(len(rows), dtype=np.bool_)
    keep[1:] = rows[1:] != rows[:-1]
    if len(counted):
        counted = np.sort(counted)
        found = np.minimum(np.searchsorted(counted, rows), len(counted) - 1)
        keep &= counted[found] != rows
    return rows[keep]


class Candidates:
    """Rows offered with their bounds, scored together when a threshold is needed (or at
    the end): fewer, larger rounds of ``score_pairs``."""

    def __init__(self, best: Best, score_rows: ScoreRows) -> None:
        self.best = best
        self.score_rows = score_rows
        self.rows: list[NDArray[np.int64]] = []
        self.bounds: list[NDArray[np.float64]] = []

    def offer(self, rows: NDArray[np.int64], bounds: NDArray[np.float64]) -> None:
        reach = bounds >= self.best.threshold - ROUNDING
        self.rows.append(rows[reach])
        self.bounds.append(bounds[reach])

    def score(self) -> None:
        if self.rows:
            rows, bounds = np.concatenate(self.rows), np.concatenate(self.bounds)
            self.rows, self.bounds = [], []
            score_within_bound(rows, bounds, self.score_rows, self.best)


def _boundable(config: MatchConfig) -> bool:
    """Whether the bounds hold: they take every weight and skill credit to be at least 0
    and both scales positive (as any sensible policy has them; otherwise nothing is
    pruned)."""
    return (
        all(weight >= 0 for weight in config.weights.values())
        and min(
            config.skill_same_trade, config.skill_same_minor_group, config.skill_same_middle_group
        )
        >= 0
        and config.experience_full_years > 0
        and config.distance_scale_km > 0
    )


def _rest_bound(config: MatchConfig) -> float:
    """Most that wage and availability (each in [0, 1]) can add."""
    return max(config.weights.get("wage", 0.0), 0.0) + max(
        config.weights.get("availability", 0.0), 0.0
    )


def _best_possible(kind: int, config: MatchConfig, taxonomy: Taxonomy) -> float:
    """The highest score a pair of this skill kind can have."""
    if not _boundable(config):
        return np.inf
    weights = config.weights
    base = (
        0.0,
        config.skill_same_middle_group,
        config.skill_same_minor_group,
        config.skill_same_trade,
    )[kind]
    skill = weights.get("skill", 0.0) * base
    priorities = [config.key_group_priority.get(code, 0.0) for code in taxonomy.key_groups]
    return (
        skill
        + max(weights.get("distance", 0.0), 0.0)
        + _rest_bound(config)
        + max(weights.get("priority", 0.0) * max([*priorities, 0.0]), 0.0)
        + max(weights.get("reliability", 0.0), 0.0)
        + max(weights.get("activity", 0.0), 0.0)
    )


def _reach_km(
    kind: int, radius_km: float, best: Best, config: MatchConfig, taxonomy: Taxonomy
) -> float:
    """How far a pair of this skill kind can be and still reach the threshold (-1: none
    can). Solves w_distance · e^(-km / scale) ≥ threshold - (best possible - w_distance)."""
    best_possible = _best_possible(kind, config, taxonomy)
    if best.threshold == -np.inf:
        return radius_km
    if best.cannot_reach(best_possible):
        return -1.0
    weight = config.weights.get("distance", 0.0)
    needed = best.threshold - ROUNDING - (best_possible - weight)
    if weight <= 0 or needed <= 0:
        return radius_km
    within = config.distance_scale_km * math.log(weight / needed)
    return min(radius_km, within * (1 + 1e-9) + 1e-9)


def walk_tiers(
    tiers: list[tuple[int, GridIndex, NDArray[np.int64]]],
    lat: float,
    lon: float,
    radius_km: float,
    candidates: Candidates,
    offer: Offer,
    config: MatchConfig,
    taxonomy: Taxonomy,
    probe_km: float = PROBE_KM,
) -> None:
    """Offer the candidates of each skill kind (kind, grid, trades in it), best kind first,
    only as far out as the threshold lets a pair of that kind reach."""
    best = candidates.best
    for kind, index, groups in tiers:
        if len(groups) == 0:
            continue
        reach = _reach_km(kind, radius_km, best, config, taxonomy)
        if reach >= 0 and candidates.rows:
            # Worth searching with what is known: score what is pending first, so the
            # threshold is as high as it gets before deciding how far.
            candidates.score()
            reach = _reach_km(kind, radius_km, best, config, taxonomy)
        if reach < 0:
            continue
        if best.threshold == -np.inf and reach > probe_km:
            inner = Box.around(lat, lon, probe_km)
            offer(index, index.positions_in([inner], groups), kind)
            candidates.score()
            reach = _reach_km(kind, radius_km, best, config, taxonomy)
            if reach > probe_km:
                # Only the cells beyond the probe's.
                outer = Box.around(lat, lon, reach).without(inner)
                offer(index, index.positions_in(outer, groups), kind)
        else:
            offer(index, index.positions_in([Box.around(lat, lon, reach)], groups), kind)


def _seeker_fields(seekers: SeekerSnapshot, rows: NDArray[np.int64]) -> Columns:
    return {
        "group_bits": seekers.group_bits[rows],
        "completions": seekers.completions[rows],
        "no_shows": seekers.no_shows[rows],
        "last_active": seekers.last_active[rows],
    }


def _skill_bound(
    kind: int, years: NDArray[np.float32] | None, count: int, config: MatchConfig
) -> NDArray[np.float64]:
    """The skill feature of seekers whose best skill is of ``kind`` with ``years`` (the
    formula of ``skill_fit``; years None: at most full experience)."""
    base = (
        0.0,
        config.skill_same_middle_group,
        config.skill_same_minor_group,
        config.skill_same_trade,
    )[kind]
    if years is None or base == 0:
        return np.full(count, base)
    skill: NDArray[np.float64] = base * (
        0.8 + 0.2 * np.minimum(years / config.experience_full_years, 1.0)
    )
    return skill


def top_seekers(
    post: Columns,
    seekers: SeekerSnapshot,
    score_rows: ScoreRows,
    *,
    config: MatchConfig,
    today: int,
    k: int,
) -> NDArray[np.int64]:
    """Rows (ascending) holding the best ``k`` seekers for ``post`` (its columns, as
    ``score_pairs`` takes them), and with them every feasible seeker of the k-th best's
    band: what ``rank_fairly`` needs to rank them as if it saw every seeker."""
    taxonomy = seekers.taxonomy
    lat, lon = float(post["lat"][0]), float(post["lon"][0])
    radius = float(post["radius"][0])
    best = Best(k, config.near_equal_band)
    candidates = Candidates(best, score_rows)
    weights = config.weights
    outside = bool(seekers.outside_index)
    rest = _rest_bound(config)
    boundable = _boundable(config)

    def within_reach(rows: NDArray[np.int64]) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
        distance = haversine_km(post["lat"], post["lon"], seekers.lat[rows], seekers.lon[rows])
        reach = np.minimum(post["radius"], seekers.travel_km[rows])
        return (distance <= reach) & seekers.active[rows], distance

    def bound(
        rows: NDArray[np.int64],
        distance: NDArray[np.float64],
        skill: NDArray[np.float64],
        near: NDArray[np.bool_],
    ) -> None:
        """Offer the rows within reach (``near``) with their bounds."""
        rows, distance, skill = rows[near], distance[near], skill[near]
        if not boundable:
            candidates.offer(rows, np.full(len(rows), np.inf))
            return
        bounds = (
            weights.get("skill", 0.0) * skill
            + weights.get("distance", 0.0) * np.exp(-distance / config.distance_scale_km)
            + seeker_part(_seeker_fields(seekers, rows), taxonomy, config, today)
            + rest
        )
        candidates.offer(rows, bounds)

    def offer(index: GridIndex, positions: NDArray[np.intp], kind: int) -> None:
        rows = index.order[positions]
        years = None if index.carried is None else index.carried[positions]
        near, distance = within_reach(rows)
        if outside:
            near &= ~seekers.outside[rows]
        # A seeker listed under several trades of this kind comes several times, each with
        # the years of that trade; one whose best skill is of a better kind comes here too,
        # with a bound too low for them, but they were offered with that kind already.
        bound(rows, distance, _skill_bound(kind, years, len(rows), config), near)

    tiers = [
        (kind, seekers.trade_index, trades)
        for kind, trades in taxonomy.trade_tiers([int(post["trade"][0])]).by_kind()
    ]
    if not config.require_related_skill:
        tiers.append((0, seekers.index, np.zeros(1, dtype=np.int64)))
    walk_tiers(tiers, lat, lon, radius, candidates, offer, config, taxonomy)
    if outside:
        # Seekers the grids do not know as they are: their skill from their columns.
        rows = seekers.outside_rows()
        near, distance = within_reach(rows)
        kinds, _, skill = skill_fit(
            seekers.skill_trade[rows], seekers.skill_years[rows], post["trade"], taxonomy, config
        )
        bound(rows, distance, skill, near & ((kinds > 0) | (not config.require_related_skill)))
    candidates.score()
    return np.sort(best.rows)


def top_posts(
    seeker: Columns,
    posts: PostSnapshot,
    score_rows: ScoreRows,
    *,
    config: MatchConfig,
    today: int,
    k: int,
) -> NDArray[np.int64]:
    """Rows (in grid order) holding the best ``k`` open posts for one seeker (their
    columns, as ``score_pairs`` takes them) and every other feasible post scoring as much
    as the k-th."""
    taxonomy = posts.taxonomy
    lat, lon = float(seeker["lat"][0]), float(seeker["lon"][0])
    reach = float(seeker["travel_km"][0])
    best = Best(k, 0.0)
    candidates = Candidates(best, score_rows)
    weights = config.weights
    own_part = float(seeker_part(seeker, taxonomy, config, today)[0]) + _rest_bound(config)
    boundable = _boundable(config)
    trade_tiers = taxonomy.trade_tiers([int(trade) for trade in seeker["skill_trade"][0]])

    def offer(index: GridIndex, positions: NDArray[np.intp], kind: int) -> None:
        rows = index.order[positions]
        rows = rows[posts.open[rows] & (posts.openings[rows] > 0)]
        distance = haversine_km(posts.lat[rows], posts.lon[rows], seeker["lat"], seeker["lon"])
        near = distance <= np.minimum(posts.radius[rows], seeker["travel_km"])
        rows, distance = rows[near], distance[near]
        if not boundable:
            candidates.offer(rows, np.full(len(rows), np.inf))
            return
        _, _, skill = skill_fit(
            seeker["skill_trade"], seeker["skill_years"], posts.trade[rows], taxonomy, config
        )
        bounds = (
            weights.get("skill", 0.0) * skill
            + weights.get("distance", 0.0) * np.exp(-distance / config.distance_scale_km)
            + own_part
        )
        candidates.offer(rows, bounds)

    tiers: list[tuple[int, GridIndex, NDArray[np.int64]]] = [
        (kind, posts.trade_index, tier_trades) for kind, tier_trades in trade_tiers.by_kind()
    ]
    if not config.require_related_skill:
        tiers.append((0, posts.index, np.zeros(1, dtype=np.int64)))
    # Posts are sparse enough to search without a probe first.
    walk_tiers(tiers, lat, lon, reach, candidates, offer, config, taxonomy, probe_km=np.inf)
    candidates.score()
    return best.rows[np.argsort(posts.grid_rank[best.rows])]
