"""The authorisation matrix: every operation of the /api/v1 schema, run as nobody, as
another seeker, as staff of another station, as staff of every other kind of scope the admin
knows (a district's station staff and grid staff, another city's employment professional,
bureau analyst and bureau administrator) and as another city's report key, against the
records of one station and its seeker. Nobody outside reaches them, and nobody learns they
exist: a record out of reach answers exactly as an id that does not exist (404, not 403), a
region out of reach exactly as a region with no records."""

from __future__ import annotations

import datetime as dt
import json
import re
from dataclasses import dataclass
from decimal import Decimal

import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Q
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from rest_framework.test import APIClient

from matching.models import Device, Notification
from matching.services.outbox import notify_seeker
from reporting.services.tokens import report_token_issue
from stations.models import (
    Application,
    Intention,
    JobFair,
    JobPost,
    JobSeeker,
    Placement,
    Region,
    SignIn,
    Station,
    WageClaim,
)
from stations.models.followup import ServicePlan, TrainingReferral
from stations.models.organisation import StaffRole
from stations.models.taxonomies import KeyGroup
from stations.services.applications import PlacementTerms, application_create, application_hire
from stations.services.dispatch import sign_in
from stations.services.fairs import (
    booth_set,
    fair_close,
    fair_open,
    fair_register,
    intention_record,
)
from stations.services.followup import course_create, referral_create
from stations.services.seekers import seeker_key_group_add
from stations.services.staff import staff_assign
from stations.services.wages import wage_claim_file
from tests.api.test_seeker_api import login
from tests.api.test_staff_api import staff_login
from tests.factories import (
    EmployerFactory,
    FairFactory,
    PostFactory,
    SeekerFactory,
    StationFactory,
    UserFactory,
)

pytestmark = pytest.mark.django_db

UNKNOWN_ID = 2_000_000_000
# Operations anyone may call without a login.
PUBLIC = {
    ("/api/v1/auth/otp", "POST"),
    ("/api/v1/auth/token", "POST"),
    ("/api/v1/auth/staff-token", "POST"),
}


def schema_operations() -> list[tuple[str, str]]:
    spec = json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), cls=DjangoJSONEncoder)
    )
    return sorted(
        (path, method.upper())
        for path, item in spec["paths"].items()
        if path.startswith("/api/v1/")
        for method in item
        if method in {"get", "post", "put", "patch", "delete"}
    )


OPERATIONS = schema_operations()


@dataclass
class Tenant:
    """A station's world: its clerk, its seeker (with a phone login), a draft and an open
    post, an application, a placement, a claim, a notification and a device."""

    staff: APIClient
    seeker_api: APIClient
    seeker: JobSeeker
    draft_post: JobPost
    open_post: JobPost
    application: Application
    placement: Placement
    claim: WageClaim
    notification: Notification
    device: Device
    station: Station
    sign_in: SignIn
    fair: JobFair
    held_fair: JobFair
    intention: Intention
    plan: ServicePlan
    referral: TrainingReferral


