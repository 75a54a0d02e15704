"""Status machines: one table of legal moves per status field, checked in one place."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import TypeVar

from django.db import models
from django.utils.translation import gettext as _

from core.errors import IllegalTransition

Status = TypeVar("Status", bound=models.TextChoices)


def check_transition(
    table: Mapping[Status, Collection[Status]], current: str, target: Status, *, what: str
) -> None:
    """Refuse ``current`` → ``target`` unless ``table`` allows it; ``what`` names the record
    in the active language (the caller translates it)."""
    allowed = table.get(current, ())  # type: ignore[call-overload]
    if target not in allowed:
        choices = next(iter(table)).__class__
        target = choices(target)
        current_label = choices(current).label if current else "-"
        raise IllegalTransition(
            _("A %(what)s that is %(current)s cannot become %(target)s.")
            % {"what": what, "current": current_label, "target": target.label},
            field_errors={
                "status": [
                    _("%(current)s → %(target)s is not allowed")
                    % {"current": current, "target": target.value}
                ]
            },
        )
