"""evaluate_matching: hit rate at K of stored rankings against the hires that followed."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from matching.models import Recommendation
from matching.selectors.evaluation import hit_rates
from matching.services.recommendations import post_match, seeker_match
from stations.models import Occupation, Placement, SeekerSkill
from stations.services.applications import PlacementTerms, application_create, application_hire
from tests.factories import PostFactory, SeekerFactory

pytestmark = pytest.mark.django_db


def hire(post, seeker, now):
    application = application_create(post=post, seeker=seeker, source="counter", by=None, now=now)
    application_hire(
        application=application,
        terms=PlacementTerms(
            agreed_wage_amount=Decimal("220"),
            agreed_wage_unit="day",
            starts_on=post.starts_on,
            ends_on=post.ends_on,
            outcome=Placement.Outcome.FLEXIBLE,
        ),
        by=None,
        now=now,
    )


@pytest.fixture
def ranked(seeded, settings):
    """Two posts ranked an hour ago: three candidates each, nearest first."""
    settings.MATCHING_PUSH_TOP = 0
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    seekers = []
    for n in range(3):
        seeker = SeekerFactory(latitude=36.06 + 0.01 * n, longitude=103.84)
        SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=5)
        seekers.append(seeker)
    posts = [PostFactory(occupation=trade, openings=3) for _ in range(2)]
    earlier = timezone.now() - dt.timedelta(hours=1)
    for post in posts:
        post_match(post_id=post.pk, now=earlier)
    return posts, seekers


def test_hits_count_where_the_hired_seeker_ranked(ranked):
    posts, seekers = ranked
    now = timezone.now()
    ranks = {
        rec.seeker_id: rec.rank
        for rec in Recommendation.objects.filter(post=posts[0], direction="post")
    }
    assert ranks[seekers[0].pk] == 1
    hire(posts[0], seekers[0], now)  # ranked first
    hire(posts[1], seekers[2], now)  # ranked third

    by_post = hit_rates(ks=(1, 3))[0]

    assert by_post.hires == 2
    assert (by_post.rate(1), by_post.rate(3)) == (0.5, 1.0)
    assert by_post.mean_reciprocal_rank == pytest.approx((1 + 1 / 3) / 2)


def test_a_ranking_computed_after_the_hire_does_not_count(ranked):
    posts, seekers = ranked
    hire(posts[0], seekers[0], timezone.now() - dt.timedelta(hours=2))
    assert hit_rates(ks=(1,))[0].hires == 0


def test_seeker_rankings_are_measured_too(ranked):
    posts, seekers = ranked
    seeker_match(seeker_id=seekers[1].pk, now=timezone.now() - dt.timedelta(minutes=30))
    hire(posts[1], seekers[1], timezone.now())
    by_seeker = hit_rates(ks=(1, 2))[1]
    assert by_seeker.direction == "seeker"
    assert by_seeker.hires == 1
    assert by_seeker.rate(2) == 1.0


def test_the_command_prints_a_table_and_json(ranked):
    posts, seekers = ranked
    hire(posts[0], seekers[1], timezone.now())
    out = StringIO()
    call_command("evaluate_matching", "--k", "1,2", stdout=out)
    assert "hit@1" in out.getvalue()
    out = StringIO()
    call_command("evaluate_matching", "--k", "1,2", "--json", stdout=out)
    rows = json.loads(out.getvalue())
    assert rows[0] == {
        "direction": "post",
        "hires": 1,
        "hit_rate": {"1": 0.0, "2": 1.0},
        "mrr": 0.5,
    }


def test_the_command_refuses_bad_arguments(seeded):
    with pytest.raises(CommandError, match="whole numbers"):
        call_command("evaluate_matching", "--k", "one")
    with pytest.raises(CommandError, match="No region"):
        call_command("evaluate_matching", "--region", "999999")