def tenant(name: str, phone: str) -> Tenant:
    station = StationFactory(code=name)
    user = UserFactory(username=f"clerk-{name}")
    staff_assign(user=user, role=StaffRole.STATION_STAFF, stations=[station])
    staff = APIClient()
    staff.credentials(
        HTTP_AUTHORIZATION=f"Token {staff_login(staff, user.username).json()['token']}"
    )
    seeker_api = APIClient()
    seeker = JobSeeker.objects.get(pk=login(seeker_api, phone)["seeker_id"])
    JobSeeker.objects.filter(pk=seeker.pk).update(registering_station=station, full_name=name)
    # Named after the tenant, so that a list leaking them shows the name.
    employer = EmployerFactory(registering_station=station, name=f"{name}劳务公司")
    draft_post = PostFactory(
        station=station, employer=employer, status=JobPost.Status.DRAFT, title=f"{name}草稿"
    )
    open_post = PostFactory(station=station, employer=employer, openings=3, title=f"{name}装卸工")
    now = timezone.now()
    application = application_create(
        post=open_post, seeker=seeker, source=Application.Source.APP, by=None, now=now
    )
    placement = application_hire(
        application=application,
        terms=PlacementTerms(
            agreed_wage_amount=Decimal(200),
            agreed_wage_unit="day",
            starts_on=open_post.starts_on,
            ends_on=open_post.ends_on,
            outcome=Placement.Outcome.FLEXIBLE,
        ),
        by=None,
        now=now,
    )
    claim = wage_claim_file(
        seeker=seeker,
        employer=employer,
        placement=placement,
        amount_claimed=Decimal(100),
        by=None,
        now=now,
    )
    notify_seeker(
        seeker=seeker,
        template="post_recommended",
        context={"title": open_post.title},
        dedup_key=f"matrix:{name}",
        now=now,
        post=open_post,
        channels=["in_app"],
    )
    notification = Notification.objects.get(seeker=seeker, dedup_key__startswith=f"matrix:{name}")
    device = Device.objects.create(seeker=seeker, kind="fcm", token=f"token-{name}")
    # Another person waits in the station's queue today.
    waiting = sign_in(station=station, seeker=SeekerFactory(), method="counter", now=now)
    # A planned fair of the station, and a held one the seeker went to, with an intention.
    fair = FairFactory(station=station, name=f"{name}招聘会")
    held_fair = FairFactory(
        station=station, name=f"{name}往期招聘会", starts_at=now - dt.timedelta(hours=2),
        ends_at=now - dt.timedelta(hours=1),
    )  # fmt: skip
    fair_open(fair=held_fair, by=None, now=now)
    booth_set(fair=held_fair, employer=employer, posts=[open_post], by=None)
    fair_register(fair=held_fair, seeker=seeker, source="app", now=now)
    intention = intention_record(
        fair=held_fair, seeker=seeker, employer=employer, by=None, now=now
    )  # fmt: skip
    fair_close(fair=held_fair, by=None, now=now)
    # Idle since yesterday: on the station's follow-up list of intentions.
    Intention.objects.filter(pk=intention.pk).update(
        follow_up_by=timezone.localdate(now) - dt.timedelta(days=1)
    )
    # The seeker's 311 plan (tagged with a key group) and a training referral.
    seeker_key_group_add(
        seeker=seeker,
        key_group=KeyGroup.objects.get(code="rural_labour"),
        started_on=timezone.localdate(now),
    )
    plan = ServicePlan.objects.get(seeker=seeker, status="open")
    course = course_create(
        by=None,
        reference=f"PX-{station.pk}",
        name="家政服务员培训",
        provider="城关区职业培训学校",
        occupation=open_post.occupation,
        region=station.region,
        starts_on=timezone.localdate(now),
        ends_on=timezone.localdate(now) + dt.timedelta(days=30),
        places=10,
    )
    referral = referral_create(course=course, seeker=seeker, by=None, now=now)
    return Tenant(
        staff, seeker_api, seeker, draft_post, open_post, application, placement, claim,
        notification, device, station, waiting, fair, held_fair, intention,
        plan=plan, referral=referral,
    )  # fmt: skip


