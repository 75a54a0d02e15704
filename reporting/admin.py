"""The reporting admin: the catalogue (read-only: definitions are code), programme ledgers
and annual targets entered by the bureau, report keys, month closes, and the outcome records
behind the figures (drill-through). Rows are scoped by region as in the stations admin."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from reporting.models import (
    AnnualTarget,
    Indicator,
    IndicatorVersion,
    MonthClose,
    Outcome,
    ProgrammeLedger,
    ReportToken,
)
from reporting.selectors import ledger_indicators
from reporting.services.ledgers import ledger_entry_record
from reporting.services.tokens import report_token_issue, report_token_revoke
from reporting.sources import source_admin_url
from stations.admin.base import acting_user, readonly_inline, request_scope

# Read-only for everybody, as reference data is: nothing here is edited by hand.
from stations.admin.reference import ReferenceDataAdmin as ReadOnlyAdmin
from stations.models import Region
from stations.selectors.scope import regions_in_scope


def region_scope_q(request: HttpRequest, field: str = "region") -> Q:
    """The rows whose region is in the user's scope (everything for superusers; nothing for
    staff who work at stations only: reports are by region)."""
    scope = request_scope(request)
    if scope.everything:
        return Q()
    if scope.region_path is None:
        return Q(pk__in=[])
    return Q(**{f"{field}__path__startswith": scope.region_path})


class MonthFilter(admin.SimpleListFilter):
    title = _("month")
    parameter_name = "month"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, str]]:
        months = model_admin.get_queryset(request).dates("month", "month", order="DESC")
        return [(f"{month:%Y-%m}", f"{month:%Y-%m}") for month in months[:60]]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        value = self.value()
        if not value:
            return queryset
        try:
            year, month = (int(part) for part in value.split("-"))
            return queryset.filter(month__year=year, month__month=month)
        except ValueError:
            return queryset.none()


class RegionScopedAdmin(admin.ModelAdmin):
    """Rows, object pages and region choices within the user's region."""

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        return super().get_queryset(request).filter(region_scope_q(request))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Region:
            kwargs["queryset"] = regions_in_scope(request_scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


# --- Catalogue ------------------------------------------------------------------------------


@readonly_inline
class IndicatorVersionInline(admin.TabularInline):
    model = IndicatorVersion
    fields = (
        "number",
        "measure",
        "definition",
        "description_en",
        "created_at",
        "superseded_at",
    )
    readonly_fields = fields


@admin.register(Indicator)
class IndicatorAdmin(ReadOnlyAdmin):
    """Read-only: a definition changes in reporting/catalogue.py, and a changed one becomes a
    new version when the catalogue is synced."""

    list_display = ["code", "name_zh_hans", "name_en", "unit", "section", "at_most_100"]
    list_filter = ["section", "unit"]
    search_fields = ["code", "name_zh_hans", "name_en"]
    inlines = [IndicatorVersionInline]


# --- Ledgers and targets ----------------------------------------------------------------------


@admin.register(ProgrammeLedger)
class ProgrammeLedgerAdmin(RegionScopedAdmin):
    list_display = ["indicator", "region", "month", "value", "note", "entered_by"]
    list_filter = [
        ("indicator", admin.RelatedOnlyFieldListFilter),
        ("region", admin.RelatedOnlyFieldListFilter),
        MonthFilter,
    ]
    list_select_related = ["indicator", "region", "entered_by"]
    fields = ["indicator", "region", "month", "value", "note"]
    readonly_fields = ["entered_by"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "indicator":
            kwargs["queryset"] = ledger_indicators()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        # Which figure an entry is stays put; a wrong one is deleted and entered again.
        return ["indicator", "region", "month", "entered_by"] if obj else ["entered_by"]

    def save_model(
        self, request: HttpRequest, obj: ProgrammeLedger, form: Any, change: bool
    ) -> None:
        try:
            saved, _outcome = ledger_entry_record(
                indicator=obj.indicator,
                region=obj.region,
                month=obj.month,
                value=obj.value,
                note=obj.note,
                by=acting_user(request),
            )
        except DomainError as error:
            # The form only offers ledger indicators; this is a changed catalogue meanwhile.
            self.message_user(request, error.message, messages.ERROR)
            return
        obj.__dict__.update(saved.__dict__)


@admin.register(AnnualTarget)
class AnnualTargetAdmin(RegionScopedAdmin):
    list_display = ["indicator", "region", "year", "value"]
    list_filter = ["year", ("indicator", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["indicator", "region"]
    fields = ["indicator", "region", "year", "value"]


# --- Report keys ------------------------------------------------------------------------------


class ReportTokenForm(forms.ModelForm):
    lifetime_days = forms.IntegerField(
        label=_("valid for (days)"), min_value=1, max_value=3660, initial=365
    )

    class Meta:
        model = ReportToken
        fields = ["name", "region"]


@admin.register(ReportToken)
class ReportTokenAdmin(RegionScopedAdmin):
    """A key is shown once, in the message after it is made; only its digest is kept."""

    list_display = [
        "name",
        "prefix",
        "region",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    list_filter = [("region", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["region", "created_by"]
    readonly_fields = [
        "prefix",
        "created_by",
        "created_at",
        "expires_at",
        "revoked_at",
        "last_used_at",
    ]
    actions = ["revoke"]

    def get_form(self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any):
        if obj is None:
            kwargs["form"] = ReportTokenForm
            kwargs["fields"] = ["name", "region", "lifetime_days"]
        return super().get_form(request, obj, change=change, **kwargs)

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["name", "region", "lifetime_days"]
        return ["name", "region", *self.readonly_fields]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["name", "region", *self.readonly_fields] if obj else []

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a key is revoked and another made, never edited

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a revoked key stays on record

    def save_model(self, request: HttpRequest, obj: ReportToken, form: Any, change: bool) -> None:
        token, key = report_token_issue(
            name=obj.name,
            region=obj.region,
            by=acting_user(request),
            lifetime=dt.timedelta(days=form.cleaned_data["lifetime_days"]),
        )
        obj.__dict__.update(token.__dict__)
        self.message_user(
            request,
            gettext("The key of %(name)s is %(key)s. Copy it now: it is shown only this once.")
            % {"name": token.name, "key": key},
            messages.WARNING,
        )

    @admin.action(description=_("Revoke the selected keys"), permissions=["add"])
    def revoke(self, request: HttpRequest, queryset: QuerySet[ReportToken]) -> None:
        now = timezone.now()
        count = 0
        for token in queryset.filter(revoked_at__isnull=True):
            report_token_revoke(token=token, now=now)
            count += 1
        self.message_user(
            request, gettext("%(count)d keys revoked.") % {"count": count}, messages.SUCCESS
        )


# --- Month closes and outcome records ---------------------------------------------------------


@admin.register(MonthClose)
class MonthCloseAdmin(ReadOnlyAdmin):
    list_display = ["month", "closed_at", "warning_count"]
    fields = ("month", "closed_at", "warnings")
    readonly_fields = fields

    @admin.display(description=_("warnings"))
    def warning_count(self, close: MonthClose) -> int:
        return len(close.warnings or [])


@admin.register(Outcome)
class OutcomeAdmin(ReadOnlyAdmin):
    """The records behind the figures, for staff who may see records: each row links to
    the station record it comes from."""

    list_display = ["kind", "month", "region", "category", "tags", "amount", "source_link"]
    list_filter = ["kind", MonthFilter, ("region", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["region"]
    fields = (
        "source",
        "source_id",
        "kind",
        "item",
        "month",
        "region",
        "category",
        "tags",
        "amount",
    )
    readonly_fields = fields
    show_full_result_count = False

    def get_queryset(self, request: HttpRequest) -> QuerySet[Outcome]:
        rows = super().get_queryset(request)
        if not request_scope(request).personal_records:
            return rows.none()
        return rows.filter(region_scope_q(request)).order_by("-month", "-pk")

    @admin.display(description=_("source record"))
    def source_link(self, outcome: Outcome) -> str:
        url = source_admin_url(outcome.source, outcome.source_id)
        label = f"{outcome.source} #{outcome.source_id}"
        return format_html('<a href="{}">{}</a>', url, label) if url else label
