"""Matching runs on the database: a post's candidates, a seeker's posts, pushes, policies."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone

from matching.engine import ENGINE_VERSION, MatchConfig
from matching.models import MatchingPolicy, Notification, Recommendation
from matching.selectors.policy import config_for_region
from matching.selectors.recommendations import candidates_for_post, recommended_posts
from matching.services.recommendations import post_match, post_push, seeker_match
from stations.models import JobPost, Occupation, SeekerSkill
from stations.services.posts import post_open
from stations.services.seekers import seeker_skill_set
from tests.factories import PostFactory, SeekerFactory, UserFactory, region

pytestmark = pytest.mark.django_db

Direction = Recommendation.Direction


def a_trade() -> Occupation:
    return Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()


def skilled_seeker(trade: Occupation, *, years: int = 5, **fields) -> object:
    seeker = SeekerFactory(**fields)
    SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=years)
    return seeker


@pytest.fixture
def now():
    return timezone.now()


def test_an_open_post_gets_its_ranked_candidates_stored_with_reasons(seeded, now, settings):
    settings.MATCHING_PUSH_TOP = 0
    trade = a_trade()
    near = skilled_seeker(trade, latitude=36.061, longitude=103.841)
    far = skilled_seeker(trade, latitude=36.09, longitude=103.85)
    unskilled = SeekerFactory(latitude=36.061, longitude=103.841)
    post = PostFactory(occupation=trade, latitude=36.06, longitude=103.84)

    stored = post_match(post_id=post.pk, now=now)

    assert [rec.seeker_id for rec in stored] == [near.pk, far.pk]
    assert unskilled.pk not in {rec.seeker_id for rec in stored}
    first = candidates_for_post(post)[0]
    assert (first.rank, first.direction, first.engine_version) == (
        1,
        Direction.SEEKERS_FOR_POST,
        ENGINE_VERSION,
    )
    assert first.score > candidates_for_post(post)[1].score
    codes = [reason["code"] for reason in first.reasons]
    assert "skill_trade" in codes
    assert all(reason["zh-hans"] and reason["en"] for reason in first.reasons)
    assert Notification.objects.count() == 0


def test_opening_pushes_to_the_best_and_running_again_pushes_nobody_twice(seeded, now, settings):
    settings.MATCHING_PUSH_TOP = 2
    trade = a_trade()
    seekers = [
        skilled_seeker(trade, years=10 - n, latitude=36.06 + n * 0.01, longitude=103.84)
        for n in range(3)
    ]
    post = PostFactory(occupation=trade)

    post_match(post_id=post.pk, now=now)
    post_match(post_id=post.pk, now=now + dt.timedelta(minutes=1))

    pushed = Notification.objects.filter(post=post, channel=Notification.Channel.IN_APP)
    assert sorted(pushed.values_list("seeker_id", flat=True)) == sorted(s.pk for s in seekers[:2])
    assert Notification.objects.filter(post=post, channel=Notification.Channel.SMS).count() == 2
    ranked = {rec.seeker_id: rec for rec in candidates_for_post(post)}
    assert ranked[seekers[0].pk].pushed_at == now  # kept across the re-rank
    assert ranked[seekers[2].pk].pushed_at is None


def test_a_closed_post_is_not_matched(seeded, now):
    post = PostFactory(status=JobPost.Status.CLOSED)
    assert post_match(post_id=post.pk, now=now) == []
    assert post_match(post_id=10**9, now=now) == []


def test_staff_push_a_post_to_chosen_seekers_once_and_it_is_audited(seeded, now, settings):
    settings.MATCHING_PUSH_TOP = 0
    trade = a_trade()
    chosen = skilled_seeker(trade)
    post = PostFactory(occupation=trade)
    post_match(post_id=post.pk, now=now)
    clerk = UserFactory()

    first = post_push(post=post, seeker_ids=[chosen.pk], by=clerk, now=now)
    again = post_push(post=post, seeker_ids=[chosen.pk], by=clerk, now=now)

    assert {row.seeker_id for row in first} == {chosen.pk}
    assert again == []
    from core.models import AuditLog

    assert AuditLog.objects.filter(action="push", object_id=str(post.pk)).count() == 2


def test_pushing_a_closed_post_is_refused(seeded, now):
    from core.errors import Conflict

    post = PostFactory(status=JobPost.Status.CLOSED)
    with pytest.raises(Conflict):
        post_push(post=post, seeker_ids=[SeekerFactory().pk], by=None, now=now)


def test_a_seekers_recommended_posts_are_the_open_suitable_ones(seeded, now):
    trade = a_trade()
    seeker = skilled_seeker(trade, latitude=36.06, longitude=103.84)
    near = PostFactory(occupation=trade, latitude=36.061, longitude=103.841)
    farther = PostFactory(occupation=trade, latitude=36.09, longitude=103.86)
    other_city = PostFactory(occupation=trade, latitude=39.9, longitude=116.4)
    closed = PostFactory(occupation=trade, status=JobPost.Status.CLOSED)

    stored = seeker_match(seeker_id=seeker.pk, now=now)

    assert [rec.post_id for rec in stored] == [near.pk, farther.pk]
    assert other_city.pk not in {rec.post_id for rec in stored}
    assert closed.pk not in {rec.post_id for rec in stored}
    JobPost.objects.filter(pk=near.pk).update(status=JobPost.Status.FILLED)
    assert [rec.post_id for rec in recommended_posts(seeker)] == [farther.pk]


def test_opening_a_post_enqueues_matching_after_commit(
    seeded, now, settings, django_capture_on_commit_callbacks
):
    settings.MATCHING_PUSH_TOP = 5
    trade = a_trade()
    seeker = skilled_seeker(trade)
    post = PostFactory(occupation=trade, status=JobPost.Status.DRAFT)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        post_open(post=post, by=None, now=now)

    assert callbacks  # matching waited for the commit
    assert [rec.seeker_id for rec in candidates_for_post(post)] == [seeker.pk]
    assert Notification.objects.filter(post=post, seeker=seeker).exists()


def test_a_new_skill_refreshes_the_seekers_recommendations(
    seeded, now, django_capture_on_commit_callbacks
):
    trade = a_trade()
    seeker = SeekerFactory()
    post = PostFactory(occupation=trade)
    assert seeker_match(seeker_id=seeker.pk, now=now) == []

    with django_capture_on_commit_callbacks(execute=True):
        seeker_skill_set(seeker=seeker, occupation=trade, years=3)

    assert [rec.post_id for rec in recommended_posts(seeker)] == [post.pk]


def test_a_region_policy_applies_below_it_and_the_nearest_wins(seeded):
    city, district = region("620100"), region("620102")
    assert config_for_region(district) == MatchConfig()
    MatchingPolicy.objects.create(region=city, default_post_radius_km=12, maximum_age=60)
    assert config_for_region(district).default_post_radius_km == 12
    MatchingPolicy.objects.create(
        region=district,
        weight_skill=Decimal("0.25"),
        weight_priority=Decimal("0.20"),
        key_group_priority={"veteran": 1.0},
    )
    config = config_for_region(district)
    assert config.weights["skill"] == 0.25
    assert config.key_group_priority == {"veteran": 1.0}
    assert config.default_post_radius_km == MatchConfig().default_post_radius_km
    assert config_for_region(region("620103")).maximum_age == 60
    MatchingPolicy.objects.filter(region=city).update(require_verified=True)
    assert config_for_region(region("620103")).require_verified


def test_a_policy_whose_weights_do_not_add_up_is_refused(seeded):
    from django.core.exceptions import ValidationError

    policy = MatchingPolicy(region=region("620100"), weight_skill=Decimal("0.50"))
    with pytest.raises(ValidationError, match="add up to 1"):
        policy.full_clean()
    policy.weight_skill = Decimal("0.35")
    policy.key_group_priority = {"veteran": 2}
    with pytest.raises(ValidationError) as error:
        policy.full_clean()
    assert "key_group_priority" in error.value.message_dict


def test_the_post_radius_of_a_policy_limits_the_candidates(seeded, now, settings):
    settings.MATCHING_PUSH_TOP = 0
    trade = a_trade()
    # About 5.5 km north of the post.
    seeker = skilled_seeker(trade, latitude=36.11, longitude=103.84, max_travel_km=50)
    post = PostFactory(occupation=trade, latitude=36.06, longitude=103.84)
    assert [rec.seeker_id for rec in post_match(post_id=post.pk, now=now)] == [seeker.pk]
    MatchingPolicy.objects.create(region=region("620100"), default_post_radius_km=3)
    assert post_match(post_id=post.pk, now=now) == []
