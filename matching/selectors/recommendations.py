"""Stored recommendations as staff and seekers read them."""

from __future__ import annotations

from django.db.models import QuerySet

from matching.models import Recommendation
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
        .select_related("post", "post__employer", "post__occupation")
        .order_by("rank")
    )
