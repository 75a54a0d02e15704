from __future__ import annotations

from django.contrib import admin
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations.admin.base import ScopedAdmin, acting_user
from stations.models import WageClaim, WagePayment
from stations.models.placements import WageClaimStatus
from stations.selectors.scope import Scope, placements_in_scope, wage_claims_in_scope
from stations.services.wages import wage_claim_file, wage_claim_move, wage_payment_record


def _payments_in_scope(scope: Scope) -> QuerySet[WagePayment]:
    return WagePayment.objects.filter(placement__in=placements_in_scope(scope))


@admin.register(WagePayment)
class WagePaymentAdmin(ScopedAdmin):
    scope_selector = staticmethod(_payments_in_scope)
    list_display = ["placement", "amount", "paid_on", "recorded_by"]
    list_select_related = ["placement__application__seeker", "recorded_by"]
    date_hierarchy = "paid_on"
    fields = ["placement", "amount", "paid_on", "note"]
    raw_id_fields = ["placement"]

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a wrong payment is corrected by another entry, never rewritten

    def save_model(
        self, request: HttpRequest, obj: WagePayment, form: object, change: bool
    ) -> None:
        saved = wage_payment_record(
            placement=obj.placement,
            amount=obj.amount,
            paid_on=obj.paid_on,
            by=acting_user(request),
            note=obj.note,
        )
        obj.__dict__.update(saved.__dict__)


@admin.register(WageClaim)
class WageClaimAdmin(ScopedAdmin):
    scope_selector = staticmethod(wage_claims_in_scope)
    list_display = [
        "seeker",
        "employer",
        "amount_claimed",
        "amount_recovered",
        "status",
        "filed_at",
    ]
    list_filter = ["status"]
    list_select_related = ["seeker", "employer"]
    search_fields = ["seeker__full_name", "employer__name"]
    autocomplete_fields = ["seeker", "employer"]
    raw_id_fields = ["placement"]
    readonly_fields = ["status", "filed_at", "closed_at"]
    actions = ["mediate", "settle", "transfer"]

    def save_model(self, request: HttpRequest, obj: WageClaim, form: object, change: bool) -> None:
        if change:
            # Only the description and the amount recovered so far change here; the status
            # moves through the actions.
            obj._history_user = request.user  # type: ignore[attr-defined]
            obj.save()
            return
        saved = wage_claim_file(
            seeker=obj.seeker,
            employer=obj.employer,
            placement=obj.placement,
            amount_claimed=obj.amount_claimed,
            description=obj.description,
            by=acting_user(request),
            now=timezone.now(),
        )
        obj.__dict__.update(saved.__dict__)

    def _move_each(
        self, request: HttpRequest, queryset: QuerySet[WageClaim], to: WageClaimStatus
    ) -> None:
        now = timezone.now()
        self.run_service_on_each(
            request,
            queryset,
            lambda claim: wage_claim_move(claim=claim, to=to, by=acting_user(request), now=now),
            str(_("%(count)d claims are now: ")) + str(to.label),
        )

    @admin.action(description=_("Start mediation"), permissions=["change"])
    def mediate(self, request: HttpRequest, queryset: QuerySet[WageClaim]) -> None:
        self._move_each(request, queryset, WageClaimStatus.MEDIATED)

    @admin.action(
        description=_("Settle (with the amount recovered entered on the claim)"),
        permissions=["change"],
    )
    def settle(self, request: HttpRequest, queryset: QuerySet[WageClaim]) -> None:
        self._move_each(request, queryset, WageClaimStatus.SETTLED)

    @admin.action(description=_("Transfer to labour inspection"), permissions=["change"])
    def transfer(self, request: HttpRequest, queryset: QuerySet[WageClaim]) -> None:
        self._move_each(request, queryset, WageClaimStatus.TRANSFERRED)
