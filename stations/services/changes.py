"""What matching must hear when stations' records change, said explicitly by the services
that change them (no signals).

Matching builds on stations, so its tasks are imported on use here; they are enqueued after
commit, so a worker never reads a change that is not there yet, nor one rolled back.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from core.tasks import enqueue_on_commit
from stations.models import JobSeeker, Placement


def seeker_changed(seeker_id: int) -> None:
    """A seeker's profile, skills, certificates, key groups or bookings changed: move their
    ``updated_at`` (matching's snapshots refresh from it) and re-rank their posts."""
    from matching.tasks import match_seeker

    JobSeeker.objects.filter(pk=seeker_id).update(updated_at=timezone.now())
    enqueue_on_commit(match_seeker, seeker_id)


def post_opened(post_id: int) -> None:
    """A post opened: rank its candidates and push it to the best of them."""
    from matching.tasks import match_post

    enqueue_on_commit(match_post, post_id)


def placement_made(placement: Placement, *, now: dt.datetime) -> None:
    """Someone was hired: an open fair intention of theirs with that employer converts, their
    311 plan closes as employed, and their family leaves the zero-employment list."""
    from stations.services.fairs import intentions_convert
    from stations.services.followup import employment_recorded

    intentions_convert(placement=placement, now=now)
    employment_recorded(placement=placement, now=now)


def key_group_joined(seeker_id: int, *, on: dt.date) -> None:
    """A seeker was registered in or tagged with a key group: their 311 plan opens."""
    from stations.services.followup import plan_ensure

    plan_ensure(seeker_id=seeker_id, today=on)
