"""Django's Redis cache with one redis-py client per connection pool, and Lua scripts.

Django builds a new ``redis.Redis`` for every cache call, and redis-py's constructor sets up
some 170 response callbacks each time: on this machine that was a tenth of the CPU an API
request costs, since every request reads and writes its throttle's entry. A ``redis.Redis``
is safe to share between threads (it takes a connection from the pool per command), so one
per pool is enough.
"""

from __future__ import annotations

from typing import Any

from django.core.cache.backends import redis as django_redis


class _SharedClientRedisCacheClient(django_redis.RedisCacheClient):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._clients: dict[int, Any] = {}

    def get_client(self, key: Any = None, *, write: bool = False) -> Any:
        pool = self._get_connection_pool(write)  # type: ignore[attr-defined]
        client = self._clients.get(id(pool))
        if client is None:
            fresh = self._client(connection_pool=pool)  # type: ignore[attr-defined]
            client = self._clients.setdefault(id(pool), fresh)
        return client


class RedisCache(django_redis.RedisCache):
    def __init__(self, server: str, params: dict[str, Any]) -> None:
        super().__init__(server, params)
        self._class = _SharedClientRedisCacheClient
        self._scripts: dict[str, Any] = {}

    def run_script(self, script: str, *, keys: list[str], args: list[Any]) -> Any:
        """What the Lua ``script`` returns, run on the server with ``keys`` (under this cache's
        prefix and version) and ``args``: a read and a write in one round trip. redis-py sends
        the script's digest (EVALSHA) and the whole script only when the server lacks it."""
        registered = self._scripts.get(script)
        if registered is None:
            client = self._cache.get_client(write=True)
            registered = self._scripts.setdefault(script, client.register_script(script))
        return registered(keys=[self.make_and_validate_key(key) for key in keys], args=args)
