"""What the HTTP channels share: one keep-alive client each, and the mapping of HTTP failures."""

from __future__ import annotations

import functools
import math
import ssl
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx
from django.core.exceptions import ImproperlyConfigured

from matching.channels.base import PermanentDeliveryError, TransientDeliveryError

# Enough keep-alive connections for every dispatcher thread of a process to hold one.
POOL_LIMITS = httpx.Limits(max_connections=100, max_keepalive_connections=100, keepalive_expiry=30)


@functools.cache
def shared_ssl_context() -> ssl.SSLContext:
    """One verifying TLS context for every channel: loading the CA bundle takes ~20 ms."""
    return httpx.create_ssl_context()


class HttpChannel:
    """Base of the HTTP channels: a thread-safe ``httpx.Client`` reused for every send."""

    def __init__(self, *, name: str, url: str, timeout: float) -> None:
        if not url.startswith(("http://", "https://")):
            raise ImproperlyConfigured(f"Notification channel {name!r} needs an http(s) URL.")
        self.name = name
        self.url = url.rstrip("/")
        self.timeout = timeout
        self._client = httpx.Client(
            timeout=httpx.Timeout(timeout),
            limits=POOL_LIMITS,
            verify=shared_ssl_context(),
            follow_redirects=False,
        )

    def close(self) -> None:
        self._client.close()

    def _post(
        self,
        url: str,
        *,
        payload: dict[str, Any],
        headers: dict[str, str] | None = None,
        params: dict[str, str] | None = None,
    ) -> httpx.Response:
        # Either way the gateway may or may not have the message: the idempotency key makes the
        # retry safe.
        try:
            return self._client.post(url, json=payload, headers=headers, params=params)
        except httpx.TimeoutException as error:
            raise TransientDeliveryError(
                f"{self.name}: no answer within {self.timeout:g} s ({type(error).__name__})"
            ) from error
        except httpx.RequestError as error:
            raise TransientDeliveryError(
                f"{self.name}: gateway unreachable ({type(error).__name__}: {error})"
            ) from error

    def _raise_for_status(self, response: httpx.Response, detail: str = "") -> None:
        """Transient for 408, 429 and 5xx (with Retry-After); permanent for the rest but 2xx."""
        status = response.status_code
        if response.is_success:
            return
        message = f"{self.name}: HTTP {status} {detail or excerpt(response)}".rstrip()
        if status in (408, 429) or status >= 500:
            raise TransientDeliveryError(message, retry_after=retry_after_seconds(response))
        raise PermanentDeliveryError(message)


def json_or_none(response: httpx.Response) -> Any:
    try:
        return response.json()
    except ValueError:
        return None


def excerpt(response: httpx.Response, limit: int = 200) -> str:
    return response.text[:limit]


def retry_after_seconds(response: httpx.Response) -> float | None:
    """The Retry-After header in seconds (delay-seconds or an HTTP date), None when absent or bad.

    ``Retry-After: 120`` → 120.0; ``Retry-After: Wed, 21 Oct 2026 07:28:00 GMT`` → the seconds
    from now until then, never below 0.
    """
    value = response.headers.get("Retry-After", "").strip()
    if not value:
        return None
    try:
        seconds = float(value)
    except ValueError:
        try:
            when = parsedate_to_datetime(value)
        except (TypeError, ValueError):
            return None
        if when.tzinfo is None:
            return None
        seconds = (when - datetime.now(UTC)).total_seconds()
    if not math.isfinite(seconds):
        return None
    return max(0.0, seconds)
