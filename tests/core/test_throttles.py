"""The throttles keep DRF's sliding log in Redis, read and written in one round trip: they
let through and refuse what DRF's own code does, and advise the same wait."""

from __future__ import annotations

import itertools
import time
from types import SimpleNamespace

import pytest
from django.core.cache import caches
from django.core.cache.backends.locmem import LocMemCache
from rest_framework.throttling import UserRateThrottle

from core.cache import RedisCache
from core.rest import UserThrottle

_users = itertools.count(10**9 + int(time.time()) % 10**6 * 100)


class Reference(UserRateThrottle):
    """DRF's throttle as it is, on a cache of its own."""

    cache = LocMemCache("throttle-reference", {})


@pytest.mark.services("redis")
@pytest.mark.parametrize("rate", ["5/min", "1/s", "0/min"])
def test_the_log_in_redis_lets_through_and_refuses_what_drfs_does(settings, rate):
    assert isinstance(caches["default"], RedisCache)
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": rate}
    request = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=next(_users)))
    start = time.time()
    seconds = [0, 0.2, 0.2, 1, 1.5, 2, 3, 10, 30, 59.9, 60, 60.1, 60.2, 61, 62, 90, 119.95, 200]
    seconds += [200 + n / 10 for n in range(12)]

    ours, drfs = [], []
    for second in seconds:
        for throttle, answers in ((UserThrottle(), ours), (Reference(), drfs)):
            throttle.rate = rate
            throttle.num_requests, throttle.duration = throttle.parse_rate(rate)
            throttle.timer = lambda second=second: start + second
            allowed = throttle.allow_request(request, None)
            answers.append((second, allowed, None if allowed else throttle.wait()))

    assert ours == drfs
    assert any(allowed for _, allowed, _ in ours) is (rate != "0/min")
    assert not all(allowed for _, allowed, _ in ours)


@pytest.mark.services("redis")
def test_one_round_trip_a_request(settings, monkeypatch):
    settings.API_THROTTLE_RATES = {**settings.API_THROTTLE_RATES, "user": "100/min"}
    request = SimpleNamespace(user=SimpleNamespace(is_authenticated=True, pk=next(_users)))
    assert UserThrottle().allow_request(request, None)  # the server may load the script first
    client = caches["default"]._cache.get_client(write=True)
    commands = []
    execute = client.execute_command

    def counted(*args, **kwargs):
        commands.append(args[0])
        return execute(*args, **kwargs)

    monkeypatch.setattr(client, "execute_command", counted)
    for _ in range(3):
        assert UserThrottle().allow_request(request, None)
    assert commands == ["EVALSHA"] * 3
