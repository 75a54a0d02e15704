"""schemathesis over the whole /api/v1 schema, in process: generated requests (valid and
invalid), as a logged-in seeker (as station staff under /staff/), never get a 5xx nor a
response the schema does not describe."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from decimal import Decimal

import pytest
import schemathesis
from django.core.serializers.json import DjangoJSONEncoder
from django.core.wsgi import get_wsgi_application
from drf_spectacular.generators import SchemaGenerator
from hypothesis import HealthCheck, given, settings
from rest_framework.test import APIClient
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from reporting.models import Indicator, ProgrammeLedger
from stations.models import Region
from stations.models.organisation import StaffRole
from stations.services.staff import staff_assign
from tests.api.test_seeker_api import login
from tests.api.test_staff_api import staff_login
from tests.factories import EmployerFactory, PostFactory, SeekerFactory, StationFactory, UserFactory

pytestmark = pytest.mark.django_db

EXAMPLES_PER_OPERATION = 25


def api_schema() -> schemathesis.schemas.BaseSchema:
    spec = json.loads(
        json.dumps(SchemaGenerator().get_schema(request=None, public=True), cls=DjangoJSONEncoder)
    )
    schema = schemathesis.openapi.from_dict(spec)
    schema.app = get_wsgi_application()
    return schema


OPERATIONS = sorted(
    (operation.ok().path, operation.ok().method.upper())
    for operation in api_schema().get_all_operations()
    if operation.ok().path.startswith("/api/v1/")
)


@contextlib.contextmanager
def connections_kept_open():
    """The WSGI app closes the database connection after each request, as a server does; the
    test's transaction lives on that connection (Django's test client does the same)."""
    from django.core.signals import request_finished, request_started
    from django.db import close_old_connections

    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.mark.parametrize(("path", "method"), OPERATIONS)
def test_no_request_to_the_api_breaks_it(seeded, path, method):
    if path.startswith("/api/v1/reports/"):
        # A bureau administrator reads every report of the city, the records behind them too.
        lanzhou = Region.objects.get(code="620100")
        staff_assign(
            user=UserFactory(username="bureau"), role=StaffRole.BUREAU_ADMIN, region=lanzhou
        )
        token = staff_login(APIClient(), "bureau").json()["token"]
        ProgrammeLedger.objects.create(
            indicator=Indicator.objects.get(code="employment_subsidies"),
            region=Region.objects.get(code="620102"),
            month=dt.date(2025, 3, 1),
            value=Decimal(100),
        )
    elif path.startswith("/api/v1/staff/"):
        station = StationFactory()
        staff_assign(
            user=UserFactory(username="clerk"), role=StaffRole.STATION_STAFF, stations=[station]
        )
        token = staff_login(APIClient(), "clerk").json()["token"]
        # Something to find in the clerk's scope.
        PostFactory(station=station, employer=EmployerFactory(registering_station=station))
        SeekerFactory(registering_station=station)
    else:
        token = login(APIClient(), "13955556666")["token"]
        PostFactory()  # something to find
    operation = api_schema()[path][method]
    headers = {"Authorization": f"Token {token}", "Accept-Language": "en"}

    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        deadline=None,
        suppress_health_check=list(HealthCheck),
        derandomize=True,
    )
    def fuzz(case):
        case.call_and_validate(
            headers=headers,
            checks=[
                not_a_server_error,
                response_schema_conformance,
                content_type_conformance,
                status_code_conformance,
            ],
        )

    # After the test client's own requests, which reconnect the signal handlers.
    with connections_kept_open():
        fuzz()