# Which of a tenant's records each path's {id} names. A new endpoint with an id must be
# added here, or the matrix fails.
ID_OF: dict[str, str] = {
    "/api/v1/jobs/{id}": "draft_post",  # seekers see open posts only
    "/api/v1/jobs/{id}/applications": "draft_post",
    "/api/v1/me/applications/{id}/withdraw": "application",
    "/api/v1/me/devices/{id}": "device",
    "/api/v1/me/notifications/{id}/read": "notification",
    "/api/v1/me/placements/{id}/check-in": "placement",
    "/api/v1/me/placements/{id}/check-out": "placement",
    "/api/v1/me/placements/{id}/wage-claims": "placement",
    "/api/v1/staff/applications/{id}": "application",
    "/api/v1/staff/applications/{id}/hire": "application",
    "/api/v1/staff/applications/{id}/move": "application",
    "/api/v1/staff/placements/{id}": "placement",
    "/api/v1/staff/placements/{id}/complete": "placement",
    "/api/v1/staff/placements/{id}/start": "placement",
    "/api/v1/staff/placements/{id}/wage-payments": "placement",
    "/api/v1/staff/posts/{id}": "open_post",
    "/api/v1/staff/posts/{id}/close": "open_post",
    "/api/v1/staff/posts/{id}/open": "draft_post",
    "/api/v1/staff/seekers/{id}": "seeker",
    "/api/v1/staff/stations/{id}/queue": "station",
    "/api/v1/staff/stations/{id}/dispatch": "station",
    "/api/v1/staff/stations/{id}/daily-sheet": "station",
    "/api/v1/staff/stations/{id}/close-day": "station",
    "/api/v1/staff/sign-ins/{id}/move": "sign_in",
    "/api/v1/staff/sign-ins/{id}/not-dispatched": "sign_in",
    "/api/v1/staff/wage-claims/{id}": "claim",
    "/api/v1/staff/wage-claims/{id}/move": "claim",
    # Seekers see upcoming fairs and the past ones they went to.
    "/api/v1/fairs/{id}": "held_fair",
    "/api/v1/fairs/{id}/registrations": "held_fair",
    "/api/v1/fairs/{id}/applications": "held_fair",
    "/api/v1/staff/fairs/{id}": "fair",
    "/api/v1/staff/fairs/{id}/open": "fair",
    "/api/v1/staff/fairs/{id}/close": "fair",
    "/api/v1/staff/fairs/{id}/booths": "fair",
    "/api/v1/staff/fairs/{id}/check-ins": "fair",
    "/api/v1/staff/fairs/{id}/viewers": "fair",
    "/api/v1/staff/fairs/{id}/applications": "fair",
    "/api/v1/staff/intentions/{id}": "intention",
    "/api/v1/staff/intentions/{id}/lapse": "intention",
    "/api/v1/staff/intentions/{id}/follow-up": "intention",
    "/api/v1/staff/plans/{id}": "plan",
    "/api/v1/staff/plans/{id}/pushes": "plan",
    "/api/v1/staff/training-referrals/{id}/move": "referral",
}
# A body that would be valid for the owner, so that only the record decides the answer.
BODIES: dict[tuple[str, str], dict] = {
    ("/api/v1/staff/applications/{id}/move", "POST"): {"to": "contacted"},
    ("/api/v1/staff/wage-claims/{id}/move", "POST"): {"to": "mediated"},
    ("/api/v1/staff/placements/{id}/wage-payments", "POST"): {
        "amount": "10.00",
        "paid_on": "2026-01-01",
    },
    ("/api/v1/me/placements/{id}/wage-claims", "POST"): {"amount_claimed": "10.00"},
    ("/api/v1/staff/posts/{id}", "PATCH"): {"title": "改过的"},
    ("/api/v1/staff/seekers/{id}", "PATCH"): {"full_name": "改过的"},
    ("/api/v1/staff/sign-ins/{id}/move", "POST"): {"to_position": 1, "reason": "插队"},
    ("/api/v1/staff/sign-ins/{id}/not-dispatched", "POST"): {"reason": "declined"},
    ("/api/v1/staff/fairs/{id}", "PATCH"): {"name": "改过的"},
    ("/api/v1/staff/fairs/{id}/check-ins", "POST"): {"code": "scanned"},
    ("/api/v1/staff/fairs/{id}/viewers", "POST"): {"viewers": 10},
    ("/api/v1/fairs/{id}/applications", "POST"): {"post": 1},
    ("/api/v1/staff/intentions/{id}/follow-up", "POST"): {"note": "打过电话"},
    ("/api/v1/staff/training-referrals/{id}/move", "POST"): {"to": "enrolled"},
}


def call(api: APIClient, path: str, method: str, record_id: int | None):
    url = path.replace("{id}", str(record_id)) if record_id is not None else path
    body = BODIES.get((path, method), {})
    return getattr(api, method.lower())(url, body, format="json")


@pytest.fixture
def world(seeded):
    return tenant("alpha", "13900000001"), tenant("beta", "13900000002")


