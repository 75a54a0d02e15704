"""Bureaus' read-only keys to the reports API: issued for a region, shown once, revoked."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.errors import DomainError
from reporting.models import ReportToken
from stations.models import Region

# 32 random bytes: a key nobody guesses; the prefix only tells keys apart in the admin.
KEY_BYTES = 32
PREFIX_LENGTH = 8


def report_key_digest(key: str) -> str:
    """What is stored of a key: its SHA-256. A key is random, so no salt or stretching is
    needed (there is no dictionary to try)."""
    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def report_token_issue(
    *,
    name: str,
    region: Region,
    by: User,
    lifetime: dt.timedelta,
    now: dt.datetime | None = None,
) -> tuple[ReportToken, str]:
    """A new key for ``region`` and everything under it, and the key itself: returned here
    once and never stored."""
    if lifetime <= dt.timedelta(0):
        raise DomainError(
            _("A key must last some time."), field_errors={"lifetime": [_("must be positive")]}
        )
    now = now or timezone.now()
    key = secrets.token_urlsafe(KEY_BYTES)
    token = ReportToken.objects.create(
        name=name,
        region=region,
        prefix=key[:PREFIX_LENGTH],
        digest=report_key_digest(key),
        created_by=by,
        expires_at=now + lifetime,
    )
    return token, key


@transaction.atomic
def report_token_revoke(*, token: ReportToken, now: dt.datetime | None = None) -> ReportToken:
    """Stop a key from working; revoking a revoked key keeps its first revocation time."""
    now = now or timezone.now()
    ReportToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=now)
    token.refresh_from_db(fields=["revoked_at"])
    return token
