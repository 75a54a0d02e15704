"""Development channel: writes the message to the log instead of sending it."""

from __future__ import annotations

import logging
import uuid

from matching.channels.base import Delivery, OutgoingMessage

logger = logging.getLogger("matching.channels")


class ConsoleChannel:
    """Logs every message (logger ``matching.channels``) and reports it delivered."""

    def __init__(self, name: str = "console", **options: object) -> None:
        # The options meant for the real channel (url, api_key, timeout...) are accepted so one
        # settings block serves both; they are not used.
        self.name = name

    def send(self, message: OutgoingMessage) -> Delivery:
        provider_message_id = f"console-{uuid.uuid4().hex}"
        logger.info(
            "%s to %s [%s, %s]: %s | %s (key %s, id %s)",
            self.name,
            message.address,
            message.template,
            message.language,
            message.title,
            message.body,
            message.idempotency_key,
            provider_message_id,
        )
        return Delivery(provider_message_id=provider_message_id)

    def close(self) -> None:
        pass
