"""How good were the recommendations? Hit rate at K against the hires that followed.

For each stored ranking computed before a hire it could have predicted, a hit at K means the
hire is among the first K of the ranking:

- post → seekers: a post's ranking and the seekers hired for it afterwards;
- seeker → posts: a seeker's ranking and the posts they were hired for afterwards.

Rankings are replaced when matched again, so this measures each post's or seeker's latest
ranking that predates its hire; a ranking computed after the hire is not counted (it could
not have predicted it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

from django.db.models import Q

from matching.models import Recommendation
from stations.models import Application
from stations.models.placements import ApplicationEvent, ApplicationStatus


@dataclass
class HitRate:
    direction: str
    ks: Sequence[int]
    hires: int = 0  # hires with a ranking computed before them
    hits: dict[int, int] = field(default_factory=dict)
    reciprocal_rank_sum: float = 0.0

    def rate(self, k: int) -> float:
        return self.hits.get(k, 0) / self.hires if self.hires else 0.0

    @property
    def mean_reciprocal_rank(self) -> float:
        return self.reciprocal_rank_sum / self.hires if self.hires else 0.0


def hit_rates(
    *, ks: Sequence[int] = (1, 5, 10, 20), since: dt.datetime | None = None, region_path: str = ""
) -> list[HitRate]:
    """Hit rate at each K, per direction, over hires since ``since`` in a region's tree."""
    hired_events = ApplicationEvent.objects.filter(to_status=ApplicationStatus.HIRED)
    if since is not None:
        hired_events = hired_events.filter(at__gte=since)
    if region_path:
        hired_events = hired_events.filter(application__post__region__path__startswith=region_path)
    hires = dict(hired_events.values_list("application_id", "at"))
    pairs = {
        (post_id, seeker_id): application_id
        for application_id, post_id, seeker_id in Application.objects.filter(
            pk__in=list(hires)
        ).values_list("pk", "post_id", "seeker_id")
    }
    results = []
    for direction in (
        Recommendation.Direction.SEEKERS_FOR_POST,
        Recommendation.Direction.POSTS_FOR_SEEKER,
    ):
        result = HitRate(direction=direction, ks=ks, hits=dict.fromkeys(ks, 0))
        rankings: dict[int, tuple[dt.datetime, dict[int, int]]] = {}
        subject, other = ("post_id", "seeker_id")
        if direction == Recommendation.Direction.POSTS_FOR_SEEKER:
            subject, other = other, subject
        subjects = {pair[0] if subject == "post_id" else pair[1] for pair in pairs}
        for subject_id, other_id, rank, computed_at in Recommendation.objects.filter(
            Q(direction=direction), Q(**{f"{subject}__in": subjects})
        ).values_list(subject, other, "rank", "computed_at"):
            ranked = rankings.setdefault(subject_id, (computed_at, {}))
            ranked[1][other_id] = rank
        for (post_id, seeker_id), application_id in pairs.items():
            subject_id, other_id = (
                (post_id, seeker_id) if subject == "post_id" else (seeker_id, post_id)
            )
            ranking = rankings.get(subject_id)
            if ranking is None or ranking[0] > hires[application_id]:
                continue
            result.hires += 1
            rank = ranking[1].get(other_id)
            if rank is None:
                continue
            result.reciprocal_rank_sum += 1 / rank
            for k in ks:
                if rank <= k:
                    result.hits[k] += 1
        results.append(result)
    return results
