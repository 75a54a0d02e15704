"""Notification channels, built from ``settings.NOTIFICATION_CHANNELS`` by name.

``get_channel("sms")`` imports the configured ``BACKEND`` and calls it with the ``OPTIONS``,
``timeout=settings.NOTIFICATION_SEND_TIMEOUT`` (an ``OPTIONS["timeout"]`` wins) and
``name="sms"``. Each process builds a channel once and reuses it, with its connections, from
every thread; changing the settings (``override_settings`` in tests) closes and forgets them.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.utils.module_loading import import_string

from matching.channels.base import (
    Channel,
    Delivery,
    OutgoingMessage,
    PermanentDeliveryError,
    TransientDeliveryError,
)

__all__ = [
    "Channel",
    "Delivery",
    "OutgoingMessage",
    "PermanentDeliveryError",
    "TransientDeliveryError",
    "channels_reset",
    "get_channel",
]

_lock = threading.Lock()
_channels: dict[str, Channel] = {}
_owner_pid = os.getpid()
# Channels inherited through fork(): their connections and locks belong to the parent, so the
# child neither uses nor closes them, only keeps them from being finalised.
_inherited: list[Channel] = []


def get_channel(name: str) -> Channel:
    """The channel configured as ``name``, built on first use in this process."""
    global _owner_pid
    with _lock:
        if _owner_pid != os.getpid():
            _inherited.extend(_channels.values())
            _channels.clear()
            _owner_pid = os.getpid()
        channel = _channels.get(name)
        if channel is None:
            channel = _channels[name] = _build(name)
        return channel


def _build(name: str) -> Channel:
    config = settings.NOTIFICATION_CHANNELS.get(name)
    if config is None:
        known = ", ".join(sorted(settings.NOTIFICATION_CHANNELS)) or "none"
        raise ImproperlyConfigured(
            f"No notification channel {name!r} in NOTIFICATION_CHANNELS (configured: {known})."
        )
    backend = config.get("BACKEND")
    options = config.get("OPTIONS") or {}
    if not isinstance(backend, str) or not isinstance(options, dict):
        raise ImproperlyConfigured(
            f"NOTIFICATION_CHANNELS[{name!r}] needs a BACKEND dotted path and an OPTIONS dict."
        )
    try:
        factory = import_string(backend)
    except ImportError as error:
        raise ImproperlyConfigured(
            f"NOTIFICATION_CHANNELS[{name!r}]: cannot import {backend!r} ({error})."
        ) from error
    arguments: dict[str, Any] = {"timeout": settings.NOTIFICATION_SEND_TIMEOUT, **options}
    arguments["name"] = name
    try:
        channel: Channel = factory(**arguments)
    except TypeError as error:
        raise ImproperlyConfigured(
            f"NOTIFICATION_CHANNELS[{name!r}]: OPTIONS do not fit {backend} ({error})."
        ) from error
    return channel


def channels_reset() -> None:
    """Close and forget every channel built so far; the next ``get_channel`` builds anew."""
    with _lock:
        channels = list(_channels.values())
        _channels.clear()
    for channel in channels:
        close = getattr(channel, "close", None)
        if callable(close):
            close()


@receiver(setting_changed)
def _channels_reset_on_setting_changed(*, setting: str, **kwargs: object) -> None:
    if setting in {"NOTIFICATION_CHANNELS", "NOTIFICATION_SEND_TIMEOUT"}:
        channels_reset()
