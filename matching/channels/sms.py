"""SMS through a JSON-over-HTTP gateway."""

from __future__ import annotations

from matching.channels._http import HttpChannel, json_or_none
from matching.channels.base import Delivery, OutgoingMessage, TransientDeliveryError


class HttpSmsChannel(HttpChannel):
    """POSTs ``{"to", "sender", "text", "client_msg_id"}`` to ``url``; answer ``{"message_id"}``."""

    def __init__(
        self, url: str, api_key: str, sender: str, timeout: float = 10.0, name: str = "sms"
    ) -> None:
        super().__init__(name=name, url=url, timeout=timeout)
        self._api_key = api_key
        self.sender = sender

    def send(self, message: OutgoingMessage) -> Delivery:
        text = f"{message.title}: {message.body}" if message.title else message.body
        payload = {
            "to": message.address,
            "sender": self.sender,
            "text": text,
            "client_msg_id": message.idempotency_key,
        }
        headers = {
            "Authorization": f"Bearer {self._api_key}",
            "Idempotency-Key": message.idempotency_key,
        }
        response = self._post(self.url, payload=payload, headers=headers)
        self._raise_for_status(response)
        answer = json_or_none(response)
        message_id = answer.get("message_id") if isinstance(answer, dict) else None
        if message_id in (None, ""):
            # Accepted or not, we cannot tell; the retry carries the same key.
            raise TransientDeliveryError(
                f"{self.name}: HTTP {response.status_code} without a message id"
            )
        return Delivery(provider_message_id=str(message_id))
