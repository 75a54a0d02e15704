"""System checks of the notification settings."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import Error, register


@register()
def lease_outlasts_a_claim(app_configs: Any, **kwargs: Any) -> list[Error]:
    from matching.services.outbox import CLAIM_ROUNDS

    needed = CLAIM_ROUNDS * settings.NOTIFICATION_SEND_TIMEOUT
    lease: float = settings.NOTIFICATION_LEASE_SECONDS
    if lease <= needed:
        return [
            Error(
                f"NOTIFICATION_LEASE_SECONDS ({settings.NOTIFICATION_LEASE_SECONDS}) must exceed "
                f"{CLAIM_ROUNDS} × NOTIFICATION_SEND_TIMEOUT ({needed:g} s): a claimed message "
                "still being sent would otherwise be taken back and sent again.",
                id="matching.E001",
            )
        ]
    return []
