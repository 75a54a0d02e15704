"""Throttles that read the request body: login-code checks per phone number."""

from __future__ import annotations

from typing import Any

from rest_framework.request import Request

from core.errors import DomainError
from core.rest import RateFromSettings, RedisLogThrottle
from stations.services.accounts import normalized_phone


class LoginVerifyPhoneThrottle(RateFromSettings, RedisLogThrottle):
    """Login-code checks per phone (``API_THROTTLE_RATES["login_verify_phone"]``), whichever
    addresses they come from: on top of the attempts each code allows, this bounds the
    guesses at one phone's codes from many addresses."""

    scope = "login_verify_phone"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        data = request.data
        raw = data.get("phone") if isinstance(data, dict) else None
        if not isinstance(raw, str):
            return None  # the view answers the field error
        try:
            phone = normalized_phone(raw)
        except DomainError:
            return None
        return self.cache_format % {"scope": self.scope, "ident": phone}
