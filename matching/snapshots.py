"""The snapshots a process keeps in memory, loaded once and kept fresh from the database.

A worker process loads every seeker once (seconds for a city of a million) and then, before
each use, applies only what changed since: the seekers whose ``updated_at`` moved (services
touch a seeker when its skills, certificates, key groups or placements change). Open posts are
few; they are rebuilt when any changed, at most every ``POST_REFRESH`` seconds.
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from matching.engine import PostSnapshot, SeekerSnapshot, Taxonomy
from matching.selectors.snapshot import (
    DEFAULT_CONFIG,
    open_post_records,
    seeker_columns,
    seeker_records,
    taxonomy_load,
)
from stations.models import JobPost, JobSeeker, Occupation

# Changes committed a little out of order (a long transaction that began before the last
# refresh) are caught by looking back this far; re-applying a seeker is harmless.
LOOKBACK = dt.timedelta(seconds=30)
# Reindex the grid once this many moved or new seekers wait outside it.
REINDEX_AFTER = 2000
POST_REFRESH = dt.timedelta(seconds=30)


@dataclass
class _Seekers:
    snapshot: SeekerSnapshot
    day: dt.date
    occupations: int
    seen_until: dt.datetime


class SnapshotCache:
    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._seekers: _Seekers | None = None
        self._posts: tuple[PostSnapshot, dt.datetime, tuple[object, ...]] | None = None

    def clear(self) -> None:
        with self._lock:
            self._seekers = None
            self._posts = None

    def taxonomy(self) -> Taxonomy:
        return self.seekers().taxonomy

    def seekers(self, *, now: dt.datetime | None = None) -> SeekerSnapshot:
        """Every seeker, fresh as of now."""
        now = now or timezone.now()
        today = timezone.localdate(now)
        with self._lock:
            state = self._seekers
            occupations = Occupation.objects.count()
            # A new day changes who is booked and which key groups hold; new trades change
            # the taxonomy: both mean a full load.
            if state is None or state.day != today or state.occupations != occupations:
                taxonomy = taxonomy_load()
                snapshot = SeekerSnapshot.from_columns(
                    taxonomy, seeker_columns(taxonomy, today=today, now=now)
                )
                self._seekers = _Seekers(snapshot, today, occupations, now)
                return snapshot
            changed = list(
                JobSeeker.objects.filter(updated_at__gte=state.seen_until - LOOKBACK).values_list(
                    "pk", flat=True
                )
            )
            if changed:
                self._apply(state.snapshot, changed, today=today, now=now)
            state.seen_until = now
            return state.snapshot

    def _apply(
        self, snapshot: SeekerSnapshot, ids: list[int], *, today: dt.date, now: dt.datetime
    ) -> None:
        columns = seeker_columns(snapshot.taxonomy, today=today, now=now, ids=ids)
        present = set()
        for record in seeker_records(snapshot.taxonomy, columns):
            snapshot.upsert(record)
            present.add(record.id)
        for seeker_id in set(ids) - present:  # merged away
            snapshot.remove(seeker_id)
        if len(snapshot.outside_index) > REINDEX_AFTER:
            snapshot.reindex()

    def refresh_seekers(self, ids: list[int], *, now: dt.datetime | None = None) -> None:
        """Apply these seekers now (e.g. after this process pushed posts to them)."""
        now = now or timezone.now()
        with self._lock:
            if self._seekers is not None:
                self._apply(self._seekers.snapshot, ids, today=timezone.localdate(now), now=now)

    def posts(self, *, now: dt.datetime | None = None) -> PostSnapshot:
        """The open posts, rebuilt when any post changed (checked at most every 30 s)."""
        now = now or timezone.now()
        with self._lock:
            if self._posts is not None and now - self._posts[1] < POST_REFRESH:
                return self._posts[0]
            version = tuple(JobPost.objects.aggregate(Max("updated_at"), Max("id")).values())
            if self._posts is not None and self._posts[2] == version:
                self._posts = (self._posts[0], now, version)
                return self._posts[0]
        taxonomy = self.taxonomy()
        # Each record carries its region's radius (open_post_records).
        snapshot = PostSnapshot(
            taxonomy, open_post_records(), radius_km=DEFAULT_CONFIG.default_post_radius_km
        )
        with self._lock:
            self._posts = (snapshot, now, version)
        return snapshot


snapshots = SnapshotCache()
