from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from core.errors import DomainError, IllegalTransition
from core.transitions import check_transition
from seeds.loader import load_seeds
from stations.models import Application, KeyGroup
from stations.models.placements import ApplicationStatus
from stations.services.applications import (
    APPLICATION_TRANSITIONS,
    application_create,
    application_move,
)
from stations.services.seekers import (
    seeker_certificate_set,
    seeker_key_group_add,
    seeker_skill_set,
)
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeker():
    load_seeds()
    return factories.SeekerFactory()


def test_a_seeker_may_apply_again_after_a_no_show(seeker):
    post = factories.PostFactory()
    now = timezone.now()
    first = application_create(post=post, seeker=seeker, source="counter", by=None, now=now)
    Application.objects.filter(pk=first.pk).update(status=ApplicationStatus.HIRED)
    application_move(application=first, to=ApplicationStatus.NO_SHOW, by=None, now=now)
    second = application_create(post=post, seeker=seeker, source="counter", by=None, now=now)
    assert second.pk != first.pk
    assert second.status == ApplicationStatus.APPLIED


def test_bad_skill_certificate_and_membership_values_are_domain_errors(seeker):
    trade = factories.trade()
    with pytest.raises(DomainError) as skill:
        seeker_skill_set(seeker=seeker, occupation=trade, level=7, years=3)
    assert "level" in skill.value.field_errors
    kind = factories.CertificateKindFactory()
    with pytest.raises(DomainError):
        seeker_certificate_set(
            seeker=seeker, kind=kind, issued_on=dt.date(2026, 5, 1), expires_on=dt.date(2026, 1, 1)
        )
    group = KeyGroup.objects.get(code="veteran")
    with pytest.raises(DomainError):
        seeker_key_group_add(
            seeker=seeker,
            key_group=group,
            started_on=dt.date(2026, 5, 1),
            ended_on=dt.date(2026, 1, 1),
        )
    assert not seeker.skill_rows.exists()
    assert not seeker.certificates.exists()
    assert not seeker.key_group_spans.exists()


def test_a_membership_can_be_closed_by_adding_it_again_with_an_end(seeker):
    group = KeyGroup.objects.get(code="urban_unemployed")
    start = dt.date(2026, 1, 5)
    seeker_key_group_add(seeker=seeker, key_group=group, started_on=start)
    seeker_key_group_add(
        seeker=seeker, key_group=group, started_on=start, ended_on=dt.date(2026, 3, 1)
    )
    span = seeker.key_group_spans.get()
    assert span.ended_on == dt.date(2026, 3, 1)


def test_an_illegal_move_named_by_a_plain_string_is_refused_readably():
    with pytest.raises(IllegalTransition) as refused:
        check_transition(APPLICATION_TRANSITIONS, "completed", "applied", what="application")  # type: ignore[arg-type]
    assert "cannot become" in refused.value.message
