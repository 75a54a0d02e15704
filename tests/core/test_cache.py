"""The Redis cache shares one redis-py client per connection pool."""

from __future__ import annotations

import os

import pytest

from core.cache import RedisCache


@pytest.mark.services("redis")
def test_the_redis_cache_reads_and_writes_through_one_shared_client():
    cache = RedisCache(os.environ["REDIS_URL"], {"KEY_PREFIX": "cache-test", "TIMEOUT": 60})
    cache.set("answer", {"n": 42})

    assert cache.get("answer") == {"n": 42}
    cache.delete("counter")
    assert cache.add("counter", 1)
    assert cache.incr("counter") == 2
    assert cache._cache.get_client(write=True) is cache._cache.get_client(write=True)
    cache.delete_many(["answer", "counter"])
    assert cache.get("answer") is None
