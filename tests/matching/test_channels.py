"""Notification channels against the local fake gateway: shapes, exactly-once, error mapping."""

from __future__ import annotations

import datetime as dt
import logging
import socket
import threading
from collections.abc import Callable, Iterator
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.test import override_settings

from matching.channels import (
    Delivery,
    OutgoingMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
    get_channel,
)
from matching.channels._http import HttpChannel, retry_after_seconds
from matching.channels.console import ConsoleChannel
from matching.channels.fcm import FcmChannel
from matching.channels.sms import HttpSmsChannel
from matching.channels.wechat import WechatTemplateChannel
from tests.fakegateway import FakeGateway, GatewayProcess

TEMPLATE_IDS = {"post_recommended": "tpl-recommended-1"}


def outgoing(key: str = "notification-1", **overrides: Any) -> OutgoingMessage:
    fields: dict[str, Any] = {
        "idempotency_key": key,
        "address": "+8613800138000",
        "title": "新岗位",
        "body": "焊工 · 城东驿站 · 明天 8:00",
        "language": "zh-hans",
        "template": "post_recommended",
        "data": {"post_id": 42},
    }
    fields.update(overrides)
    return OutgoingMessage(**fields)


def sms_channel(url: str, timeout: float = 2.0) -> HttpSmsChannel:
    return HttpSmsChannel(f"{url}/sms", api_key="sms-key", sender="oddjobs", timeout=timeout)


def fcm_channel(url: str, timeout: float = 2.0) -> FcmChannel:
    return FcmChannel(url, project_id="oddjobs-app", access_token="fcm-token", timeout=timeout)


def wechat_channel(url: str, timeout: float = 2.0) -> WechatTemplateChannel:
    return WechatTemplateChannel(
        url, access_token="wx-token", template_ids=TEMPLATE_IDS, timeout=timeout
    )


BUILDERS: dict[str, Callable[..., HttpChannel]] = {
    "sms": sms_channel,
    "fcm": fcm_channel,
    "wechat": wechat_channel,
}


@pytest.fixture
def gateway() -> Iterator[FakeGateway]:
    with FakeGateway() as gateway:
        yield gateway


@pytest.fixture
def build() -> Iterator[Callable[..., Any]]:
    """Builds channels and closes them after the test (no stray sockets)."""
    built: list[HttpChannel] = []

    def build(route: str, url: str, timeout: float = 2.0) -> Any:
        channel = BUILDERS[route](url, timeout=timeout)
        built.append(channel)
        return channel

    yield build
    for channel in built:
        channel.close()


@pytest.fixture(params=sorted(BUILDERS))
def route(request: pytest.FixtureRequest) -> str:
    return str(request.param)


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


# --- every HTTP channel ----------------------------------------------------------------------


def test_a_repeated_key_is_answered_with_the_first_id_and_delivered_once(gateway, build, route):
    channel = build(route, gateway.url)

    first = channel.send(outgoing("notification-7"))
    second = channel.send(outgoing("notification-7"))

    assert first == second
    assert list(gateway.delivered) == ["notification-7"]
    assert gateway.duplicates == 1
    assert [r.headers["idempotency-key"] for r in gateway.requests] == ["notification-7"] * 2


def test_an_answer_lost_after_delivery_is_transient_and_the_retry_is_not_delivered_again(
    gateway, build, route
):
    channel = build(route, gateway.url)
    gateway.set_mode("lost")

    with pytest.raises(TransientDeliveryError):
        channel.send(outgoing("notification-8"))
    gateway.set_mode("ok")
    delivery = channel.send(outgoing("notification-8"))

    assert delivery.provider_message_id
    assert len(gateway.delivered) == 1
    assert gateway.duplicates == 1


@pytest.mark.parametrize("status", [429, 500, 502, 503])
def test_429_and_5xx_are_transient_with_the_gateways_retry_after(gateway, build, route, status):
    channel = build(route, gateway.url)
    gateway.set_mode("error", status=status, retry_after=7)

    with pytest.raises(TransientDeliveryError) as caught:
        channel.send(outgoing())

    assert caught.value.retry_after == 7.0
    assert gateway.delivered == {}


def test_a_transient_error_without_retry_after_has_none(gateway, build, route):
    channel = build(route, gateway.url)
    gateway.set_mode("error", retry_after=None)

    with pytest.raises(TransientDeliveryError) as caught:
        channel.send(outgoing())

    assert caught.value.retry_after is None


@pytest.mark.parametrize("status", [400, 401, 403, 404, 422])
def test_other_4xx_are_permanent(gateway, build, route, status):
    channel = build(route, gateway.url)
    gateway.set_mode("reject", status=status)

    with pytest.raises(PermanentDeliveryError):
        channel.send(outgoing())


