"""Morning dispatch at a station: the engine proposes who goes where among the people in
today's queue and today's posts (batch allocation that respects openings, skills, key-group
priority and how early people came); staff confirm or edit (the post, and the wage agreed
with the worker), and each confirmed row becomes a hire and a message to the worker.
Employers get no message: the suite has no channel to them (no accounts, no consent on
record; the outbox's SMS to a bare phone is for login codes).

The proposal reads only the people present (tens to hundreds), so it runs in the request: a
snapshot of them is built on the spot, never the city's."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from matching.engine import SeekerSnapshot
from matching.engine.allocation import allocate, with_queue_bonus
from matching.engine.matcher import score_matrix, seekers_for_post
from matching.selectors.policy import config_for_region
from matching.selectors.snapshot import post_record, seeker_columns, taxonomy_load
from matching.services.outbox import notify_seeker
from stations.models import Application, JobPost, Placement, SignIn, Station
from stations.selectors.dispatch import posts_to_fill, queue_waiting
from stations.services.applications import PlacementTerms, application_create, application_hire


@dataclass(frozen=True)
class Proposal:
    sign_in: SignIn
    post: JobPost
    score: float
    reasons: list[dict[str, Any]]  # {"zh-hans": ..., "en": ...} each


def dispatch_propose(*, station: Station, day: dt.date, now: dt.datetime) -> list[Proposal]:
    """The best allocation of the people waiting to today's posts, in queue order. People the
    engine finds no post for are left out (staff give them a reason)."""
    waiting = list(queue_waiting(station, day))
    posts = [
        post for post in posts_to_fill(station, day) if post.openings > getattr(post, "held", 0)
    ]
    if not waiting or not posts:
        return []
    config = config_for_region(station.region)
    taxonomy = taxonomy_load()
    present = sorted({row.seeker_id for row in waiting})
    snapshot = SeekerSnapshot.from_columns(
        taxonomy, seeker_columns(taxonomy, today=day, now=now, ids=present)
    )
    waiting = [row for row in waiting if row.seeker_id in snapshot.row_of]
    records = [
        post_record(post, openings_left=post.openings - getattr(post, "held", 0)) for post in posts
    ]
    today = day.toordinal()
    scores = score_matrix(
        records, [row.seeker_id for row in waiting], snapshot, config=config, today=today
    )
    scores = with_queue_bonus(scores, [row.position for row in waiting], config.queue_weight)
    pairs = allocate(scores, [record.openings_left for record in records])
    reasons_of: dict[tuple[int, int], list[dict[str, Any]]] = {}
    for post_index in sorted({post for _seeker, post in pairs}):
        record = records[post_index]
        for match in seekers_for_post(record, snapshot, config=config, today=today, k=len(waiting)):
            reasons_of[(record.id, match.id)] = [
                {"zh-hans": reason.text("zh-hans"), "en": reason.text("en")}
                for reason in match.reasons
            ]
    proposals = [
        Proposal(
            sign_in=waiting[seeker_index],
            post=posts[post_index],
            score=float(scores[seeker_index, post_index]),
            reasons=reasons_of.get((posts[post_index].pk, waiting[seeker_index].seeker_id), []),
        )
        for seeker_index, post_index in pairs
    ]
    return sorted(proposals, key=lambda proposal: proposal.sign_in.position)


@dataclass(frozen=True)
class DispatchRow:
    """A person sent to a post, at the wage staff agreed with them (the post's when None)."""

    sign_in: SignIn
    post: JobPost
    agreed_wage_amount: Decimal | None = None


@dataclass(frozen=True)
class DispatchResult:
    sign_in: SignIn
    placement: Placement | None
    error: str = ""


def dispatch_confirm(
    *,
    rows: Sequence[DispatchRow | tuple[SignIn, JobPost]],
    by: User | None,
    now: dt.datetime,
) -> list[DispatchResult]:
    """Send each person to their post: an application from dispatch, hired for the day at
    the wage agreed (the post's pay unless staff changed it, in the post's wage unit), and a
    message to the worker. Each row stands alone: a post filled meanwhile, a person already
    sent or a wage of nothing refuses that row only."""
    results = []
    for row in rows:
        if not isinstance(row, DispatchRow):
            row = DispatchRow(*row)
        try:
            placement = _dispatch_one(row, by=by, now=now)
        except DomainError as error:
            results.append(DispatchResult(sign_in=row.sign_in, placement=None, error=error.message))
        else:
            results.append(DispatchResult(sign_in=row.sign_in, placement=placement))
    return results


@transaction.atomic
def _dispatch_one(row: DispatchRow, *, by: User | None, now: dt.datetime) -> Placement:
    post = row.post
    wage = post.wage_amount if row.agreed_wage_amount is None else row.agreed_wage_amount
    if wage <= 0:
        raise DomainError(
            _("The agreed wage must be more than nothing."),
            field_errors={"agreed_wage_amount": [_("must be more than zero")]},
        )
    sign_in = SignIn.objects.select_for_update().select_related("seeker").get(pk=row.sign_in.pk)
    if sign_in.application_id is not None:
        raise DomainError(_("%(name)s was dispatched already.") % {"name": sign_in.seeker})
    if not post.starts_on <= sign_in.day <= post.ends_on:
        raise DomainError(_("The post has no work on that day."))
    application = application_create(
        post=post,
        seeker=sign_in.seeker,
        source=Application.Source.DISPATCH,
        by=by,
        now=now,
    )
    placement = application_hire(
        application=application,
        terms=PlacementTerms(
            agreed_wage_amount=wage,
            agreed_wage_unit=post.wage_unit,
            starts_on=sign_in.day,
            ends_on=sign_in.day,
            outcome=Placement.Outcome.FLEXIBLE,
        ),
        by=by,
        now=now,
    )
    sign_in.application = application
    sign_in.not_dispatched_reason = ""
    sign_in.save(update_fields=["application", "not_dispatched_reason", "updated_at"])
    notify_seeker(
        seeker=sign_in.seeker,
        template="application_hired",
        context={
            "title": post.title,
            "employer": post.employer.name,
            "starts_on": sign_in.day.isoformat(),
        },
        dedup_key=f"dispatch:{sign_in.pk}",
        now=now,
        post=post,
    )
    return placement
