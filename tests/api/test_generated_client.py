"""The schema is the contract: a client generated from /api/schema/ by a standard OpenAPI
generator (openapi-python-client), with no hand edits, logs a seeker in, finds jobs near a
point, applies, and reads the inbox against a live server."""

from __future__ import annotations

import importlib
import logging
import re
import shutil
import subprocess
import sys

import pytest
from django.utils import timezone

from matching.models import Notification
from matching.services.outbox import notify_seeker
from stations.models import Application, JobSeeker
from tests.factories import PostFactory
from tests.helpers import PROJECT_DIR, manage

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(scope="module")
def generated_client(tmp_path_factory):
    folder = tmp_path_factory.mktemp("client")
    schema = folder / "schema.yml"
    result = manage("spectacular", "--file", str(schema))
    assert result.returncode == 0, result.stderr
    generator = shutil.which("openapi-python-client", path=str(PROJECT_DIR / ".venv" / "bin"))
    generator = generator or shutil.which("openapi-python-client")
    assert generator, "openapi-python-client is not installed"
    bin_dir = str(PROJECT_DIR / ".venv" / "bin")
    subprocess.run(
        [
            generator,
            "generate",
            "--path",
            str(schema),
            "--meta",
            "none",
            "--output-path",
            str(folder / "oddjobs_client"),
        ],
        check=True,
        capture_output=True,
        env={"PATH": f"{bin_dir}:/usr/bin:/bin"},
        cwd=folder,  # its ruff post-hooks must not read this project's ruff settings
        timeout=120,
    )
    sys.path.insert(0, str(folder))
    yield importlib.import_module("oddjobs_client")
    sys.path.remove(str(folder))


def test_a_generated_client_logs_in_finds_jobs_applies_and_reads_the_inbox(
    live_server, generated_client, seeded, caplog
):
    client_module = generated_client
    models = importlib.import_module("oddjobs_client.models")
    near = PostFactory(title="装卸工", latitude=36.061, longitude=103.841)
    PostFactory(title="远处", latitude=39.9, longitude=116.4)
    with client_module.Client(base_url=live_server.url) as anonymous:
        caplog.set_level(logging.INFO, logger="matching.channels")

        sent = importlib.import_module("oddjobs_client.api.v1.v1_auth_otp_create").sync(
            client=anonymous, body=models.Phone(phone="13966667777")
        )
        assert sent.expires_in == 300
        # Sent at once (eager) through the console channel, then wiped from the outbox: the code
        # is read where a phone would read it, in the message.
        assert Notification.objects.get(address="13966667777").status == "sent"
        (code,) = {
            re.search(r"(?<!\d)\d{6}(?!\d)", record.args[5]).group()
            for record in caplog.records
            if record.name == "matching.channels" and record.args[2] == "login_code"
        }
        token = importlib.import_module("oddjobs_client.api.v1.v1_auth_token_create").sync(
            client=anonymous, body=models.TokenRequest(phone="13966667777", code=code)
        )
        assert token.registered is True
        with client_module.AuthenticatedClient(
            base_url=live_server.url, token=token.token, prefix="Token"
        ) as me:
            find_apply_and_read(me, near, token.seeker_id)


def find_apply_and_read(me, near, seeker_id):
    """The logged-in part, through the generated client's authenticated calls."""
    jobs = importlib.import_module("oddjobs_client.api.v1.v1_jobs_list").sync(
        client=me, lat=36.06, lon=103.84, radius_km=10
    )
    assert [job.id for job in jobs.results] == [near.pk]
    assert jobs.results[0].distance_km < 1

    application = importlib.import_module("oddjobs_client.api.v1.v1_jobs_applications_create").sync(
        client=me, id=near.pk
    )
    assert application.status == "applied"
    assert Application.objects.get(pk=application.id).post == near

    seeker = JobSeeker.objects.get(pk=seeker_id)
    notify_seeker(
        seeker=seeker,
        template="post_recommended",
        context={"title": near.title},
        dedup_key="client-test",
        now=timezone.now(),
        post=near,
    )
    inbox = importlib.import_module("oddjobs_client.api.v1.v1_me_notifications_list").sync(
        client=me
    )
    assert [row.post for row in inbox.results] == [near.pk]