def test_a_gateway_closing_the_connection_unanswered_is_transient(gateway, build, route):
    channel = build(route, gateway.url)
    gateway.set_mode("down")

    with pytest.raises(TransientDeliveryError):
        channel.send(outgoing())
    assert gateway.delivered == {}


def test_connection_refused_is_transient(build, route):
    channel = build(route, f"http://127.0.0.1:{free_port()}")

    with pytest.raises(TransientDeliveryError, match="unreachable"):
        channel.send(outgoing())


def test_no_answer_within_the_timeout_is_transient(gateway, build, route):
    channel = build(route, gateway.url, timeout=0.05)
    gateway.set_mode("slow", delay=5)  # stopping the gateway cuts the wait short

    with pytest.raises(TransientDeliveryError, match=r"no answer within 0\.05 s"):
        channel.send(outgoing())


def test_a_2xx_without_a_message_id_is_transient(gateway, build, route):
    channel = build(route, gateway.url)
    gateway.set_mode("blank")

    with pytest.raises(TransientDeliveryError, match="without"):
        channel.send(outgoing())


def test_transient_failures_then_success_deliver_once(gateway, build, route):
    channel = build(route, gateway.url)
    gateway.fail_first(2)

    outcomes = []
    for _ in range(3):
        try:
            outcomes.append(channel.send(outgoing("notification-9")))
        except TransientDeliveryError as error:
            outcomes.append(error)

    assert [type(outcome) for outcome in outcomes] == [
        TransientDeliveryError,
        TransientDeliveryError,
        Delivery,
    ]
    assert list(gateway.delivered) == ["notification-9"]


def test_a_mode_set_for_one_route_leaves_the_others_alone(gateway, build):
    sms, fcm = build("sms", gateway.url), build("fcm", gateway.url)
    gateway.set_mode("down", route="sms")

    with pytest.raises(TransientDeliveryError):
        sms.send(outgoing("notification-1"))
    fcm.send(outgoing("notification-2"))

    assert list(gateway.delivered) == ["notification-2"]


def test_sequential_sends_reuse_one_keep_alive_connection(gateway, build, route):
    channel = build(route, gateway.url)

    for number in range(20):
        channel.send(outgoing(f"notification-{number}"))

    assert gateway.connections_opened == 1
    assert len(gateway.delivered) == 20


