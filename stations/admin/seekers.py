from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from stations.admin.base import ScopedAdmin, acting_user, masked_phone, readonly_inline
from stations.admin.transfer import TransferMixin
from stations.models import (
    AVAILABILITY_ALL,
    Application,
    JobSeeker,
    SeekerCertificate,
    SeekerKeyGroup,
    SeekerSkill,
    WageClaim,
)
from stations.models.common import availability_choices, availability_mask, availability_slots
from stations.selectors.counter import seekers_by_identity
from stations.selectors.eligibility import certificates_expiring
from stations.selectors.scope import Scope, seekers_in_scope
from stations.services.changes import seeker_changed
from stations.services.identity import REVEAL_PERMISSION, id_number_hash, personal_data_reveal
from stations.services.seekers import (
    PROFILE_FIELDS,
    seeker_key_group_add,
    seeker_register,
    seeker_registering_station_default,
    seeker_update,
    seekers_merge,
)
from stations.validators import normalize_mobile_phone, parse_national_id

# The profile the form edits: the service's fields but the availability mask, which the
# form shows as checkboxes.
FORM_PROFILE_FIELDS = sorted(PROFILE_FIELDS - {"availability"})


class SeekerAdminForm(forms.ModelForm):
    """The ID number is typed once and then only ever shown masked; the phone field starts
    blank and keeps the stored number unless a new one is typed."""

    id_number = forms.CharField(label=_("ID number"), required=False, max_length=18)
    new_phone = forms.CharField(label=_("mobile phone"), required=False, max_length=20)
    availability_slots = forms.MultipleChoiceField(
        label=_("weekly availability"),
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "availability"}),
    )

    class Meta:
        model = JobSeeker
        fields = FORM_PROFILE_FIELDS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Blank in the model only for self-registrations awaiting verification: staff type it.
        if "full_name" in self.fields:
            self.fields["full_name"].required = True
        self.fields["availability_slots"].choices = availability_choices()  # type: ignore[attr-defined]
        self.fields["availability_slots"].initial = availability_slots(
            self.instance.availability if self.instance.pk else AVAILABILITY_ALL
        )
        if self.instance.pk and self.instance.id_number_hash:
            self.fields["id_number"].disabled = True
            self.fields["id_number"].initial = self.instance.id_number_masked
            self.fields["id_number"].help_text = _("Recorded; it cannot be changed.")
        if self.instance.pk and self.instance.phone:
            self.fields["new_phone"].help_text = _("Now %(phone)s; leave blank to keep it.") % {
                "phone": masked_phone(self.instance.phone)
            }

    def clean_id_number(self) -> str:
        if self.fields["id_number"].disabled:
            return ""
        raw = self.cleaned_data["id_number"].strip()
        if not raw:
            return ""
        parse_national_id(raw, today=timezone.localdate())
        others = JobSeeker.objects.exclude(pk=self.instance.pk)
        existing = others.filter(id_number_hash=id_number_hash(raw)).first()
        if existing is not None:
            raise ValidationError(
                _("This ID number is registered already (seeker #%(id)s)."),
                params={"id": existing.pk},
            )
        return raw

    def clean_new_phone(self) -> str:
        raw = self.cleaned_data["new_phone"].strip()
        if not raw:
            return ""
        phone = normalize_mobile_phone(raw)
        existing = JobSeeker.objects.exclude(pk=self.instance.pk).filter(phone=phone).first()
        if existing is not None:
            raise ValidationError(
                _("This phone number is registered already (seeker #%(id)s)."),
                params={"id": existing.pk},
            )
        return phone


class SeekerSkillInline(admin.TabularInline):
    model = SeekerSkill
    extra = 0
    autocomplete_fields = ["occupation"]


class SeekerKeyGroupInline(admin.TabularInline):
    """Memberships are saved through ``seeker_key_group_add`` (JobSeekerAdmin.save_formset),
    as the staff API saves them: a current one opens the person's 311 plan at once."""

    model = SeekerKeyGroup
    extra = 0


class SeekerCertificateInline(admin.TabularInline):
    model = SeekerCertificate
    extra = 0


@readonly_inline
class SeekerApplicationInline(admin.TabularInline):
    model = Application
    fk_name = "seeker"
    fields = ["post", "status", "source", "status_changed_at", "agreed_wage", "paid"]
    readonly_fields = fields  # type: ignore[assignment]  # the stubs know only plain names
    verbose_name_plural = _("applications, placements and wages")

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        return (
            super()
            .get_queryset(request)
            .select_related("post", "placement")
            .prefetch_related("placement__payments")
        )

    @admin.display(description=_("agreed wage"))
    def agreed_wage(self, application: Application) -> str:
        placement = getattr(application, "placement", None)
        if placement is None:
            return "-"
        return f"{placement.agreed_wage_amount} / {placement.get_agreed_wage_unit_display()}"

    @admin.display(description=_("paid (yuan)"))
    def paid(self, application: Application) -> str:
        placement = getattr(application, "placement", None)
        if placement is None:
            return "-"
        return str(sum(payment.amount for payment in placement.payments.all()))


