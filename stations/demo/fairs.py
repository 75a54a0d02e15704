"""The demo city's job fairs: a few of each format and of several series, held, under way
and planned, with booths of the city's employers and their posts, registrations, check-ins,
live viewers, applications from a stream, and intentions followed up, lapsed or hired.

Written through the services (a demo has a few fairs, not thousands), so every invariant
holds; only what the services do at the time it happens (a check-in at the gate, a fair's
close) is dated back for the fairs already held. Each fair draws from its own random stream
seeded by (seed, city, index) and is found by its reference, so a second run adds nothing.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from core.errors import DomainError
from stations.demo.city import DemoCityError, _discriminator
from stations.models import (
    Application,
    Booth,
    Employer,
    FairRegistration,
    JobFair,
    JobPost,
    JobSeeker,
    Placement,
    Region,
    Station,
)
from stations.models.fairs import FairFormat, FairSeries, FairStatus, RegistrationSource
from stations.models.posts import PostStatus
from stations.services.applications import PlacementTerms, application_create, application_hire
from stations.services.fairs import (
    booth_set,
    fair_apply,
    fair_close,
    fair_create,
    fair_open,
    fair_register,
    fair_viewers_record,
    intention_lapse,
    intention_record,
)

# (format, series, days from today, status, name): one round of the demo's fairs.
PLAN = (
    (FairFormat.ON_SITE, FairSeries.SPRING_BREEZE, -20, FairStatus.HELD, "春风行动专场招聘会"),
    (FairFormat.LIVE, FairSeries.GRADUATES, -10, FairStatus.HELD, "高校毕业生直播带岗"),
    (
        FairFormat.ON_SITE,
        FairSeries.ASSISTANCE_MONTH,
        0,
        FairStatus.UNDER_WAY,
        "就业援助月现场招聘会",
    ),
    (FairFormat.ON_SITE, FairSeries.JOBS_TO_VILLAGES, 1, FairStatus.PLANNED, "送岗位下乡招聘会"),
    (FairFormat.ONLINE, FairSeries.RETIRED_MILITARY, 5, FairStatus.PLANNED, "退役军人网络招聘会"),
    (FairFormat.LIVE, FairSeries.YOUTH_100_DAYS, 12, FairStatus.PLANNED, "百日千万青年直播招聘"),
)


@dataclass(frozen=True)
class DemoFairsResult:
    fairs_created: int = 0
    booths: int = 0
    registrations: int = 0
    check_ins: int = 0
    intentions: int = 0
    hires: int = 0


def demo_fair_reference(*, city: Region, seed: int, index: int) -> str:
    return f"DEMO-FAIR-{city.code}-{seed}-{index:03d}"


def _at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def _hire(post: JobPost, seeker: JobSeeker, fair: JobFair, now: dt.datetime) -> bool:
    """Hire someone who met the employer at the fair; False when the hire is refused (the
    post filled meanwhile, a certificate missing, work on the same days)."""
    try:
        with transaction.atomic():
            application = application_create(
                post=post, seeker=seeker, source=Application.Source.FAIR, by=None, now=now
            )
            Application.objects.filter(pk=application.pk).update(fair=fair)
            application_hire(
                application=application,
                terms=PlacementTerms(
                    agreed_wage_amount=post.wage_amount,
                    agreed_wage_unit=post.wage_unit,
                    starts_on=post.starts_on,
                    ends_on=post.ends_on,
                    outcome=Placement.Outcome.FLEXIBLE,
                ),
                by=None,
                now=now,
            )
    except DomainError:
        return False
    return True


@transaction.atomic
def _one_fair(
    *,
    city: Region,
    seed: int,
    index: int,
    now: dt.datetime,
    stations: list[Station],
    employers: list[Employer],
    seeker_ids: list[int],
) -> DemoFairsResult:
    rng = random.Random(f"{seed}:{city.code}:fair:{index}")  # noqa: S311 - not for secrets
    format_, series, days, status, name = PLAN[index % len(PLAN)]
    round_ = index // len(PLAN)
    day = timezone.localdate(now) + dt.timedelta(days=days + 28 * round_)
    if round_:
        status = FairStatus.PLANNED if day > timezone.localdate(now) else status
    station = stations[rng.randrange(len(stations))]
    starts_at = _at(day, 9) if format_ != FairFormat.LIVE else _at(day, 19)
    live = format_ == FairFormat.LIVE
    fair = fair_create(
        reference=demo_fair_reference(city=city, seed=seed, index=index),
        name=f"{day:%Y年%m月}{station.region.name_zh_hans}{name}",
        format=format_,
        series=series,
        region=station.region,
        station=station,
        venue=station.address if format_ == FairFormat.ON_SITE else "",
        stream_url=f"https://live.example.cn/demo/{city.code}/{seed}/{index}" if live else "",
        starts_at=starts_at,
        ends_at=starts_at + dt.timedelta(hours=3 if not live else 2),
        latitude=station.latitude if format_ == FairFormat.ON_SITE else None,
        longitude=station.longitude if format_ == FairFormat.ON_SITE else None,
        by=None,
    )
    # Booths: employers of the city with their posts still taking people.
    booths: list[Booth] = []
    for employer in rng.sample(employers, min(len(employers), rng.randrange(3, 9))):
        posts = list(employer.posts.filter(status=PostStatus.OPEN).order_by("pk")[:3])
        booths.append(
            booth_set(
                fair=fair,
                employer=employer,
                label=f"{'AB'[len(booths) % 2]}{len(booths) + 1:02d}",
                jobs_offered=sum(post.openings for post in posts) + rng.randrange(0, 6),
                posts=posts,
                by=None,
            )
        )
    chosen = rng.sample(seeker_ids, min(len(seeker_ids), rng.randrange(8, 25)))
    seekers = list(JobSeeker.objects.filter(pk__in=chosen).order_by("pk"))
    source = RegistrationSource.STREAM if live else RegistrationSource.APP
    for seeker in seekers:
        fair_register(fair=fair, seeker=seeker, source=source, now=starts_at - dt.timedelta(days=2))
    if status == FairStatus.PLANNED:
        return DemoFairsResult(1, len(booths), len(seekers))
    fair = fair_open(fair=fair, by=None, now=starts_at)
    came = [seeker for seeker in seekers if rng.random() < 0.7]
    check_ins = 0
    if format_ == FairFormat.ON_SITE:
        # Checked in at the gate on the fair's morning (the gate takes only today's code).
        for seeker in came:
            FairRegistration.objects.filter(fair=fair, seeker=seeker).update(
                checked_in_at=starts_at + dt.timedelta(minutes=rng.randrange(0, 120))
            )
        check_ins = len(came)
    if live:
        fair_viewers_record(fair=fair, viewers=rng.randrange(2_000, 30_000), by=None)
        for seeker in came[:3]:
            booth = booths[rng.randrange(len(booths))] if booths else None
            post = booth.posts.first() if booth is not None else None
            if post is not None:
                try:
                    with transaction.atomic():
                        fair_apply(fair=fair, post=post, seeker=seeker, by=None, now=starts_at)
                except DomainError:
                    pass
    intentions = []
    for seeker in came:
        if not booths or rng.random() < 0.5:
            continue
        booth = booths[rng.randrange(len(booths))]
        intentions.append(
            intention_record(
                fair=fair,
                seeker=seeker,
                employer=booth.employer,
                post=booth.posts.first(),
                reached_at=starts_at + dt.timedelta(minutes=rng.randrange(30, 170)),
                note="现场达成初步意向",
                by=None,
                now=starts_at,
            )
        )
    hires = 0
    if status == FairStatus.HELD:
        # Closed at its end: the open intentions were due for follow-up the rule's N days
        # later (overdue by now, for the older fairs).
        fair_close(fair=fair, by=None, now=fair.ends_at)
        for intention in intentions:
            draw = rng.random()
            if draw < 0.3 and intention.post is not None:
                hires += _hire(intention.post, intention.seeker, fair, fair.ends_at)
            elif draw < 0.45:
                intention_lapse(intention=intention, note="已在别处就业", by=None, now=fair.ends_at)
    return DemoFairsResult(1, len(booths), len(seekers), check_ins, len(intentions), hires)


def demo_fairs_generate(
    *, city_code: str, seed: int, now: dt.datetime, count: int = len(PLAN)
) -> DemoFairsResult:
    """Make sure the demo city of ``seed`` has its first ``count`` fairs (run after
    ``demo_city_generate``, which makes the seekers, employers and posts they draw on)."""
    city = Region.objects.filter(code=city_code).first()
    if city is None:
        raise DemoCityError(f"No region has the code {city_code}: run load_seeds first.")
    stations = list(
        Station.objects.filter(code__startswith="demo-", region__path__startswith=city.path)
        .select_related("region")
        .order_by("code")
    )
    prefix = f"DEMO-{city.code}-{seed}-"
    employers = list(
        Employer.objects.filter(posts__reference__startswith=prefix, posts__status=PostStatus.OPEN)
        .distinct()
        .order_by("pk")
    )
    seeker_ids = list(
        JobSeeker.objects.filter(
            phone__startswith=f"19{_discriminator(city, seed):02d}", merged_into__isnull=True
        )
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    if not stations or not employers or not seeker_ids:
        raise DemoCityError("Fairs need the demo city's stations, employers, posts and seekers.")
    existing = set(
        JobFair.objects.filter(reference__startswith=f"DEMO-FAIR-{city.code}-{seed}-").values_list(
            "reference", flat=True
        )
    )
    totals = DemoFairsResult()
    for index in range(count):
        if demo_fair_reference(city=city, seed=seed, index=index) in existing:
            continue
        made = _one_fair(
            city=city,
            seed=seed,
            index=index,
            now=now,
            stations=stations,
            employers=employers,
            seeker_ids=seeker_ids,
        )
        totals = DemoFairsResult(
            *(getattr(totals, f) + getattr(made, f) for f in DemoFairsResult.__dataclass_fields__)
        )
    return totals
