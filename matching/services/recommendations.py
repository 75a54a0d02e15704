"""Matching runs and their results: stored recommendations, and pushes of posts to seekers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.audit import audit_record
from core.bulk import insert_objects
from core.errors import Conflict
from core.models import AuditAction
from matching.engine import (
    ENGINE_VERSION,
    Match,
    PostRecord,
    SeekerSnapshot,
    posts_for_seeker,
    rematch_posts,
    seekers_for_post,
)
from matching.models import Notification, Recommendation
from matching.selectors.policy import config_for_region
from matching.selectors.snapshot import open_post_records, seeker_columns
from matching.services.outbox import notify_seeker
from matching.snapshots import snapshots
from stations.models import JobPost, JobSeeker, Region
from stations.models.posts import PostStatus

Direction = Recommendation.Direction


def _replace(
    direction: str, rankings: dict[int, Sequence[Match]], now: dt.datetime
) -> list[Recommendation]:
    """Replace the stored rankings of some posts (or seekers, by direction) with ``rankings``
    (subject id → matches), keeping when each pair was pushed. The caller holds the row locks
    of those posts (or seekers). Returns the rows written (without their primary keys)."""
    by_post = direction == Direction.SEEKERS_FOR_POST
    subject, other = ("post_id", "seeker_id") if by_post else ("seeker_id", "post_id")
    current = Recommendation.objects.filter(
        direction=direction, **{f"{subject}__in": list(rankings)}
    )
    pushed = {
        (subject_id, other_id): at
        for subject_id, other_id, at in current.filter(pushed_at__isnull=False).values_list(
            subject, other, "pushed_at"
        )
    }
    current.delete()
    # The snapshot may hold a seeker or post deleted since it was loaded.
    model = JobSeeker if by_post else JobPost
    wanted = {match.id for matches in rankings.values() for match in matches}
    exists = set(model.objects.filter(pk__in=wanted).values_list("pk", flat=True))
    rows = [
        Recommendation(
            direction=direction,
            rank=rank,
            score=min(max(match.score, 0.0), 1.0),
            reasons=[reason.as_dict() for reason in match.reasons],
            engine_version=ENGINE_VERSION,
            computed_at=now,
            pushed_at=pushed.get((subject_id, match.id)),
            **{subject: subject_id, other: match.id},
        )
        for subject_id, matches in rankings.items()
        for rank, match in enumerate((m for m in matches if m.id in exists), start=1)
    ]
    # One executemany: the nightly run writes a million rows, and bulk_create's arrays of
    # JSON text cost more than the ranking itself.
    insert_objects(Recommendation, rows, now=now)
    return rows


@transaction.atomic
def post_match(
    *, post_id: int, now: dt.datetime, push_top: int | None = None
) -> list[Recommendation]:
    """Rank seekers for an open post, store the ranking, and push the post to the best
    ``push_top`` (settings.MATCHING_PUSH_TOP) of them. Running it again re-ranks and pushes to
    nobody twice."""
    post = (
        JobPost.objects.select_for_update(of=("self",))
        .select_related("region", "employer")
        .filter(pk=post_id)
        .first()
    )
    if post is None or post.status != PostStatus.OPEN:
        return []
    records = open_post_records(ids=[post.pk])
    if not records:
        return []
    config = config_for_region(post.region)
    matches = seekers_for_post(
        records[0],
        snapshots.seekers(now=now),
        config=config,
        today=timezone.localdate(now).toordinal(),
        k=settings.MATCHING_TOP_K,
    )
    stored = _replace(Direction.SEEKERS_FOR_POST, {post.pk: matches}, now)
    top = settings.MATCHING_PUSH_TOP if push_top is None else push_top
    if top and matches:
        _push(post=post, seeker_ids=[match.id for match in matches[:top]], now=now, by=None)
    return stored


def posts_rematch(*, post_ids: Sequence[int], now: dt.datetime) -> int:
    """Re-rank a chunk of open posts without pushing (the nightly run): one read of the
    chunk's posts, the engine per post, and one replacement of their rankings."""
    records = open_post_records(ids=post_ids)
    if not records:
        return 0
    seekers = snapshots.seekers(now=now)
    today = timezone.localdate(now).toordinal()
    regions = dict(
        JobPost.objects.filter(pk__in=[r.id for r in records]).values_list("pk", "region_id")
    )
    # Posts grouped by their region's policy, each group ranked in one engine pass.
    by_region: dict[int, list[PostRecord]] = {}
    for record in records:
        by_region.setdefault(regions[record.id], []).append(record)
    ranked: dict[int, list[Match]] = {}
    for region_id, group in by_region.items():
        config = config_for_region(Region.objects.get(pk=region_id))
        ranked.update(
            rematch_posts(group, seekers, config=config, today=today, k=settings.MATCHING_TOP_K)
        )
    with transaction.atomic():
        # The same lock as post_match: a post opening meanwhile is ranked by one at a time.
        locked = list(
            JobPost.objects.select_for_update()
            .filter(pk__in=list(ranked), status=PostStatus.OPEN)
            .order_by("pk")
            .values_list("pk", flat=True)
        )
        _replace(Direction.SEEKERS_FOR_POST, {pk: ranked[pk] for pk in locked}, now)
    return len(locked)


