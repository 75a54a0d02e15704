"""The stations' tablets: staff log in (with lockout), then run posts, seekers, applications,
placements and wages of their own scope through /api/v1/staff/."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import jsonschema_rs
import pytest
from django.conf import settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from stations.models import (
    Application,
    JobPost,
    JobSeeker,
    KeyGroup,
    Occupation,
    Placement,
    WageClaim,
)
from stations.models.organisation import StaffRole
from stations.services.identity import id_number_hash
from stations.services.staff import staff_assign
from tests.factories import (
    EmployerFactory,
    PostFactory,
    SeekerFactory,
    StationFactory,
    UserFactory,
    national_id,
    region,
)

pytestmark = pytest.mark.django_db
PASSWORD = "a-long-test-password-1"


def staff_login(api: APIClient, username: str, password: str = PASSWORD, **extra):
    return api.post(
        "/api/v1/auth/staff-token",
        {"username": username, "password": password},
        format="json",
        **extra,
    )


def clerk_at(station, role=StaffRole.STATION_STAFF, username=None) -> APIClient:
    user = UserFactory(username=username or f"clerk-{station.code}")
    staff_assign(user=user, role=role, stations=[station])
    api = APIClient()
    response = staff_login(api, user.username)
    assert response.status_code == 200, response.json()
    api.credentials(HTTP_AUTHORIZATION=f"Token {response.json()['token']}")
    return api


@pytest.fixture
def station(seeded):
    return StationFactory()


@pytest.fixture
def api(station):
    return clerk_at(station)


def post_body(employer, station, **overrides):
    today = timezone.localdate()
    body = {
        "employer": employer.pk,
        "title": "搬运工",
        "occupation": Occupation.objects.filter(level=Occupation.Level.TRADE)
        .order_by("code")
        .first()
        .code,
        "openings": 2,
        "wage_amount": "230.00",
        "wage_unit": "day",
        "starts_on": str(today + dt.timedelta(days=1)),
        "ends_on": str(today + dt.timedelta(days=3)),
        "region": "620102",
        "station": station.pk,
        "latitude": 36.06,
        "longitude": 103.84,
    }
    body.update(overrides)
    return body


# Login


def test_staff_log_in_with_a_password_for_a_token_that_lasts_a_shift(station):
    user = UserFactory(username="counter")
    staff_assign(user=user, role=StaffRole.STATION_STAFF, stations=[station])
    api = APIClient()

    response = staff_login(api, "counter")

    assert response.status_code == 200, response.json()
    body = response.json()
    assert (body["username"], body["role"]) == ("counter", StaffRole.STATION_STAFF)
    lasts = dt.datetime.fromisoformat(body["expiry"]) - timezone.now()
    assert lasts <= settings.STAFF_TOKEN_TTL
    assert lasts > settings.STAFF_TOKEN_TTL - dt.timedelta(minutes=5)
    api.credentials(HTTP_AUTHORIZATION=f"Token {body['token']}")
    assert api.get("/api/v1/staff/posts").status_code == 200


def test_a_wrong_password_and_a_non_staff_account_get_the_same_answer(station):
    staff_assign(
        user=UserFactory(username="counter"), role=StaffRole.STATION_STAFF, stations=[station]
    )
    UserFactory(username="outsider", is_staff=False)

    wrong = staff_login(APIClient(), "counter", "not-the-password")
    outsider = staff_login(APIClient(), "outsider")

    assert wrong.status_code == outsider.status_code == 400
    assert wrong.json()["code"] == outsider.json()["code"] == "invalid_credentials"
    assert "token" not in outsider.json()


def test_repeated_failures_lock_the_account_out_from_that_address(station):
    staff_assign(
        user=UserFactory(username="counter"), role=StaffRole.STATION_STAFF, stations=[station]
    )
    staff_assign(
        user=UserFactory(username="colleague"), role=StaffRole.STATION_STAFF, stations=[station]
    )
    api = APIClient()
    answers = [
        staff_login(api, "counter", f"guess-{n}").status_code
        for n in range(settings.AXES_FAILURE_LIMIT)
    ]

    locked = staff_login(api, "counter")  # the right password, too late

    assert answers[:-1] == [400] * (settings.AXES_FAILURE_LIMIT - 1)
    assert answers[-1] == 429
    assert locked.status_code == 429
    assert locked.json()["code"] == "throttled"
    assert int(locked["Retry-After"]) == int(settings.AXES_COOLOFF_TIME.total_seconds())
    # Another clerk at the same counter, and the same clerk elsewhere, still log in.
    assert staff_login(api, "colleague").status_code == 200
    assert staff_login(APIClient(), "counter", REMOTE_ADDR="10.1.2.3").status_code == 200


def test_a_seeker_token_opens_no_staff_endpoint(station):
    from tests.api.test_seeker_api import login

    seeker_api = APIClient()
    login(seeker_api, "13911112222")

    assert seeker_api.get("/api/v1/staff/posts").status_code == 403
    assert seeker_api.get("/api/v1/staff/seekers").status_code == 403


# Posts


def test_staff_create_a_post_that_opens_and_closes(api, station):
    employer = EmployerFactory(registering_station=station)

    created = api.post("/api/v1/staff/posts", post_body(employer, station), format="json")

    assert created.status_code == 201, created.json()
    post = JobPost.objects.get(pk=created.json()["id"])
    assert (post.status, post.station, post.employer) == ("draft", station, employer)
    assert created.json()["reference"].startswith("P")
    opened = api.post(f"/api/v1/staff/posts/{post.pk}/open")
    assert opened.status_code == 200, opened.json()
    assert opened.json()["status"] == "open"
    assert api.post(f"/api/v1/staff/posts/{post.pk}/open").status_code == 409
    closed = api.post(f"/api/v1/staff/posts/{post.pk}/close")
    assert closed.json()["status"] == "closed"
    post.refresh_from_db()
    assert post.status == "closed"


def test_a_post_update_changes_its_details_and_requirements(api, station):
    employer = EmployerFactory(registering_station=station)
    post = PostFactory(employer=employer, station=station, status="draft")
    skill = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("-code").first()

    changed = api.patch(
        f"/api/v1/staff/posts/{post.pk}",
        {"wage_amount": "260.50", "openings": 4, "required_skills": [skill.code]},
        format="json",
    )

    assert changed.status_code == 200, changed.json()
    post.refresh_from_db()
    assert (post.wage_amount, post.openings) == (Decimal("260.50"), 4)
    assert list(post.required_skills.all()) == [skill]
    assert changed.json()["required_skills"] == [skill.code]
    fixed = api.patch(f"/api/v1/staff/posts/{post.pk}", {"reference": "X-1"}, format="json")
    assert fixed.status_code == 400
    assert "reference" in fixed.json()["errors"]


def test_shift_times_are_kept_to_the_second(api, station):
    # A fraction of a second would be returned as "18:30:38.500000", which the schema's
    # clock-time pattern refuses.
    post = PostFactory(employer=EmployerFactory(registering_station=station), station=station)

    changed = api.patch(
        f"/api/v1/staff/posts/{post.pk}",
        {"shift_starts_at": "07:15", "shift_ends_at": "18:30:38.5"},
        format="json",
    )

    assert changed.status_code == 200, changed.json()
    assert (changed.json()["shift_starts_at"], changed.json()["shift_ends_at"]) == (
        "07:15:00",
        "18:30:38",
    )
    post.refresh_from_db()
    assert post.shift_ends_at == dt.time(18, 30, 38)
    documented = SchemaGenerator().get_schema(public=True)["components"]["schemas"]["Post"]
    # Schemathesis's validator holds formats to RFC 3339, where a ``time`` needs an offset:
    # what the API returns for a clock time must pass it, a fraction must not.
    validator = jsonschema_rs.validator_for(
        documented["properties"]["shift_ends_at"], validate_formats=True
    )
    assert validator.is_valid(changed.json()["shift_ends_at"])
    assert not validator.is_valid("18:30:38.500000")


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"ends_on": "2020-01-01"}, "ends_on"),
        ({"latitude": None, "longitude": None}, "latitude"),
        ({"latitude": 36.0}, "latitude"),
        ({"wage_amount": "-5"}, "wage_amount"),
        ({"openings": 0}, "openings"),
        ({"occupation": "no-such-code"}, "occupation"),
    ],
)
def test_an_invalid_post_is_refused_with_its_field_and_nothing_saved(
    api, station, overrides, field
):
    employer = EmployerFactory(registering_station=station)
    body = post_body(employer, station, **overrides)
    if overrides == {"latitude": 36.0}:
        del body["longitude"]

    response = api.post("/api/v1/staff/posts", body, format="json")

    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"]
    assert not JobPost.objects.exists()


def test_a_post_for_an_employer_or_station_out_of_scope_is_refused(api, station):
    other_station = StationFactory()
    outside = EmployerFactory(registering_station=other_station)
    mine = EmployerFactory(registering_station=station)

    foreign_employer = api.post("/api/v1/staff/posts", post_body(outside, station), format="json")
    foreign_station = api.post("/api/v1/staff/posts", post_body(mine, other_station), format="json")

    assert foreign_employer.status_code == 400
    assert "employer" in foreign_employer.json()["errors"]
    assert "station" in foreign_station.json()["errors"]
    assert not JobPost.objects.exists()


def test_post_lists_are_scoped_and_filtered(api, station):
    mine = PostFactory(station=station, title="电焊工")
    PostFactory(station=station, status="draft", title="保洁员")
    PostFactory(station=StationFactory(), title="电焊工")  # another station's

    everything = api.get("/api/v1/staff/posts").json()
    welders = api.get("/api/v1/staff/posts", {"q": "电焊", "status": "open"}).json()

    assert everything["count"] == 2
    assert [row["id"] for row in welders["results"]] == [mine.pk]


def test_roles_limit_what_staff_may_do(station):
    grid = clerk_at(station, role=StaffRole.GRID_STAFF, username="grid")
    employer = EmployerFactory(registering_station=station)

    refused = grid.post("/api/v1/staff/posts", post_body(employer, station), format="json")

    assert refused.status_code == 403
    assert grid.get("/api/v1/staff/posts").status_code == 200
    assert grid.get("/api/v1/staff/wage-claims").status_code == 403


# Seekers


def test_staff_register_a_seeker_from_the_id_card(api, station):
    number = national_id(born=dt.date(1985, 3, 9))
    group = KeyGroup.objects.order_by("code").first()
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()

    created = api.post(
        "/api/v1/staff/seekers",
        {
            "full_name": "李四",
            "id_number": number,
            "phone": "139 3100 0001",
            "residence_region": "620102",
            "household": "rural",
            "skills": [{"occupation": trade.code, "years": 6}],
            "key_groups": [group.code],
        },
        format="json",
    )

    assert created.status_code == 201, created.json()
    body = created.json()
    seeker = JobSeeker.objects.get(pk=body["id"])
    assert seeker.id_number_hash == id_number_hash(number)
    assert seeker.verified_at is not None
    assert seeker.registering_station == station
    assert body["verified"] is True
    assert number not in created.content.decode()
    assert "13931000001" not in created.content.decode()
    assert body["phone_masked"].startswith("139")
    assert "*" in body["phone_masked"]
    assert body["skills"] == [{"occupation": trade.code, "level": 0, "years": 6}]
    assert body["key_groups"] == [group.code]


def test_a_second_registration_of_the_same_person_names_the_first(api, station):
    number = national_id()
    first = api.post(
        "/api/v1/staff/seekers",
        {
            "full_name": "李四",
            "id_number": number,
            "residence_region": "620102",
            "household": "urban",
        },
        format="json",
    )
    again = api.post(
        "/api/v1/staff/seekers",
        {
            "full_name": "李肆",
            "id_number": number,
            "residence_region": "620102",
            "household": "urban",
        },
        format="json",
    )

    assert first.status_code == 201
    assert again.status_code == 409
    assert again.json()["code"] == "duplicate_seeker"
    assert JobSeeker.objects.count() == 1


def test_staff_find_seekers_by_id_number_phone_or_name(api, station):
    number = national_id()
    api.post(
        "/api/v1/staff/seekers",
        {
            "full_name": "王秀英",
            "id_number": number,
            "phone": "13931000002",
            "residence_region": "620102",
            "household": "rural",
        },
        format="json",
    )
    SeekerFactory(full_name="王小明", registering_station=station)
    SeekerFactory(full_name="王秀英", registering_station=StationFactory())  # out of scope

    by_number = api.get("/api/v1/staff/seekers", {"q": number.lower()}).json()["results"]
    by_phone = api.get("/api/v1/staff/seekers", {"q": "+86 139-3100-0002"}).json()["results"]
    by_name = api.get("/api/v1/staff/seekers", {"q": "王"}).json()["results"]

    assert [row["full_name"] for row in by_number] == ["王秀英"]
    assert [row["full_name"] for row in by_phone] == ["王秀英"]
    assert sorted(row["full_name"] for row in by_name) == ["王小明", "王秀英"]


def test_staff_correct_a_verified_name_the_seeker_cannot(api, station):
    seeker = api.post(
        "/api/v1/staff/seekers",
        {
            "full_name": "赵六",
            "id_number": national_id(),
            "residence_region": "620102",
            "household": "urban",
        },
        format="json",
    ).json()

    renamed = api.patch(
        f"/api/v1/staff/seekers/{seeker['id']}", {"full_name": "赵陆"}, format="json"
    )

    assert renamed.status_code == 200, renamed.json()
    assert JobSeeker.objects.get(pk=seeker["id"]).full_name == "赵陆"


# Applications, placements and wages


@pytest.fixture
def open_post(station):
    return PostFactory(station=station, employer=EmployerFactory(registering_station=station))


def refer(api, post, seeker) -> dict:
    response = api.post(
        "/api/v1/staff/applications", {"post": post.pk, "seeker": seeker.pk}, format="json"
    )
    assert response.status_code == 201, response.json()
    return response.json()


def hire_terms(post, **overrides):
    terms = {
        "agreed_wage_amount": "220.00",
        "agreed_wage_unit": "day",
        "starts_on": str(post.starts_on),
        "ends_on": str(post.ends_on),
        "outcome": "flexible",
    }
    terms.update(overrides)
    return terms


def test_an_application_moves_through_hire_start_and_completion(api, station, open_post):
    seeker = SeekerFactory(registering_station=station)
    application = refer(api, open_post, seeker)
    assert (application["status"], application["source"]) == ("referred", "referral")

    contacted = api.post(
        f"/api/v1/staff/applications/{application['id']}/move",
        {"to": "contacted", "note": "打过电话"},
        format="json",
    )
    hired = api.post(
        f"/api/v1/staff/applications/{application['id']}/hire", hire_terms(open_post), format="json"
    )
    placement_id = hired.json()["id"]
    started = api.post(f"/api/v1/staff/placements/{placement_id}/start", {}, format="json")
    completed = api.post(f"/api/v1/staff/placements/{placement_id}/complete", {}, format="json")

    assert contacted.json()["status"] == "contacted"
    assert hired.status_code == 201, hired.json()
    assert started.json()["status"] == "started"
    assert completed.json()["status"] == "completed"
    assert Application.objects.get(pk=application["id"]).events.count() == 5
    assert Placement.objects.get(pk=placement_id).completed_at is not None
    illegal = api.post(
        f"/api/v1/staff/applications/{application['id']}/move", {"to": "rejected"}, format="json"
    )
    assert illegal.status_code == 409


def test_nobody_is_hired_beyond_the_openings(api, station, open_post):
    applications = [
        refer(api, open_post, SeekerFactory(registering_station=station)) for _ in range(3)
    ]

    answers = [
        api.post(
            f"/api/v1/staff/applications/{row['id']}/hire", hire_terms(open_post), format="json"
        )
        for row in applications
    ]

    assert [answer.status_code for answer in answers] == [201, 201, 409]
    assert Placement.objects.count() == open_post.openings
    open_post.refresh_from_db()
    assert open_post.status == "filled"


def test_wage_payments_add_up_on_the_placement(api, station, open_post):
    application = refer(api, open_post, SeekerFactory(registering_station=station))
    placement = api.post(
        f"/api/v1/staff/applications/{application['id']}/hire", hire_terms(open_post), format="json"
    ).json()
    url = f"/api/v1/staff/placements/{placement['id']}/wage-payments"

    first = api.post(url, {"amount": "220.00", "paid_on": str(open_post.starts_on)}, format="json")
    api.post(url, {"amount": "110.50", "paid_on": str(open_post.ends_on)}, format="json")
    refused = api.post(url, {"amount": "0", "paid_on": str(open_post.ends_on)}, format="json")

    assert first.status_code == 201, first.json()
    assert refused.status_code == 400
    assert api.get(url).json()["count"] == 2
    shown = api.get(f"/api/v1/staff/placements/{placement['id']}").json()
    assert Decimal(shown["paid"]) == Decimal("330.50")


def test_a_wage_claim_is_filed_and_settled_with_the_amount_recovered(api, station, open_post):
    seeker = SeekerFactory(registering_station=station)
    application = refer(api, open_post, seeker)
    placement = api.post(
        f"/api/v1/staff/applications/{application['id']}/hire", hire_terms(open_post), format="json"
    ).json()

    filed = api.post(
        "/api/v1/staff/wage-claims",
        {"seeker": seeker.pk, "placement": placement["id"], "amount_claimed": "660.00"},
        format="json",
    )
    claim_id = filed.json()["id"]
    mediated = api.post(
        f"/api/v1/staff/wage-claims/{claim_id}/move", {"to": "mediated"}, format="json"
    )
    settled = api.post(
        f"/api/v1/staff/wage-claims/{claim_id}/move",
        {"to": "settled", "amount_recovered": "600.00"},
        format="json",
    )
    again = api.post(
        f"/api/v1/staff/wage-claims/{claim_id}/move", {"to": "mediated"}, format="json"
    )

    assert filed.status_code == 201, filed.json()
    assert filed.json()["employer_id"] == open_post.employer_id
    assert mediated.json()["status"] == "mediated"
    assert settled.status_code == 200, settled.json()
    claim = WageClaim.objects.get(pk=claim_id)
    assert (claim.status, claim.amount_recovered) == ("settled", Decimal("600.00"))
    assert claim.closed_at is not None
    assert again.status_code == 409


def test_a_claim_without_employer_or_placement_is_refused(api, station):
    seeker = SeekerFactory(registering_station=station)

    response = api.post(
        "/api/v1/staff/wage-claims", {"seeker": seeker.pk, "amount_claimed": "10"}, format="json"
    )

    assert response.status_code == 400
    assert "employer" in response.json()["errors"]
    assert not WageClaim.objects.exists()


# Query budgets


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/staff/posts",
        "/api/v1/staff/seekers",
        "/api/v1/staff/applications",
        "/api/v1/staff/placements",
        "/api/v1/staff/wage-claims",
        "/api/v1/staff/employers",
        "/api/v1/staff/stations",
    ],
)
@pytest.mark.parametrize("count", [1, 6])
def test_staff_lists_cost_the_same_queries_whatever_their_length(
    api, station, url, count, django_assert_max_num_queries
):
    group = KeyGroup.objects.order_by("code").first()
    trade = Occupation.objects.filter(level=Occupation.Level.TRADE).order_by("code").first()
    for n in range(count):
        StationFactory(region=region("620102"))
        post = PostFactory(station=station, employer=EmployerFactory(registering_station=station))
        post.required_skills.add(trade)
        seeker = SeekerFactory(registering_station=station)
        seeker.skill_rows.create(occupation=trade, years=n)
        seeker.key_group_spans.create(key_group=group, started_on=dt.date(2026, 1, 1))
        application = refer(api, post, seeker)
        api.post(
            f"/api/v1/staff/applications/{application['id']}/hire", hire_terms(post), format="json"
        )
        WageClaim.objects.create(
            seeker=seeker,
            employer=post.employer,
            amount_claimed=Decimal(10 + n),
            filed_at=timezone.now(),
        )
    api.get(url)  # warm: the token's user and permissions
    with django_assert_max_num_queries(10):
        response = api.get(url, {"page_size": 100})
    assert response.status_code == 200
    assert response.json()["count"] >= 1


def test_the_admin_login_locks_out_the_same_way(client, station):
    staff_assign(
        user=UserFactory(username="counter"), role=StaffRole.STATION_STAFF, stations=[station]
    )
    login_url = "/admin/login/?next=/admin/"
    for n in range(settings.AXES_FAILURE_LIMIT):
        client.post(login_url, {"username": "counter", "password": f"guess-{n}"})

    locked = client.post(login_url, {"username": "counter", "password": PASSWORD})

    assert locked.status_code == 429
    assert "_auth_user_id" not in client.session
    # The API refuses the same pair too: one lockout for both doors.
    assert staff_login(APIClient(), "counter").status_code == 429


@pytest.mark.parametrize(
    ("path", "body", "row", "conflicts"),
    [
        ("/api/v1/staff/fairs", "Fair", "Fair", True),
        (
            "/api/v1/staff/fairs/{id}/applications",
            "FairApplicationRecord",
            "StaffApplication",
            True,
        ),
        ("/api/v1/staff/intentions", "IntentionRecord", "Intention", True),
        ("/api/v1/staff/guidance-sessions", "GuidanceRecord", "GuidanceSession", False),
        ("/api/v1/staff/training-courses", "Course", "Course", True),
        ("/api/v1/staff/training-referrals", "ReferralCreate", "TrainingReferral", True),
    ],
)
def test_a_list_that_records_rows_documents_the_body_it_reads_and_the_row_it_answers(
    path, body, row, conflicts
):
    operation = SchemaGenerator().get_schema(request=None, public=True)["paths"][path]["post"]

    read = operation["requestBody"]["content"]["application/json"]["schema"]
    answers = operation["responses"]

    assert read == {"$ref": f"#/components/schemas/{body}"}
    assert answers["201"]["content"]["application/json"]["schema"] == {
        "$ref": f"#/components/schemas/{row}"
    }
    assert ("409" in answers) is conflicts
    assert {"400", "401", "403", "404"} <= set(answers)
