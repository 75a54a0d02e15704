"""The seekers' app: applying, withdrawing, checking in and out, reporting unpaid wages;
nobody reaches another seeker's records, and lists cost a fixed number of queries."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from matching.services.outbox import notify_seeker
from matching.services.recommendations import seeker_match
from stations.models import (
    Application,
    JobPost,
    JobSeeker,
    Occupation,
    Placement,
    SeekerSkill,
    WageClaim,
)
from stations.services.applications import PlacementTerms, application_hire
from tests.api.test_seeker_api import login
from tests.factories import PostFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def seeker_api(seeded):
    api = APIClient()
    body = login(api, "13911112222")
    return api, JobSeeker.objects.get(pk=body["seeker_id"])


def hire(application: Application) -> Placement:
    post = application.post
    return application_hire(
        application=application,
        terms=PlacementTerms(
            agreed_wage_amount=Decimal("220"),
            agreed_wage_unit="day",
            starts_on=post.starts_on,
            ends_on=post.ends_on,
            outcome=Placement.Outcome.FLEXIBLE,
        ),
        by=None,
        now=timezone.now(),
    )


def test_a_seeker_applies_once_and_withdraws(seeker_api):
    api, seeker = seeker_api
    post = PostFactory()
    created = api.post(f"/api/v1/jobs/{post.pk}/applications")
    assert created.status_code == 201, created.json()
    assert Application.objects.get(pk=created.json()["id"]).seeker == seeker
    assert created.json()["status"] == "applied"
    assert created.json()["source"] == "app"
    again = api.post(f"/api/v1/jobs/{post.pk}/applications")
    assert again.status_code in (400, 409)
    assert again.json()["code"]
    listed = api.get("/api/v1/me/applications").json()["results"]
    assert [row["job"]["id"] for row in listed] == [post.pk]
    withdrawn = api.post(f"/api/v1/me/applications/{created.json()['id']}/withdraw")
    assert withdrawn.status_code == 200
    assert withdrawn.json()["status"] == "withdrawn"
    twice = api.post(f"/api/v1/me/applications/{created.json()['id']}/withdraw")
    assert twice.status_code == 409
    assert twice.json()["code"] == "illegal_transition"


def test_a_closed_or_unknown_post_cannot_be_applied_for(seeker_api):
    api, _ = seeker_api
    closed = PostFactory(status=JobPost.Status.CLOSED)
    assert api.post(f"/api/v1/jobs/{closed.pk}/applications").status_code == 404
    assert api.post("/api/v1/jobs/999999999/applications").status_code == 404


def test_a_hired_seeker_checks_in_out_and_reports_unpaid_wages(seeker_api):
    api, seeker = seeker_api
    post = PostFactory()
    application = Application.objects.get(
        pk=api.post(f"/api/v1/jobs/{post.pk}/applications").json()["id"]
    )
    placement = hire(application)
    listed = api.get("/api/v1/me/placements").json()["results"]
    assert [(row["id"], row["status"]) for row in listed] == [(placement.pk, "hired")]

    checked_in = api.post(f"/api/v1/me/placements/{placement.pk}/check-in")
    assert checked_in.status_code == 200
    assert (checked_in.json()["status"], checked_in.json()["started_at"] is not None) == (
        "started",
        True,
    )
    checked_out = api.post(f"/api/v1/me/placements/{placement.pk}/check-out")
    assert checked_out.json()["status"] == "completed"
    assert api.post(f"/api/v1/me/placements/{placement.pk}/check-in").status_code == 409

    claim = api.post(
        f"/api/v1/me/placements/{placement.pk}/wage-claims",
        {"amount_claimed": "660.00", "description": "三天工钱未结"},
        format="json",
    )
    assert claim.status_code == 201, claim.json()
    assert WageClaim.objects.get(pk=claim.json()["id"]).seeker == seeker
    bad = api.post(
        f"/api/v1/me/placements/{placement.pk}/wage-claims",
        {"amount_claimed": "-5"},
        format="json",
    )
    assert bad.status_code == 400
    assert "amount_claimed" in bad.json()["errors"]


def test_another_seekers_records_are_not_found(seeker_api):
    api, _ = seeker_api
    other = APIClient()
    login(other, "13933334444")
    post = PostFactory()
    application_id = other.post(f"/api/v1/jobs/{post.pk}/applications").json()["id"]
    placement = hire(Application.objects.get(pk=application_id))

    assert api.post(f"/api/v1/me/applications/{application_id}/withdraw").status_code == 404
    for step in ("check-in", "check-out", "wage-claims"):
        response = api.post(f"/api/v1/me/placements/{placement.pk}/{step}", {}, format="json")
        assert response.status_code == 404, step
        assert response.json()["code"] == "not_found"
    assert api.get("/api/v1/me/applications").json()["results"] == []
    assert Application.objects.get(pk=application_id).status == "hired"


@pytest.mark.parametrize(
    ("url", "count"),
    [
        ("/api/v1/me/applications", 3),
        ("/api/v1/me/applications", 12),
        ("/api/v1/me/placements", 3),
        ("/api/v1/me/placements", 12),
        ("/api/v1/jobs?lat=36.06&lon=103.84&radius_km=20", 12),
        ("/api/v1/me/notifications", 12),
        ("/api/v1/me/recommendations", 12),
    ],
)
def test_lists_cost_the_same_queries_whatever_their_length(
    seeker_api, url, count, django_assert_max_num_queries
):
    api, seeker = seeker_api
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=3)
    JobSeeker.objects.filter(pk=seeker.pk).update(
        latitude=36.06, longitude=103.84, max_travel_km=50
    )
    today = timezone.localdate()
    for n in range(count):
        hired_on = today + dt.timedelta(days=20 * n)
        post = PostFactory(occupation=trade, starts_on=hired_on, ends_on=hired_on)
        application_id = api.post(f"/api/v1/jobs/{post.pk}/applications").json()["id"]
        hire(Application.objects.get(pk=application_id))
        free_on = hired_on + dt.timedelta(days=10)
        PostFactory(occupation=trade, starts_on=free_on, ends_on=free_on)
        notify_seeker(
            seeker=seeker,
            template="post_recommended",
            context={"title": post.title},
            dedup_key=f"budget:{post.pk}",
            now=timezone.now(),
            post=post,
        )
    seeker_match(seeker_id=seeker.pk, now=timezone.now())
    api.get(url)  # warm: the token's user, the recommendations' first ranking
    with django_assert_max_num_queries(8):
        response = api.get(url)
    assert response.status_code == 200
    assert len(response.json()["results"]) >= min(count, 3)
