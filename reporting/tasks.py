"""Celery tasks of reporting: one line each around a service, safe to run twice.

``reporting.rollups_apply`` runs every minute (beat) so reads seldom find changes waiting;
``reporting.month_close`` runs on the 1st at 02:00 (Asia/Shanghai) and closes the month
before. Both are idempotent: applying twice finds nothing pending, and a month is closed
once (its MonthClose row is the claim).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from celery import shared_task
from django.utils import timezone

from reporting.selectors import add_months, first_of_month
from reporting.services import month_close as closing
from reporting.services.rollups import rollups_apply as apply_pending
from stations.followup_tasks import DAILY

# Retried on the database's transient errors as the stations' daily tasks are; each task sets
# its own time limits.
RETRIED: dict[str, Any] = {k: v for k, v in DAILY.items() if not k.endswith("time_limit")}


@shared_task(name="reporting.rollups_apply", soft_time_limit=50, time_limit=58, **RETRIED)
def rollups_apply() -> int:
    """Every minute: apply the captured changes to the facts. The applier takes a lock, so a
    tick that overlaps the last one waits instead of counting twice."""
    return apply_pending()


@shared_task(name="reporting.month_close", soft_time_limit=1800, time_limit=1860, **RETRIED)
def month_close(month: str | None = None) -> str | None:
    """Monthly: close the previous month (or ``month``, "YYYY-MM"). Returns the month closed,
    or None if it was closed already."""
    now = timezone.now()
    if month:
        first = dt.datetime.strptime(month, "%Y-%m").date()
    else:
        first = add_months(first_of_month(timezone.localdate(now)), -1)
    close = closing.month_close(month=first, now=now)
    return f"{close.month:%Y-%m}" if close else None
