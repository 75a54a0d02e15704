"""The one interface every notification channel implements.

The outbox (``matching.models.Notification``) decides *whether* and *when* a message goes
out (consent, quiet hours, daily cap, retries); a channel only delivers one rendered message
and says how it went. Channels hold no Django models: the dispatcher hands them an
``OutgoingMessage`` and gets a ``Delivery`` back, or one of the two errors below.

Exactly once: every message carries its outbox deduplication key as ``idempotency_key``.
HTTP channels send it to the gateway (header ``Idempotency-Key`` and the provider's own
client-message-id field where it has one), so a message re-sent after a worker died between
the gateway's acceptance and our bookkeeping is recognised by the gateway, not delivered twice.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol


@dataclass(frozen=True)
class OutgoingMessage:
    idempotency_key: str
    address: str  # phone number, device token, WeChat openid, or the inbox owner's id
    title: str
    body: str
    language: str  # "zh-hans" or "en"
    template: str  # template code, e.g. "post_recommended", "login_code"
    data: dict[str, Any] = field(default_factory=dict)  # deep-link payload (post id, ...)


@dataclass(frozen=True)
class Delivery:
    provider_message_id: str


class TransientDeliveryError(Exception):
    """Worth retrying later: timeouts, connection refused, HTTP 429 and 5xx."""

    def __init__(self, message: str, retry_after: float | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after  # seconds, when the gateway said (Retry-After)


class PermanentDeliveryError(Exception):
    """Retrying will not help: invalid number or token, rejected template, HTTP 4xx."""


class Channel(Protocol):
    name: str

    def send(self, message: OutgoingMessage) -> Delivery:
        """Deliver one message or raise one of the two errors above. Thread-safe."""
        ...
