"""311 follow-up through the API: staff read plans and their overdue follow-ups, record
manual pushes, guidance and training referrals, scoped like the admin; a seeker reads their
own plan and the courses near them."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.auth.models import User
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from stations.models import (
    Intention,
    JobFair,
    JobPost,
    JobSeeker,
    KeyGroup,
    OverdueRule,
    ServicePlan,
    ServiceRecord,
)
from stations.models.followup import OverdueKind, PlanStatus
from stations.models.organisation import StaffRole
from stations.selectors.followup import followups_count
from stations.services.fairs import booth_set, fair_open, intention_lapse, intention_record
from stations.services.followup import guidance_record, referral_create
from stations.services.seekers import seeker_key_group_add, seeker_skill_set
from stations.services.staff import staff_assign
from tests.api.test_seeker_api import login
from tests.api.test_staff_api import clerk_at, staff_login
from tests.factories import (
    FairFactory,
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


# --- Idle fair intentions among the follow-ups -----------------------------------------------

UNKNOWN_ID = 2_000_000_000
IDLE = "/api/v1/staff/follow-ups/intentions"


def fair_at(station) -> tuple[JobFair, JobPost]:
    """A fair of the station under way, with a booth for one post."""
    now = timezone.now()
    fair = FairFactory(
        station=station, starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3)
    )
    fair = fair_open(fair=fair, by=None, now=now)
    post = PostFactory(station=station)
    booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
    return fair, post


def intention_due(
    fair: JobFair, post: JobPost, *, in_days: int, assigned_to: User | None = None
) -> Intention:
    """An open intention at the fair whose next follow-up is due ``in_days`` from today
    (negative: that many days past it)."""
    intention = intention_record(
        fair=fair,
        seeker=SeekerFactory(),
        employer=post.employer,
        assigned_to=assigned_to,
        by=None,
        now=timezone.now(),
    )
    due = timezone.localdate() + dt.timedelta(days=in_days)
    Intention.objects.filter(pk=intention.pk).update(follow_up_by=due)
    return intention


def test_the_callers_idle_fair_intentions_are_their_follow_ups_the_longest_idle_first(api, station):
    me = User.objects.get(username=f"clerk-{station.code}")
    colleague = UserFactory()
    fair, post = fair_at(station)
    mine = intention_due(fair, post, in_days=-3, assigned_to=me)
    unassigned = intention_due(fair, post, in_days=-1)
    intention_due(fair, post, in_days=-5, assigned_to=colleague)  # the colleague's
    intention_due(fair, post, in_days=2)  # not due yet
    lapsed = intention_due(fair, post, in_days=-4)
    intention_lapse(intention=lapsed, by=None, now=timezone.now())
    intention_due(*fair_at(StationFactory()), in_days=-6)  # another station's fair

    listed = api.get(IDLE).json()

    assert [row["id"] for row in listed["results"]] == [mine.pk, unassigned.pk]
    assert listed["count"] == followups_count(me, today=timezone.localdate())["intention_idle"]
    first = listed["results"][0]
    assert first["overdue"] is True
    assert first["assigned_to"]["id"] == me.pk
    assert first["follow_up_by"] == (timezone.localdate() - dt.timedelta(days=3)).isoformat()
    assert (first["fair"]["id"], first["employer"]["id"]) == (fair.pk, post.employer_id)


def test_idle_intentions_filter_by_assignee_fair_and_seeker(api, station):
    me = User.objects.get(username=f"clerk-{station.code}")
    fair, post = fair_at(station)
    other_fair, other_post = fair_at(station)
    mine = intention_due(fair, post, in_days=-2, assigned_to=me)
    unassigned = intention_due(other_fair, other_post, in_days=-1)

    def ids(**params) -> list[int]:
        response = api.get(IDLE, params)
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    assert ids(mine="true") == [mine.pk]
    assert ids(mine="false") == [unassigned.pk]
    assert ids(fair=other_fair.pk) == [unassigned.pk]
    assert ids(seeker=mine.seeker_id) == [mine.pk]
    assert api.get(IDLE, {"fair": "x"}).status_code == 400


def test_idle_intentions_of_another_scope_are_not_found_as_if_they_did_not_exist(station):
    fair, post = fair_at(station)
    ours = intention_due(fair, post, in_days=-2)
    elsewhere = StationFactory()
    theirs = intention_due(*fair_at(elsewhere), in_days=-2)
    outsider = clerk_at(elsewhere)

    listed = outsider.get(IDLE).json()
    by_our_fair = outsider.get(IDLE, {"fair": fair.pk})
    by_unknown_fair = outsider.get(IDLE, {"fair": UNKNOWN_ID})
    our_row = outsider.get(f"/api/v1/staff/intentions/{ours.pk}")
    unknown_row = outsider.get(f"/api/v1/staff/intentions/{UNKNOWN_ID}")

    assert [row["id"] for row in listed["results"]] == [theirs.pk]
    assert by_our_fair.status_code == by_unknown_fair.status_code == 200
    assert by_our_fair.json() == by_unknown_fair.json()
    assert by_our_fair.json()["results"] == []
    assert our_row.status_code == unknown_row.status_code == 404
    assert our_row.json() == unknown_row.json()


def test_analysts_follow_no_intentions_up(station):
    staff_assign(
        user=UserFactory(username="analyst"), role=StaffRole.BUREAU_ANALYST, region=region("620100")
    )
    intention_due(*fair_at(station), in_days=-2)
    analyst = APIClient()
    token = staff_login(analyst, "analyst").json()["token"]
    analyst.credentials(HTTP_AUTHORIZATION=f"Token {token}")

    assert analyst.get(IDLE).status_code == 403


@pytest.mark.parametrize("count", [3, 9])
def test_the_idle_intentions_list_costs_a_fixed_number_of_queries(
    api, station, count, django_assert_max_num_queries
):
    me = User.objects.get(username=f"clerk-{station.code}")
    for index in range(count):
        fair, post = fair_at(station)
        intention_due(fair, post, in_days=-1 - index, assigned_to=me if index % 2 else None)
    api.get(IDLE)  # warm: the token's user and permissions

    with django_assert_max_num_queries(8):
        response = api.get(IDLE, {"page_size": 100})

    assert response.status_code == 200
    assert response.json()["count"] == count


def test_the_idle_intentions_list_is_in_the_schema_with_its_filters_and_pages():
    schema = SchemaGenerator().get_schema(request=None, public=True)

    operation = schema["paths"][IDLE]["get"]

    assert {parameter["name"] for parameter in operation["parameters"]} == {
        "fair",
        "seeker",
        "employer",
        "mine",
        "reached_from",
        "reached_until",
        "page",
        "page_size",
    }
    listed = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert listed == {"$ref": "#/components/schemas/PaginatedIntentionList"}
    assert OverdueKind.INTENTION_IDLE in operation["description"]


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
