"""A request that finds the database out of reach gets 503 with a retry hint, not a 500;
and the next request, once the database answers, is served again without a restart.

The database is made unreachable for real: the connection is closed and pointed at a port
nothing listens on, so the request's own connect fails as it would while PostgreSQL
restarts."""

from __future__ import annotations

import contextlib
import socket
from collections.abc import Iterator

import pytest
from django.db import connection
from django.test import Client

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db(transaction=True)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextlib.contextmanager
def database_unreachable() -> Iterator[None]:
    if connection.vendor != "postgresql":
        pytest.skip("needs a database reached over the network")
    settings_dict = connection.settings_dict
    saved = settings_dict["HOST"], settings_dict["PORT"]
    connection.close()
    settings_dict["HOST"], settings_dict["PORT"] = "127.0.0.1", str(free_port())
    try:
        yield
    finally:
        connection.close()
        settings_dict["HOST"], settings_dict["PORT"] = saved


@pytest.mark.services("postgres")
def test_an_api_write_while_the_database_is_away_gets_503_and_a_retry_hint():
    client = Client(raise_request_exception=False)
    with database_unreachable():
        answer = client.post(
            "/api/v1/auth/otp", {"phone": "13900001111"}, content_type="application/json"
        )
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert answer.json()["code"] == "unavailable"

    # The database is back: the same request goes through on a new connection by itself.
    again = client.post(
        "/api/v1/auth/otp", {"phone": "13900001111"}, content_type="application/json"
    )
    assert again.status_code < 300, again.content


@pytest.mark.services("postgres")
def test_an_admin_page_while_the_database_is_away_gets_503():
    client = Client(raise_request_exception=False)
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    with database_unreachable():
        answer = client.get("/admin/")
    assert answer.status_code == 503
    assert answer["Retry-After"] == "5"
    assert answer["Content-Type"].startswith("text/plain")
    assert client.get("/admin/").status_code == 200


def test_any_other_api_failure_is_a_500_in_the_error_shape(monkeypatch):
    def broken(*args, **kwargs):
        raise RuntimeError("a bug")

    monkeypatch.setattr("api.views.LoginCodeView.post", broken)
    answer = Client(raise_request_exception=False).post(
        "/api/v1/auth/otp", {"phone": "13900001111"}, content_type="application/json"
    )
    assert answer.status_code == 500
    assert answer.json()["code"] == "error"
    assert "Retry-After" not in answer