def record_state(t: Tenant) -> list:
    """What an outsider's call could change, read fresh."""
    return [
        list(
            JobPost.objects.filter(pk__in=[t.draft_post.pk, t.open_post.pk])
            .order_by("pk")
            .values_list("status", "title", "openings")
        ),
        Application.objects.get(pk=t.application.pk).status,
        Placement.objects.filter(pk=t.placement.pk).values_list("started_at", "completed_at")[0],
        list(t.placement.payments.values_list("amount")),
        WageClaim.objects.filter(seeker=t.seeker).count(),
        WageClaim.objects.get(pk=t.claim.pk).status,
        JobSeeker.objects.get(pk=t.seeker.pk).full_name,
        Notification.objects.get(pk=t.notification.pk).read_at,
        Device.objects.get(pk=t.device.pk).active,
        list(SignIn.objects.filter(station=t.station).values_list("pk", "position", "note")),
        SignIn.objects.get(pk=t.sign_in.pk).not_dispatched_reason,
        Application.objects.filter(Q(seeker=t.seeker) | Q(fair__station=t.station)).count(),
        t.plan.services.count(),
        TrainingReferral.objects.get(pk=t.referral.pk).status,
    ]


def test_every_operation_with_an_id_is_in_the_matrix():
    with_ids = {path for path, _ in OPERATIONS if "{" in path}
    assert with_ids == set(ID_OF), "add the new endpoint's record to ID_OF"
    assert all(re.fullmatch(r"[^{}]*(\{id\}[^{}]*)?", path) for path, _ in OPERATIONS)


def test_nobody_without_a_login_reaches_anything_but_the_logins(world):
    alpha, _ = world
    anonymous = APIClient()
    answers = {
        (path, method): call(anonymous, path, method, getattr(alpha, ID_OF[path]).pk)
        if path in ID_OF
        else call(anonymous, path, method, None)
        for path, method in OPERATIONS
        if (path, method) not in PUBLIC
    }

    wrong = {op: r.status_code for op, r in answers.items() if r.status_code != 401}
    assert wrong == {}
    assert all(r.json()["code"] == "not_authenticated" for r in answers.values())


def _outsider_matrix(outsider: APIClient, owner: Tenant) -> dict:
    """Each operation with an id, for the owner's record and for an unknown id."""
    before = record_state(owner)
    answers = {}
    for path, method in OPERATIONS:
        if path not in ID_OF:
            continue
        theirs = call(outsider, path, method, getattr(owner, ID_OF[path]).pk)
        unknown = call(outsider, path, method, UNKNOWN_ID)
        answers[(path, method)] = (theirs, unknown)
    assert record_state(owner) == before, "an outsider changed the owner's records"
    return answers


def test_another_seeker_reaches_none_of_a_seekers_records(world):
    alpha, beta = world

    answers = _outsider_matrix(beta.seeker_api, alpha)

    for (path, method), (theirs, unknown) in answers.items():
        expected = 403 if path.startswith("/api/v1/staff/") else 404
        assert (path, method, theirs.status_code) == (path, method, expected)
        assert theirs.json() == unknown.json(), (path, method)
    # Their own lists show their records and none of alpha's.
    own = {
        "applications": beta.application.pk,
        "placements": beta.placement.pk,
        "notifications": beta.notification.pk,
        "devices": beta.device.pk,
    }
    alphas = {
        "applications": alpha.application.pk,
        "placements": alpha.placement.pk,
        "notifications": alpha.notification.pk,
        "devices": alpha.device.pk,
    }
    for name in own:
        ids = {row["id"] for row in beta.seeker_api.get(f"/api/v1/me/{name}").json()["results"]}
        assert own[name] in ids, name
        assert alphas[name] not in ids, name
    assert beta.seeker_api.get("/api/v1/me").json()["id"] == beta.seeker.pk


def test_staff_of_another_station_reach_none_of_its_records(world):
    alpha, beta = world

    answers = _outsider_matrix(beta.staff, alpha)

    for (path, method), (theirs, unknown) in answers.items():
        if path.startswith("/api/v1/staff/"):
            assert (path, method, theirs.status_code) == (path, method, 404)
            assert theirs.json() == unknown.json(), (path, method)
        elif path.startswith("/api/v1/me/"):
            assert (path, method, theirs.status_code) == (path, method, 403)
    # Their lists hold their own station's records and none of alpha's.
    for path, method in OPERATIONS:
        if method != "GET" or not path.startswith("/api/v1/staff/") or "{" in path:
            continue
        rows = beta.staff.get(path, {"page_size": 100}).json()["results"]
        text = json.dumps(rows, ensure_ascii=False)
        assert "alpha" not in text, path
    idle = beta.staff.get("/api/v1/staff/follow-ups/intentions").json()["results"]
    assert [row["id"] for row in idle] == [beta.intention.pk]
    own_posts = beta.staff.get("/api/v1/staff/posts").json()["results"]
    assert {row["id"] for row in own_posts} == {beta.draft_post.pk, beta.open_post.pk}


