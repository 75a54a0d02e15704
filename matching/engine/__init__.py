"""The matching engine: plain Python and NumPy, no Django, no settings, no clock.

Callers pass the snapshots, the configuration and today's date (as a date ordinal) and get
ranked ids with scores and reasons back.
"""

from matching.engine.allocation import allocate, allocate_greedily, total_score
from matching.engine.config import FEATURES, MatchConfig
from matching.engine.fairness import gini
from matching.engine.matcher import (
    ENGINE_VERSION,
    Match,
    posts_for_seeker,
    rank_fairly,
    rematch_posts,
    score_matrix,
    seekers_for_post,
)
from matching.engine.reasons import Reason
from matching.engine.snapshot import (
    PostRecord,
    PostSnapshot,
    SeekerRecord,
    SeekerSnapshot,
    Taxonomy,
)

__all__ = [
    "ENGINE_VERSION",
    "FEATURES",
    "Match",
    "MatchConfig",
    "PostRecord",
    "PostSnapshot",
    "Reason",
    "SeekerRecord",
    "SeekerSnapshot",
    "Taxonomy",
    "allocate",
    "allocate_greedily",
    "gini",
    "posts_for_seeker",
    "rank_fairly",
    "rematch_posts",
    "score_matrix",
    "seekers_for_post",
    "total_score",
]
