"""WeChat official-account template messages."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from matching.channels._http import HttpChannel, json_or_none
from matching.channels.base import (
    Delivery,
    OutgoingMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
)

# WeChat answers HTTP 200 and says what went wrong in ``errcode``. These two pass with time:
# -1 system busy, 45009 the API's call quota is used up (developers.weixin.qq.com, 全局返回码).
TRANSIENT_ERRCODES = {-1, 45009}


class WechatTemplateChannel(HttpChannel):
    """POSTs a template message to ``/cgi-bin/message/template/send``; answer ``{"msgid"}``."""

    def __init__(
        self,
        url: str,
        access_token: str,
        template_ids: Mapping[str, str],
        timeout: float = 10.0,
        name: str = "wechat",
    ) -> None:
        super().__init__(name=name, url=url, timeout=timeout)
        self._access_token = access_token
        self.template_ids = dict(template_ids)  # our template code → WeChat template id
        self.endpoint = f"{self.url}/cgi-bin/message/template/send"

    def send(self, message: OutgoingMessage) -> Delivery:
        template_id = self.template_ids.get(message.template)
        if not template_id:
            raise PermanentDeliveryError(
                f"{self.name}: no WeChat template id configured for {message.template!r}"
            )
        payload: dict[str, Any] = {
            "touser": message.address,
            "template_id": template_id,
            "data": {"first": {"value": message.title}, "keyword1": {"value": message.body}},
            "client_msg_id": message.idempotency_key,
        }
        link = message.data.get("url")
        if isinstance(link, str) and link:
            payload["url"] = link  # opened when the reader taps the message
        response = self._post(
            self.endpoint,
            payload=payload,
            headers={"Idempotency-Key": message.idempotency_key},
            params={"access_token": self._access_token},
        )
        self._raise_for_status(response)
        answer = json_or_none(response)
        if not isinstance(answer, dict):
            raise TransientDeliveryError(
                f"{self.name}: HTTP {response.status_code}, no JSON answer"
            )
        errcode = answer.get("errcode", 0)
        if errcode != 0:
            text = f"{self.name}: errcode {errcode} {answer.get('errmsg', '')}".rstrip()
            if errcode in TRANSIENT_ERRCODES:
                raise TransientDeliveryError(text)
            raise PermanentDeliveryError(text)
        msgid = answer.get("msgid")
        if msgid in (None, ""):
            raise TransientDeliveryError(f"{self.name}: errcode 0 without a msgid")
        return Delivery(provider_message_id=str(msgid))