def test_references_to_another_scope_are_refused_like_unknown_ids(world):
    alpha, beta = world

    def refer(seeker_id: int, post_id: int):
        return beta.staff.post(
            "/api/v1/staff/applications", {"post": post_id, "seeker": seeker_id}, format="json"
        )

    theirs = refer(alpha.seeker.pk, alpha.open_post.pk)
    unknown = refer(UNKNOWN_ID, UNKNOWN_ID)
    claim = beta.staff.post(
        "/api/v1/staff/wage-claims",
        {"seeker": alpha.seeker.pk, "placement": alpha.placement.pk, "amount_claimed": "5"},
        format="json",
    )

    assert theirs.status_code == unknown.status_code == 400
    assert set(theirs.json()["errors"]) == set(unknown.json()["errors"]) == {"post", "seeker"}
    assert claim.status_code == 400
    assert set(claim.json()["errors"]) == {"seeker", "placement"}
    assert Application.objects.filter(seeker=alpha.seeker).count() == 1


def test_the_owners_reach_their_own_records(world):
    alpha, _ = world
    reads = {
        path: call(
            alpha.staff if path.startswith("/api/v1/staff/") else alpha.seeker_api,
            path,
            "GET",
            getattr(alpha, ID_OF[path]).pk,
        ).status_code
        for path, method in OPERATIONS
        if method == "GET" and path in ID_OF and path != "/api/v1/jobs/{id}"
    }

    assert reads
    assert set(reads.values()) == {200}
    assert alpha.seeker_api.get(f"/api/v1/jobs/{alpha.open_post.pk}").status_code == 200


# --- Other kinds of scope ------------------------------------------------------------------

# Staff of every other kind of scope: a district next to alpha's (Qilihe, beside Chengguan),
# and another city (Sanmenxia). Each reaches none of alpha's records.
OTHER_SCOPES = {
    "district station staff": (StaffRole.STATION_STAFF, "620103"),
    "district grid staff": (StaffRole.GRID_STAFF, "620103"),
    "city employment professional": (StaffRole.EMPLOYMENT_PROFESSIONAL, "411200"),
    "city bureau analyst": (StaffRole.BUREAU_ANALYST, "411200"),
    "city bureau admin": (StaffRole.BUREAU_ADMIN, "411200"),
}
# Lists published to every login: open posts, upcoming fairs, training courses.
PUBLISHED_LISTS = {"/api/v1/jobs", "/api/v1/fairs", "/api/v1/training-courses"}
# A valid query for each report, about alpha's district; {region} is filled in.
REPORT_QUERIES: dict[str, dict[str, str]] = {
    "/api/v1/reports/indicators": {},
    "/api/v1/reports/rollups": {"from": "2025-01", "to": "2025-03"},
    "/api/v1/reports/figures": {"from": "2025-01", "to": "2025-03"},
    "/api/v1/reports/records": {"from": "2025-01", "to": "2025-03", "indicator": "new_urban_jobs"},
    "/api/v1/reports/bulletin": {"as_of": "2025-03"},
}
# A region outside every outsider's scope with no records: what alpha's region must look like.
EMPTY_REGION = "620104"


def region_staff(role: StaffRole, region: str, username: str) -> APIClient:
    user = UserFactory(username=username)
    staff_assign(user=user, role=role, region=Region.objects.get(code=region))
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Token {staff_login(api, username).json()['token']}")
    return api


