"""The API speaks the language a phone asks for by header (or cookie); the admin the
language of its URL, the default without a prefix."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


def language_of(response) -> tuple[str, bool]:
    vary = {value.strip() for value in response.headers.get("Vary", "").split(",")}
    return response.headers["Content-Language"], "Accept-Language" in vary


@pytest.mark.parametrize(
    ("headers", "cookies", "expected"),
    [
        ({}, {}, "zh-hans"),
        ({"HTTP_ACCEPT_LANGUAGE": "en-GB,en;q=0.8"}, {}, "en"),
        ({"HTTP_ACCEPT_LANGUAGE": "fr, zh-CN;q=0.5"}, {}, "zh-hans"),
        ({}, {"django_language": "en"}, "en"),
    ],
)
def test_the_api_answers_in_the_language_asked_for(headers, cookies, expected):
    client = Client()
    client.cookies.load(cookies)
    response = client.get("/api/v1/jobs", **headers)  # refused: no token
    assert response.status_code == 401
    assert language_of(response) == (expected, True)
    assert (response.json()["detail"].isascii()) is (expected == "en")


def test_an_unknown_api_address_answers_in_the_language_asked_for():
    response = Client().get("/api/v1/nowhere", HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 404
    assert language_of(response) == ("en", True)
    assert response.json()["detail"] == "Not found."


def test_the_admin_speaks_the_language_of_its_address():
    client = Client()
    assert language_of(client.get("/admin/login/", HTTP_ACCEPT_LANGUAGE="en")) == (
        "zh-hans",
        True,
    )
    assert language_of(client.get("/en/admin/login/"))[0] == "en"
