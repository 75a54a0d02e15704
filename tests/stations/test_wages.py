from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from django.contrib.auth.models import User
from django.db import IntegrityError, transaction

from core.errors import DomainError, IllegalTransition
from stations.models import JobSeeker, Placement, WageClaim, WagePayment
from stations.models.placements import WageClaimStatus
from stations.services.applications import PlacementTerms, application_create, application_hire
from stations.services.seekers import seekers_merge
from stations.services.wages import (
    CLAIM_TRANSITIONS,
    wage_claim_file,
    wage_claim_move,
    wage_payment_record,
)
from tests.factories import EmployerFactory, PostFactory, SeekerFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("seeded_for_module")]

NOW = dt.datetime(2026, 3, 2, 9, 30, tzinfo=dt.UTC)
TODAY = dt.date(2026, 3, 2)
FINAL = {WageClaimStatus.SETTLED, WageClaimStatus.TRANSFERRED}

ILLEGAL_MOVES = [
    (current, target)
    for current, target in itertools.product(WageClaimStatus, repeat=2)
    if target not in CLAIM_TRANSITIONS[current]
]
LEGAL_MOVES = [
    (current, target)
    for current, targets in CLAIM_TRANSITIONS.items()
    for target in sorted(targets)
]


def _hire(seeker: JobSeeker, *, by: User, employer=None) -> Placement:
    post = PostFactory(
        employer=employer or EmployerFactory(), starts_on=TODAY, ends_on=TODAY + dt.timedelta(3)
    )
    application = application_create(post=post, seeker=seeker, source="counter", by=by, now=NOW)
    terms = PlacementTerms(
        agreed_wage_amount=Decimal("220.00"),
        agreed_wage_unit="day",
        starts_on=post.starts_on,
        ends_on=post.ends_on,
        outcome="flexible",
    )
    return application_hire(application=application, terms=terms, by=by, now=NOW)


@pytest.fixture
def placement(clerk) -> Placement:
    return _hire(SeekerFactory(), by=clerk)


def _claim(placement: Placement, *, by: User | None = None, amount: str = "660") -> WageClaim:
    return wage_claim_file(
        seeker=placement.application.seeker,
        employer=placement.application.post.employer,
        placement=placement,
        amount_claimed=Decimal(amount),
        by=by,
        now=NOW,
        description="三天工资未付",
    )


def _claim_in(status: WageClaimStatus, placement: Placement) -> WageClaim:
    claim = _claim(placement)
    WageClaim.objects.filter(pk=claim.pk).update(
        status=status, closed_at=NOW if status in FINAL else None
    )
    claim.refresh_from_db()
    return claim


# Payments


def test_a_payment_is_recorded_against_the_placement(placement, clerk):
    payment = wage_payment_record(
        placement=placement, amount=Decimal("220.00"), paid_on=TODAY, by=clerk, note="第一天"
    )

    payment.refresh_from_db()
    assert payment.placement == placement
    assert payment.amount == Decimal("220.00")
    assert payment.paid_on == TODAY
    assert payment.recorded_by == clerk
    assert payment.note == "第一天"


@pytest.mark.parametrize("amount", ["0", "0.00", "-0.01", "-220"])
def test_a_payment_of_nothing_or_less_is_refused(placement, clerk, amount):
    with pytest.raises(DomainError) as refused:
        wage_payment_record(placement=placement, amount=Decimal(amount), paid_on=TODAY, by=clerk)

    assert refused.value.field_errors == {"amount": ["> 0"]}
    assert not WagePayment.objects.exists()


def test_the_database_refuses_a_payment_of_nothing(placement):
    with pytest.raises(IntegrityError), transaction.atomic():
        WagePayment.objects.create(placement=placement, amount=Decimal("0"), paid_on=TODAY)


# Filing


def test_a_filed_claim_is_open_with_nothing_recovered(placement, clerk):
    claim = _claim(placement, by=clerk)

    claim.refresh_from_db()
    assert claim.status == WageClaimStatus.FILED
    assert claim.filed_at == NOW
    assert claim.closed_at is None
    assert claim.amount_claimed == Decimal("660")
    assert claim.amount_recovered == Decimal("0")
    assert claim.placement == placement
    assert claim.description == "三天工资未付"
    assert claim.history.get().history_user == clerk


def test_a_claim_without_a_placement_is_filed_against_the_employer(clerk):
    seeker, employer = SeekerFactory(), EmployerFactory()

    claim = wage_claim_file(
        seeker=seeker, employer=employer, amount_claimed=Decimal("300"), by=clerk, now=NOW
    )

    assert (claim.seeker, claim.employer, claim.placement) == (seeker, employer, None)


@pytest.mark.parametrize("amount", ["0", "-1"])
def test_a_claim_for_nothing_or_less_is_refused(placement, amount):
    with pytest.raises(DomainError) as refused:
        _claim(placement, amount=amount)

    assert "amount_claimed" in refused.value.field_errors
    assert not WageClaim.objects.exists()


def test_a_claim_naming_another_workers_placement_is_refused(placement):
    someone_else = SeekerFactory()

    with pytest.raises(DomainError, match="not this worker"):
        wage_claim_file(
            seeker=someone_else,
            employer=placement.application.post.employer,
            placement=placement,
            amount_claimed=Decimal("660"),
            by=None,
            now=NOW,
        )

    assert not WageClaim.objects.exists()


