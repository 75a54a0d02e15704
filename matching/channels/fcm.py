"""App push through Firebase Cloud Messaging, HTTP v1 API."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import quote

from matching.channels._http import HttpChannel, Response, excerpt, json_or_none
from matching.channels.base import (
    Delivery,
    OutgoingMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
)

# FCM's own verdicts that retrying cannot change (firebase.google.com/docs/reference/fcm/rest/v1/
# ErrorCode): the token is gone, or the message is malformed.
PERMANENT_ERROR_CODES = {"UNREGISTERED", "INVALID_ARGUMENT", "SENDER_ID_MISMATCH"}


class FcmChannel(HttpChannel):
    """POSTs ``{"message": {"token", "notification", "data"}}`` to ``messages:send``."""

    def __init__(
        self,
        url: str,
        project_id: str,
        access_token: str,
        timeout: float = 10.0,
        name: str = "push",
    ) -> None:
        super().__init__(name=name, url=url, timeout=timeout)
        self.project_id = project_id
        self._access_token = access_token
        self.endpoint = f"{self.url}/v1/projects/{quote(project_id, safe='')}/messages:send"

    def send(self, message: OutgoingMessage) -> Delivery:
        data = {str(key): as_data_string(value) for key, value in message.data.items()}
        data["dedup"] = message.idempotency_key  # what the app drops a repeat by
        payload = {
            "message": {
                "token": message.address,
                "notification": {"title": message.title, "body": message.body},
                "data": data,
            }
        }
        headers = {
            "Authorization": f"Bearer {self._access_token}",
            "Idempotency-Key": message.idempotency_key,
        }
        response = self._post(self.endpoint, payload=payload, headers=headers)
        if not response.is_success:
            self._raise_fcm_error(response)
        answer = json_or_none(response)
        name = answer.get("name") if isinstance(answer, dict) else None
        if not name:
            raise TransientDeliveryError(f"{self.name}: HTTP {response.status_code} without a name")
        return Delivery(provider_message_id=str(name))

    def _raise_fcm_error(self, response: Response) -> None:
        status, error_code = fcm_error(response)
        if (
            response.status_code == 404
            or error_code in PERMANENT_ERROR_CODES
            or status == "INVALID_ARGUMENT"
        ):
            detail = f"{error_code or status} {excerpt(response)}"
            raise PermanentDeliveryError(f"{self.name}: HTTP {response.status_code} {detail}")
        self._raise_for_status(response, detail=error_code or status)


def fcm_error(response: Response) -> tuple[str, str]:
    """The error's status (``"NOT_FOUND"``) and FcmError code (``"UNREGISTERED"``), or ``""``."""
    answer = json_or_none(response)
    error = answer.get("error") if isinstance(answer, dict) else None
    if not isinstance(error, dict):
        return "", ""
    status = str(error.get("status") or "")
    for detail in error.get("details") or []:
        if isinstance(detail, dict) and detail.get("errorCode"):
            return status, str(detail["errorCode"])
    return status, ""


def as_data_string(value: Any) -> str:
    """FCM data values must be strings: ``"a"`` stays, ``42`` → ``"42"``, ``True`` → ``"true"``."""
    if isinstance(value, str):
        return value
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
