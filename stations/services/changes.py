"""What matching must hear when stations' records change, said explicitly by the services
that change them (no signals).

Matching builds on stations, so its tasks are imported on use here; they are enqueued after
commit, so a worker never reads a change that is not there yet, nor one rolled back.
"""

from __future__ import annotations

from functools import partial

from django.db import transaction
from django.utils import timezone

from stations.models import JobSeeker


def seeker_changed(seeker_id: int) -> None:
    """A seeker's profile, skills, certificates, key groups or bookings changed: move their
    ``updated_at`` (matching's snapshots refresh from it) and re-rank their posts."""
    from matching.tasks import match_seeker

    JobSeeker.objects.filter(pk=seeker_id).update(updated_at=timezone.now())
    transaction.on_commit(partial(match_seeker.delay, seeker_id))


def post_opened(post_id: int) -> None:
    """A post opened: rank its candidates and push it to the best of them."""
    from matching.tasks import match_post

    transaction.on_commit(partial(match_post.delay, post_id))
