from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.db.models import Exists, OuterRef, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations.admin.base import ScopedAdmin, acting_user, masked_phone
from stations.admin.transfer import TransferMixin
from stations.models import OPEN_CLAIM_STATUSES, Employer, WageClaim
from stations.selectors.scope import employers_in_scope
from stations.services.employers import employer_register, employer_update, employer_verify
from stations.validators import normalize_mobile_phone, parse_national_id, validate_credit_code

FORM_FIELDS = [
    "name",
    "kind",
    "contact_name",
    "region",
    "latitude",
    "longitude",
    "registering_station",
]


class EmployerAdminForm(forms.ModelForm):
    credit_code_input = forms.CharField(
        label=_("unified social credit code"), required=False, max_length=18
    )
    owner_id_number = forms.CharField(
        label=_("owner's ID number"),
        required=False,
        max_length=18,
        help_text=_("For an individual or household employer without a credit code."),
    )
    new_contact_phone = forms.CharField(label=_("contact phone"), required=False, max_length=20)

    class Meta:
        model = Employer
        fields = FORM_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        employer = self.instance
        if employer.pk:
            self.fields["credit_code_input"].initial = employer.credit_code
            if employer.id_number_hash:
                self.fields["owner_id_number"].disabled = True
                self.fields["owner_id_number"].initial = employer.id_number_masked
            if employer.contact_phone:
                self.fields["new_contact_phone"].help_text = _(
                    "Now %(phone)s; leave blank to keep it."
                ) % {"phone": masked_phone(employer.contact_phone)}

    def clean_credit_code_input(self) -> str:
        code = self.cleaned_data["credit_code_input"].strip().upper()
        if code:
            validate_credit_code(code)
        return code

    def clean_owner_id_number(self) -> str:
        if self.fields["owner_id_number"].disabled:
            return ""
        raw = self.cleaned_data["owner_id_number"].strip()
        if raw:
            parse_national_id(raw, today=timezone.localdate())
        return raw

    def clean_new_contact_phone(self) -> str:
        raw = self.cleaned_data["new_contact_phone"].strip()
        return normalize_mobile_phone(raw) if raw else ""

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        has_owner = self.instance.id_number_hash or data.get("owner_id_number")
        if not data.get("credit_code_input") and not has_owner:
            raise ValidationError(
                _("Give the unified social credit code or, for an individual, the owner's ID.")
            )
        return data


@admin.register(Employer)
class EmployerAdmin(TransferMixin, ScopedAdmin):
    import_kind = "employers"
    export_columns = [
        ("id", lambda e: e.pk),
        ("name", lambda e: e.name),
        ("credit_code", lambda e: e.credit_code or ""),
        ("owner_id_number", lambda e: e.id_number_masked),
        ("kind", lambda e: e.kind),
        ("contact_name", lambda e: e.contact_name),
        ("contact_phone", lambda e: masked_phone(e.contact_phone) if e.contact_phone else ""),
        ("region", lambda e: e.region.code),
        ("verified", lambda e: "yes" if e.verified_at else "no"),
    ]
    scope_selector = staticmethod(employers_in_scope)
    form = EmployerAdminForm
    list_display = ["name", "kind", "credit_code", "region", "contact", "verified", "unpaid_wages"]
    list_filter = ["kind", ("region", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["name", "credit_code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]
    readonly_fields = ["id_number_masked", "verified_at"]
    actions = ["verify", "export_csv", "export_xlsx"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Employer]:
        open_claims = WageClaim.objects.filter(
            employer=OuterRef("pk"), status__in=OPEN_CLAIM_STATUSES
        )
        return super().get_queryset(request).annotate(has_open_claims=Exists(open_claims))

    @admin.display(description=_("contact"))
    def contact(self, employer: Employer) -> str:
        return f"{employer.contact_name} {masked_phone(employer.contact_phone)}".strip()

    @admin.display(description=_("verified"), boolean=True)
    def verified(self, employer: Employer) -> bool:
        return employer.verified_at is not None

    @admin.display(description=_("unpaid wages claimed"), boolean=True)
    def unpaid_wages(self, employer: Employer) -> bool:
        return bool(getattr(employer, "has_open_claims", False))

    def save_model(
        self, request: HttpRequest, obj: Employer, form: EmployerAdminForm, change: bool
    ) -> None:
        details: dict[str, Any] = {field: form.cleaned_data[field] for field in FORM_FIELDS}
        identity: dict[str, Any] = {
            "credit_code": form.cleaned_data["credit_code_input"] or None,
            "owner_id_number": form.cleaned_data["owner_id_number"] or None,
            "contact_phone": form.cleaned_data["new_contact_phone"] or None,
        }
        now = timezone.now()
        if change:
            saved = employer_update(
                employer=obj, by=acting_user(request), now=now, **identity, **details
            )
        else:
            saved = employer_register(by=acting_user(request), now=now, **identity, **details)
        obj.__dict__.update(saved.__dict__)

    @admin.action(description=_("Mark the selected employers as verified"), permissions=["change"])
    def verify(self, request: HttpRequest, queryset: QuerySet[Employer]) -> None:
        now = timezone.now()
        self.run_service_on_each(
            request,
            queryset,
            lambda employer: employer_verify(employer=employer, by=acting_user(request), now=now),
            str(_("%(count)d employers verified.")),
        )
