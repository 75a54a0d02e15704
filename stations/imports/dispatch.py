"""Import kind ``sign-ins``: the station day's history (who came to which station on which
day, and whether they were dispatched), for bureaus bringing their registers in."""

from __future__ import annotations

import datetime as dt

from django.contrib.auth.models import User
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from stations.imports.base import Outcome, Row, RowError, RowKind, choice, required
from stations.imports.records import _seeker
from stations.models import SignIn, Station
from stations.models.dispatch import NotDispatchedReason, SignInMethod


def _signed_in_at(row: Row, day: dt.date) -> dt.datetime:
    value = row.get("signed_in_at", "")
    if not value:
        # Registers often keep only the day: the morning's opening hour stands in.
        return timezone.make_aware(dt.datetime.combine(day, dt.time(7, 0)))
    try:
        moment = dt.datetime.fromisoformat(value)
    except ValueError as error:
        raise RowError(
            _("%(value)s is not a time (YYYY-MM-DD HH:MM)") % {"value": repr(value)},
            column="signed_in_at",
        ) from error
    if timezone.is_naive(moment):
        moment = timezone.make_aware(moment)
    if timezone.localdate(moment) != day:
        raise RowError(_("is not on the row's day"), column="signed_in_at")
    return moment


def import_sign_in_row(row: Row, *, by: User | None, now: dt.datetime) -> Outcome:
    code = required(row, "station")
    station = Station.objects.select_for_update().filter(code=code).first()
    if station is None:
        raise RowError(_("no station has the code %(code)s") % {"code": code}, column="station")
    try:
        day = dt.date.fromisoformat(required(row, "day"))
    except ValueError as error:
        raise RowError(_("is not a date (YYYY-MM-DD)"), column="day") from error
    if day > timezone.localdate(now):
        raise RowError(_("is in the future"), column="day")
    seeker = _seeker(row)
    method = choice(row, "method", SignInMethod, SignInMethod.COUNTER)
    reason = choice(row, "not_dispatched_reason", NotDispatchedReason, "")
    signed_in_at = _signed_in_at(row, day)
    existing = SignIn.objects.filter(station=station, seeker=seeker, day=day).first()
    if existing is not None:
        # A dispatch recorded here stands: the register cannot undo a hire.
        if existing.application_id is not None or (
            (existing.method, existing.not_dispatched_reason) == (method, reason)
        ):
            return "unchanged"
        existing.method, existing.not_dispatched_reason = method, reason
        existing.save(update_fields=["method", "not_dispatched_reason", "updated_at"])
        return "updated"
    last = SignIn.objects.filter(station=station, day=day).aggregate(last=Max("position"))["last"]
    SignIn.objects.create(
        station=station,
        seeker=seeker,
        day=day,
        signed_in_at=signed_in_at,
        method=method,
        position=(last or 0) + 1,
        not_dispatched_reason=reason,
    )
    return "created"


KINDS: dict[str, RowKind] = {
    "sign-ins": RowKind(("station", "day"), import_sign_in_row),
}
