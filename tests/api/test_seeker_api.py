"""The seekers' app API: login by phone, profile, jobs near a point, recommendations and the
inbox, with one error shape."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from core.renderers import FastJSONRenderer
from matching.models import Notification
from matching.services.outbox import notifications_dispatch, notify_seeker
from stations.models import JobPost, JobSeeker, LoginCode, Occupation, SeekerSkill
from stations.services.applications import application_create
from tests.factories import EmployerFactory, PostFactory, SeekerFactory, StationFactory

pytestmark = pytest.mark.django_db

PHONE = "13912345678"


@pytest.fixture
def api():
    return APIClient()


def sent_code(phone: str = PHONE) -> str:
    from stations.validators import normalize_mobile_phone

    row = Notification.objects.filter(
        address=normalize_mobile_phone(phone), template="login_code"
    ).latest("id")
    return row.context["code"]


def login(api: APIClient, phone: str = PHONE) -> dict:
    assert api.post("/api/v1/auth/otp", {"phone": phone}, format="json").status_code == 202
    response = api.post(
        "/api/v1/auth/token", {"phone": phone, "code": sent_code(phone)}, format="json"
    )
    assert response.status_code == 200, response.json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return response.json()


def test_a_first_login_by_phone_registers_a_seeker_and_gives_a_token(api, seeded):
    body = login(api, "+86 139-1234-5678")

    assert body["registered"] is True
    seeker = JobSeeker.objects.get(pk=body["seeker_id"])
    assert (seeker.phone, seeker.household, seeker.verified_at) == (PHONE, "unstated", None)
    code = LoginCode.objects.get(phone=PHONE)
    assert sent_code() not in code.code_hash  # only a keyed hash is kept
    me = api.get("/api/v1/me").json()
    assert me["phone"] == "139****5678"
    assert me["verified"] is False
    again = login(APIClient())
    assert again["registered"] is False
    assert again["seeker_id"] == seeker.pk


def test_the_code_is_wiped_from_the_outbox_once_sent(api, seeded):
    api.post("/api/v1/auth/otp", {"phone": PHONE}, format="json")
    row = Notification.objects.get(address=PHONE)
    notifications_dispatch([row.pk])
    row.refresh_from_db()
    assert row.status == "sent"
    assert row.context == {}


def test_a_wrong_code_counts_and_five_wrong_ones_spend_the_code(api, seeded):
    api.post("/api/v1/auth/otp", {"phone": PHONE}, format="json")
    code = sent_code()
    wrong = "000000" if code != "000000" else "111111"
    for _ in range(5):
        response = api.post("/api/v1/auth/token", {"phone": PHONE, "code": wrong}, format="json")
        assert response.status_code == 400
        assert response.json()["code"] == "login_refused"
        assert "code" in response.json()["errors"]
    refused = api.post("/api/v1/auth/token", {"phone": PHONE, "code": code}, format="json")
    assert refused.status_code == 400


def test_an_expired_code_is_refused(api, seeded, time_machine):
    api.post("/api/v1/auth/otp", {"phone": PHONE}, format="json")
    code = sent_code()
    time_machine.move_to(timezone.now() + dt.timedelta(minutes=6))
    response = api.post("/api/v1/auth/token", {"phone": PHONE, "code": code}, format="json")
    assert response.status_code == 400


def test_codes_are_throttled_per_phone(api, seeded, settings):
    settings.LOGIN_CODES_PER_PHONE_PER_HOUR = 2
    for _ in range(2):
        assert api.post("/api/v1/auth/otp", {"phone": PHONE}, format="json").status_code == 202
    response = api.post("/api/v1/auth/otp", {"phone": PHONE}, format="json")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled"


@pytest.mark.parametrize("phone", ["12345", "2391234567x", "", "139123456789"])
def test_a_bad_phone_gets_a_field_error(api, seeded, phone):
    response = api.post("/api/v1/auth/otp", {"phone": phone}, format="json")
    assert response.status_code == 400
    assert "phone" in response.json()["errors"]


def test_logout_revokes_this_device_and_logout_all_every_device(api, seeded):
    login(api)
    other = APIClient()
    login(other)
    assert api.post("/api/v1/auth/logout").status_code == 204
    assert api.get("/api/v1/me").status_code == 401
    assert other.get("/api/v1/me").status_code == 200
    assert other.post("/api/v1/auth/logout-all").status_code == 204
    assert other.get("/api/v1/me").status_code == 401


def test_anonymous_requests_get_the_error_shape(api):
    response = api.get("/api/v1/me")
    assert response.status_code == 401
    assert set(response.json()) == {"detail", "code"}
    assert response.json()["code"] == "not_authenticated"


def test_the_profile_is_updated_and_bad_values_are_field_errors(api, seeded):
    login(api)
    response = api.patch(
        "/api/v1/me",
        {"availability": [0, 1, 3], "expected_daily_wage": "180.00", "max_travel_km": 15},
        format="json",
    )
    assert response.status_code == 200, response.json()
    assert response.json()["availability"] == [0, 1, 3]
    seeker = JobSeeker.objects.get(phone=PHONE)
    assert seeker.availability == 0b1011
    bad = api.patch(
        "/api/v1/me",
        {"max_travel_km": -3, "availability": [99], "latitude": 200, "residence_region": "x"},
        format="json",
    )
    assert bad.status_code == 400
    assert set(bad.json()["errors"]) == {
        "max_travel_km",
        "availability.0",
        "latitude",
        "residence_region",
    }
    malformed = api.generic("PATCH", "/api/v1/me", "{not json", content_type="application/json")
    assert malformed.status_code == 400
    assert malformed.json()["code"] == "parse_error"


def test_the_id_number_is_written_once_and_read_masked(api, seeded):
    from tests.factories import national_id

    login(api)
    number = national_id()
    first = api.patch("/api/v1/me", {"id_number": number}, format="json")
    assert first.status_code == 200
    assert number not in str(first.json())
    assert first.json()["id_number_masked"].startswith(number[:6])
    again = api.patch("/api/v1/me", {"id_number": national_id()}, format="json")
    assert again.status_code == 400
    assert "id_number" in again.json()["errors"]
    invalid = APIClient()
    login(invalid, "13700000001")
    assert invalid.patch("/api/v1/me", {"id_number": "123"}, format="json").status_code == 400


def test_messages_follow_the_requests_language(api, seeded):
    response = api.get("/api/v1/me", HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 401
    assert response.json()["detail"] != "Authentication credentials were not provided."


@pytest.fixture
def jobs(seeded):
    here = {"latitude": 36.06, "longitude": 103.84}
    near = PostFactory(title="装卸工", latitude=36.061, longitude=103.841)
    farther = PostFactory(title="搬运工", latitude=36.09, longitude=103.86)
    far_away = PostFactory(title="保洁", latitude=39.9, longitude=116.4)
    closed = PostFactory(title="已关闭", status=JobPost.Status.CLOSED, **here)
    hourly = PostFactory(
        title="小时工",
        wage_amount=Decimal("20"),
        wage_unit="hour",
        latitude=36.0605,
        longitude=103.8405,
    )
    return {"near": near, "farther": farther, "far": far_away, "closed": closed, "hourly": hourly}


def test_jobs_near_a_point_come_nearest_first_with_their_distance(api, jobs):
    login(api)
    response = api.get("/api/v1/jobs", {"lat": 36.06, "lon": 103.84, "radius_km": 10})
    assert response.status_code == 200
    results = response.json()["results"]
    assert [r["id"] for r in results] == [jobs["hourly"].pk, jobs["near"].pk, jobs["farther"].pk]
    assert results[1]["distance_km"] == pytest.approx(0.14, abs=0.05)
    assert results[2]["distance_km"] == pytest.approx(3.6, abs=0.3)


def test_jobs_are_written_by_orjson_as_drf_would_write_them(api, jobs):
    login(api)
    response = api.get("/api/v1/jobs", {"lat": 36.06, "lon": 103.84, "radius_km": 10})
    refused = api.get("/api/v1/jobs", {"lat": "north", "lon": 103.84})

    assert response.status_code == 200
    assert isinstance(response.accepted_renderer, FastJSONRenderer)
    assert response.content == JSONRenderer().render(response.data)
    assert "装卸工" in response.content.decode()
    assert refused.status_code == 400
    assert refused.content == JSONRenderer().render(refused.data)


def test_a_post_worked_at_a_station_is_found_at_its_districts_centre(api, jobs):
    at_station = PostFactory(
        title="微工厂", latitude=None, longitude=None, work_at_station=StationFactory()
    )  # in Chengguan, whose centre is (36.057, 103.841)
    login(api)
    query = {"lat": 36.057, "lon": 103.841, "radius_km": 1}
    listed = api.get("/api/v1/jobs", query).json()["results"]
    assert [item["id"] for item in listed] == [at_station.pk, jobs["hourly"].pk, jobs["near"].pk]
    assert (listed[0]["distance_km"], listed[0]["latitude"]) == (0.0, None)


def test_jobs_near_a_point_cost_a_query_for_the_token_and_one_for_the_page(
    api, jobs, django_assert_num_queries
):
    login(api)
    query = {"lat": 36.06, "lon": 103.84, "radius_km": 10, "min_wage": 100}
    api.get("/api/v1/jobs", query)
    # The ORM (SQLite) first asks whether a post placed by its district's centre is near.
    with django_assert_num_queries(2 if connection.vendor == "postgresql" else 3):
        assert len(api.get("/api/v1/jobs", query).json()["results"]) == 3


@pytest.mark.parametrize("language", ["zh-hans", "en"])
@pytest.mark.parametrize("near", [True, False])
def test_the_job_lists_plain_rows_say_what_the_job_serializer_says(api, jobs, language, near):
    from django.utils import translation

    from api.serializers import JobSerializer
    from stations.models import Application
    from stations.selectors.jobs import jobs_near, open_jobs

    seeker = SeekerFactory()
    application_create(
        post=jobs["near"], seeker=seeker, source="counter", by=None, now=timezone.now()
    )
    Application.objects.filter(post=jobs["near"]).update(status="hired")
    jobs["hourly"].shift_starts_at, jobs["hourly"].shift_ends_at = dt.time(7), dt.time(15, 30)
    jobs["hourly"].save()
    login(api)
    point = {"lat": 36.06, "lon": 103.84, "radius_km": 20} if near else {}

    listed = api.get("/api/v1/jobs", point, HTTP_ACCEPT_LANGUAGE=language).json()["results"]

    expected = open_jobs()
    if near:
        expected = jobs_near(expected, latitude=36.06, longitude=103.84, radius_km=20)
    with translation.override(language):
        serialized = {row["id"]: row for row in JobSerializer(expected, many=True).data}
    assert len(listed) == len(serialized) >= 3
    assert listed == [serialized[item["id"]] for item in listed]
    held = next(item for item in listed if item["id"] == jobs["near"].pk)
    assert held["openings_left"] == jobs["near"].openings - 1
    assert (held["distance_km"] is not None) is near


def test_the_job_list_pages_on_without_counting(api, seeded):
    for n in range(5):
        PostFactory(latitude=36.06 + n / 1000, longitude=103.84)
    login(api)
    query = {"lat": 36.06, "lon": 103.84, "page_size": 2}

    first = api.get("/api/v1/jobs", query).json()
    last = api.get("/api/v1/jobs", {**query, "page": 3}).json()

    assert "count" not in first
    assert first["previous"] is None
    assert "page=2" in first["next"]
    assert len(last["results"]) == 1
    assert last["next"] is None
    assert "page=2" in last["previous"]
    for page in ("0", "-1", "x", "1001", "99999999999999999999999"):
        assert api.get("/api/v1/jobs", {**query, "page": page}).status_code == 404
    assert api.get("/api/v1/jobs", {**query, "page": 4}).json()["results"] == []


def test_jobs_are_filtered_by_pay_and_date(api, jobs):
    login(api)
    # 20 an hour is 160 a day: under 200.
    rich = api.get("/api/v1/jobs", {"lat": 36.06, "lon": 103.84, "min_wage": 200}).json()
    assert jobs["hourly"].pk not in [r["id"] for r in rich["results"]]
    assert jobs["near"].pk in [r["id"] for r in rich["results"]]
    later = (timezone.localdate() + dt.timedelta(days=30)).isoformat()
    assert api.get("/api/v1/jobs", {"date": later}).json()["results"] == []


@pytest.mark.parametrize(
    "query",
    [
        {"lat": 91, "lon": 0},
        {"lat": 36},
        {"lat": "north", "lon": 1},
        {"radius_km": -1, "lat": 1, "lon": 1},
        {"radius_km": 1e9, "lat": 1, "lon": 1},
        {"min_wage": -5},
        {"date": "2026-13-40"},
        {"ordering": "cheapest"},
    ],
)
def test_bad_job_queries_are_field_errors(api, seeded, query):
    login(api)
    response = api.get("/api/v1/jobs", query)
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert response.json()["errors"]


def test_the_employer_contact_shows_only_after_applying(api, jobs):
    body = login(api)
    post = jobs["near"]
    post.employer.contact_phone = "13800001111"
    post.employer.save()
    detail = api.get(f"/api/v1/jobs/{post.pk}").json()
    assert detail["employer_contact"] is None
    assert "13800001111" not in str(detail)
    seeker = JobSeeker.objects.get(pk=body["seeker_id"])
    application_create(post=post, seeker=seeker, source="app", by=None, now=timezone.now())
    detail = api.get(f"/api/v1/jobs/{post.pk}").json()
    assert detail["employer_contact"]["contact_phone"] == "13800001111"


def test_an_unknown_or_closed_job_is_404_in_the_error_shape(api, jobs):
    login(api)
    for pk in (jobs["closed"].pk, 10**9):
        response = api.get(f"/api/v1/jobs/{pk}")
        assert response.status_code == 404
        assert response.json()["code"] == "not_found"


def test_recommendations_come_ranked_with_reasons_in_the_requests_language(api, seeded):
    body = login(api)
    seeker = JobSeeker.objects.get(pk=body["seeker_id"])
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    SeekerSkill.objects.create(seeker=seeker, occupation=trade, years=6)
    JobSeeker.objects.filter(pk=seeker.pk).update(latitude=36.06, longitude=103.84)
    post = PostFactory(occupation=trade, employer=EmployerFactory())

    response = api.get("/api/v1/me/recommendations", HTTP_ACCEPT_LANGUAGE="en")

    assert response.status_code == 200
    (first,) = response.json()["results"]
    assert first["rank"] == 1
    assert first["job"]["id"] == post.pk
    assert any("6 years" in reason for reason in first["reasons"])
    chinese = api.get("/api/v1/me/recommendations", HTTP_ACCEPT_LANGUAGE="zh-hans").json()
    assert any("6年经验" in reason for reason in chinese["results"][0]["reasons"])


def test_the_inbox_lists_ones_own_messages_and_marks_them_read(api, seeded):
    body = login(api)
    seeker = JobSeeker.objects.get(pk=body["seeker_id"])
    mine = notify_seeker(
        seeker=seeker,
        template="post_recommended",
        context={"title": "装卸工", "employer": "宏达"},
        dedup_key="inbox-test",
        now=timezone.now(),
    )
    theirs = notify_seeker(
        seeker=SeekerFactory(),
        template="post_recommended",
        context={"title": "保洁"},
        dedup_key="other",
        now=timezone.now(),
    )
    inbox = api.get("/api/v1/me/notifications", HTTP_ACCEPT_LANGUAGE="en").json()["results"]
    (row,) = inbox
    assert row["title"] == "A job that suits you: 装卸工"
    assert row["read_at"] is None
    mine_id = next(n.pk for n in mine if n.channel == "in_app")
    read = api.post(f"/api/v1/me/notifications/{mine_id}/read")
    assert read.status_code == 200
    assert read.json()["read_at"] is not None
    their_id = next(n.pk for n in theirs if n.channel == "in_app")
    assert api.post(f"/api/v1/me/notifications/{their_id}/read").status_code == 404


def test_staff_accounts_are_not_seekers(api, seeded):
    from tests.factories import UserFactory

    api.force_authenticate(UserFactory())
    assert api.get("/api/v1/me").status_code == 403


def test_requests_are_throttled_per_user(api, seeded, settings):
    login(api)
    settings.API_THROTTLE_RATES = {"user": "3/min", "anon": "100000/min"}
    statuses = [api.get("/api/v1/me").status_code for _ in range(5)]
    assert statuses[:3] == [200, 200, 200]
    assert statuses[3] == 429
    assert api.get("/api/v1/me").json()["code"] == "throttled"


def test_job_lists_and_details_revalidate_with_an_etag(api, jobs):
    login(api)
    first = api.get("/api/v1/jobs", {"lat": 36.06, "lon": 103.84})
    etag = first.headers["ETag"]
    assert (
        api.get("/api/v1/jobs", {"lat": 36.06, "lon": 103.84}, HTTP_IF_NONE_MATCH=etag).status_code
        == 304
    )
    detail = api.get(f"/api/v1/jobs/{jobs['near'].pk}")
    assert (
        api.get(
            f"/api/v1/jobs/{jobs['near'].pk}", HTTP_IF_NONE_MATCH=detail.headers["ETag"]
        ).status_code
        == 304
    )
    JobPost.objects.filter(pk=jobs["near"].pk).update(openings=9)
    changed = api.get(f"/api/v1/jobs/{jobs['near'].pk}", HTTP_IF_NONE_MATCH=detail.headers["ETag"])
    assert changed.status_code == 200


def test_a_seeker_lists_their_trades_and_a_level_staff_recorded_stays(api, seeded):
    from stations.services.seekers import seeker_skill_set
    from tests.factories import trade

    body = login(api)
    seeker = JobSeeker.objects.get(pk=body["seeker_id"])
    trades = list(Occupation.objects.filter(level="trade").order_by("code")[:3])
    seeker_skill_set(seeker=seeker, occupation=trades[0], level=4, years=2)

    saved = api.patch(
        "/api/v1/me",
        {"skills": [{"occupation": trades[0].code, "years": 6}, {"occupation": trades[1].code}]},
        format="json",
    )

    assert saved.status_code == 200, saved.json()
    assert [(s["occupation"], s["level"], s["years"]) for s in saved.json()["skills"]] == [
        (trades[0].code, 4, 6),
        (trades[1].code, 0, 0),
    ]
    replaced = api.patch(
        "/api/v1/me", {"skills": [{"occupation": trades[2].code, "level": 1}]}, format="json"
    ).json()
    assert [(s["occupation"], s["level"]) for s in replaced["skills"]] == [(trades[2].code, 0)]
    assert set(SeekerSkill.objects.filter(seeker=seeker).values_list("occupation", flat=True)) == {
        trades[2].pk
    }
    group = Occupation.objects.exclude(level="trade").first()
    for bad in (
        [{"occupation": group.code}],
        [{"occupation": trades[0].code}, {"occupation": trades[0].code}],
        [{"occupation": trade().code, "years": -1}],
        [{"occupation": o.code} for o in Occupation.objects.filter(level="trade")[:21]],
        "not a list",
    ):
        refused = api.patch("/api/v1/me", {"skills": bad}, format="json")
        assert refused.status_code == 400, bad
        assert any(field.startswith("skills") for field in refused.json()["errors"]), bad
    assert SeekerSkill.objects.filter(seeker=seeker).count() == 1


def test_recommendations_follow_a_change_of_trades_at_once(
    api, seeded, django_capture_on_commit_callbacks
):
    body = login(api)
    JobSeeker.objects.filter(pk=body["seeker_id"]).update(latitude=36.06, longitude=103.84)
    bricklaying, cleaning = Occupation.objects.filter(level="trade").order_by("code")[:2]
    laying = PostFactory(occupation=bricklaying, employer=EmployerFactory())
    sweeping = PostFactory(occupation=cleaning, employer=EmployerFactory())
    with django_capture_on_commit_callbacks(execute=True):
        api.patch("/api/v1/me", {"skills": [{"occupation": bricklaying.code}]}, format="json")
    before = api.get("/api/v1/me/recommendations").json()["results"]

    with django_capture_on_commit_callbacks(execute=True):
        api.patch("/api/v1/me", {"skills": [{"occupation": cleaning.code}]}, format="json")
    after = api.get("/api/v1/me/recommendations").json()["results"]

    assert before[0]["job"]["id"] == laying.pk
    assert after[0]["job"]["id"] == sweeping.pk


def test_jobs_are_filtered_by_occupation_and_take_home_and_ranked_by_relevance(api, seeded):
    from matching.models import Recommendation

    body = login(api)
    first, second = Occupation.objects.filter(level="trade").order_by("code")[:2]
    newest_first = [
        PostFactory(occupation=second, take_home=True),
        PostFactory(occupation=first),
        PostFactory(occupation=second),
    ]
    for post, minutes in zip(newest_first, (1, 2, 3), strict=True):
        JobPost.objects.filter(pk=post.pk).update(
            opened_at=timezone.now() - dt.timedelta(minutes=minutes)
        )
    Recommendation.objects.create(
        seeker_id=body["seeker_id"],
        post=newest_first[2],
        direction=Recommendation.Direction.POSTS_FOR_SEEKER,
        rank=1,
        score=0.9,
        reasons=[],
        engine_version="test",
        computed_at=timezone.now(),
    )

    def ids(**query):
        response = api.get("/api/v1/jobs", {"ordering": "newest", **query})
        assert response.status_code == 200, response.json()
        return [row["id"] for row in response.json()["results"]]

    by_trade = ids(occupation=second.code)
    by_group = ids(occupation=first.path.strip("/").split("/")[0])
    assert by_trade == [newest_first[0].pk, newest_first[2].pk]
    assert newest_first[1].pk in by_group
    assert ids(take_home="true") == [newest_first[0].pk]
    assert newest_first[0].pk not in ids(take_home="false")
    assert ids(ordering="relevance")[0] == newest_first[2].pk
    assert ids()[0] == newest_first[0].pk
