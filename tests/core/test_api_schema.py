from __future__ import annotations

import pytest
import yaml

from tests.helpers import manage


def test_the_openapi_schema_generates_and_validates_without_warnings(tmp_path):
    target = tmp_path / "schema.yml"
    result = manage("spectacular", "--validate", "--fail-on-warn", "--file", str(target))
    assert result.returncode == 0, result.stderr
    schema = yaml.safe_load(target.read_text())
    assert schema["openapi"].startswith("3.")
    assert schema["info"]["title"] == "Odd-job stations API"


@pytest.mark.django_db
def test_the_schema_and_its_documentation_are_served(client, django_user_model):
    user = django_user_model.objects.create_user("reader", password="x-long-password-1")
    client.force_login(user)
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    assert b"swagger" in docs.content.lower()
