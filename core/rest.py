"""Pagination and throttles for DRF's settings.

Kept apart from ``core.api``: DRF imports these while it defines ``APIView``, so this module
must not import ``rest_framework.views`` itself.
"""

from __future__ import annotations

from django.conf import settings
from rest_framework.pagination import PageNumberPagination
from rest_framework.throttling import AnonRateThrottle, UserRateThrottle


class Pagination(PageNumberPagination):
    """``?page=N&page_size=M``, at most 100 a page."""

    page_size_query_param = "page_size"
    max_page_size = 100


class _RateFromSettings:
    """Rates read from ``settings.API_THROTTLE_RATES`` when used, not when imported, so a
    deployment (or a test) sets them like any other setting."""

    def get_rate(self) -> str | None:
        scope: str | None = getattr(self, "scope", None)
        return settings.API_THROTTLE_RATES.get(scope) if scope else None


class UserThrottle(_RateFromSettings, UserRateThrottle):
    """Requests per signed-in user (or per address when anonymous)."""


class AnonThrottle(_RateFromSettings, AnonRateThrottle):
    """Requests per client address without a login."""


class StaffLoginThrottle(_RateFromSettings, AnonRateThrottle):
    """Staff login attempts per client address, on top of the per-account lockout."""

    scope = "staff_login"
