"""Wage payments per placement, and unpaid-wage claims through mediation to settlement."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.contrib.auth.models import User
from django.db import transaction
from django.utils.translation import gettext as _

from core.errors import DomainError
from core.transitions import check_transition
from stations.models import Employer, JobSeeker, Placement, WageClaim, WagePayment
from stations.models.placements import WageClaimStatus

CLAIM_TRANSITIONS: dict[WageClaimStatus, frozenset[WageClaimStatus]] = {
    WageClaimStatus.FILED: frozenset(
        {WageClaimStatus.MEDIATED, WageClaimStatus.SETTLED, WageClaimStatus.TRANSFERRED}
    ),
    WageClaimStatus.MEDIATED: frozenset({WageClaimStatus.SETTLED, WageClaimStatus.TRANSFERRED}),
    WageClaimStatus.SETTLED: frozenset(),
    WageClaimStatus.TRANSFERRED: frozenset(),
}


def _positive(amount: Decimal, field: str) -> None:
    if amount <= 0:
        raise DomainError(_("The amount must be more than zero."), field_errors={field: ["> 0"]})


@transaction.atomic
def wage_payment_record(
    *, placement: Placement, amount: Decimal, paid_on: dt.date, by: User | None, note: str = ""
) -> WagePayment:
    _positive(amount, "amount")
    return WagePayment.objects.create(
        placement=placement, amount=amount, paid_on=paid_on, recorded_by=by, note=note
    )


@transaction.atomic
def wage_claim_file(
    *,
    seeker: JobSeeker,
    employer: Employer,
    amount_claimed: Decimal,
    by: User | None,
    now: dt.datetime,
    placement: Placement | None = None,
    description: str = "",
) -> WageClaim:
    """A worker's (or staff's, for them) claim of unpaid wages; the employer is flagged on its
    posts while the claim is open."""
    _positive(amount_claimed, "amount_claimed")
    if seeker.merged_into_id is not None:
        raise DomainError(_("This seeker's record was merged into another; use that one."))
    if placement is not None and (
        placement.application.seeker_id != seeker.pk
        or placement.application.post.employer_id != employer.pk
    ):
        raise DomainError(_("The placement is not this worker's with this employer."))
    claim = WageClaim(
        seeker=seeker,
        employer=employer,
        placement=placement,
        amount_claimed=amount_claimed,
        description=description,
        filed_at=now,
    )
    claim._history_user = by  # type: ignore[attr-defined]
    claim.save()
    return claim


@transaction.atomic
def wage_claim_move(
    *,
    claim: WageClaim,
    to: WageClaimStatus,
    by: User | None,
    now: dt.datetime,
    amount_recovered: Decimal | None = None,
) -> WageClaim:
    """Mediate, settle (with the amount recovered) or transfer to labour inspection."""
    claim = WageClaim.objects.select_for_update().get(pk=claim.pk)
    check_transition(CLAIM_TRANSITIONS, claim.status, to, what=_("wage claim"))
    if amount_recovered is not None:
        if amount_recovered < 0:
            raise DomainError(
                _("The amount recovered cannot be negative."),
                field_errors={"amount_recovered": [">= 0"]},
            )
        claim.amount_recovered = amount_recovered
    claim.status = to
    if to in (WageClaimStatus.SETTLED, WageClaimStatus.TRANSFERRED):
        claim.closed_at = now
    claim._history_user = by  # type: ignore[attr-defined]
    claim.save()
    return claim