@readonly_inline
class SeekerWageClaimInline(admin.TabularInline):
    model = WageClaim
    fk_name = "seeker"
    fields = ["employer", "amount_claimed", "amount_recovered", "status", "filed_at"]
    readonly_fields = fields  # type: ignore[assignment]  # the stubs know only plain names


@admin.register(JobSeeker)
class JobSeekerAdmin(TransferMixin, ScopedAdmin):
    scope_selector = staticmethod(seekers_in_scope)
    import_kind = "seekers"
    export_columns = [
        ("id", lambda s: s.pk),
        ("full_name", lambda s: s.full_name),
        ("id_number", lambda s: s.id_number_masked),
        ("phone", lambda s: masked_phone(s.phone)),
        ("household", lambda s: s.household),
        ("residence_region", lambda s: s.residence_region.code),
        ("employment_status", lambda s: s.employment_status),
        ("expected_daily_wage", lambda s: s.expected_daily_wage),
        (
            "registering_station",
            lambda s: s.registering_station.code if s.registering_station else "",
        ),
        ("verified", lambda s: "yes" if s.verified_at else "no"),
    ]
    form = SeekerAdminForm
    list_display = [
        "full_name",
        "id_number_masked",
        "phone_masked",
        "residence_region",
        "employment_status",
        "registering_station",
        "verified",
    ]
    list_filter = [
        "employment_status",
        "key_groups",
        ("skills", admin.RelatedOnlyFieldListFilter),
        ("residence_region", admin.RelatedOnlyFieldListFilter),
        ("registering_station", admin.RelatedOnlyFieldListFilter),
        "household",
    ]
    list_select_related = ["residence_region", "registering_station"]
    search_fields = ["full_name"]
    search_help_text = _("Name, mobile phone, or a whole ID number.")
    autocomplete_fields = ["residence_region"]
    readonly_fields = ["identity", "birth_date", "sex", "verified_at", "merged_into"]
    inlines = [
        SeekerKeyGroupInline,
        SeekerSkillInline,
        SeekerCertificateInline,
        SeekerApplicationInline,
        SeekerWageClaimInline,
    ]
    actions = ["merge_two", "export_csv", "export_xlsx"]

    def get_fieldsets(self, request: HttpRequest, obj: JobSeeker | None = None) -> Any:
        identity = ["full_name", "id_number", "new_phone"]
        if obj is not None:
            identity += ["identity", "birth_date", "sex", "verified_at", "merged_into"]
        return [
            (None, {"fields": identity}),
            (
                _("Residence"),
                {"fields": ["household", "residence_region", "latitude", "longitude"]},
            ),
            (
                _("Work wanted"),
                {
                    "fields": [
                        "employment_status",
                        "expected_daily_wage",
                        "max_travel_km",
                        "availability_slots",
                        "graduation_year",
                        "registering_station",
                    ]
                },
            ),
            (
                _("Notifications"),
                {
                    "fields": [
                        "preferred_language",
                        "consent_sms",
                        "consent_push",
                        "consent_wechat",
                    ]
                },
            ),
        ]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        initial = super().get_changeform_initial_data(request)
        station = seeker_registering_station_default(by=acting_user(request))
        if station is not None:
            initial.setdefault("registering_station", station.pk)
        return initial

    @admin.display(description=_("mobile phone"))
    def phone_masked(self, seeker: JobSeeker) -> str:
        return masked_phone(seeker.phone)

    @admin.display(description=_("verified"), boolean=True)
    def verified(self, seeker: JobSeeker) -> bool:
        return seeker.verified_at is not None

    @admin.display(description=_("identity"))
    def identity(self, seeker: JobSeeker) -> str:
        parts = [
            _("ID number: %(id_number)s") % {"id_number": seeker.id_number_masked or "-"},
            _("mobile phone: %(phone)s") % {"phone": masked_phone(seeker.phone)},
        ]
        text = " · ".join(parts)
        if getattr(seeker, "_may_reveal", False):
            url = reverse("admin:stations_jobseeker_reveal", args=[seeker.pk])
            return format_html('{} <a class="button" href="{}">{}</a>', text, url, _("Reveal"))
        return text

    def get_object(
        self, request: HttpRequest, object_id: str, from_field: str | None = None
    ) -> JobSeeker | None:
        seeker = super().get_object(request, object_id, from_field)
        if seeker is not None:
            # Read by ``identity`` to offer the reveal link; kept on the object, not on this
            # admin, which all requests share.
            seeker._may_reveal = request.user.has_perm(REVEAL_PERMISSION)
        return seeker

    def get_search_results(
        self, request: HttpRequest, queryset: QuerySet[JobSeeker], search_term: str
    ) -> tuple[QuerySet[JobSeeker], bool]:
        exact = seekers_by_identity(queryset, search_term)
        if exact is not None:
            return exact, False
        return super().get_search_results(request, queryset, search_term)

    def save_model(
        self, request: HttpRequest, obj: JobSeeker, form: SeekerAdminForm, change: bool
    ) -> None:
        profile: dict[str, Any] = {field: form.cleaned_data[field] for field in FORM_PROFILE_FIELDS}
        profile["availability"] = availability_mask(form.cleaned_data["availability_slots"])
        identity: dict[str, Any] = {
            "id_number": form.cleaned_data.get("id_number") or None,
            "phone": form.cleaned_data.get("new_phone") or None,
        }
        now = timezone.now()
        if change:
            saved = seeker_update(
                seeker=obj, by=acting_user(request), now=now, **identity, **profile
            )
        else:
            saved = seeker_register(by=acting_user(request), now=now, **identity, **profile)
        # The admin goes on with ``obj`` (inlines, redirect): give it the saved state.
        obj.__dict__.update(saved.__dict__)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not SeekerKeyGroup:
            super().save_formset(request, form, formset, change)
            return
        seeker = form.instance
        # The formset's own record of what changed (new_objects, changed_objects,
        # deleted_objects) still feeds the admin's change message.
        spans = formset.save(commit=False)
        for span in formset.deleted_objects:
            span.delete()
        for span, changed in formset.changed_objects:
            if {"key_group", "started_on"} & set(changed):
                # The service keys a membership by group and start: a new one replaces it.
                SeekerKeyGroup.objects.filter(pk=span.pk).delete()
        for span in spans:
            try:
                seeker_key_group_add(
                    seeker=seeker,
                    key_group=span.key_group,
                    started_on=span.started_on,
                    ended_on=span.ended_on,
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
        if formset.deleted_objects:
            seeker_changed(seeker.pk)  # matching's key-group priorities

    def get_urls(self) -> list[Any]:
        reveal = path(
            "<path:object_id>/reveal/",
            self.admin_site.admin_view(self.reveal_view),
            name="stations_jobseeker_reveal",
        )
        return [reveal, *super().get_urls()]

    def reveal_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """GET asks to confirm; POST reveals (and logs) the ID number and phone."""
        seeker = self.get_object(request, object_id)
        if seeker is None:
            raise Http404
        if not request.user.has_perm(REVEAL_PERMISSION):
            raise PermissionDenied
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": seeker,
            "title": _("Reveal personal data"),
        }
        if request.method == "POST":
            ip_address = request.META.get("REMOTE_ADDR")
            context["revealed"] = {
                _("ID number"): personal_data_reveal(
                    record=seeker,
                    field="id_number",
                    by=acting_user(request),
                    ip_address=ip_address,
                ),
                _("mobile phone"): personal_data_reveal(
                    record=seeker,
                    field="phone",
                    by=acting_user(request),
                    ip_address=ip_address,
                ),
            }
        return TemplateResponse(request, "admin/stations/reveal.html", context)

    @admin.action(description=_("Merge the two selected records (same person)"))
    def merge_two(self, request: HttpRequest, queryset: QuerySet[JobSeeker]) -> HttpResponse | None:
        if not request.user.has_perm("stations.merge_jobseeker"):
            raise PermissionDenied
        seekers = list(queryset.order_by("pk")[:3])
        if len(seekers) != 2:
            self.message_user(request, _("Select exactly two records to merge."), messages.ERROR)
            return None
        keep_id = request.POST.get("keep")
        if keep_id:
            keep, duplicate = seekers if str(seekers[0].pk) == keep_id else seekers[::-1]
            try:
                seekers_merge(
                    keep=keep, duplicate=duplicate, by=acting_user(request), now=timezone.now()
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                return None
            self.message_user(
                request,
                _("Record #%(duplicate)s was merged into #%(keep)s.")
                % {"duplicate": duplicate.pk, "keep": keep.pk},
                messages.SUCCESS,
            )
            return HttpResponseRedirect(reverse("admin:stations_jobseeker_change", args=[keep.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Merge two records of the same person"),
            "seekers": seekers,
            "action_checkbox_name": ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/stations/merge.html", context)


class CertificateExpiryFilter(admin.SimpleListFilter):
    title = _("expiry")
    parameter_name = "expiry"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("expired", _("expired")),
            ("30", _("expires within 30 days")),
            ("90", _("expires within 90 days")),
        ]

    def queryset(
        self, request: HttpRequest, queryset: QuerySet[SeekerCertificate]
    ) -> QuerySet[SeekerCertificate]:
        today = timezone.localdate()
        if self.value() == "expired":
            return queryset.filter(expires_on__lt=today)
        if self.value() in ("30", "90"):
            soon = certificates_expiring(within_days=int(self.value() or 0), today=today)
            return queryset.filter(pk__in=soon.values("pk"))
        return queryset


def _certificates_in_scope(scope: Scope) -> QuerySet[SeekerCertificate]:
    return SeekerCertificate.objects.filter(seeker__in=seekers_in_scope(scope))


@admin.register(SeekerCertificate)
class SeekerCertificateAdmin(ScopedAdmin):
    """Staff's list of certificates about to expire: filter "expires within 30 days"."""

    scope_selector = staticmethod(_certificates_in_scope)
    list_display = ["seeker", "kind", "number", "issued_on", "expires_on"]
    list_filter = [CertificateExpiryFilter, "kind"]
    list_select_related = ["seeker", "kind"]
    search_fields = ["seeker__full_name", "number"]
    autocomplete_fields = ["seeker"]
    ordering = ["expires_on"]