def test_one_channel_is_safe_to_share_between_threads(gateway, build, route):
    channel = build(route, gateway.url)
    ids: list[str] = []
    errors: list[BaseException] = []

    def send_many(thread: int) -> None:
        try:
            for number in range(25):
                delivery = channel.send(outgoing(f"notification-{thread}-{number}"))
                ids.append(delivery.provider_message_id)
        except BaseException as error:
            errors.append(error)

    threads = [threading.Thread(target=send_many, args=(thread,)) for thread in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert errors == []
    assert len(set(ids)) == 200
    assert len(gateway.delivered) == 200
    assert gateway.connections_opened <= 8


# --- SMS -------------------------------------------------------------------------------------


def test_sms_is_posted_as_json_with_bearer_key_and_returns_the_message_id(gateway, build):
    channel = build("sms", gateway.url)

    delivery = channel.send(outgoing("notification-1"))

    assert delivery == Delivery(provider_message_id="sms-1")
    [request] = gateway.requests
    assert request.path == "/sms"
    assert request.headers["authorization"] == "Bearer sms-key"
    assert request.headers["idempotency-key"] == "notification-1"
    assert request.json() == {
        "to": "+8613800138000",
        "sender": "oddjobs",
        "text": "新岗位: 焊工 · 城东驿站 · 明天 8:00",
        "client_msg_id": "notification-1",
    }


def test_sms_without_a_title_is_the_body_alone(gateway, build):
    channel = build("sms", gateway.url)

    channel.send(outgoing(title="", body="验证码 123456"))

    assert gateway.requests[0].json()["text"] == "验证码 123456"


def test_sms_channel_refuses_a_missing_url():
    with pytest.raises(ImproperlyConfigured):
        HttpSmsChannel("", api_key="k", sender="oddjobs")


# --- FCM -------------------------------------------------------------------------------------


def test_fcm_posts_the_v1_shape_and_returns_the_message_name(gateway, build):
    channel = build("fcm", gateway.url)

    delivery = channel.send(outgoing("notification-1", address="device-token-1"))

    assert delivery.provider_message_id == "projects/oddjobs-app/messages/1"
    [request] = gateway.requests
    assert request.path == "/v1/projects/oddjobs-app/messages:send"
    assert request.headers["authorization"] == "Bearer fcm-token"
    assert request.headers["idempotency-key"] == "notification-1"
    assert request.json() == {
        "message": {
            "token": "device-token-1",
            "notification": {"title": "新岗位", "body": "焊工 · 城东驿站 · 明天 8:00"},
            "data": {"post_id": "42", "dedup": "notification-1"},
        }
    }


def test_fcm_data_values_are_sent_as_strings(gateway, build):
    channel = build("fcm", gateway.url)
    data = {"post_id": 42, "urgent": True, "wage": 1.5, "kind": "post", "skills": [3, 4], 7: None}

    channel.send(outgoing(data=data))

    assert gateway.requests[0].json()["message"]["data"] == {
        "post_id": "42",
        "urgent": "true",
        "wage": "1.5",
        "kind": "post",
        "skills": "[3,4]",
        "7": "null",
        "dedup": "notification-1",
    }


@pytest.mark.parametrize(
    ("status", "code"), [(404, "UNREGISTERED"), (400, "INVALID_ARGUMENT"), (403, "SENDER_ID")]
)
def test_fcm_dead_tokens_and_invalid_messages_are_permanent(gateway, build, status, code):
    channel = build("fcm", gateway.url)
    gateway.set_mode("reject", status=status)

    with pytest.raises(PermanentDeliveryError, match=code):
        channel.send(outgoing())


# --- WeChat ----------------------------------------------------------------------------------


def test_wechat_posts_a_template_message_and_returns_the_msgid(gateway, build):
    channel = build("wechat", gateway.url)

    delivery = channel.send(outgoing("notification-1", address="openid-1"))

    assert delivery == Delivery(provider_message_id="1")
    [request] = gateway.requests
    assert request.path == "/cgi-bin/message/template/send"
    assert request.query == {"access_token": "wx-token"}
    assert request.headers["idempotency-key"] == "notification-1"
    assert request.json() == {
        "touser": "openid-1",
        "template_id": "tpl-recommended-1",
        "data": {
            "first": {"value": "新岗位"},
            "keyword1": {"value": "焊工 · 城东驿站 · 明天 8:00"},
        },
        "client_msg_id": "notification-1",
    }


def test_wechat_passes_a_link_from_the_data(gateway, build):
    channel = build("wechat", gateway.url)

    channel.send(outgoing(data={"url": "https://example.cn/posts/42"}))

    assert gateway.requests[0].json()["url"] == "https://example.cn/posts/42"


@pytest.mark.parametrize("errcode", [-1, 45009])
def test_wechat_busy_and_rate_limit_errcodes_are_transient(gateway, build, errcode):
    channel = build("wechat", gateway.url)
    gateway.set_mode("error", route="wechat", errcode=errcode)

    with pytest.raises(TransientDeliveryError, match=f"errcode {errcode}"):
        channel.send(outgoing())


@pytest.mark.parametrize("errcode", [40003, 40037, 43004])
def test_wechat_other_errcodes_are_permanent_and_do_not_show_the_token(gateway, build, errcode):
    channel = build("wechat", gateway.url)
    gateway.set_mode("reject", route="wechat", errcode=errcode)

    with pytest.raises(PermanentDeliveryError, match=f"errcode {errcode}") as caught:
        channel.send(outgoing())
    assert "wx-token" not in str(caught.value)


def test_wechat_template_without_a_configured_id_is_permanent_and_not_sent(gateway, build):
    channel = build("wechat", gateway.url)

    with pytest.raises(PermanentDeliveryError, match="login_code"):
        channel.send(outgoing(template="login_code"))
    assert gateway.requests == []


# --- console ---------------------------------------------------------------------------------


def test_console_channel_logs_the_message_and_makes_up_an_id(caplog):
    channel = ConsoleChannel(name="sms", url="", api_key="", timeout=1.0)

    with caplog.at_level(logging.INFO, logger="matching.channels"):
        first = channel.send(outgoing("notification-1"))
        second = channel.send(outgoing("notification-2"))

    assert first.provider_message_id != second.provider_message_id
    assert "notification-1" in caplog.text
    assert "焊工 · 城东驿站" in caplog.text


# --- Retry-After -----------------------------------------------------------------------------


@time_machine.travel(dt.datetime(2026, 11, 20, 8, 0, tzinfo=dt.UTC), tick=False)
@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("120", 120.0),
        ("0.5", 0.5),
        (format_datetime(dt.datetime(2026, 11, 20, 8, 1, 30, tzinfo=dt.UTC), usegmt=True), 90.0),
        (format_datetime(dt.datetime(2026, 11, 20, 7, 0, tzinfo=dt.UTC), usegmt=True), 0.0),
        ("soon", None),
        ("", None),
    ],
)
def test_retry_after_is_read_as_seconds_or_as_a_date(header, seconds):
    response = httpx.Response(503, headers={"Retry-After": header})

    assert retry_after_seconds(response) == seconds


