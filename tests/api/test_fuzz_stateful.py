"""schemathesis, statefully: sequences of calls chained by the schema's OpenAPI links
(``api/schema.py``), so that ids come from earlier answers rather than chance (a seeker
lists jobs, opens one, applies, lists and withdraws the application; reads a notification
from the inbox; staff open and close a post from their list). No step gets a 5xx or an
answer the schema does not describe."""

from __future__ import annotations

import json
from typing import Any

import pytest
import schemathesis
from django.core.cache import cache
from django.core.serializers.json import DjangoJSONEncoder
from django.core.wsgi import get_wsgi_application
from django.db import transaction
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, settings
from rest_framework.test import APIClient
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from matching.services.outbox import notify_seeker
from stations.models import JobPost, JobSeeker
from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign
from tests.api.test_fuzz import connections_kept_open
from tests.api.test_seeker_api import login
from tests.api.test_staff_api import staff_login
from tests.factories import EmployerFactory, PostFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db

SEEKER_PATHS = [
    "/api/v1/jobs",
    "/api/v1/jobs/{id}",
    "/api/v1/jobs/{id}/applications",
    "/api/v1/me/applications",
    "/api/v1/me/applications/{id}/withdraw",
    "/api/v1/me/notifications",
    "/api/v1/me/notifications/{id}/read",
]
STAFF_PATHS = [
    "/api/v1/staff/posts",
    "/api/v1/staff/posts/{id}",
    "/api/v1/staff/posts/{id}/open",
    "/api/v1/staff/posts/{id}/close",
]
# A handful of short scenarios: enough to walk every link, quick enough for every CI run.
SCENARIOS = settings(
    max_examples=50,
    stateful_step_count=8,
    deadline=None,
    derandomize=True,
    # No example database: a run replays nothing another run saved, so CI and a laptop run
    # the same scenarios.
    database=None,
    suppress_health_check=list(HealthCheck),
)


def linked_schema(paths: list[str]) -> schemathesis.schemas.BaseSchema:
    """The public schema's operations on ``paths``, with its links among them."""
    spec = json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), cls=DjangoJSONEncoder)
    )
    spec["paths"] = {path: spec["paths"][path] for path in paths}
    kept = {op["operationId"] for item in spec["paths"].values() for op in item.values()}
    for item in spec["paths"].values():
        for operation in item.values():
            for response in operation["responses"].values():
                response["links"] = {
                    name: link
                    for name, link in response.get("links", {}).items()
                    if link["operationId"] in kept
                }
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = get_wsgi_application()
    return schema


def run_linked(paths: list[str], token: str) -> list[tuple[str, int]]:
    """Run the state machine over ``paths`` as the token's holder; the calls made."""
    calls: list[tuple[str, int]] = []

    class Scenarios(linked_schema(paths).as_state_machine()):  # type: ignore[misc]
        # Each scenario starts from the same records: Hypothesis replays scenarios while it
        # explores, and one that found a post closed by the last would choose other steps.
        def setup(self) -> None:
            self.savepoint = transaction.savepoint()
            cache.clear()  # the throttles' counts

        def teardown(self) -> None:
            transaction.savepoint_rollback(self.savepoint)

        def get_call_kwargs(self, case: Any) -> dict[str, Any]:
            return {"headers": {"Authorization": f"Token {token}", "Accept-Language": "en"}}

        def validate_response(self, response: Any, case: Any, **kwargs: Any) -> None:
            calls.append((case.operation.label, response.status_code))
            case.validate_response(
                response,
                checks=[
                    not_a_server_error,
                    response_schema_conformance,
                    content_type_conformance,
                    status_code_conformance,
                ],
            )

    with connections_kept_open():
        Scenarios.run(settings=SCENARIOS)
    return calls


def test_a_seekers_linked_calls_never_break_the_api(seeded):
    token = login(APIClient(), "13955557777")["token"]
    seeker = JobSeeker.objects.get(phone="13955557777")
    posts = [PostFactory(openings=5) for _ in range(3)]
    for post in posts:
        notify_seeker(
            seeker=seeker,
            template="post_recommended",
            context={"title": post.title},
            dedup_key=f"stateful:{post.pk}",
            now=timezone.now(),
            post=post,
            channels=["in_app"],
        )

    calls = run_linked(SEEKER_PATHS, token)

    # The links were followed: the seeker got to apply, withdraw and read, not only guess.
    reached = {label for label, status in calls if status < 300}
    assert {
        "GET /api/v1/jobs/{id}",
        "POST /api/v1/jobs/{id}/applications",
        "POST /api/v1/me/notifications/{id}/read",
    } <= reached


def test_staffs_linked_calls_never_break_the_api(seeded):
    station = StationFactory()
    staff_assign(
        user=UserFactory(username="clerk"), role=StaffRole.STATION_STAFF, stations=[station]
    )
    token = staff_login(APIClient(), "clerk").json()["token"]
    employer = EmployerFactory(registering_station=station)
    for _ in range(3):
        PostFactory(station=station, employer=employer, status=JobPost.Status.DRAFT)

    calls = run_linked(STAFF_PATHS, token)

    reached = {label for label, status in calls if status < 300}
    assert {
        "POST /api/v1/staff/posts/{id}/open",
        "POST /api/v1/staff/posts/{id}/close",
    } <= reached