def report_key(region: str) -> APIClient:
    _token, key = report_token_issue(
        name="another bureau",
        region=Region.objects.get(code=region),
        by=UserFactory(username="key-maker"),
        lifetime=dt.timedelta(days=1),
    )
    api = APIClient()
    api.credentials(HTTP_AUTHORIZATION=f"Report {key}")
    return api


def report_answer(api: APIClient, path: str, region: str):
    query = dict(REPORT_QUERIES[path])
    if path != "/api/v1/reports/indicators":
        query["region"] = region
    response = api.get(path, query, HTTP_ACCEPT_LANGUAGE="en")
    return response.status_code, response.json() if response.status_code >= 400 else None


def test_every_report_is_in_the_matrix():
    reports = {path for path, _ in OPERATIONS if path.startswith("/api/v1/reports/")}
    assert reports == set(REPORT_QUERIES), "add the new report's query to REPORT_QUERIES"
    assert all(method == "GET" for path, method in OPERATIONS if path in REPORT_QUERIES)


@pytest.mark.parametrize("kind", sorted(OTHER_SCOPES))
def test_staff_of_another_kind_of_scope_reach_none_of_a_stations_records(world, kind):
    alpha, _ = world
    role, region = OTHER_SCOPES[kind]
    outsider = region_staff(role, region, username=kind.replace(" ", "-"))

    answers = _outsider_matrix(outsider, alpha)

    for (path, method), (theirs, unknown) in answers.items():
        # 403 where the role may not do it at all, else 404: never anything about the record.
        assert (path, method, theirs.status_code in {403, 404}) == (path, method, True)
        assert (theirs.status_code, theirs.json()) == (unknown.status_code, unknown.json()), (
            path,
            method,
        )
        if path.startswith("/api/v1/me/"):
            assert theirs.status_code == 403, (path, method)
    # Their lists (and those of their role they may not read: 403) hold nothing of alpha's.
    for path, method in OPERATIONS:
        if method != "GET" or "{" in path or path in PUBLISHED_LISTS or path in REPORT_QUERIES:
            continue
        response = outsider.get(path, {"page_size": 100})
        assert (path, response.status_code in {200, 403}) == (path, True)
        assert "alpha" not in json.dumps(response.json(), ensure_ascii=False), path


def test_readers_outside_a_region_learn_nothing_of_its_reports(world):
    alpha, beta = world
    readers = {
        kind: region_staff(role, region, username=kind.replace(" ", "-"))
        for kind, (role, region) in OTHER_SCOPES.items()
    }
    readers["city report key"] = report_key("411200")
    readers["district report key"] = report_key("620103")
    alphas_region = alpha.station.region.code
    assert alphas_region not in {EMPTY_REGION, "620103", "411200"}

    for kind, api in readers.items():
        for path in REPORT_QUERIES:
            theirs = report_answer(api, path, alphas_region)
            # The answer for alpha's region is the answer for any region out of reach.
            assert theirs == report_answer(api, path, EMPTY_REGION), (kind, path)
            if path == "/api/v1/reports/indicators":
                expected = 200  # the catalogue: no region's figures
            elif path == "/api/v1/reports/records" and (
                kind.endswith("key") or kind == "city bureau analyst"
            ):
                expected = 403  # they never open records, whatever the region
            else:
                expected = 404
            assert (kind, path, theirs[0]) == (kind, path, expected)
    # Those who read no reports at all are refused outright, whatever the region.
    for kind, api in {"seeker": beta.seeker_api, "station staff": beta.staff}.items():
        for path in REPORT_QUERIES:
            assert (kind, path, report_answer(api, path, alphas_region)[0]) == (kind, path, 403)


def test_a_report_key_reads_reports_and_nothing_else(world):
    alpha, _ = world
    key = report_key("620100")  # alpha's own city: it still opens none of alpha's records
    answers = {
        (path, method): call(key, path, method, getattr(alpha, ID_OF[path]).pk)
        if path in ID_OF
        else call(key, path, method, None)
        for path, method in OPERATIONS
        if (path, method) not in PUBLIC and path not in REPORT_QUERIES
    }

    wrong = {op: r.status_code for op, r in answers.items() if r.status_code != 401}
    assert wrong == {}
    assert report_answer(key, "/api/v1/reports/rollups", alpha.station.region.code)[0] == 200
