"""The two directions: the best seekers for a post, the best posts for a seeker."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from numpy.typing import NDArray

from matching.engine.config import FEATURES, MatchConfig
from matching.engine.geo import cell_keys
from matching.engine.reasons import Reason
from matching.engine.scoring import Scored, post_columns, score_pairs, seeker_columns
from matching.engine.search import top_posts, top_seekers
from matching.engine.snapshot import PostRecord, PostSnapshot, SeekerSnapshot, Taxonomy

ENGINE_VERSION = "1.0"
TOP_REASONS = 3


@dataclass(frozen=True)
class Match:
    id: int  # the seeker's (post → seekers) or the post's (seeker → posts)
    score: float
    reasons: tuple[Reason, ...]


def rank_fairly(
    scores: NDArray[np.float64], pushes: NDArray[np.float32], k: int, band: float
) -> NDArray[np.int64]:
    """Indices of the top ``k``: by score band, then fewest recent pushes, then score.

    Scores within one band (e.g. 0.02) count as equal; among equals the person pushed fewer
    jobs lately goes first, so pushes spread over people instead of piling on the few who
    score a hair higher.
    """
    if len(scores) == 0 or k <= 0:
        return np.empty(0, dtype=np.int64)
    if len(scores) > k:
        # Nothing scoring a band below the k-th best can enter the top k.
        kth = np.partition(scores, len(scores) - k)[len(scores) - k]
        pool = np.flatnonzero(scores >= kth - band)
    else:
        pool = np.arange(len(scores))
    bands = np.floor(scores[pool] / band) if band > 0 else scores[pool]
    order = np.lexsort((-scores[pool], pushes[pool], -bands))
    return pool[order[:k]]


def _reasons(
    scored: Scored,
    index: int,
    contributions: NDArray[np.float64],
    order: NDArray[np.intp],
    *,
    config: MatchConfig,
    taxonomy: Taxonomy,
    seeker: dict[str, NDArray[Any]],
    seeker_index: int,
    post_slots: int,
    today: int,
) -> tuple[Reason, ...]:
    """The largest contributions of one pair (``contributions`` by feature, ``order`` of
    them largest first) in words."""
    reasons: list[Reason] = []
    for feature_index in order:
        contribution = float(contributions[feature_index])
        if contribution <= 0 or len(reasons) == TOP_REASONS:
            break
        name = FEATURES[feature_index]
        reason = _reason(
            name,
            contribution,
            scored,
            index,
            taxonomy=taxonomy,
            config=config,
            seeker=seeker,
            seeker_index=seeker_index,
            post_slots=post_slots,
            today=today,
        )
        if reason is not None:
            reasons.append(reason)
    return tuple(reasons)


def _reason(
    name: str,
    contribution: float,
    scored: Scored,
    index: int,
    *,
    taxonomy: Taxonomy,
    config: MatchConfig,
    seeker: dict[str, NDArray[Any]],
    seeker_index: int,
    post_slots: int,
    today: int,
) -> Reason | None:
    if name == "skill":
        column = int(scored.skill_column[index])
        trade = int(seeker["skill_trade"][seeker_index, column])
        zh, en = taxonomy.trade_names.get(trade, ("?", "?"))
        if int(scored.skill_kind[index]) == 3:
            years = int(seeker["skill_years"][seeker_index, column])
            return Reason(
                "skill_trade", contribution, {"trade": zh, "trade_en": en, "years": years}
            )
        return Reason("skill_related", contribution, {"trade": zh, "trade_en": en})
    if name == "distance":
        return Reason("distance", contribution, {"km": f"{scored.distance_km[index]:.1f}"})
    if name == "wage":
        return Reason("wage", contribution)
    if name == "availability":
        covered = int(np.bitwise_count(int(seeker["availability"][seeker_index]) & post_slots))
        needed = max(int(np.bitwise_count(post_slots)), 1)
        return Reason("availability", contribution, {"covered": covered, "needed": needed})
    if name == "priority":
        bits = int(seeker["group_bits"][seeker_index])
        groups = [code for bit, code in enumerate(taxonomy.key_groups) if bits >> bit & 1]
        if not groups:
            return None
        top = max(groups, key=lambda code: config.key_group_priority.get(code, 0.0))
        zh, en = taxonomy.key_group_names.get(top, (top, top))
        return Reason("priority", contribution, {"group": zh, "group_en": en})
    if name == "reliability":
        return Reason(
            "reliability",
            contribution,
            {
                "completions": int(seeker["completions"][seeker_index]),
                "no_shows": int(seeker["no_shows"][seeker_index]),
            },
        )
    last = int(seeker["last_active"][seeker_index])
    if last <= 0:
        return None
    return Reason("activity", contribution, {"days": max(today - last, 0)})


def _matches(
    scored: Scored,
    top: NDArray[np.int64],
    *,
    ids: NDArray[np.int64],
    config: MatchConfig,
    taxonomy: Taxonomy,
    seeker: dict[str, NDArray[Any]],
    seeker_index: Callable[[int], int],
    post_slots: Callable[[int], int],
    today: int,
) -> list[Match]:
    """The ranked pairs ``top`` as matches with their reasons (either direction)."""
    weights = np.array([config.weights.get(name, 0.0) for name in FEATURES])
    contributions = scored.features[top] * weights
    orders = np.argsort(-contributions, axis=-1)
    return [
        Match(
            id=int(ids[index]),
            score=float(scored.score[index]),
            reasons=_reasons(
                scored,
                int(index),
                contributions[position],
                orders[position],
                config=config,
                taxonomy=taxonomy,
                seeker=seeker,
                seeker_index=seeker_index(int(index)),
                post_slots=post_slots(int(index)),
                today=today,
            ),
        )
        for position, index in enumerate(top)
    ]


def _post_columns_of(
    record: PostRecord, taxonomy: Taxonomy, config: MatchConfig
) -> dict[str, NDArray[Any]]:
    required = np.zeros((1, len(taxonomy.certificate_kinds)), dtype=np.bool_)
    for kind in record.certificates:
        if kind in taxonomy.certificate_kinds:
            required[0, list(taxonomy.certificate_kinds).index(kind)] = True
    radius = config.default_post_radius_km if record.radius_km is None else record.radius_km
    return {
        "lat": np.array([np.nan if record.latitude is None else record.latitude]),
        "lon": np.array([np.nan if record.longitude is None else record.longitude]),
        "trade": np.array([record.trade], dtype=np.int64),
        "wage": np.array([np.nan if record.daily_wage is None else record.daily_wage]),
        "starts": np.array([record.starts_on], dtype=np.int64),
        "ends": np.array([record.ends_on], dtype=np.int64),
        "slots": np.array([record.slots], dtype=np.int64),
        "radius": np.array([radius], dtype=np.float32),
        "required": required,
    }


class _Rounds:
    """``score_pairs`` for the search's rounds, keeping what each gave: the final pool
    (scored in some round) needs no second scoring."""

    def __init__(self, score: Callable[[NDArray[np.int64]], Scored]) -> None:
        self._score = score
        self._rows: list[NDArray[np.int64]] = []
        self._scored: list[Scored] = []

    def __call__(self, rows: NDArray[np.int64]) -> tuple[NDArray[np.bool_], NDArray[np.float64]]:
        scored = self._score(rows)
        self._rows.append(rows)
        self._scored.append(scored)
        return scored.feasible, scored.score

    def of(self, rows: NDArray[np.int64]) -> Scored:
        """What the rounds gave for ``rows``, in that order."""
        scored_rows = np.concatenate(self._rows)
        order = np.argsort(scored_rows, kind="stable")
        at = order[np.searchsorted(scored_rows[order], rows)]

        def gather(name: str) -> NDArray[Any]:
            return np.concatenate([getattr(scored, name) for scored in self._scored])[at]

        return Scored(
            feasible=gather("feasible"),
            features=gather("features"),
            score=gather("score"),
            distance_km=gather("distance_km"),
            skill_column=gather("skill_column"),
            skill_kind=gather("skill_kind"),
        )


def seekers_for_post(
    post: PostRecord,
    seekers: SeekerSnapshot,
    *,
    config: MatchConfig,
    today: int,
    k: int = 20,
) -> list[Match]:
    """The best ``k`` seekers for ``post``, with their reasons."""
    if post.latitude is None or post.longitude is None or k <= 0:
        return []
    taxonomy = seekers.taxonomy
    if config.require_related_skill:
        middle_group = int(taxonomy.lookup(taxonomy.middle_of, np.array([post.trade]))[0])
        if middle_group < 0:
            return []
    post_columns = _post_columns_of(post, taxonomy, config)
    rounds = _Rounds(
        lambda rows: score_pairs(
            post_columns, seeker_columns(seekers, rows), taxonomy, config, today
        )
    )
    rows = top_seekers(post_columns, seekers, rounds, config=config, today=today, k=k)
    if len(rows) == 0:
        return []
    # The pool, in row order as a scan of every seeker would see it, ranked as before.
    columns = seeker_columns(seekers, rows)
    scored = rounds.of(rows)
    top = rank_fairly(scored.score, columns["recent_pushes"], k, config.near_equal_band)
    return _matches(
        scored,
        top,
        ids=seekers.ids[rows],
        config=config,
        taxonomy=taxonomy,
        seeker=columns,
        seeker_index=lambda index: index,
        post_slots=lambda index: post.slots,
        today=today,
    )


def posts_for_seeker(
    seeker_id: int,
    seekers: SeekerSnapshot,
    posts: PostSnapshot,
    *,
    config: MatchConfig,
    today: int,
    k: int = 20,
) -> list[Match]:
    """The best ``k`` open posts for one seeker, with the reasons."""
    row = seekers.row_of.get(seeker_id)
    if row is None or np.isnan(seekers.lat[row]) or k <= 0:
        return []
    taxonomy = seekers.taxonomy
    seeker = seeker_columns(seekers, np.array([row]))
    rounds = _Rounds(
        lambda rows: score_pairs(post_columns(posts, rows), seeker, taxonomy, config, today)
    )
    rows = top_posts(seeker, posts, rounds, config=config, today=today, k=k)
    if len(rows) == 0:
        return []
    scored = rounds.of(rows)
    top = rank_fairly(scored.score, np.zeros(len(rows), dtype=np.float32), k, 0.0)
    return _matches(
        scored,
        top,
        ids=posts.ids[rows],
        config=config,
        taxonomy=taxonomy,
        seeker=seeker,
        seeker_index=lambda index: 0,
        post_slots=lambda index: int(posts.slots[rows[index]]),
        today=today,
    )


def rematch_posts(
    posts: Iterable[PostRecord],
    seekers: SeekerSnapshot,
    *,
    config: MatchConfig,
    today: int,
    k: int = 20,
) -> Iterator[tuple[int, list[Match]]]:
    """``(post id, its best k seekers)`` for every post, each exactly as
    ``seekers_for_post`` gives them: the nightly re-match.

    Posts are taken by trade, then grid cell, so that consecutive posts read the same
    slices of the grid and the same seekers' rows while they are still in the cache; the
    pairs come out in that order. Give it a chunk of posts at a time (say a thousand, by
    id range, from a Celery task) and store each chunk's results as they come.
    """
    records = list(posts)
    keys = cell_keys(
        np.array([np.nan if r.latitude is None else r.latitude for r in records]),
        np.array([np.nan if r.longitude is None else r.longitude for r in records]),
    )
    order = sorted(range(len(records)), key=lambda index: (records[index].trade, keys[index]))
    for index in order:
        post = records[index]
        yield post.id, seekers_for_post(post, seekers, config=config, today=today, k=k)


def score_matrix(
    posts: list[PostRecord],
    seeker_ids: list[int],
    seekers: SeekerSnapshot,
    *,
    config: MatchConfig,
    today: int,
) -> NDArray[np.float64]:
    """Scores of seekers (rows) for posts (columns); -inf where they cannot match."""
    rows = np.array([seekers.row_of[seeker_id] for seeker_id in seeker_ids], dtype=np.int64)
    columns = seeker_columns(seekers, rows)
    matrix = np.full((len(rows), len(posts)), -np.inf)
    for index, post in enumerate(posts):
        scored = score_pairs(
            _post_columns_of(post, seekers.taxonomy, config),
            columns,
            seekers.taxonomy,
            config,
            today,
        )
        matrix[:, index] = np.where(scored.feasible, scored.score, -np.inf)
    return matrix
