"""The demo city's 311 follow-up: a plan for every current key-group member of the city and
seed, opened on a day of the past ten months, with some services delivered (a few plans met,
many overdue), guidance next steps past due, and a few households, some of them
zero-employment families with an alert.

Deterministic: every person's draws come from a stream seeded by (seed, city, phone), so the
same arguments give the same follow-up. Idempotent: a person with a plan is left alone, and
services and families have natural keys (``demo:…`` references)."""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass

from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone

from stations.demo.city import demo_phone
from stations.models import (
    Family,
    GuidanceSession,
    JobSeeker,
    Region,
    ServicePlan,
    ServiceRecord,
)
from stations.models.followup import PlanStatus, ServiceKind
from stations.services.followup import (
    a_year_after,
    current_memberships,
    current_placements,
    families_check_all,
)

NEXT_STEPS = ("参加面试", "报名技能培训", "补充求职简历", "到驿站登记求职意向", "联系用工企业")
GUIDANCE_NOTES = ("希望就近务工", "有建筑工地经验", "想学一门手艺", "照顾家庭，只能做半天")
# One demo seeker in this many forms a household with the next one or two.
FAMILY_EVERY = 40


@dataclass(frozen=True)
class DemoPlans:
    plans_opened: int
    services_recorded: int
    families_created: int
    zero_employment_alerts: int


def _rng(seed: int, city: Region, phone: str) -> random.Random:
    return random.Random(f"{seed}:{city.code}:plan:{phone}")  # noqa: S311 - not for secrets


def _at(day: dt.date, rng: random.Random) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(rng.randrange(8, 18))))


@transaction.atomic
def demo_plans_generate(*, city: Region, seed: int, today: dt.date) -> DemoPlans:
    """Plans, services and families for the demo city of ``seed`` (see the module)."""
    prefix = demo_phone(city=city, seed=seed, index=0)[:4]
    people = JobSeeker.objects.filter(phone__startswith=prefix, merged_into__isnull=True)
    members = (
        current_memberships(today)
        .filter(seeker__in=people)
        .exclude(seeker__plans__isnull=False)
        .values_list(
            "seeker_id",
            "seeker__phone",
            "key_group__duty_job_pushes",
            "key_group__duty_training_recommendations",
            "key_group__duty_guidance_sessions",
        )
        .order_by("seeker_id")
    )
    duties: dict[int, tuple[str, int, int, int]] = {}
    for seeker_id, phone, pushes, training, guidance in members:
        _, *owed = duties.get(seeker_id, ("", 0, 0, 0))
        duties[seeker_id] = (
            phone or "",
            max(owed[0], pushes),
            max(owed[1], training),
            max(owed[2], guidance),
        )
    plans: list[ServicePlan] = []
    draws: dict[int, random.Random] = {}
    for seeker_id, (phone, pushes, training, guidance) in duties.items():
        rng = _rng(seed, city, phone)
        opened_on = today - dt.timedelta(days=rng.randrange(0, 300))
        draws[seeker_id] = rng
        plans.append(
            ServicePlan(
                seeker_id=seeker_id,
                opened_on=opened_on,
                ends_on=a_year_after(opened_on),
                duty_job_pushes=pushes,
                duty_training=training,
                duty_guidance=guidance,
            )
        )
    ServicePlan.objects.bulk_create(plans, batch_size=1_000)
    opened = {
        plan.seeker_id: plan
        for plan in ServicePlan.objects.filter(seeker_id__in=list(duties), status=PlanStatus.OPEN)
    }
    services = _services(opened, draws, today)
    _employed(opened, today)
    families, alerts = _families(city=city, seed=seed, people=people, today=today)
    return DemoPlans(len(plans), services, families, alerts)


