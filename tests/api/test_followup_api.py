"""311 follow-up through the API: staff read plans and their overdue follow-ups, record
manual pushes, guidance and training referrals, scoped like the admin; a seeker reads their
own plan and the courses near them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from stations.models import (
    JobPost,
    JobSeeker,
    KeyGroup,
    OverdueRule,
    ServicePlan,
    ServiceRecord,
)
from stations.models.followup import PlanStatus
from stations.models.organisation import StaffRole
from stations.services.followup import guidance_record, referral_create
from stations.services.seekers import seeker_key_group_add, seeker_skill_set
from stations.services.staff import staff_assign
from tests.api.test_seeker_api import login
from tests.api.test_staff_api import clerk_at, staff_login
from tests.factories import (
    PostFactory,
    SeekerFactory,
    StationFactory,
    TrainingCourseFactory,
    UserFactory,
    region,
    trade,
)

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _overdue_rules():
    # The rules migration 0008 installs; a transaction=True test elsewhere flushes them away.
    from tests.stations.test_followup import DEFAULT_RULES

    for kind, days in DEFAULT_RULES.items():
        OverdueRule.objects.get_or_create(kind=kind, defaults={"days": days})


@pytest.fixture
def station(seeded):
    return StationFactory()


@pytest.fixture
def api(station):
    return clerk_at(station)


def member(station, *, days_ago: int = 0, **fields) -> JobSeeker:
    seeker = SeekerFactory(registering_station=station, **fields)
    seeker_key_group_add(
        seeker=seeker,
        key_group=KeyGroup.objects.get(code="rural_labour"),
        started_on=timezone.localdate() - dt.timedelta(days=days_ago),
    )
    return seeker


def plan_of(seeker: JobSeeker) -> ServicePlan:
    return ServicePlan.objects.get(seeker=seeker)


def test_registering_a_seeker_in_a_key_group_opens_their_plan(api):
    created = api.post(
        "/api/v1/staff/seekers",
        {
            "full_name": "马红梅",
            "phone": "139 3100 0002",
            "residence_region": "620102",
            "household": "rural",
            "key_groups": ["lifted_from_poverty"],
        },
        format="json",
    )
    assert created.status_code == 201, created.json()

    plans = api.get("/api/v1/staff/plans", {"seeker": created.json()["id"]}).json()["results"]

    (plan,) = plans
    assert plan["status"] == "open"
    assert plan["opened_on"] == timezone.localdate().isoformat()
    assert plan["progress"]["job_push"] == {"owed": 3, "delivered": 0}


def test_plans_are_listed_with_progress_and_filtered_by_overdue_and_assignee(api, station):
    late = member(station, days_ago=10)
    fresh = member(station)
    SeekerFactory(registering_station=station)  # in no key group
    member(StationFactory())  # another station's
    guidance_record(seeker=fresh, held_at=timezone.now(), by=None)

    listed = api.get("/api/v1/staff/plans").json()
    overdue = api.get("/api/v1/staff/plans", {"overdue": "true"}).json()["results"]
    mine = api.get("/api/v1/staff/plans", {"mine": "true"}).json()["results"]

    assert {row["seeker"]["id"] for row in listed["results"]} == {late.pk, fresh.pk}
    by_seeker = {row["seeker"]["id"]: row for row in listed["results"]}
    assert by_seeker[fresh.pk]["progress"]["guidance"] == {"owed": 1, "delivered": 1}
    assert by_seeker[late.pk]["overdue"] == ["no_first_push"]
    assert [row["seeker"]["id"] for row in overdue] == [late.pk]
    assert mine == []


def test_the_follow_up_list_holds_the_callers_overdue_plans(api, station):
    late = member(station, days_ago=10)
    member(station, days_ago=2)

    rows = api.get("/api/v1/staff/follow-ups").json()["results"]

    assert [(row["seeker"], row["rule"]) for row in rows] == [(late.pk, "no_first_push")]
    assert rows[0]["plan"] == plan_of(late).pk


def test_a_plan_shows_its_services_and_another_stations_plan_is_not_found(api, station):
    seeker = member(station)
    guidance_record(seeker=seeker, held_at=timezone.now(), by=None, notes="想学电工")
    theirs = member(StationFactory())

    mine = api.get(f"/api/v1/staff/plans/{plan_of(seeker).pk}")
    other = api.get(f"/api/v1/staff/plans/{plan_of(theirs).pk}")

    assert mine.status_code == 200
    assert [service["kind"] for service in mine.json()["services"]] == ["guidance"]
    assert other.status_code == 404


def test_staff_record_a_manual_push_of_open_posts_suiting_the_person(api, station):
    seeker = member(station)
    seeker_skill_set(seeker=seeker, occupation=trade())
    post = PostFactory(station=station)
    closed = PostFactory(station=station, status=JobPost.Status.CLOSED)
    elsewhere = PostFactory(station=StationFactory())
    url = f"/api/v1/staff/plans/{plan_of(seeker).pk}/pushes"

    pushed = api.post(url, {"posts": [post.pk]}, format="json")
    refused = api.post(url, {"posts": [closed.pk]}, format="json", HTTP_ACCEPT_LANGUAGE="en")
    out_of_scope = api.post(url, {"posts": [elsewhere.pk]}, format="json")

    assert pushed.status_code == 201, pushed.json()
    assert pushed.json()["progress"]["job_push"]["delivered"] == 1
    assert pushed.json()["services"][0]["posts"][0]["id"] == post.pk
    assert refused.status_code == 400
    assert refused.json()["errors"] == {"posts": ["not open"]}
    assert out_of_scope.status_code == 400
    assert all(field.startswith("posts") for field in out_of_scope.json()["errors"])
    assert ServiceRecord.objects.count() == 1


def test_guidance_sessions_are_recorded_and_listed(api, station):
    seeker = member(station)

    created = api.post(
        "/api/v1/staff/guidance-sessions",
        {
            "seeker": seeker.pk,
            "notes": "有驾照，想跑货运",
            "next_step": "推荐货运岗位",
            "next_step_by": (timezone.localdate() + dt.timedelta(days=7)).isoformat(),
        },
        format="json",
    )
    future = api.post(
        "/api/v1/staff/guidance-sessions",
        {"seeker": seeker.pk, "held_at": (timezone.now() + dt.timedelta(days=2)).isoformat()},
        format="json",
    )
    other = api.post(
        "/api/v1/staff/guidance-sessions",
        {"seeker": member(StationFactory()).pk},
        format="json",
    )

    assert created.status_code == 201, created.json()
    assert created.json()["next_step"] == "推荐货运岗位"
    assert future.status_code == 400
    assert other.status_code == 400
    assert plan_of(seeker).services.get().kind == "guidance"
    listed = api.get("/api/v1/staff/guidance-sessions", {"seeker": seeker.pk}).json()
    assert [row["id"] for row in listed["results"]] == [created.json()["id"]]


def test_courses_are_added_in_the_callers_region_only(api, station):
    body = {
        "reference": "LZ-PX-2026-01",
        "name": "家政服务员（初级）",
        "provider": "城关区职业培训学校",
        "occupation": trade().code,
        "subsidised": True,
        "starts_on": timezone.localdate().isoformat(),
        "ends_on": (timezone.localdate() + dt.timedelta(days=20)).isoformat(),
        "places": 2,
    }

    created = api.post(
        "/api/v1/staff/training-courses", {**body, "region": "620102"}, format="json"
    )
    elsewhere = api.post(
        "/api/v1/staff/training-courses",
        {**body, "reference": "X-2", "region": "620103"},
        format="json",
    )
    again = api.post("/api/v1/staff/training-courses", {**body, "region": "620102"}, format="json")

    assert created.status_code == 201, created.json()
    assert created.json()["places_taken"] == 0
    assert elsewhere.status_code == 400
    assert "region" in elsewhere.json()["errors"]
    assert again.status_code in (400, 409)
    listed = api.get("/api/v1/staff/training-courses", {"current": "true"}).json()["results"]
    assert [row["reference"] for row in listed] == ["LZ-PX-2026-01"]


def test_referrals_are_the_training_service_and_move_through_their_statuses(api, station):
    seeker = member(station)
    course = TrainingCourseFactory(region=region("620102"))

    created = api.post(
        "/api/v1/staff/training-referrals",
        {"course": course.pk, "seeker": seeker.pk},
        format="json",
    )
    referral_id = created.json()["id"]
    enrolled = api.post(
        f"/api/v1/staff/training-referrals/{referral_id}/move", {"to": "enrolled"}, format="json"
    )
    illegal = api.post(
        f"/api/v1/staff/training-referrals/{referral_id}/move", {"to": "certified"}, format="json"
    )

    assert created.status_code == 201, created.json()
    assert enrolled.json()["status"] == "enrolled"
    assert illegal.status_code == 409
    assert plan_of(seeker).services.get().kind == "training"
    rows = api.get("/api/v1/staff/training-referrals", {"status": "enrolled"}).json()["results"]
    assert [row["id"] for row in rows] == [referral_id]


@pytest.mark.parametrize("count", [3, 9])
@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/staff/plans",
        "/api/v1/staff/follow-ups",
        "/api/v1/staff/guidance-sessions",
        "/api/v1/staff/training-courses",
        "/api/v1/staff/training-referrals",
    ],
)
def test_follow_up_lists_cost_a_fixed_number_of_queries(
    api, station, url, count, django_assert_max_num_queries
):
    for _ in range(count):
        seeker = member(station, days_ago=10)
        guidance_record(seeker=seeker, held_at=timezone.now(), by=None)
        course = TrainingCourseFactory(region=region("620102"))
        referral_create(course=course, seeker=seeker, by=None, now=timezone.now())
    api.get(url)  # warm: the token's user and permissions

    with django_assert_max_num_queries(10):
        response = api.get(url, {"page_size": 100})

    assert response.status_code == 200
    assert response.json()["count"] >= count


def test_a_seeker_reads_their_own_plan_and_nobody_elses(seeded):
    seeker_api = APIClient()
    seeker = JobSeeker.objects.get(pk=login(seeker_api)["seeker_id"])

    before = seeker_api.get("/api/v1/me/plan")
    seeker_key_group_add(
        seeker=seeker,
        key_group=KeyGroup.objects.get(code="college_graduate"),
        started_on=timezone.localdate(),
    )
    guidance_record(seeker=seeker, held_at=timezone.now(), by=None)
    after = seeker_api.get("/api/v1/me/plan")

    assert before.status_code == 404
    assert after.status_code == 200
    assert after.json()["status"] == PlanStatus.OPEN
    assert after.json()["progress"]["guidance"] == {"owed": 1, "delivered": 1}
    assert [service["kind"] for service in after.json()["services"]] == ["guidance"]
    assert clerk_at(StationFactory()).get("/api/v1/me/plan").status_code == 403


def test_a_seeker_sees_the_courses_of_their_city_not_yet_over(seeded):
    seeker_api = APIClient()
    login(seeker_api)
    today = timezone.localdate()
    city = TrainingCourseFactory(region=region("620100"))
    district = TrainingCourseFactory(
        region=region("620102"), starts_on=today + dt.timedelta(days=3)
    )
    TrainingCourseFactory(region=region("621102"))  # Dingxi
    TrainingCourseFactory(
        region=region("620100"),
        starts_on=today - dt.timedelta(days=30),
        ends_on=today - dt.timedelta(days=1),
    )

    rows = seeker_api.get("/api/v1/training-courses").json()["results"]

    assert [row["id"] for row in rows] == [city.pk, district.pk]


def test_analysts_reach_no_plans(seeded):
    staff_assign(
        user=UserFactory(username="analyst"), role=StaffRole.BUREAU_ANALYST, region=region("620100")
    )
    analyst = APIClient()
    token = staff_login(analyst, "analyst").json()["token"]
    analyst.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert analyst.get("/api/v1/staff/plans").status_code == 403
    assert analyst.get("/api/v1/staff/training-courses").status_code == 200
