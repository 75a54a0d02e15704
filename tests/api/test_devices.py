"""Seekers register the devices their pushes go to, through the app."""

from __future__ import annotations

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from matching.models import Device, Notification
from matching.services.outbox import notify_seeker
from stations.models import JobSeeker
from tests.api.test_seeker_api import login

pytestmark = pytest.mark.django_db
TOKEN = "fcm-registration-token-0123456789abcdef"


def seeker_client(phone: str) -> tuple[APIClient, JobSeeker]:
    api = APIClient()
    body = login(api, phone)
    return api, JobSeeker.objects.get(pk=body["seeker_id"])


def test_a_registered_device_receives_the_seekers_pushes(seeded):
    api, seeker = seeker_client("13911112222")

    created = api.post("/api/v1/me/devices", {"kind": "fcm", "token": TOKEN}, format="json")
    notify_seeker(
        seeker=seeker,
        template="post_recommended",
        context={"title": "装卸工"},
        dedup_key="device-test",
        now=timezone.now(),
    )

    assert created.status_code == 201, created.json()
    assert created.json()["token_tail"] == TOKEN[-6:]
    assert "token" not in created.json()
    assert Device.objects.get(pk=created.json()["id"]).seeker == seeker
    push = Notification.objects.get(seeker=seeker, channel="push")
    assert push.address == TOKEN
    listed = api.get("/api/v1/me/devices").json()["results"]
    assert [row["id"] for row in listed] == [created.json()["id"]]


def test_a_token_registered_by_another_seeker_moves_to_them(seeded):
    first, _ = seeker_client("13911112222")
    second, other = seeker_client("13911113333")
    first.post("/api/v1/me/devices", {"kind": "fcm", "token": TOKEN}, format="json")

    second.post("/api/v1/me/devices", {"kind": "fcm", "token": TOKEN}, format="json")

    device = Device.objects.get(token=TOKEN)
    assert device.seeker == other
    assert first.get("/api/v1/me/devices").json()["count"] == 0


def test_a_device_is_forgotten_by_its_owner_only(seeded):
    owner, _ = seeker_client("13911112222")
    stranger, _ = seeker_client("13911113333")
    device_id = owner.post(
        "/api/v1/me/devices", {"kind": "wechat", "token": "openid-abc"}, format="json"
    ).json()["id"]

    by_stranger = stranger.delete(f"/api/v1/me/devices/{device_id}")
    by_owner = owner.delete(f"/api/v1/me/devices/{device_id}")
    again = owner.delete(f"/api/v1/me/devices/{device_id}")

    assert by_stranger.status_code == 404
    assert by_owner.status_code == 204
    assert again.status_code == 404
    assert Device.objects.get(pk=device_id).active is False


@pytest.mark.parametrize(
    "body",
    [{"kind": "sms", "token": TOKEN}, {"kind": "fcm", "token": "   "}, {"kind": "fcm"}, []],
)
def test_a_bad_device_is_refused_and_nothing_stored(seeded, body):
    api, _ = seeker_client("13911112222")

    response = api.post("/api/v1/me/devices", body, format="json")

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert not Device.objects.exists()
