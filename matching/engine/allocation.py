"""The morning rush: many posts with several openings, many seekers present at a station.

Maximise the total score, each seeker taking at most one job and each post at most its
openings: an assignment problem over the posts' openings expanded into slots, solved exactly
by ``scipy.optimize.linear_sum_assignment``.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray
from scipy.optimize import linear_sum_assignment

Pair = tuple[int, int]  # (seeker index, post index)


def allocate(scores: NDArray[np.float64], openings: Sequence[int]) -> list[Pair]:
    """The assignment of greatest total score; pairs scored -inf are never made."""
    seekers, posts = scores.shape
    slot_post = np.repeat(np.arange(posts), np.maximum(np.asarray(openings, dtype=np.int64), 0))
    if seekers == 0 or len(slot_post) == 0:
        return []
    expanded = scores[:, slot_post]
    feasible = np.isfinite(expanded)
    # One "left empty" row per slot, costing nothing: a slot stays empty rather than taking an
    # infeasible pair (which costs more than any gain), and filling it never forces a worse
    # assignment elsewhere, as it would if every slot had to be filled.
    penalty = 1.0 + float(np.abs(expanded[feasible]).sum()) if feasible.any() else 1.0
    cost = np.vstack([np.where(feasible, -expanded, penalty), np.zeros((len(slot_post),) * 2)])
    rows, columns = linear_sum_assignment(cost)
    return [
        (int(row), int(slot_post[column]))
        for row, column in zip(rows, columns, strict=True)
        if row < seekers and feasible[row, column]
    ]


def allocate_greedily(scores: NDArray[np.float64], openings: Sequence[int]) -> list[Pair]:
    """Baseline: take the best remaining pair until nothing fits."""
    left = list(openings)
    taken: set[int] = set()
    pairs = []
    flat = np.argsort(-scores, axis=None)
    for seeker, post in zip(*np.unravel_index(flat, scores.shape), strict=True):
        if not np.isfinite(scores[seeker, post]):
            break
        if seeker in taken or left[post] <= 0:
            continue
        pairs.append((int(seeker), int(post)))
        taken.add(int(seeker))
        left[post] -= 1
    return pairs


def total_score(scores: NDArray[np.float64], pairs: Sequence[Pair]) -> float:
    return float(sum(scores[seeker, post] for seeker, post in pairs))


def with_queue_bonus(
    scores: NDArray[np.float64], queue_order: Sequence[int], weight: float
) -> NDArray[np.float64]:
    """``scores`` (seekers × posts) with the morning queue counted: the seeker first in the
    queue gains ``weight``, the last nothing, those between in proportion. Pairs that cannot
    match stay impossible."""
    seekers = scores.shape[0]
    order = np.asarray(queue_order, dtype=np.float64)
    if seekers == 0:
        return scores.copy()
    ranks = np.argsort(np.argsort(order, kind="stable"), kind="stable").astype(np.float64)
    bonus = weight * (1.0 - ranks / max(seekers - 1, 1))
    return np.where(np.isfinite(scores), scores + bonus[:, None], -np.inf)
