"""Stored recommendations as staff and seekers read them."""

from __future__ import annotations

from django.db.models import F, OuterRef, QuerySet, Subquery

from matching.models import Notification, Recommendation
from stations.models import JobPost, JobSeeker
from stations.models.posts import PostStatus


def candidates_for_post(post: JobPost) -> list[Recommendation]:
    """The seekers ranked for ``post``, best first, with the seekers loaded."""
    return list(
        Recommendation.objects.filter(
            post=post, direction=Recommendation.Direction.SEEKERS_FOR_POST
        )
        .select_related("seeker", "seeker__residence_region")
        .order_by("rank")
    )


def recommended_posts(seeker: JobSeeker) -> QuerySet[Recommendation]:
    """The open posts recommended to ``seeker``, best first (a post that closed since it was
    ranked drops out at once)."""
    return (
        Recommendation.objects.filter(
            seeker=seeker,
            direction=Recommendation.Direction.POSTS_FOR_SEEKER,
            post__status=PostStatus.OPEN,
        )
        .select_related("post", "post__employer", "post__occupation", "post__region")
        .order_by("rank")
    )


def ranked_first(jobs: QuerySet[JobPost], seeker: JobSeeker) -> QuerySet[JobPost]:
    """``jobs`` with the ones recommended to ``seeker`` first, by rank; then the newest."""
    rank = Recommendation.objects.filter(
        seeker=seeker, post=OuterRef("pk"), direction=Recommendation.Direction.POSTS_FOR_SEEKER
    ).values("rank")[:1]
    return jobs.annotate(recommended_rank=Subquery(rank)).order_by(
        F("recommended_rank").asc(nulls_last=True), "-opened_at", "-pk"
    )


def inbox(seeker: JobSeeker) -> QuerySet[Notification]:
    """The seeker's in-app messages, newest first."""
    return Notification.objects.filter(seeker=seeker, channel=Notification.Channel.IN_APP).order_by(
        "-created_at", "-id"
    )
