from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

from seeds.loader import load_seeds
from stations.models import JobPost
from stations.tasks import expire_posts
from tests import factories

pytestmark = pytest.mark.django_db


def test_beat_expires_posts_every_five_minutes_from_its_database_schedule():
    task = PeriodicTask.objects.get(task="stations.expire_posts")
    assert (task.interval.every, task.interval.period) == (5, "minutes")
    assert task.enabled


def test_beat_runs_the_daily_jobs_and_every_task_it_names_exists():
    from config.celery import app

    app.loader.import_default_modules()
    expected = {
        "stations.fairs_tomorrow_notify": "18",
        "stations.followup_plans_ensure": "1",
        "stations.followup_families_check": "1",
        "stations.followup_staff_digest": "8",
        "stations.station_days_close": "23",
    }
    for name, hour in expected.items():
        task = PeriodicTask.objects.get(task=name)
        assert (task.crontab.hour, task.crontab.day_of_week) == (hour, "*")
        assert task.enabled
    # A schedule naming a task no worker knows would fail silently every day.
    assert set(PeriodicTask.objects.values_list("task", flat=True)) <= set(app.tasks)


def test_the_task_expires_open_posts_whose_time_is_up_and_is_harmless_twice():
    load_seeds()
    past = timezone.now() - dt.timedelta(minutes=1)
    due = factories.PostFactory(expires_at=past)
    later = factories.PostFactory(expires_at=timezone.now() + dt.timedelta(days=1))
    draft = factories.PostFactory(status=JobPost.Status.DRAFT, expires_at=past)
    assert expire_posts.delay().get() == 1
    assert expire_posts.delay().get() == 0
    statuses = {post.pk: post.status for post in JobPost.objects.all()}
    assert statuses == {due.pk: "expired", later.pk: "open", draft.pk: "draft"}
