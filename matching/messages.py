"""The texts of notifications, in zh-hans and en (the catalogue in ``locale/`` holds zh-hans).

A template is rendered in the recipient's language when the message is dispatched, from the
context stored on the outbox row, so a message reads the same whenever a retry sends it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _


@dataclass(frozen=True)
class MessageTemplate:
    title: Promise
    body: Promise
    # Counts against the daily cap and waits out quiet hours; login codes do neither.
    is_push: bool = True
    # The context is a secret (a login code): wiped from the outbox once the message is done.
    secret: bool = False


TEMPLATES: dict[str, MessageTemplate] = {
    "post_recommended": MessageTemplate(
        title=_("A job that suits you: %(title)s"),
        body=_(
            "%(employer)s needs %(openings)s, %(wage)s, from %(starts_on)s, %(distance)s away. "
            "%(reason)s"
        ),
    ),
    "application_hired": MessageTemplate(
        title=_("You are hired: %(title)s"),
        body=_("%(employer)s expects you on %(starts_on)s. Check in with the app when you arrive."),
    ),
    "fair_booths": MessageTemplate(
        title=_("At %(fair)s: booths for you"),
        body=_("%(starts_at)s, %(venue)s. Booths that suit you: %(booths)s."),
    ),
    "staff_digest": MessageTemplate(
        title=_("Your follow-ups today: %(overdue)s overdue"),
        body=_("%(summary)s"),
        is_push=False,
    ),
    "rollups_ready": MessageTemplate(
        title=_("The figures of %(month)s are final"),
        body=_(
            "The monthly rollups of %(month)s are closed; %(warnings)s plausibility warnings "
            "to look at before publishing."
        ),
        is_push=False,
    ),
    "login_code": MessageTemplate(
        title=_("Login code"),
        body=_("Your login code is %(code)s. It is valid for 5 minutes. Never share it."),
        is_push=False,
        secret=True,
    ),
}


class _Missing(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


def render(template: str, context: dict[str, Any], language: str) -> tuple[str, str]:
    """(title, body) of ``template`` in ``language``; a missing context value renders empty.

    Context values that differ by language (names, reasons) are stored as ``{"zh-hans": …,
    "en": …}`` and the recipient's language picks one.
    """
    spec = TEMPLATES[template]
    values = _Missing(
        {
            key: value.get(language, next(iter(value.values()), ""))
            if isinstance(value, dict)
            else value
            for key, value in context.items()
        }
    )
    with translation.override(language):
        return str(spec.title) % values, str(spec.body) % values
