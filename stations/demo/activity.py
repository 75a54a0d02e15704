"""The demo city's stations and its daily work: certificates held, applications, hires,
wages paid and a few unpaid-wage claims. Written in bulk, keeping every invariant the
services keep: never more hires than openings, one live application per seeker and post,
one placement per seeker."""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Sequence
from decimal import Decimal

from django.db import transaction

from stations.models import (
    Application,
    ApplicationEvent,
    CertificateKind,
    JobPost,
    Placement,
    Region,
    SeekerCertificate,
    Station,
    WageClaim,
    WagePayment,
)
from stations.models.placements import ApplicationStatus, EmploymentOutcome
from stations.models.posts import PostStatus

STATION_KINDS = (
    (Station.Kind.ODD_JOB_MARKET, Station.Operator.PUBLIC, "零工市场"),
    (Station.Kind.POST_STATION, Station.Operator.ENTRUSTED, "零工驿站"),
    (Station.Kind.INSTITUTION_ZONE, Station.Operator.PUBLIC, "零工服务专区"),
    (Station.Kind.CO_BUILT, Station.Operator.CO_BUILT, "爱心驿站"),
    (Station.Kind.MICRO_FACTORY, Station.Operator.CO_BUILT, "社区微工厂"),
)

OUTCOME_WEIGHTS = (
    (EmploymentOutcome.FLEXIBLE, 50),
    (EmploymentOutcome.NEW_URBAN_JOB, 15),
    (EmploymentOutcome.REEMPLOYMENT, 12),
    (EmploymentOutcome.DIFFICULTY, 6),
    (EmploymentOutcome.TRANSFER_WITHIN_PROVINCE, 12),
    (EmploymentOutcome.TRANSFER_OUT_OF_PROVINCE, 5),
)


def demo_stations_ensure(*, counties: Sequence[Region]) -> dict[int, list[Station]]:
    """Two stations per urban district, one per county (idempotent, shared by all seeds)."""
    by_county: dict[int, list[Station]] = {}
    for county in counties:
        urban = int(county.code[4:]) <= 20
        stations = []
        for number in range(1, 3 if urban else 2):
            kind, operator, suffix = STATION_KINDS[(int(county.code) + number) % len(STATION_KINDS)]
            station, _ = Station.objects.get_or_create(
                code=f"demo-{county.code}-{number}",
                defaults={
                    "name": f"{county.name_zh_hans}{suffix}{number}号",
                    "kind": kind,
                    "operator": operator,
                    "region": county,
                    "address": f"{county.name_zh_hans}人力资源市场{number}号楼",
                    "opening_hours": "周一至周六 06:30-12:00",
                    "latitude": county.latitude,
                    "longitude": county.longitude,
                },
            )
            stations.append(station)
        by_county[county.pk] = stations
    return by_county


def demo_certificates(
    rng: random.Random,
    *,
    seeker_trades: Sequence[int],
    usual: dict[int, list[CertificateKind]],
    today: dt.date,
) -> list[SeekerCertificate]:
    """Certificates the trades need: most valid, some expired, some missing."""
    held = {}
    for trade_id in seeker_trades:
        for kind in usual.get(trade_id, ()):
            draw = rng.random()
            if draw < 0.2 or kind.pk in held:
                continue
            expires_on = today + dt.timedelta(days=rng.randrange(20, 1_000))
            if draw < 0.3:
                expires_on = today - dt.timedelta(days=rng.randrange(1, 400))
            held[kind.pk] = SeekerCertificate(
                kind=kind,
                number=f"T{rng.randrange(10**9, 10**10)}",
                issued_on=expires_on - dt.timedelta(days=3 * 365),
                expires_on=expires_on,
            )
    return list(held.values())


@transaction.atomic
def demo_activity_generate(
    *,
    posts: Sequence[JobPost],
    seeker_ids: Sequence[int],
    seed: int,
    now: dt.datetime,
) -> tuple[int, int]:
    """Applications and hires for newly made posts; (applications, placements) written."""
    today = now.date()
    rng = random.Random(f"{seed}:activity:{len(seeker_ids)}:{len(posts)}")  # noqa: S311
    free = list(seeker_ids)
    rng.shuffle(free)
    applications: list[Application] = []
    placements: list[tuple[Application, Placement]] = []
    statuses: list[ApplicationStatus] = []
    for post in posts:
        if post.status == PostStatus.FILLED:
            count, hired = post.openings, True
        elif post.status == PostStatus.OPEN:
            count, hired = rng.choice((0, 0, 1, 1, 2)), False
        else:
            continue
        for _ in range(min(count, len(free))):
            seeker_id = free.pop()
            if hired:
                status = (
                    ApplicationStatus.COMPLETED
                    if post.ends_on < today
                    else ApplicationStatus.STARTED
                    if post.starts_on <= today
                    else ApplicationStatus.HIRED
                )
            else:
                status = rng.choice((ApplicationStatus.APPLIED, ApplicationStatus.CONTACTED))
            application = Application(
                post=post,
                seeker_id=seeker_id,
                status=status,
                source=rng.choice(list(Application.Source)),
                status_changed_at=now,
            )
            applications.append(application)
            statuses.append(status)
            if hired:
                placements.append(
                    (
                        application,
                        Placement(
                            agreed_wage_amount=post.wage_amount,
                            agreed_wage_unit=post.wage_unit,
                            starts_on=post.starts_on,
                            ends_on=post.ends_on,
                            outcome=rng.choices(
                                [o for o, _ in OUTCOME_WEIGHTS],
                                weights=[w for _, w in OUTCOME_WEIGHTS],
                            )[0],
                            written_agreement=rng.random() < 0.6,
                            started_at=now if status != ApplicationStatus.HIRED else None,
                            completed_at=now if status == ApplicationStatus.COMPLETED else None,
                        ),
                    )
                )
    Application.objects.bulk_create(applications)
    ApplicationEvent.objects.bulk_create(
        ApplicationEvent(application=application, from_status="", to_status=status, at=now)
        for application, status in zip(applications, statuses, strict=True)
    )
    for application, placement in placements:
        placement.application = application
    Placement.objects.bulk_create([placement for _, placement in placements])
    payments, claims = [], []
    for application, placement in placements:
        if application.status != ApplicationStatus.COMPLETED:
            continue
        days = max(1, ((placement.ends_on or today) - placement.starts_on).days + 1)
        amount = placement.agreed_wage_amount * (days if placement.agreed_wage_unit == "day" else 1)
        if rng.random() < 0.03:
            claims.append(
                WageClaim(
                    seeker_id=application.seeker_id,
                    employer_id=application.post.employer_id,
                    placement=placement,
                    amount_claimed=amount,
                    filed_at=now,
                )
            )
        else:
            payments.append(WagePayment(placement=placement, amount=Decimal(amount), paid_on=today))
    WagePayment.objects.bulk_create(payments)
    WageClaim.objects.bulk_create(claims)
    return len(applications), len(placements)