def _services(
    plans: dict[int, ServicePlan], draws: dict[int, random.Random], today: dt.date
) -> int:
    """Some of each plan's duty delivered between its opening and today; a plan whose whole
    duty was delivered is closed as met on the last service's day."""
    records: list[ServiceRecord] = []
    sessions: list[tuple[ServiceRecord, GuidanceSession]] = []
    met: list[tuple[int, dt.date]] = []
    for seeker_id, plan in sorted(plans.items()):
        rng = draws[seeker_id]
        span = max((today - plan.opened_on).days, 1)
        # Recent plans have had less done; one plan in six has nothing yet (overdue).
        share = 0.0 if rng.random() < 1 / 6 else min(1.0, span / 120 + rng.random() / 3)
        counts = {
            ServiceKind.JOB_PUSH: round(plan.duty_job_pushes * share),
            ServiceKind.TRAINING: int(rng.random() < share * plan.duty_training),
            ServiceKind.GUIDANCE: int(rng.random() < share * plan.duty_guidance),
        }
        last = plan.opened_on
        for kind, count in counts.items():
            for number in range(count):
                day = plan.opened_on + dt.timedelta(days=rng.randrange(span))
                last = max(last, day)
                record = ServiceRecord(
                    plan=plan,
                    kind=kind,
                    at=_at(day, rng),
                    reference=f"demo:{plan.pk}:{kind}:{number}",
                )
                records.append(record)
                if kind == ServiceKind.GUIDANCE:
                    due = day + dt.timedelta(days=rng.randrange(7, 45))
                    sessions.append(
                        (
                            record,
                            GuidanceSession(
                                seeker_id=seeker_id,
                                held_at=record.at,
                                notes=rng.choice(GUIDANCE_NOTES),
                                next_step=rng.choice(NEXT_STEPS),
                                next_step_by=due,
                            ),
                        )
                    )
        if (
            counts[ServiceKind.JOB_PUSH] >= plan.duty_job_pushes
            and counts[ServiceKind.TRAINING] >= plan.duty_training
            and counts[ServiceKind.GUIDANCE] >= plan.duty_guidance
        ):
            met.append((plan.pk, last))
    GuidanceSession.objects.bulk_create([session for _, session in sessions], batch_size=1_000)
    for record, session in sessions:
        record.guidance = session
    ServiceRecord.objects.bulk_create(records, batch_size=1_000, ignore_conflicts=True)
    for plan_id, day in met:
        ServicePlan.objects.filter(pk=plan_id).update(
            status=PlanStatus.MET, closed_on=day, updated_at=timezone.now()
        )
    return len(records)


def _employed(plans: dict[int, ServicePlan], today: dt.date) -> None:
    """The plans of people the demo city hired close as employed, as a hire closes them."""
    hired = (
        current_placements(today)
        .filter(application__seeker_id__in=list(plans))
        .values_list("application__seeker_id", "pk", "starts_on")
        .order_by("starts_on", "pk")
    )
    for seeker_id, placement_id, starts_on in hired:
        plan = plans[seeker_id]
        ServicePlan.objects.filter(pk=plan.pk, status=PlanStatus.OPEN).update(
            status=PlanStatus.EMPLOYED,
            outcome_id=placement_id,
            closed_on=min(max(plan.opened_on, starts_on), today),
            updated_at=timezone.now(),
        )


def _families(
    *, city: Region, seed: int, people: QuerySet[JobSeeker], today: dt.date
) -> tuple[int, int]:
    """About one demo seeker in FAMILY_EVERY without a family forms one with the next one
    or two living in the same place; then the daily check finds the zero-employment ones."""
    free = list(
        people.filter(family__isnull=True)
        .order_by("phone")
        .values_list("pk", "phone", "residence_region_id")
    )
    created = 0
    index = 0
    while index < len(free):
        _pk, phone, region_id = free[index]
        rng = random.Random(f"{seed}:{city.code}:family:{phone}")  # noqa: S311
        if rng.randrange(FAMILY_EVERY):
            index += 1
            continue
        size = rng.choice((2, 2, 3))
        household = [row for row in free[index : index + size] if row[2] == region_id]
        family, made = Family.objects.get_or_create(
            reference=f"DEMO-{city.code}-{seed}-{(phone or '')[-7:]}",
            defaults={"region_id": region_id, "address": f"{rng.randrange(1, 200)}号院"},
        )
        created += made
        JobSeeker.objects.filter(pk__in=[row[0] for row in household]).update(family=family)
        index += max(len(household), 1)
    families_check_all(today=today)
    alerts = Family.objects.filter(
        Q(reference__startswith=f"DEMO-{city.code}-{seed}-"), alerts__cleared_on__isnull=True
    ).count()
    return created, alerts
