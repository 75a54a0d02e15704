"""The demo city's station days: a week of morning registers at every demo station, today's
queue still waiting for dispatch (for trying the dispatch page), earlier days closed with
reasons for those not sent to work."""

from __future__ import annotations

import datetime as dt
import random

from django.db import transaction
from django.utils import timezone

from stations.models import JobSeeker, Region, SignIn, Station
from stations.models.dispatch import NotDispatchedReason, SignInMethod

_REASONS = (
    NotDispatchedReason.NO_SUITABLE_POST,
    NotDispatchedReason.NO_SUITABLE_POST,
    NotDispatchedReason.NO_OPENINGS,
    NotDispatchedReason.DECLINED,
    NotDispatchedReason.LEFT,
)


@transaction.atomic
def demo_sign_ins_generate(
    *, city: Region, seed: int, today: dt.date, days: int = 7, per_station: int = 12
) -> int:
    """Sign-ins at the city's demo stations for ``days`` days up to ``today``; a station and
    day that has any already is left as it is (idempotent). Returns the sign-ins written."""
    stations = Station.objects.filter(
        code__startswith="demo-", region__path__startswith=city.path, active=True
    ).order_by("code")
    rows: list[SignIn] = []
    for station in stations:
        regulars = list(
            JobSeeker.objects.filter(registering_station=station, merged_into__isnull=True)
            .order_by("pk")
            .values_list("pk", flat=True)[: per_station * 3]
        )
        if not regulars:
            continue
        done = set(
            SignIn.objects.filter(station=station, day__gt=today - dt.timedelta(days=days))
            .values_list("day", flat=True)
            .distinct()
        )
        for back in range(days):
            day = today - dt.timedelta(days=back)
            if day in done:
                continue
            rng = random.Random(f"{seed}:sign-ins:{station.code}:{day}")  # noqa: S311
            present = rng.sample(
                regulars, min(len(regulars), rng.randint(per_station // 2, per_station))
            )
            opening = timezone.make_aware(dt.datetime.combine(day, dt.time(6, 30)))
            for position, seeker_id in enumerate(present, start=1):
                rows.append(
                    SignIn(
                        station=station,
                        seeker_id=seeker_id,
                        day=day,
                        signed_in_at=opening + dt.timedelta(minutes=3 * position),
                        method=rng.choice(list(SignInMethod)),
                        position=position,
                        # Today's queue waits for the dispatch page; past days are closed.
                        not_dispatched_reason="" if day == today else rng.choice(_REASONS),
                    )
                )
    SignIn.objects.bulk_create(rows)
    return len(rows)