# --- get_channel -----------------------------------------------------------------------------


def channels_setting(url: str, **sms_options: Any) -> dict[str, dict[str, object]]:
    return {
        "sms": {
            "BACKEND": "matching.channels.sms.HttpSmsChannel",
            "OPTIONS": {"url": f"{url}/sms", "api_key": "k", "sender": "oddjobs", **sms_options},
        },
        "push": {"BACKEND": "matching.channels.console.ConsoleChannel", "OPTIONS": {}},
    }


def test_get_channel_builds_the_configured_backend_once_with_its_name_and_timeout(gateway):
    with override_settings(
        NOTIFICATION_CHANNELS=channels_setting(gateway.url), NOTIFICATION_SEND_TIMEOUT=0.5
    ):
        channel = get_channel("sms")
        assert get_channel("sms") is channel
        assert isinstance(channel, HttpSmsChannel)
        assert (channel.name, channel.timeout) == ("sms", 0.5)
        assert channel.send(outgoing()).provider_message_id == "sms-1"
        push = get_channel("push")
        assert isinstance(push, ConsoleChannel)
        assert push.name == "push"


def test_get_channel_options_may_set_their_own_timeout(gateway):
    with override_settings(NOTIFICATION_CHANNELS=channels_setting(gateway.url, timeout=3.0)):
        channel = get_channel("sms")
        assert isinstance(channel, HttpSmsChannel)
        assert channel.timeout == 3.0


def test_get_channel_follows_override_settings_and_closes_what_it_built(gateway):
    with override_settings(NOTIFICATION_CHANNELS=channels_setting(gateway.url)):
        inside = get_channel("sms")
    with override_settings(NOTIFICATION_CHANNELS=channels_setting(f"{gateway.url}/other")):
        other = get_channel("sms")
        assert isinstance(other, HttpSmsChannel)
        assert other.url == f"{gateway.url}/other/sms"

    assert other is not inside
    assert isinstance(inside, HttpSmsChannel)
    assert inside.closed


@pytest.mark.parametrize(
    ("channels", "message"),
    [
        ({}, "No notification channel 'sms'"),
        ({"sms": {"BACKEND": "matching.channels.nowhere.Channel"}}, "cannot import"),
        ({"sms": {"BACKEND": "matching.channels.sms.HttpSmsChannel"}}, "OPTIONS do not fit"),
        (
            {"sms": {"BACKEND": "matching.channels.sms.HttpSmsChannel", "OPTIONS": {"url": "x"}}},
            "OPTIONS do not fit",
        ),
    ],
)
def test_get_channel_refuses_what_is_not_configured_properly(channels, message):
    with (
        override_settings(NOTIFICATION_CHANNELS=channels),
        pytest.raises(ImproperlyConfigured, match=message),
    ):
        get_channel("sms")


def test_get_channel_refuses_an_http_channel_without_url():
    channels = {
        "sms": {
            "BACKEND": "matching.channels.sms.HttpSmsChannel",
            "OPTIONS": {"url": "", "api_key": "k", "sender": "s"},
        }
    }
    with (
        override_settings(NOTIFICATION_CHANNELS=channels),
        pytest.raises(ImproperlyConfigured, match="http"),
    ):
        get_channel("sms")


# --- the fake gateway itself -----------------------------------------------------------------


def test_the_gateway_stops_while_a_client_still_holds_a_keep_alive_connection():
    gateway = FakeGateway().start()
    with httpx.Client() as client:
        client.get(f"{gateway.url}/_stats").raise_for_status()
        gateway.stop()  # must not wait for the client to hang up

        with pytest.raises(httpx.TransportError):
            client.get(f"{gateway.url}/_stats")


def test_the_gateway_runs_as_a_separate_process_controlled_over_http():
    with GatewayProcess() as gateway:
        channel = sms_channel(gateway.url)
        try:
            channel.send(outgoing("notification-1"))
            channel.send(outgoing("notification-1"))
            gateway.set_mode("error", retry_after=2)
            with pytest.raises(TransientDeliveryError) as caught:
                channel.send(outgoing("notification-2"))
            stats = gateway.stats()
            delivered = gateway.delivered()
        finally:
            channel.close()

    assert caught.value.retry_after == 2.0
    assert (stats["requests"], stats["delivered"], stats["duplicates"]) == (3, 1, 1)
    assert list(delivered) == ["notification-1"]
