"""Closing a month: its figures applied to the last change, recorded as final with the
plausibility warnings found at the time, and bureau users told the rollup is ready."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.conf import settings
from django.contrib.auth.models import User
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction

from matching.models import Notification
from reporting.checks import month_warnings
from reporting.models import MonthClose
from reporting.services.rollups import rollups_apply
from stations.models.organisation import StaffRole

BUREAU_ROLES = (StaffRole.BUREAU_ANALYST, StaffRole.BUREAU_ADMIN)


class _LenientEncoder(DjangoJSONEncoder):
    def default(self, o: Any) -> Any:
        try:
            return super().default(o)
        except TypeError:
            return str(o)


def _as_json(value: Any) -> Any:
    import dataclasses

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    return json.loads(json.dumps(value, cls=_LenientEncoder))


def plausibility_warnings(month: dt.date) -> list[Any]:
    """The month's plausibility warnings (reporting.checks) as JSON, to keep with the close."""
    return [_as_json(warning) for warning in month_warnings(month)]


def bureau_users() -> list[User]:
    """Active users with a bureau role: the ones a closed month concerns."""
    return list(User.objects.filter(is_active=True, staff__role__in=BUREAU_ROLES).order_by("pk"))


def month_ready_notify(*, close: MonthClose, now: dt.datetime) -> int:
    """One in-app message per bureau user that the month's rollup is final; a second call
    for the same month writes none (the outbox key is per user and month). Returns how many
    were written."""
    month = f"{close.month:%Y-%m}"
    rows = [
        Notification(
            user=user,
            channel=Notification.Channel.IN_APP,
            template="rollups_ready",
            context={"month": month, "warnings": len(close.warnings)},
            dedup_key=f"rollups_ready:{user.pk}:{month}:{Notification.Channel.IN_APP}",
            # Staff have no language of their own on record: the site's.
            language=settings.LANGUAGE_CODE,
            status=Notification.Status.SENT,
            sent_at=now,
            next_attempt_at=now,
            created_at=now,
        )
        for user in bureau_users()
    ]
    keys = {row.dedup_key for row in rows}
    existing = set(
        Notification.objects.filter(dedup_key__in=keys).values_list("dedup_key", flat=True)
    )
    fresh = [row for row in rows if row.dedup_key not in existing]
    Notification.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def month_close(*, month: dt.date, now: dt.datetime) -> MonthClose | None:
    """Close ``month`` (its first day): apply what is pending, record the close with its
    warnings, notify the bureau users. Returns the close, or None when the month was closed
    already (a second run, a redelivered task), which then changes nothing."""
    month = month.replace(day=1)
    if MonthClose.objects.filter(month=month).exists():
        return None
    rollups_apply()
    warnings = plausibility_warnings(month)
    with transaction.atomic():
        # The claim: the month is unique, so of two closes at once one creates the row.
        close, created = MonthClose.objects.get_or_create(
            month=month, defaults={"closed_at": now, "warnings": warnings}
        )
        if not created:
            return None
        month_ready_notify(close=close, now=now)
    return close
