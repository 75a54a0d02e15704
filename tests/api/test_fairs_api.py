"""Job fairs through the API: staff plan and run fairs (booths, the gate, viewers, the
applications from a stream) and follow intentions up; seekers find fairs near them,
register, apply at a fair and show their check-in code."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from stations.models import Application, FairRegistration, Intention, JobFair, JobSeeker, Placement
from stations.models.organisation import StaffRole
from stations.services.applications import PlacementTerms, application_create, application_hire
from stations.services.dispatch import check_in_code, seeker_from_check_in_code
from stations.services.fairs import (
    booth_set,
    fair_apply,
    fair_close,
    fair_open,
    fair_register,
    intention_record,
)
from stations.services.staff import staff_assign
from tests.api.test_seeker_api import login
from tests.api.test_staff_api import clerk_at, staff_login
from tests.factories import (
    EmployerFactory,
    FairFactory,
    PostFactory,
    SeekerFactory,
    StationFactory,
    UserFactory,
    region,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def station(seeded):
    return StationFactory(region=region("620102"))


@pytest.fixture
def api(station):
    return clerk_at(station)


def fair_body(**overrides):
    starts = timezone.now() + dt.timedelta(days=3)
    body = {
        "name": "城关区就业援助月专场招聘会",
        "format": "on_site",
        "series": "assistance_month",
        "region": "620102",
        "venue": "城关区人力资源市场",
        "starts_at": starts.isoformat(),
        "ends_at": (starts + dt.timedelta(hours=4)).isoformat(),
        "latitude": 36.06,
        "longitude": 103.84,
    }
    body.update(overrides)
    return body


def under_way(fair: JobFair) -> JobFair:
    now = timezone.now()
    JobFair.objects.filter(pk=fair.pk).update(
        starts_at=now - dt.timedelta(hours=1), ends_at=now + dt.timedelta(hours=3)
    )
    fair.refresh_from_db()
    return fair_open(fair=fair, by=None, now=now)


# Staff: fairs


def test_staff_plan_a_fair_at_their_station_then_open_and_close_it(api, station):
    created = api.post("/api/v1/staff/fairs", fair_body(), format="json")

    assert created.status_code == 201, created.json()
    body = created.json()
    fair = JobFair.objects.get(pk=body["id"])
    assert (fair.station, fair.status, body["status"]) == (station, "planned", "planned")
    assert body["reference"].startswith("F")
    changed = api.patch(f"/api/v1/staff/fairs/{fair.pk}", {"venue": "二楼"}, format="json")
    assert changed.json()["venue"] == "二楼"
    assert api.post(f"/api/v1/staff/fairs/{fair.pk}/close").status_code == 409
    assert api.post(f"/api/v1/staff/fairs/{fair.pk}/open").json()["status"] == "under_way"
    assert api.post(f"/api/v1/staff/fairs/{fair.pk}/close").json()["status"] == "held"
    fair.refresh_from_db()
    assert fair.status == "held"


def test_a_fair_is_refused_without_its_venue_or_with_its_reference_changed(api):
    refused = api.post("/api/v1/staff/fairs", fair_body(venue=""), format="json")
    fair = FairFactory(station=StationFactory())  # another station's: not found
    mine = api.post("/api/v1/staff/fairs", fair_body(), format="json").json()

    assert refused.status_code == 400
    assert "venue" in refused.json()["errors"]
    fixed = api.patch(f"/api/v1/staff/fairs/{mine['id']}", {"reference": "X"}, format="json")
    assert fixed.status_code == 400
    assert api.get(f"/api/v1/staff/fairs/{fair.pk}").status_code == 404


def test_staff_of_a_region_cannot_plan_a_fair_out_of_their_reach(seeded):
    user = UserFactory(username="bureau")
    staff_assign(user=user, role=StaffRole.BUREAU_ADMIN, region=region("620103"))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_login(api, 'bureau').json()['token']}")

    outside = api.post("/api/v1/staff/fairs", fair_body(region="620102"), format="json")
    inside = api.post("/api/v1/staff/fairs", fair_body(region="620103"), format="json")

    assert outside.status_code == 400
    assert inside.status_code == 201, inside.json()
    assert JobFair.objects.count() == 1


def test_booths_list_the_employers_posts_and_a_second_post_changes_the_booth(api, station):
    fair = FairFactory(station=station)
    employer = EmployerFactory(registering_station=station)
    posts = [PostFactory(employer=employer, station=station, openings=n) for n in (2, 3)]
    url = f"/api/v1/staff/fairs/{fair.pk}/booths"

    taken = api.post(
        url, {"employer": employer.pk, "label": "A01", "posts": [p.pk for p in posts]}, "json"
    )
    changed = api.post(url, {"employer": employer.pk, "label": "A02"}, format="json")
    foreign = api.post(
        url, {"employer": employer.pk, "posts": [PostFactory(station=station).pk]}, "json"
    )

    assert (taken.status_code, changed.status_code, foreign.status_code) == (201, 200, 400)
    assert taken.json()["jobs_offered"] == sum(post.openings for post in posts)
    listed = api.get(url).json()
    assert listed["count"] == 1
    assert listed["results"][0]["label"] == "A02"
    assert {row["id"] for row in listed["results"][0]["posts"]} == {p.pk for p in posts}


def test_the_gate_checks_in_by_the_code_and_refuses_a_forged_one(api, station):
    fair = under_way(FairFactory(station=station))
    seeker = SeekerFactory()
    code = check_in_code(seeker=seeker, day=timezone.localdate())
    url = f"/api/v1/staff/fairs/{fair.pk}/check-ins"

    first = api.post(url, {"code": code}, format="json")
    again = api.post(url, {"code": code}, format="json")
    forged = api.post(url, {"code": code[:-4] + "AAAA"}, format="json")

    assert first.status_code == again.status_code == 200, first.json()
    assert first.json()["checked_in_at"] == again.json()["checked_in_at"]
    assert first.json()["source"] == "gate"
    assert forged.status_code == 400
    assert forged.json()["errors"]["code"]
    assert FairRegistration.objects.filter(fair=fair, seeker=seeker).count() == 1


def test_viewers_of_a_live_broadcast_are_recorded(api, station):
    live = under_way(
        FairFactory(station=station, format="live", venue="", stream_url="https://live.cn/a")
    )
    on_site = under_way(FairFactory(station=station))

    recorded = api.post(f"/api/v1/staff/fairs/{live.pk}/viewers", {"viewers": 4321}, "json")
    refused = api.post(f"/api/v1/staff/fairs/{on_site.pk}/viewers", {"viewers": 1}, "json")

    assert recorded.status_code == 200, recorded.json()
    assert recorded.json()["viewers"] == 4321
    assert refused.status_code == 400
    live.refresh_from_db()
    assert live.viewers == 4321


# Staff: intentions


@pytest.fixture
def fair_day(api, station):
    fair = under_way(FairFactory(station=station))
    post = PostFactory(station=station, employer=EmployerFactory(registering_station=station))
    booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
    seeker = SeekerFactory()  # from elsewhere: in reach because they registered
    fair_register(fair=fair, seeker=seeker, source="gate", now=timezone.now())
    return {"fair": fair, "post": post, "seeker": seeker}


def test_staff_record_an_intention_follow_it_up_and_a_hire_converts_it(api, fair_day):
    recorded = api.post(
        "/api/v1/staff/intentions",
        {
            "fair": fair_day["fair"].pk,
            "seeker": fair_day["seeker"].pk,
            "employer": fair_day["post"].employer.pk,
            "post": fair_day["post"].pk,
            "note": "现场达成意向",
        },
        format="json",
    )
    assert recorded.status_code == 201, recorded.json()
    intention_id = recorded.json()["id"]
    next_week = timezone.localdate() + dt.timedelta(days=7)

    followed = api.post(
        f"/api/v1/staff/intentions/{intention_id}/follow-up",
        {"note": "已电话联系", "follow_up_by": next_week.isoformat()},
        format="json",
    )

    assert followed.status_code == 200, followed.json()
    assert followed.json()["follow_up_by"] == next_week.isoformat()
    assert "已电话联系" in followed.json()["note"]
    application = application_create(
        post=fair_day["post"],
        seeker=fair_day["seeker"],
        source=Application.Source.FAIR,
        by=None,
        now=timezone.now(),
    )
    placement = application_hire(
        application=application,
        terms=PlacementTerms(
            agreed_wage_amount=Decimal(220),
            agreed_wage_unit="day",
            starts_on=fair_day["post"].starts_on,
            ends_on=fair_day["post"].ends_on,
            outcome=Placement.Outcome.FLEXIBLE,
        ),
        by=None,
        now=timezone.now(),
    )
    detail = api.get(f"/api/v1/staff/intentions/{intention_id}").json()
    assert (detail["status"], detail["placement"]) == ("hired", placement.pk)
    assert api.post(f"/api/v1/staff/intentions/{intention_id}/lapse").status_code == 409


def test_intentions_lapse_and_the_follow_up_list_shows_the_overdue_ones(api, fair_day):
    clerk = UserFactory()
    seekers = [fair_day["seeker"], SeekerFactory(), SeekerFactory()]
    intentions = [
        intention_record(
            fair=fair_day["fair"],
            seeker=seeker,
            employer=fair_day["post"].employer,
            by=clerk,
            now=timezone.now(),
        )
        for seeker in seekers
    ]
    fair_close(fair=fair_day["fair"], by=None, now=timezone.now())
    Intention.objects.filter(pk=intentions[0].pk).update(
        follow_up_by=timezone.localdate() - dt.timedelta(days=1)
    )

    lapsed = api.post(
        f"/api/v1/staff/intentions/{intentions[1].pk}/lapse", {"note": "已另找工作"}, "json"
    )
    overdue = api.get("/api/v1/staff/intentions", {"overdue": "true"}).json()
    still_open = api.get("/api/v1/staff/intentions", {"status": "open"}).json()

    assert lapsed.status_code == 200, lapsed.json()
    assert lapsed.json()["status"] == "lapsed"
    assert [row["id"] for row in overdue["results"]] == [intentions[0].pk]
    assert overdue["results"][0]["overdue"] is True
    assert {row["id"] for row in still_open["results"]} == {intentions[0].pk, intentions[2].pk}


def test_an_intention_with_an_employer_without_a_booth_is_refused(api, fair_day, station):
    refused = api.post(
        "/api/v1/staff/intentions",
        {
            "fair": fair_day["fair"].pk,
            "seeker": fair_day["seeker"].pk,
            "employer": EmployerFactory(registering_station=station).pk,
        },
        format="json",
    )

    assert refused.status_code == 400
    assert "employer" in refused.json()["errors"]
    assert not Intention.objects.exists()


@pytest.mark.parametrize("count", [1, 5])
def test_fair_and_intention_lists_cost_the_same_queries_whatever_their_length(
    api, station, count, django_assert_max_num_queries
):
    for _ in range(count):
        fair = under_way(FairFactory(station=station))
        post = PostFactory(station=station)
        booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
        seeker = SeekerFactory()
        fair_register(fair=fair, seeker=seeker, source="app", now=timezone.now())
        intention_record(
            fair=fair, seeker=seeker, employer=post.employer, post=post, by=None, now=timezone.now()
        )
    urls = [
        "/api/v1/staff/fairs",
        "/api/v1/staff/intentions",
        f"/api/v1/staff/fairs/{fair.pk}/booths",
    ]
    api.get(urls[0])  # warm: the token's user and permissions
    for url in urls:
        with django_assert_max_num_queries(10, info=url):
            response = api.get(url, {"page_size": 100})
        assert response.status_code == 200
        assert response.json()["count"] >= 1


# Seekers


@pytest.fixture
def seeker_api(seeded):
    api = APIClient()
    login(api, "13966667777")
    return api


def test_seekers_find_upcoming_fairs_near_a_point_nearest_first(seeker_api):
    nearer = FairFactory(latitude=36.062, longitude=103.832)
    near = FairFactory(latitude=36.09, longitude=103.86)
    FairFactory(latitude=35.58, longitude=104.62)  # Dingxi
    cancelled = FairFactory(latitude=36.062, longitude=103.832, status="cancelled")

    found = seeker_api.get("/api/v1/fairs", {"lat": 36.06, "lon": 103.83, "radius_km": 20})

    assert found.status_code == 200, found.json()
    rows = found.json()["results"]
    assert [row["id"] for row in rows] == [nearer.pk, near.pk]
    assert rows[0]["distance_km"] < rows[1]["distance_km"]
    assert cancelled.pk not in {row["id"] for row in rows}
    assert seeker_api.get("/api/v1/fairs", {"lat": 36.06}).status_code == 400


def test_a_seeker_registers_once_and_sees_the_fair_with_its_booths(seeker_api):
    fair = FairFactory()
    post = PostFactory()
    draft = PostFactory(employer=post.employer, status="draft")
    booth_set(fair=fair, employer=post.employer, label="C3", posts=[post, draft], by=None)

    first = seeker_api.post(f"/api/v1/fairs/{fair.pk}/registrations")
    again = seeker_api.post(f"/api/v1/fairs/{fair.pk}/registrations")
    detail = seeker_api.get(f"/api/v1/fairs/{fair.pk}").json()
    mine = seeker_api.get("/api/v1/me/fair-registrations").json()

    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["id"] == again.json()["id"]
    assert detail["registered"] is True
    assert detail["booths"][0]["label"] == "C3"
    assert [p["id"] for p in detail["booths"][0]["posts"]] == [post.pk]  # open posts only
    assert [row["fair"]["id"] for row in mine["results"]] == [fair.pk]
    assert FairRegistration.objects.get().source == "app"


def test_a_past_fair_is_seen_by_the_seekers_who_went_only(seeker_api):
    went = under_way(FairFactory())
    me = JobSeeker.objects.get(phone="13966667777")
    fair_register(fair=went, seeker=me, source="app", now=timezone.now())
    fair_close(fair=went, by=None, now=timezone.now())
    missed = fair_close(fair=under_way(FairFactory()), by=None, now=timezone.now())

    assert seeker_api.get(f"/api/v1/fairs/{went.pk}").status_code == 200
    assert seeker_api.get(f"/api/v1/fairs/{missed.pk}").status_code == 404
    assert seeker_api.post(f"/api/v1/fairs/{missed.pk}/registrations").status_code == 404
    assert seeker_api.post(f"/api/v1/fairs/{went.pk}/registrations").status_code == 409


def test_the_check_in_code_is_todays_and_names_the_seeker(seeker_api):
    answer = seeker_api.get("/api/v1/me/check-in-code")

    assert answer.status_code == 200
    body = answer.json()
    today = timezone.localdate()
    assert body["day"] == today.isoformat()
    assert dt.datetime.fromisoformat(body["expires_at"]) > timezone.now()
    me = JobSeeker.objects.get(phone="13966667777")
    assert seeker_from_check_in_code(body["code"], today=today) == me


def test_seeker_lists_cost_the_same_queries_whatever_their_length(
    seeker_api, django_assert_max_num_queries
):
    me = JobSeeker.objects.get(phone="13966667777")
    for _ in range(4):
        fair = FairFactory()
        post = PostFactory()
        booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
        fair_register(fair=fair, seeker=me, source="app", now=timezone.now())
    seeker_api.get("/api/v1/fairs")  # warm
    for url in ("/api/v1/fairs", "/api/v1/me/fair-registrations", f"/api/v1/fairs/{fair.pk}"):
        with django_assert_max_num_queries(8):
            response = seeker_api.get(url, {"lat": 36.06, "lon": 103.83})
        assert response.status_code == 200, url


def test_staff_and_seekers_keep_to_their_own_fair_endpoints(api, seeker_api):
    assert seeker_api.get("/api/v1/staff/fairs").status_code == 403
    assert api.get("/api/v1/fairs").status_code == 403
    assert api.get("/api/v1/me/check-in-code").status_code == 403


# Applications from a fair's stream


def live_broadcast(station=None) -> JobFair:
    return under_way(
        FairFactory(station=station, format="live", venue="", stream_url="https://live.cn/b")
    )


def test_a_seeker_watching_a_live_broadcast_applies_for_a_post_at_its_booth(seeker_api):
    fair = live_broadcast()
    post = PostFactory()
    booth_set(fair=fair, employer=post.employer, label="L1", posts=[post], by=None)
    me = JobSeeker.objects.get(phone="13966667777")
    url = f"/api/v1/fairs/{fair.pk}/applications"

    applied = seeker_api.post(url, {"post": post.pk}, format="json")
    twice = seeker_api.post(url, {"post": post.pk}, format="json")
    elsewhere = seeker_api.post(url, {"post": PostFactory().pk}, format="json")

    assert applied.status_code == 201, applied.json()
    assert (applied.json()["job"]["id"], applied.json()["source"]) == (post.pk, "fair")
    application = Application.objects.get(pk=applied.json()["id"])
    assert (application.seeker, application.fair) == (me, fair)
    assert FairRegistration.objects.get(fair=fair, seeker=me).source == "stream"
    assert twice.status_code == 409  # one live application per post
    assert elsewhere.status_code == 400
    assert "post" in elsewhere.json()["errors"]
    mine = seeker_api.get("/api/v1/me/applications").json()["results"]
    assert [row["id"] for row in mine] == [application.pk]


def test_a_seeker_cannot_apply_at_a_fair_that_is_over_or_not_theirs_to_see(seeker_api):
    me = JobSeeker.objects.get(phone="13966667777")
    went = live_broadcast()
    post = PostFactory()
    booth_set(fair=went, employer=post.employer, posts=[post], by=None)
    fair_register(fair=went, seeker=me, source="stream", now=timezone.now())
    fair_close(fair=went, by=None, now=timezone.now())
    missed = fair_close(fair=live_broadcast(), by=None, now=timezone.now())

    over = seeker_api.post(f"/api/v1/fairs/{went.pk}/applications", {"post": post.pk}, "json")
    unseen = seeker_api.post(f"/api/v1/fairs/{missed.pk}/applications", {"post": 1}, "json")

    assert over.status_code == 409
    assert unseen.status_code == 404
    assert not Application.objects.exists()


def test_staff_record_applications_from_the_stream_and_list_them(api, station):
    fair = live_broadcast(station)
    post = PostFactory(station=station, employer=EmployerFactory(registering_station=station))
    booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
    caller = SeekerFactory(registering_station=station)
    stranger = SeekerFactory(registering_station=StationFactory())  # out of reach
    url = f"/api/v1/staff/fairs/{fair.pk}/applications"

    recorded = api.post(url, {"seeker": caller.pk, "post": post.pk}, format="json")
    refused = api.post(url, {"seeker": stranger.pk, "post": post.pk}, format="json")
    not_there = api.post(
        url, {"seeker": caller.pk, "post": PostFactory(station=station).pk}, format="json"
    )
    listed = api.get(url).json()

    assert recorded.status_code == 201, recorded.json()
    body = recorded.json()
    assert (body["seeker"]["id"], body["post"]["id"]) == (caller.pk, post.pk)
    assert body["source"] == "fair"
    assert refused.status_code == 400
    assert "seeker" in refused.json()["errors"]
    assert not_there.status_code == 400
    assert [row["id"] for row in listed["results"]] == [body["id"]]
    assert FairRegistration.objects.get(fair=fair, seeker=caller).source == "stream"
    assert Application.objects.get(pk=body["id"]).fair == fair


def test_staff_record_an_application_at_an_on_site_booth_as_the_counters(api, station):
    fair = under_way(FairFactory(station=station))
    post = PostFactory(station=station)
    booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
    seeker = SeekerFactory(registering_station=station)

    recorded = api.post(
        f"/api/v1/staff/fairs/{fair.pk}/applications",
        {"seeker": seeker.pk, "post": post.pk},
        format="json",
    )

    assert recorded.status_code == 201, recorded.json()
    assert FairRegistration.objects.get(fair=fair, seeker=seeker).source == "counter"


@pytest.mark.parametrize("count", [3, 8])
def test_a_fairs_applications_cost_the_same_queries_whatever_their_number(
    api, station, count, django_assert_max_num_queries
):
    fair = live_broadcast(station)
    post = PostFactory(station=station, openings=10)
    booth_set(fair=fair, employer=post.employer, posts=[post], by=None)
    for _ in range(count):
        fair_apply(fair=fair, post=post, seeker=SeekerFactory(), by=None, now=timezone.now())
    url = f"/api/v1/staff/fairs/{fair.pk}/applications"
    api.get(url)  # warm: the token's user and permissions

    with django_assert_max_num_queries(9):
        response = api.get(url, {"page_size": 100})

    assert response.json()["count"] == count