@transaction.atomic
def seeker_match(*, seeker_id: int, now: dt.datetime) -> list[Recommendation]:
    """Rank the open posts for one seeker and store them (what the app shows)."""
    seeker = (
        JobSeeker.objects.select_for_update(of=("self",))
        .select_related("residence_region")
        .filter(pk=seeker_id, merged_into__isnull=True)
        .first()
    )
    if seeker is None:
        return []
    taxonomy = snapshots.taxonomy()
    today = timezone.localdate(now)
    one = SeekerSnapshot.from_columns(
        taxonomy, seeker_columns(taxonomy, today=today, now=now, ids=[seeker.pk])
    )
    matches = posts_for_seeker(
        seeker.pk,
        one,
        snapshots.posts(now=now),
        config=config_for_region(seeker.residence_region),
        today=today.toordinal(),
        k=settings.MATCHING_TOP_K,
    )
    return _replace(Direction.POSTS_FOR_SEEKER, {seeker.pk: matches}, now)


def _reason_text(recommendation: Recommendation | None) -> dict[str, str]:
    if recommendation is None or not recommendation.reasons:
        return {}
    top = recommendation.reasons[0]
    return {"zh-hans": top.get("zh-hans", ""), "en": top.get("en", "")}


def _push(
    *, post: JobPost, seeker_ids: Sequence[int], now: dt.datetime, by: User | None
) -> list[Notification]:
    ranked = {
        rec.seeker_id: rec
        for rec in Recommendation.objects.filter(
            direction=Direction.SEEKERS_FOR_POST, post=post, seeker_id__in=seeker_ids
        )
    }
    written: list[Notification] = []
    distance = {
        seeker_id: next((r["params"]["km"] for r in rec.reasons if r.get("code") == "distance"), "")
        for seeker_id, rec in ranked.items()
    }
    for seeker in JobSeeker.objects.filter(pk__in=seeker_ids, merged_into__isnull=True).order_by(
        "pk"
    ):
        context = {
            "post": post.pk,
            "title": post.title,
            "employer": post.employer.name,
            "openings": post.openings,
            "wage": f"{post.wage_amount} {post.get_wage_unit_display()}",
            "starts_on": post.starts_on.isoformat(),
            "distance": f"{distance.get(seeker.pk, '')} km" if distance.get(seeker.pk) else "",
            "reason": _reason_text(ranked.get(seeker.pk)),
        }
        written += notify_seeker(
            seeker=seeker,
            template="post_recommended",
            context=context,
            dedup_key=f"post_recommended:{post.pk}:{seeker.pk}",
            now=now,
            post=post,
        )
    Recommendation.objects.filter(
        direction=Direction.SEEKERS_FOR_POST,
        post=post,
        seeker_id__in=seeker_ids,
        pushed_at__isnull=True,
    ).update(pushed_at=now)
    if by is not None:
        audit_record(
            actor=by,
            action=AuditAction.PUSH,
            object_type="stations.jobpost",
            object_id=str(post.pk),
            detail={"seekers": sorted(seeker_ids)},
        )
    return written


@transaction.atomic
def post_push(
    *, post: JobPost, seeker_ids: Sequence[int], by: User | None, now: dt.datetime
) -> list[Notification]:
    """Push an open post to the chosen seekers (staff's one click on the candidates page).
    A seeker already pushed this post gets nothing twice."""
    post = (
        JobPost.objects.select_for_update(of=("self",)).select_related("employer").get(pk=post.pk)
    )
    if post.status != PostStatus.OPEN:
        raise Conflict(_("Only an open post can be pushed to job seekers."))
    return _push(post=post, seeker_ids=seeker_ids, now=now, by=by)
