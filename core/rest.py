"""Pagination and throttles for DRF's settings.

Kept apart from ``core.api``: DRF imports these while it defines ``APIView``, so this module
must not import ``rest_framework.views`` itself.
"""

from __future__ import annotations

import ipaddress
from typing import TYPE_CHECKING, Any, cast

from django.conf import settings
from django.core.cache import DEFAULT_CACHE_ALIAS, caches
from django.http import HttpRequest
from rest_framework.exceptions import NotFound
from rest_framework.pagination import PageNumberPagination
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.throttling import (
    AnonRateThrottle,
    BaseThrottle,
    SimpleRateThrottle,
    UserRateThrottle,
)
from rest_framework.utils.urls import remove_query_param, replace_query_param

from core.cache import RedisCache

if TYPE_CHECKING:
    from rest_framework.views import APIView


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M``, at most 100 a page."""

    page_size_query_param = "page_size"
    max_page_size = 100


def client_address(request: HttpRequest | Request) -> str | None:
    """The client's IP address as DRF's throttles identify it: ``REMOTE_ADDR``, or with
    ``REST_FRAMEWORK["NUM_PROXIES"]`` set the X-Forwarded-For entry the outermost of our
    proxies appended. Anything that is not an address (a forged header reaching us without a
    proxy) falls back to ``REMOTE_ADDR``."""
    # get_ident reads only META and the headers, which axes' plain Django request has too.
    ident = BaseThrottle().get_ident(cast(Request, request)) or ""
    try:
        return str(ipaddress.ip_address(ident.strip()))
    except ValueError:
        remote: str | None = request.META.get("REMOTE_ADDR") or None
        return remote


class RateFromSettings:
    """Rates read from ``settings.API_THROTTLE_RATES`` when used, not when imported, so a
    deployment (or a test) sets them like any other setting."""

    def get_rate(self) -> str | None:
        scope: str | None = getattr(self, "scope", None)
        return settings.API_THROTTLE_RATES.get(scope) if scope else None


# DRF's sliding log (SimpleRateThrottle.allow_request) as a Redis list, newest first: drop
# the times that left the window, refuse at the limit, else add this one; the list lives
# as long as DRF's cache entry, the window after the last request let through.
SLIDING_LOG = """
local now, window, limit = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local oldest = redis.call('LINDEX', KEYS[1], -1)
while oldest and tonumber(oldest) <= now - window do
  redis.call('RPOP', KEYS[1])
  oldest = redis.call('LINDEX', KEYS[1], -1)
end
local length = redis.call('LLEN', KEYS[1])
if length >= limit then
  return {0, length, oldest}
end
redis.call('LPUSH', KEYS[1], ARGV[1])
redis.call('EXPIRE', KEYS[1], ARGV[2])
return {1, length + 1}
"""


class RedisLogThrottle(SimpleRateThrottle):
    """DRF's throttle, with the log of request times kept in Redis (``core.cache``) and read
    and written by one script: one round trip a request, where DRF gets and sets the whole
    pickled log (two, and the log's pickling). Other caches get DRF's own code."""

    num_requests: int
    duration: int
    _log: tuple[int, float | None] | None = None

    def allow_request(self, request: Request, view: APIView) -> bool:
        cache = caches[DEFAULT_CACHE_ALIAS]
        if self.rate is None or not isinstance(cache, RedisCache):
            allowed: bool = super().allow_request(request, view)
            return allowed
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        # Not DRF's key: a process of the previous release may still keep a pickled log there.
        allowed, length, *refused = cache.run_script(
            SLIDING_LOG, keys=[f"{self.key}:log"], args=[self.now, self.duration, self.num_requests]
        )
        oldest = refused[0] if refused else None
        self._log = (length, None if oldest is None else float(oldest))
        return bool(allowed)

    def wait(self) -> float | None:
        """DRF's wait, from the log the script saw."""
        if self._log is None:
            wait: float | None = super().wait()
            return wait
        length, oldest = self._log
        remaining = self.duration - (self.now - oldest) if oldest is not None else self.duration
        available = self.num_requests - length + 1
        return None if available <= 0 else remaining / float(available)


class UserThrottle(RateFromSettings, RedisLogThrottle, UserRateThrottle):
    """Requests per signed-in user (or per address when anonymous)."""


class AnonThrottle(RateFromSettings, RedisLogThrottle, AnonRateThrottle):
    """Requests per client address without a login."""


class StaffLoginThrottle(RateFromSettings, RedisLogThrottle, AnonRateThrottle):
    """Staff login attempts per client address, on top of the per-account lockout."""

    scope = "staff_login"


class UncountedPagination(Pagination):
    """Pages of a list whose total would cost more than the page: jobs near a point, where
    counting every post within the radius takes several times the page's own query. A page
    reads one row more than it shows to know whether another follows; the response has
    ``next`` and ``previous`` links but no ``count``, which a phone scrolling on does not
    need."""

    # Deep pages are a crawl, not a person scrolling; beyond this the OFFSET alone would
    # cost the database more than any page is worth.
    max_page = 1000

    def paginate_queryset(
        self, queryset: Any, request: Request, view: APIView | None = None
    ) -> list[Any] | None:
        self.request = request
        page_size = self.get_page_size(request)
        if not page_size:
            return None
        raw = request.query_params.get(self.page_query_param) or "1"
        try:
            number = int(raw)
        except ValueError:
            number = 0
        if not 1 <= number <= self.max_page:
            raise NotFound(self.invalid_page_message.format(page_number=raw, message=""))
        start = (number - 1) * page_size
        rows = list(queryset[start : start + page_size + 1])
        self.page_number, self.has_next = number, len(rows) > page_size
        return rows[:page_size]

    def get_paginated_response(self, data: Any) -> Response:
        return Response(
            {"next": self.get_next_link(), "previous": self.get_previous_link(), "results": data}
        )

    def get_next_link(self) -> str | None:
        if not self.has_next:
            return None
        assert self.request is not None  # set by paginate_queryset
        url = self.request.build_absolute_uri()
        return replace_query_param(url, self.page_query_param, self.page_number + 1)

    def get_previous_link(self) -> str | None:
        if self.page_number == 1:
            return None
        assert self.request is not None  # set by paginate_queryset
        url = self.request.build_absolute_uri()
        if self.page_number == 2:
            return remove_query_param(url, self.page_query_param)
        return replace_query_param(url, self.page_query_param, self.page_number - 1)

    def get_paginated_response_schema(self, schema: dict[str, Any]) -> dict[str, Any]:
        paged = super().get_paginated_response_schema(schema)
        del paged["properties"]["count"]
        paged["required"] = ["results"]
        return paged


class LoginVerifyAddressThrottle(RateFromSettings, RedisLogThrottle, AnonRateThrottle):
    """Login-code checks per client address (``API_THROTTLE_RATES["login_verify_address"]``)."""

    scope = "login_verify_address"
