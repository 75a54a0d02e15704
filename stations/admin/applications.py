from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from stations.admin.base import ScopedAdmin, acting_user, readonly_inline
from stations.admin.transfer import TransferMixin
from stations.models import Application, ApplicationEvent, Placement, WagePayment
from stations.models.placements import ApplicationStatus, EmploymentOutcome
from stations.models.posts import WageUnit
from stations.selectors.scope import applications_in_scope, placements_in_scope
from stations.services.applications import (
    PlacementTerms,
    application_create,
    application_hire,
    application_move,
    placement_complete,
    placement_start,
)


@readonly_inline
class ApplicationEventInline(admin.TabularInline):
    model = ApplicationEvent
    fields = ["at", "from_status", "to_status", "actor", "note"]
    readonly_fields = fields  # type: ignore[assignment]  # the stubs know only plain names


class HireForm(forms.Form):
    agreed_wage_amount = forms.DecimalField(
        label=_("agreed wage (yuan)"), min_value=0.01, max_digits=10, decimal_places=2
    )
    agreed_wage_unit = forms.ChoiceField(label=_("agreed wage unit"), choices=WageUnit.choices)
    starts_on = forms.DateField(
        label=_("starts on"), widget=forms.DateInput(attrs={"type": "date"})
    )
    ends_on = forms.DateField(
        label=_("ends on"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    outcome = forms.ChoiceField(label=_("employment outcome"), choices=EmploymentOutcome.choices)
    written_agreement = forms.BooleanField(label=_("written agreement signed"), required=False)
    note = forms.CharField(
        label=_("note"), required=False, widget=forms.Textarea(attrs={"rows": 2})
    )


@admin.register(Application)
class ApplicationAdmin(ScopedAdmin):
    scope_selector = staticmethod(applications_in_scope)
    list_display = ["seeker", "post", "status", "source", "status_changed_at", "hire_link"]
    list_filter = ["status", "source"]
    list_select_related = ["seeker", "post"]
    search_fields = ["seeker__full_name", "post__title", "post__reference"]
    autocomplete_fields = ["seeker", "post"]
    fields = ["post", "seeker", "source", "status", "status_changed_at"]
    readonly_fields = ["status", "status_changed_at"]
    inlines = [ApplicationEventInline]
    actions = [
        "mark_contacted",
        "mark_interviewed",
        "mark_rejected",
        "mark_withdrawn",
        "mark_no_show",
        "mark_started",
        "mark_completed",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Application | None = None) -> Any:
        if obj is not None:
            return [*self.readonly_fields, "post", "seeker", "source"]
        return self.readonly_fields

    @admin.display(description=_("hire"))
    def hire_link(self, application: Application) -> str:
        if application.status not in (
            ApplicationStatus.APPLIED,
            ApplicationStatus.REFERRED,
            ApplicationStatus.CONTACTED,
            ApplicationStatus.INTERVIEWED,
        ):
            return "-"
        url = reverse("admin:stations_application_hire", args=[application.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, _("Record hire"))

    def save_model(
        self, request: HttpRequest, obj: Application, form: object, change: bool
    ) -> None:
        if change:
            return  # nothing on a saved application changes through its form
        saved = application_create(
            post=obj.post,
            seeker=obj.seeker,
            source=obj.source,
            by=acting_user(request),
            now=timezone.now(),
        )
        obj.__dict__.update(saved.__dict__)

    def get_urls(self) -> list[Any]:
        hire = path(
            "<path:object_id>/hire/",
            self.admin_site.admin_view(self.hire_view),
            name="stations_application_hire",
        )
        return [hire, *super().get_urls()]

    def hire_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        application = self.get_object(request, object_id)
        if application is None:
            raise Http404
        if not self.has_change_permission(request, application):
            raise Http404
        post = application.post
        initial = {
            "agreed_wage_amount": post.wage_amount,
            "agreed_wage_unit": post.wage_unit,
            "starts_on": max(post.starts_on, timezone.localdate()),
            "ends_on": post.ends_on,
        }
        form = HireForm(request.POST or None, initial=initial)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            terms = PlacementTerms(
                agreed_wage_amount=data["agreed_wage_amount"],
                agreed_wage_unit=data["agreed_wage_unit"],
                starts_on=data["starts_on"],
                ends_on=data["ends_on"],
                outcome=data["outcome"],
                written_agreement=data["written_agreement"],
            )
            try:
                application_hire(
                    application=application,
                    terms=terms,
                    by=acting_user(request),
                    now=timezone.now(),
                    note=data["note"],
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                self.message_user(
                    request,
                    _("%(seeker)s is hired for %(post)s.")
                    % {"seeker": application.seeker, "post": post},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(
                    reverse("admin:stations_application_change", args=[application.pk])
                )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": application,
            "title": _("Record hire"),
            "form": form,
        }
        return TemplateResponse(request, "admin/stations/hire.html", context)

    def _move_each(
        self, request: HttpRequest, queryset: QuerySet[Application], to: ApplicationStatus
    ) -> None:
        now = timezone.now()
        by = acting_user(request)

        def move(application: Application) -> object:
            if to == ApplicationStatus.STARTED:
                return placement_start(placement=application.placement, by=by, now=now)
            if to == ApplicationStatus.COMPLETED:
                return placement_complete(placement=application.placement, by=by, now=now)
            return application_move(application=application, to=to, by=by, now=now)

        self.run_service_on_each(
            request,
            queryset.select_related("placement"),
            move,
            str(_("%(count)d applications are now: ")) + str(to.label),
        )

    @admin.action(description=_("Mark as contacted"), permissions=["change"])
    def mark_contacted(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._move_each(request, queryset, ApplicationStatus.CONTACTED)

    @admin.action(description=_("Mark as interviewed"), permissions=["change"])
    def mark_interviewed(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._move_each(request, queryset, ApplicationStatus.INTERVIEWED)

    @admin.action(description=_("Reject"), permissions=["change"])
    def mark_rejected(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._move_each(request, queryset, ApplicationStatus.REJECTED)

    @admin.action(description=_("Withdraw"), permissions=["change"])
    def mark_withdrawn(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._move_each(request, queryset, ApplicationStatus.WITHDRAWN)

    @admin.action(description=_("Record a no-show"), permissions=["change"])
    def mark_no_show(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._move_each(request, queryset, ApplicationStatus.NO_SHOW)

    @admin.action(description=_("Record the start (checked in)"), permissions=["change"])
    def mark_started(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._move_each(request, queryset, ApplicationStatus.STARTED)

    @admin.action(description=_("Record completion"), permissions=["change"])
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[Application]) -> None:
        self._move_each(request, queryset, ApplicationStatus.COMPLETED)


@readonly_inline
class WagePaymentInline(admin.TabularInline):
    model = WagePayment
    fields = ["paid_on", "amount", "recorded_by", "note"]
    readonly_fields = fields  # type: ignore[assignment]  # the stubs know only plain names


@admin.register(Placement)
class PlacementAdmin(TransferMixin, ScopedAdmin):
    import_kind = "placements"
    export_columns = [
        ("seeker", lambda p: p.application.seeker.full_name),
        ("seeker_id_number", lambda p: p.application.seeker.id_number_masked),
        ("post_reference", lambda p: p.application.post.reference),
        ("agreed_wage_amount", lambda p: p.agreed_wage_amount),
        ("agreed_wage_unit", lambda p: p.agreed_wage_unit),
        ("starts_on", lambda p: p.starts_on),
        ("ends_on", lambda p: p.ends_on),
        ("outcome", lambda p: p.outcome),
        ("status", lambda p: p.application.status),
    ]
    actions = ["export_csv", "export_xlsx"]
    scope_selector = staticmethod(placements_in_scope)
    list_display = [
        "application",
        "agreed_wage_amount",
        "agreed_wage_unit",
        "starts_on",
        "ends_on",
        "outcome",
        "written_agreement",
    ]
    list_filter = ["outcome", "written_agreement"]
    list_select_related = ["application__seeker", "application__post"]
    readonly_fields = ["application", "started_at", "completed_at"]
    inlines = [WagePaymentInline]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # placements come from recording a hire

    def has_import_permission(self, request: HttpRequest) -> bool:
        # An imported placement is an application and its hire.
        return request.user.has_perm("stations.add_application")
