"""The lost race: counters hiring for the same post at the same moment never overfill it.

Only PostgreSQL can show this: its row locks make the hires queue on the post. SQLite
serialises whole transactions instead, so there the threaded test is not run (the services
marker skips it) and a sequential test shows the refusal itself.
"""

from __future__ import annotations

import datetime as dt
import threading
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from core.errors import Conflict
from seeds.loader import load_seeds
from stations.models import Application, ApplicationEvent, JobPost, Placement
from stations.models.placements import ApplicationStatus as AppStatus
from stations.models.posts import PostStatus
from stations.services.applications import PlacementTerms, application_create, application_hire
from tests.factories import PostFactory, SeekerFactory, UserFactory

SHANGHAI = ZoneInfo("Asia/Shanghai")
NOW = dt.datetime(2026, 3, 2, 7, 30, tzinfo=SHANGHAI)
TODAY = NOW.date()
TERMS = PlacementTerms(
    agreed_wage_amount=Decimal("220.00"),
    agreed_wage_unit="day",
    starts_on=TODAY,
    ends_on=TODAY + dt.timedelta(days=4),
    outcome="flexible",
)


def post_with_applicants(*, openings: int, applicants: int) -> tuple[JobPost, list[Application]]:
    load_seeds()
    post = PostFactory(openings=openings, starts_on=TODAY, ends_on=TODAY + dt.timedelta(days=4))
    applications = [
        application_create(post=post, seeker=SeekerFactory(), source="counter", by=None, now=NOW)
        for _ in range(applicants)
    ]
    return post, applications


@pytest.mark.services("postgres")
@pytest.mark.django_db(transaction=True)
def test_twelve_counters_hiring_at_once_fill_exactly_the_three_openings():
    post, applications = post_with_applicants(openings=3, applicants=12)
    clerk = UserFactory(username="clerk")
    start = threading.Barrier(len(applications), timeout=30)
    outcomes: dict[int, str] = {}

    def hire(application: Application) -> None:
        try:
            start.wait()
            application_hire(application=application, terms=TERMS, by=clerk, now=NOW)
        except Conflict:
            outcomes[application.pk] = "conflict"
        except Exception as error:  # any other error fails the test below, with its name
            outcomes[application.pk] = repr(error)
        else:
            outcomes[application.pk] = "hired"
        finally:
            connection.close()

    threads = [threading.Thread(target=hire, args=(application,)) for application in applications]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    assert not any(thread.is_alive() for thread in threads)
    assert sorted(outcomes.values()) == ["conflict"] * 9 + ["hired"] * 3
    post.refresh_from_db()
    assert post.status == PostStatus.FILLED
    hired = set(post.applications.filter(status=AppStatus.HIRED).values_list("pk", flat=True))
    assert hired == {pk for pk, outcome in outcomes.items() if outcome == "hired"}
    assert post.applications.filter(status=AppStatus.APPLIED).count() == 9
    assert Placement.objects.filter(application__post=post).count() == 3
    assert ApplicationEvent.objects.filter(to_status=AppStatus.HIRED).count() == 3


@pytest.mark.django_db
def test_hires_one_after_another_stop_at_the_openings():
    post, applications = post_with_applicants(openings=3, applicants=4)

    for application in applications[:3]:
        application_hire(application=application, terms=TERMS, by=None, now=NOW)
    with pytest.raises(Conflict):
        application_hire(application=applications[3], terms=TERMS, by=None, now=NOW)

    post.refresh_from_db()
    assert post.status == PostStatus.FILLED
    assert post.applications.filter(status=AppStatus.HIRED).count() == 3
    applications[3].refresh_from_db()
    assert applications[3].status == AppStatus.APPLIED
