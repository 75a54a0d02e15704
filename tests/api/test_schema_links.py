"""The public schema's OpenAPI links: present where a client goes from one answer to the next
call, and each one followable (its target exists, takes an ``id`` in its path, and the id is
where the source answer's schema says an integer id is)."""

from __future__ import annotations

from typing import Any

import pytest
from drf_spectacular.generators import SchemaGenerator

from api import schema as api_schema

pytestmark = pytest.mark.django_db


def served_schema(client) -> dict[str, Any]:
    answer = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert answer.status_code == 200
    return answer.json()


def follow(spec: dict[str, Any], node: dict[str, Any]) -> dict[str, Any]:
    """``node`` with its ``$ref`` (and an ``allOf`` of one) resolved."""
    while True:
        if "$ref" in node:
            target: Any = spec
            for part in node["$ref"].removeprefix("#/").split("/"):
                target = target[part]
            node = target
        elif "allOf" in node and len(node["allOf"]) == 1:
            node = node["allOf"][0]
        else:
            return node


def at_pointer(spec: dict[str, Any], body: dict[str, Any], pointer: str) -> dict[str, Any]:
    """The schema of the value a JSON pointer into a body of schema ``body`` selects."""
    node = follow(spec, body)
    for part in pointer.removeprefix("/").split("/"):
        if part.isdigit():
            assert node["type"] == "array", pointer
            node = follow(spec, node["items"])
        else:
            node = follow(spec, node["properties"][part])
    return node


def test_the_served_schema_links_a_job_to_applying_for_it(client):
    spec = served_schema(client)
    detail = spec["paths"]["/api/v1/jobs/{id}"]["get"]
    assert detail["responses"]["200"]["links"]["Apply"] == {
        "operationId": "v1_jobs_applications_create",
        "parameters": {"id": "$response.body#/id"},
    }


def test_every_link_of_the_schema_can_be_followed(client):
    spec = served_schema(client)
    operations = {
        operation["operationId"]: operation
        for item in spec["paths"].values()
        for operation in item.values()
    }
    linked = 0
    for operation in operations.values():
        for status, response in operation["responses"].items():
            for name, link in response.get("links", {}).items():
                linked += 1
                target = operations[link["operationId"]]
                assert {p["name"] for p in target["parameters"] if p["in"] == "path"} == {"id"}
                pointer = link["parameters"]["id"].removeprefix("$response.body#")
                body = response["content"]["application/json"]["schema"]
                assert at_pointer(spec, body, pointer)["type"] == "integer", (name, status)
    assert linked == sum(len(links) for links in api_schema.LINKS.values())


def test_a_link_to_an_operation_the_schema_lacks_fails_the_schema(monkeypatch):
    monkeypatch.setitem(
        api_schema.LINKS,
        ("v1_jobs_list", "200"),
        {"Gone": ("v1_jobs_vanished", "$response.body#/results/0/id")},
    )
    with pytest.raises(LookupError, match="v1_jobs_vanished"):
        SchemaGenerator().get_schema(request=None, public=True)
