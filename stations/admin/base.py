"""What every station admin shares: scoped querysets, masked personal data, service errors
shown as messages, and simple-history views that never show a phone number in clear."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext as _
from simple_history.admin import SimpleHistoryAdmin
from simple_history.template_utils import HistoricalRecordContextHelper

from core.errors import DomainError
from stations.selectors.scope import (
    Scope,
    applications_in_scope,
    employers_in_scope,
    posts_in_scope,
    scope_for,
    seekers_in_scope,
    stations_in_scope,
)
from stations.validators import mask_phone

PHONE_FIELDS = {"phone", "contact_phone"}


def request_scope(request: HttpRequest) -> Scope:
    return scope_for(request.user)


def acting_user(request: HttpRequest) -> User:
    """The signed-in staff member (the admin lets nobody else this far)."""
    assert isinstance(request.user, User)
    return request.user


def masked_phone(value: str | None) -> str:
    return mask_phone(value) if value else "-"


class MaskedHistoryHelper(HistoricalRecordContextHelper):
    """Change history without phone numbers in clear."""

    def prepare_delta_change_value(self, change: Any, value: Any) -> Any:
        if change.field in PHONE_FIELDS and value:
            return mask_phone(str(value))
        return super().prepare_delta_change_value(change, value)


# Foreign keys to these models only offer the records in the user's scope.
_SCOPED_CHOICES: dict[str, Callable[[Scope], QuerySet[Any]]] = {
    "stations.station": stations_in_scope,
    "stations.jobseeker": seekers_in_scope,
    "stations.employer": employers_in_scope,
    "stations.jobpost": posts_in_scope,
    "stations.application": applications_in_scope,
}


class ScopedAdmin(SimpleHistoryAdmin):
    """A model admin whose rows, object pages and foreign-key choices stay in scope."""

    scope_selector: Callable[[Scope], QuerySet[Any]]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        in_scope = type(self).scope_selector(request_scope(request))
        rows = super().get_queryset(request).filter(pk__in=in_scope.values("pk"))
        # Newest first unless the admin says otherwise; pages (and the autocomplete's) need
        # a stable order.
        return rows if rows.ordered else rows.order_by("-pk")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        selector = _SCOPED_CHOICES.get(db_field.related_model._meta.label_lower)
        if selector is not None:
            kwargs["queryset"] = selector(request_scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_historical_record_context_helper(
        self, request: HttpRequest, historical_record: Any
    ) -> HistoricalRecordContextHelper:
        return MaskedHistoryHelper(self.model, historical_record)

    def run_service_on_each(
        self,
        request: HttpRequest,
        objects: Iterable[Any],
        service: Callable[[Any], object],
        done_message: str,
    ) -> None:
        """Apply ``service`` to each selected row; refusals are reported row by row."""
        done = 0
        for obj in objects:
            try:
                service(obj)
            except DomainError as error:
                self.message_user(
                    request,
                    _("%(object)s: %(message)s") % {"object": obj, "message": error.message},
                    messages.ERROR,
                )
            else:
                done += 1
        if done:
            self.message_user(request, done_message % {"count": done}, messages.SUCCESS)


def readonly_inline(model_admin: type[admin.TabularInline]) -> type[admin.TabularInline]:
    """Make an inline read-only: rows are shown, never added, changed or deleted here."""

    def no(self: Any, request: HttpRequest, obj: object = None) -> bool:
        return False

    model_admin.has_add_permission = no  # type: ignore[method-assign]
    model_admin.has_change_permission = no  # type: ignore[method-assign]
    model_admin.has_delete_permission = no  # type: ignore[method-assign]
    model_admin.can_delete = False
    model_admin.extra = 0
    return model_admin