def test_a_claim_naming_a_placement_with_another_employer_is_refused(placement):
    with pytest.raises(DomainError, match="not this worker"):
        wage_claim_file(
            seeker=placement.application.seeker,
            employer=EmployerFactory(),
            placement=placement,
            amount_claimed=Decimal("660"),
            by=None,
            now=NOW,
        )

    assert not WageClaim.objects.exists()


def test_a_claim_for_a_merged_record_is_refused():
    keep, duplicate = SeekerFactory(), SeekerFactory()
    seekers_merge(keep=keep, duplicate=duplicate, by=None, now=NOW)
    duplicate.refresh_from_db()

    with pytest.raises(DomainError, match="merged"):
        wage_claim_file(
            seeker=duplicate,
            employer=EmployerFactory(),
            amount_claimed=Decimal("300"),
            by=None,
            now=NOW,
        )

    assert not WageClaim.objects.exists()


# Moving through mediation


@pytest.mark.parametrize(("current", "target"), ILLEGAL_MOVES)
def test_an_illegal_claim_move_is_refused_and_changes_nothing(placement, clerk, current, target):
    claim = _claim_in(current, placement)

    with pytest.raises(IllegalTransition):
        wage_claim_move(claim=claim, to=target, by=clerk, now=NOW, amount_recovered=Decimal("100"))

    claim.refresh_from_db()
    assert claim.status == current
    assert claim.amount_recovered == Decimal("0")
    assert (claim.closed_at is not None) == (current in FINAL)


def test_the_illegal_moves_are_every_move_the_table_leaves_out():
    assert len(ILLEGAL_MOVES) + len(LEGAL_MOVES) == len(WageClaimStatus) ** 2
    assert all(not CLAIM_TRANSITIONS[final] for final in FINAL)
    assert set(CLAIM_TRANSITIONS) == set(WageClaimStatus)


@pytest.mark.parametrize(("current", "target"), LEGAL_MOVES)
def test_a_legal_claim_move_closes_the_claim_exactly_when_it_is_final(
    placement, clerk, current, target
):
    claim = _claim_in(current, placement)
    later = NOW + dt.timedelta(days=7)

    moved = wage_claim_move(claim=claim, to=target, by=clerk, now=later)

    moved.refresh_from_db()
    assert moved.status == target
    assert moved.closed_at == (later if target in FINAL else None)


def test_a_claim_mediated_then_settled_records_the_amount_recovered(placement, clerk):
    claim = _claim(placement)
    mediated_at, settled_at = NOW + dt.timedelta(days=2), NOW + dt.timedelta(days=9)

    claim = wage_claim_move(claim=claim, to=WageClaimStatus.MEDIATED, by=clerk, now=mediated_at)
    assert claim.closed_at is None
    claim = wage_claim_move(
        claim=claim,
        to=WageClaimStatus.SETTLED,
        by=clerk,
        now=settled_at,
        amount_recovered=Decimal("440.00"),
    )

    claim.refresh_from_db()
    assert claim.status == WageClaimStatus.SETTLED
    assert claim.closed_at == settled_at
    assert claim.amount_recovered == Decimal("440.00")
    assert claim.filed_at == NOW
    statuses = [row.status for row in claim.history.order_by("history_date", "history_id")]
    assert statuses == ["filed", "mediated", "settled"]
    assert claim.history.order_by("history_id").last().history_user == clerk


def test_a_claim_transferred_to_labour_inspection_is_closed(placement, clerk):
    claim = wage_claim_move(
        claim=_claim(placement), to=WageClaimStatus.TRANSFERRED, by=clerk, now=NOW
    )

    claim.refresh_from_db()
    assert claim.status == WageClaimStatus.TRANSFERRED
    assert claim.closed_at == NOW
    assert claim.amount_recovered == Decimal("0")


def test_a_negative_amount_recovered_is_refused_and_the_claim_stays_open(placement, clerk):
    claim = _claim(placement)

    with pytest.raises(DomainError) as refused:
        wage_claim_move(
            claim=claim,
            to=WageClaimStatus.SETTLED,
            by=clerk,
            now=NOW,
            amount_recovered=Decimal("-1"),
        )

    assert "amount_recovered" in refused.value.field_errors
    claim.refresh_from_db()
    assert claim.status == WageClaimStatus.FILED
    assert claim.closed_at is None


def test_a_stale_claim_instance_is_checked_against_the_stored_status(placement, clerk):
    stale = _claim(placement)
    wage_claim_move(claim=stale, to=WageClaimStatus.TRANSFERRED, by=clerk, now=NOW)

    with pytest.raises(IllegalTransition):
        wage_claim_move(claim=stale, to=WageClaimStatus.SETTLED, by=clerk, now=NOW)


# Database constraints


def test_the_database_refuses_a_settled_claim_without_a_closing_time(placement):
    claim = _claim(placement)

    with pytest.raises(IntegrityError), transaction.atomic():
        WageClaim.objects.filter(pk=claim.pk).update(status=WageClaimStatus.SETTLED)


def test_the_database_refuses_an_open_claim_with_a_closing_time(placement):
    claim = _claim(placement)

    with pytest.raises(IntegrityError), transaction.atomic():
        WageClaim.objects.filter(pk=claim.pk).update(closed_at=NOW)


def test_the_database_refuses_a_negative_amount_recovered(placement):
    claim = _claim(placement)

    with pytest.raises(IntegrityError), transaction.atomic():
        WageClaim.objects.filter(pk=claim.pk).update(amount_recovered=Decimal("-1"))
