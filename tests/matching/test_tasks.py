"""The Celery tasks of matching, run in-process (eager): what each does, and that running one
twice changes nothing more. A real worker runs them in test_worker_delivery.py."""

from __future__ import annotations

import pytest
from django_celery_beat.models import PeriodicTask

from matching.models import Notification, Recommendation
from matching.tasks import (
    dispatch_notifications,
    match_post,
    match_seeker,
    rematch_all,
    sweep_notifications,
)
from stations.models import JobPost, Occupation, SeekerSkill
from tests.factories import PostFactory, SeekerFactory

pytestmark = pytest.mark.django_db


def test_beat_runs_the_nightly_rematch_and_the_outbox_sweep_from_the_database():
    rematch = PeriodicTask.objects.get(task="matching.rematch_all")
    assert (rematch.crontab.hour, rematch.crontab.minute) == ("2", "30")
    assert str(rematch.crontab.timezone) == "Asia/Shanghai"
    sweep = PeriodicTask.objects.get(task="matching.sweep_notifications")
    assert (sweep.interval.every, sweep.interval.period) == (1, "minutes")
    assert rematch.enabled
    assert sweep.enabled


def test_every_task_acknowledges_late_and_has_a_time_limit():
    for task in (
        match_post,
        match_seeker,
        rematch_all,
        dispatch_notifications,
        sweep_notifications,
    ):
        assert task.acks_late, task.name
        assert task.time_limit, task.name
        assert task.soft_time_limit < task.time_limit, task.name
        assert task.autoretry_for, task.name


def test_tasks_go_to_the_matching_and_notifications_queues(settings):
    routes = settings.CELERY_TASK_ROUTES
    assert routes["matching.match_post"]["queue"] == "matching"
    assert routes["matching.dispatch_notifications"]["queue"] == "notifications"
    # Every queue a task goes to is one the documented worker command consumes.
    assert {route["queue"] for route in routes.values()} <= {"matching", "notifications"}


def test_match_post_twice_stores_one_ranking_and_pushes_once(seeded, settings):
    settings.MATCHING_PUSH_TOP = 5
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    seeker = SeekerFactory()
    SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=2)
    post = PostFactory(occupation=trade)

    assert match_post.delay(post.pk).get() == 1
    assert match_post.delay(post.pk).get() == 1

    assert Recommendation.objects.filter(post=post).count() == 1
    assert Notification.objects.filter(post=post, channel="in_app").count() == 1


def test_the_nightly_rematch_reranks_every_open_post_without_pushing(seeded, settings):
    settings.MATCHING_PUSH_TOP = 5
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    seeker = SeekerFactory()
    SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=2)
    posts = [PostFactory(occupation=trade) for _ in range(3)]
    closed = PostFactory(occupation=trade, status=JobPost.Status.CLOSED)

    assert rematch_all.delay().get() == 3

    assert set(Recommendation.objects.values_list("post_id", flat=True)) == {p.pk for p in posts}
    assert not Recommendation.objects.filter(post=closed).exists()
    assert Notification.objects.count() == 0


def test_the_nightly_chunk_ranks_as_opening_did_and_keeps_who_was_pushed(seeded, settings):
    from django.utils import timezone

    from matching.services.recommendations import post_match, posts_rematch

    settings.MATCHING_PUSH_TOP = 1
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    seekers = [SeekerFactory(latitude=36.06 + 0.01 * n, longitude=103.84) for n in range(3)]
    for n, seeker in enumerate(seekers):
        SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=9 - n)
    post = PostFactory(occupation=trade)
    opened = [(r.seeker_id, r.rank) for r in post_match(post_id=post.pk, now=timezone.now())]

    assert posts_rematch(post_ids=[post.pk], now=timezone.now()) == 1

    again = Recommendation.objects.filter(post=post).order_by("rank")
    assert [(r.seeker_id, r.rank) for r in again] == opened
    assert [r.pushed_at is not None for r in again] == [True, False, False]
