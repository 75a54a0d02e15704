"""Admin for 311 follow-up: plans (with their services, progress and overdue rules, and the
"my follow-ups" list), manual pushes, training courses and referrals, guidance sessions,
overdue rules, families and zero-employment alerts. Every write goes through
``stations.services.followup``; rows and choices stay in the staff member's scope."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from stations.admin.base import (
    ScopedAdmin,
    acting_user,
    masked_phone,
    readonly_inline,
    request_scope,
)
from stations.admin.transfer import TransferMixin
from stations.models import (
    Family,
    GuidanceSession,
    JobSeeker,
    OverdueRule,
    ServicePlan,
    ServiceRecord,
    TrainingCourse,
    TrainingReferral,
    ZeroEmploymentAlert,
)
from stations.models.followup import OverdueKind, PlanStatus, ReferralStatus, ServiceKind
from stations.models.posts import PostStatus
from stations.selectors.counter import seekers_by_identity
from stations.selectors.followup import (
    active_rules,
    alerts_in_scope,
    course_regions_in_scope,
    courses_in_scope,
    digests_of,
    families_in_scope,
    guidance_sessions_in_scope,
    intentions_idle,
    overdue_any,
    overdue_kinds,
    plan_progress,
    plans_followed_by,
    plans_in_scope,
    referrals_in_scope,
    services_in_scope,
    with_overdue_flags,
    with_progress,
)
from stations.selectors.scope import posts_in_scope, seekers_in_scope, staff_in_scope
from stations.services.followup import (
    COURSE_FIELDS,
    course_create,
    course_update,
    family_create,
    family_employment_check,
    family_members_set,
    family_update,
    guidance_record,
    plan_assign,
    push_record_manual,
    referral_create,
    referral_move,
)

MY_FOLLOW_UPS = "mine"


def _staff_users(request: HttpRequest) -> QuerySet[User]:
    """Who may follow a plan up: the staff of the scope, and the caller."""
    in_scope = staff_in_scope(request_scope(request)).values("user_id")
    return User.objects.filter(pk__in=in_scope, is_active=True) | User.objects.filter(
        pk=acting_user(request).pk
    )


# --- Plans ------------------------------------------------------------------------------------


class FollowUpFilter(admin.SimpleListFilter):
    """``my follow-ups``: the caller's overdue plans (assigned to them, or unassigned in
    their scope); ``overdue``: every overdue plan in scope."""

    title = _("follow-up")
    parameter_name = "followups"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [(MY_FOLLOW_UPS, _("my overdue follow-ups")), ("overdue", _("overdue"))]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Any]) -> QuerySet[Any]:
        if self.value() == MY_FOLLOW_UPS:
            return queryset.filter(overdue_any(), pk__in=plans_followed_by(request.user))
        if self.value() == "overdue":
            return queryset.filter(overdue_any())
        return queryset


@readonly_inline
class ServiceRecordInline(admin.TabularInline):
    model = ServiceRecord
    fields = ["kind", "at", "posts_pushed", "by", "reference"]
    readonly_fields = fields  # type: ignore[assignment]  # the stubs know only plain names
    ordering = ["at", "pk"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceRecord]:
        return super().get_queryset(request).select_related("by").prefetch_related("posts")

    @admin.display(description=_("posts pushed"))
    def posts_pushed(self, record: ServiceRecord) -> str:
        return ", ".join(post.title for post in record.posts.all()) or "-"


class PlanForm(forms.ModelForm):
    class Meta:
        model = ServicePlan
        fields = ["assigned_to"]


@admin.register(ServicePlan)
class ServicePlanAdmin(ScopedAdmin):
    scope_selector = staticmethod(plans_in_scope)
    form = PlanForm
    list_display = [
        "seeker",
        "status",
        "opened_on",
        "ends_on",
        "progress",
        "overdue",
        "assigned_to",
    ]
    list_filter = [FollowUpFilter, "status"]
    list_select_related = ["seeker", "assigned_to"]
    search_fields = ["seeker__full_name"]
    readonly_fields = [
        "seeker",
        "status",
        "opened_on",
        "ends_on",
        "duty",
        "progress",
        "overdue",
        "closed_on",
        "outcome",
        "push_link",
    ]
    fields = [*readonly_fields, "assigned_to"]
    inlines = [ServiceRecordInline]
    actions = ["assign_to_me"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServicePlan]:
        plans = super().get_queryset(request)
        today = timezone.localdate()
        return with_overdue_flags(with_progress(plans), today=today, rules=active_rules())

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # plans open by themselves when someone joins a key group

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "assigned_to":
            kwargs["queryset"] = _staff_users(request)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ServicePlan, form: Any, change: bool) -> None:
        plan_assign(plan=obj, to=form.cleaned_data["assigned_to"], by=acting_user(request))

    @admin.display(description=_("duty"))
    def duty(self, plan: ServicePlan) -> str:
        return gettext("%(pushes)d pushes, %(training)d training, %(guidance)d guidance") % {
            "pushes": plan.duty_job_pushes,
            "training": plan.duty_training,
            "guidance": plan.duty_guidance,
        }

    @admin.display(description=_("delivered"))
    def progress(self, plan: ServicePlan) -> str:
        return " · ".join(
            f"{ServiceKind(kind).label} {done['delivered']}/{done['owed']}"
            for kind, done in plan_progress(plan).items()
        )

    @admin.display(description=_("overdue"))
    def overdue(self, plan: ServicePlan) -> str:
        return "; ".join(str(OverdueKind(kind).label) for kind in overdue_kinds(plan)) or "-"

    @admin.display(description=_("record a push"))
    def push_link(self, plan: ServicePlan) -> str:
        if plan.status != PlanStatus.OPEN:
            return "-"
        url = reverse("admin:stations_servicerecord_add") + f"?plan={plan.pk}"
        return format_html('<a class="button" href="{}">{}</a>', url, _("Record a manual push"))

    def get_urls(self) -> list[Any]:
        mine = path(
            "my-follow-ups/",
            self.admin_site.admin_view(self.my_follow_ups_view),
            name="stations_serviceplan_mine",
        )
        return [mine, *super().get_urls()]

    def my_follow_ups_view(self, request: HttpRequest) -> HttpResponse:
        changelist = reverse("admin:stations_serviceplan_changelist")
        return HttpResponseRedirect(f"{changelist}?followups={MY_FOLLOW_UPS}")

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        if request.GET.get("followups") == MY_FOLLOW_UPS and isinstance(request.user, User):
            # The day's digest (an in-app message to the staff member) is shown here.
            from matching.messages import render  # stations never imports matching at load

            today = timezone.localdate()
            for digest in digests_of(request.user):
                if timezone.localdate(digest.created_at) == today:
                    # In the language the staff member reads the admin in.
                    language = translation.get_language() or digest.language
                    title, body = render(digest.template, digest.context, language)
                    self.message_user(request, f"{title}: {body}", messages.INFO)
            # Idle fair intentions are follow-ups too, but not plans: a link to their list.
            idle = intentions_idle(request.user, today=today).count()
            if idle:
                url = reverse("admin:stations_intention_changelist") + "?follow_up=mine_overdue"
                self.message_user(
                    request,
                    format_html(
                        '<a href="{}">{}</a>',
                        url,
                        gettext("%(count)d of your fair intentions are past their follow-up date.")
                        % {"count": idle},
                    ),
                    messages.WARNING,
                )
        return super().changelist_view(request, extra_context)

    @admin.action(description=_("Follow these plans up myself"), permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[ServicePlan]) -> None:
        me = acting_user(request)
        self.run_service_on_each(
            request,
            queryset,
            lambda plan: plan_assign(plan=plan, to=me, by=me),
            str(_("%(count)d plans are now yours to follow up.")),
        )


class ManualPushForm(forms.ModelForm):
    class Meta:
        model = ServiceRecord
        fields = ["plan", "posts"]


@admin.register(ServiceRecord)
class ServiceRecordAdmin(TransferMixin, ScopedAdmin):
    """Services delivered, read-only; adding one records a push staff made themselves, and
    "Import" brings a bureau's 311 history in (docs/import-formats.md, ``services``)."""

    scope_selector = staticmethod(services_in_scope)
    import_kind = "services"
    export_columns = [
        ("seeker", lambda r: r.plan.seeker.full_name),
        ("seeker_id_number", lambda r: r.plan.seeker.id_number_masked),
        ("kind", lambda r: r.kind),
        ("date", lambda r: timezone.localdate(r.at)),
        ("reference", lambda r: r.reference),
    ]
    actions = ["export_csv", "export_xlsx"]
    form = ManualPushForm
    list_display = ["plan", "kind", "at", "by", "reference"]
    list_filter = ["kind"]
    list_select_related = ["plan__seeker", "by"]
    search_fields = ["plan__seeker__full_name", "reference"]
    raw_id_fields = ["plan"]
    filter_horizontal = ["posts"]
    date_hierarchy = "at"

    def get_queryset(self, request: HttpRequest) -> QuerySet[ServiceRecord]:
        return super().get_queryset(request).select_related("plan__seeker", "by")

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is None:
            return ["plan", "posts"]
        return ["plan", "kind", "at", "posts", "notification", "referral", "guidance", "by"]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return [] if obj is None else self.get_fields(request, obj)

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a service delivered stays as recorded

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "plan":
            kwargs["queryset"] = plans_in_scope(request_scope(request)).filter(
                status=PlanStatus.OPEN
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "posts":
            kwargs["queryset"] = (
                posts_in_scope(request_scope(request))
                .filter(status=PostStatus.OPEN, ends_on__gte=timezone.localdate())
                .order_by("-starts_on", "pk")
            )
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: ServiceRecord, form: Any, change: bool) -> None:
        saved = push_record_manual(
            plan=form.cleaned_data["plan"],
            posts=list(form.cleaned_data["posts"]),
            by=acting_user(request),
            now=timezone.now(),
        )
        obj.__dict__.update(saved.__dict__)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        pass  # the service set the posts

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# --- Training ---------------------------------------------------------------------------------


@admin.register(TrainingCourse)
class TrainingCourseAdmin(ScopedAdmin):
    scope_selector = staticmethod(courses_in_scope)
    list_display = [
        "name",
        "provider",
        "occupation",
        "region",
        "subsidised",
        "starts_on",
        "ends_on",
        "places",
    ]
    list_filter = ["subsidised", ("region", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["occupation", "region"]
    search_fields = ["name", "provider", "reference"]
    autocomplete_fields = ["occupation"]
    fields = [
        "reference",
        "name",
        "provider",
        "occupation",
        "region",
        "subsidised",
        "starts_on",
        "ends_on",
        "places",
    ]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "region":
            kwargs["queryset"] = course_regions_in_scope(request_scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: TrainingCourse, form: Any, change: bool
    ) -> None:
        fields = {
            name: form.cleaned_data[name] for name in COURSE_FIELDS if name in form.cleaned_data
        }
        if change:
            saved = course_update(course=obj, by=acting_user(request), **fields)
        else:
            saved = course_create(by=acting_user(request), **fields)
        obj.__dict__.update(saved.__dict__)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(TrainingReferral)
class TrainingReferralAdmin(ScopedAdmin):
    scope_selector = staticmethod(referrals_in_scope)
    list_display = ["seeker", "course", "status", "referred_at", "status_changed_at"]
    list_filter = ["status"]
    list_select_related = ["seeker", "course"]
    search_fields = ["seeker__full_name", "course__name"]
    autocomplete_fields = ["seeker"]
    fields = ["course", "seeker", "status", "referred_at", "status_changed_at", "by"]
    readonly_fields = ["status", "referred_at", "status_changed_at", "by"]
    actions = [
        "mark_enrolled",
        "mark_completed",
        "mark_certified",
        "mark_employed",
        "mark_dropped",
    ]

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        if obj is not None:
            return [*self.readonly_fields, "course", "seeker"]
        return self.readonly_fields

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "course":
            kwargs["queryset"] = courses_in_scope(request_scope(request)).filter(
                ends_on__gte=timezone.localdate()
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: TrainingReferral, form: Any, change: bool
    ) -> None:
        if change:
            return  # a referral moves through the actions only
        saved = referral_create(
            course=obj.course, seeker=obj.seeker, by=acting_user(request), now=timezone.now()
        )
        obj.__dict__.update(saved.__dict__)

    def _move_each(
        self, request: HttpRequest, queryset: QuerySet[TrainingReferral], to: ReferralStatus
    ) -> None:
        by, now = acting_user(request), timezone.now()
        self.run_service_on_each(
            request,
            queryset,
            lambda referral: referral_move(referral=referral, to=to, by=by, now=now),
            str(_("%(count)d referrals are now: ")) + str(to.label),
        )

    @admin.action(description=_("Mark as enrolled"), permissions=["change"])
    def mark_enrolled(self, request: HttpRequest, queryset: QuerySet[TrainingReferral]) -> None:
        self._move_each(request, queryset, ReferralStatus.ENROLLED)

    @admin.action(description=_("Mark as completed"), permissions=["change"])
    def mark_completed(self, request: HttpRequest, queryset: QuerySet[TrainingReferral]) -> None:
        self._move_each(request, queryset, ReferralStatus.COMPLETED)

    @admin.action(description=_("Mark as certified"), permissions=["change"])
    def mark_certified(self, request: HttpRequest, queryset: QuerySet[TrainingReferral]) -> None:
        self._move_each(request, queryset, ReferralStatus.CERTIFIED)

    @admin.action(description=_("Mark as employed"), permissions=["change"])
    def mark_employed(self, request: HttpRequest, queryset: QuerySet[TrainingReferral]) -> None:
        self._move_each(request, queryset, ReferralStatus.EMPLOYED)

    @admin.action(description=_("Mark as dropped out"), permissions=["change"])
    def mark_dropped(self, request: HttpRequest, queryset: QuerySet[TrainingReferral]) -> None:
        self._move_each(request, queryset, ReferralStatus.DROPPED)


# --- Guidance ---------------------------------------------------------------------------------


@admin.register(GuidanceSession)
class GuidanceSessionAdmin(ScopedAdmin):
    scope_selector = staticmethod(guidance_sessions_in_scope)
    list_display = ["seeker", "held_at", "station", "by", "next_step", "next_step_by"]
    list_select_related = ["seeker", "station", "by"]
    search_fields = ["seeker__full_name", "next_step"]
    autocomplete_fields = ["seeker"]
    date_hierarchy = "held_at"
    fields = ["seeker", "held_at", "station", "notes", "next_step", "next_step_by", "by"]
    readonly_fields = ["by"]

    def get_changeform_initial_data(self, request: HttpRequest) -> dict[str, Any]:
        return {"held_at": timezone.now(), **super().get_changeform_initial_data(request)}

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a session is recorded as held; the next one carries what changed

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(
        self, request: HttpRequest, obj: GuidanceSession, form: Any, change: bool
    ) -> None:
        saved = guidance_record(
            seeker=obj.seeker,
            held_at=obj.held_at,
            station=obj.station,
            notes=obj.notes,
            next_step=obj.next_step,
            next_step_by=obj.next_step_by,
            by=acting_user(request),
            now=timezone.now(),
        )
        obj.__dict__.update(saved.__dict__)

    def add_view(self, request: HttpRequest, form_url: str = "", extra_context: Any = None) -> Any:
        try:
            return super().add_view(request, form_url, extra_context)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)
            return HttpResponseRedirect(request.get_full_path())


# --- Overdue rules ----------------------------------------------------------------------------


@admin.register(OverdueRule)
class OverdueRuleAdmin(admin.ModelAdmin):
    """The rules that put follow-ups on staff's lists: the same for every scope; the bureau
    administrator changes N or turns a rule off (the rules themselves come with the suite)."""

    list_display = ["kind", "days", "active"]
    list_editable = ["days", "active"]
    fields = ["kind", "days", "active"]
    readonly_fields = ["kind"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


# --- Families ---------------------------------------------------------------------------------


@readonly_inline
class FamilyMemberInline(admin.TabularInline):
    model = JobSeeker
    fk_name = "family"
    fields = ["full_name", "phone_shown", "birth_date", "employment_status"]
    readonly_fields = fields  # type: ignore[assignment]  # the stubs know only plain names
    verbose_name = _("member")
    verbose_name_plural = _("members")

    @admin.display(description=_("mobile phone"))
    def phone_shown(self, seeker: JobSeeker) -> str:
        return masked_phone(seeker.phone)


@readonly_inline
class AlertInline(admin.TabularInline):
    model = ZeroEmploymentAlert
    fields = ["found_on", "cleared_on", "cleared_because", "cleared_by"]
    readonly_fields = fields  # type: ignore[assignment]  # the stubs know only plain names
    ordering = ["-found_on"]


class FamilyForm(forms.ModelForm):
    add_members = forms.CharField(
        label=_("add members"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("ID numbers or mobile phones of registered people, one a line."),
    )

    # Set by FamilyAdmin.get_form: the people in the staff member's scope.
    seekers: QuerySet[JobSeeker]

    class Meta:
        model = Family
        fields = ["reference", "region", "address"]

    def clean_add_members(self) -> list[JobSeeker]:
        found, unknown = [], []
        for line in self.cleaned_data["add_members"].splitlines():
            if not line.strip():
                continue
            matches = seekers_by_identity(self.seekers, line)
            seeker = matches.first() if matches is not None else None
            if seeker is None:
                unknown.append(line.strip()[:4] + "…")
            else:
                found.append(seeker)
        if unknown:
            raise forms.ValidationError(
                gettext("Nobody in your scope has these numbers: %(numbers)s")
                % {"numbers": ", ".join(unknown)}
            )
        return found


@admin.register(Family)
class FamilyAdmin(ScopedAdmin):
    scope_selector = staticmethod(families_in_scope)
    form = FamilyForm
    list_display = ["reference", "region", "address", "open_alert"]
    list_select_related = ["region"]
    search_fields = ["reference", "address"]
    inlines = [FamilyMemberInline, AlertInline]
    actions = ["check_employment"]

    def get_form(
        self, request: HttpRequest, obj: Any = None, change: bool = False, **kwargs: Any
    ) -> Any:
        form = super().get_form(request, obj, change=change, **kwargs)
        form.seekers = seekers_in_scope(request_scope(request)).filter(merged_into__isnull=True)
        return form

    def get_fields(self, request: HttpRequest, obj: Any = None) -> Any:
        return ["reference", "region", "address", "add_members"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "region":
            kwargs["queryset"] = course_regions_in_scope(request_scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def save_model(self, request: HttpRequest, obj: Family, form: Any, change: bool) -> None:
        details = {name: form.cleaned_data[name] for name in ("reference", "region", "address")}
        saved = family_update(family=obj, **details) if change else family_create(**details)
        obj.__dict__.update(saved.__dict__)
        members = form.cleaned_data.get("add_members") or []
        if members:
            family_members_set(family=obj, members=members)
        family_employment_check(family=obj, today=timezone.localdate())

    @admin.display(description=_("zero-employment alert"), boolean=True)
    def open_alert(self, family: Family) -> bool:
        return any(alert.cleared_on is None for alert in family.alerts.all())

    def get_queryset(self, request: HttpRequest) -> QuerySet[Family]:
        return super().get_queryset(request).prefetch_related("alerts")

    @admin.action(description=_("Check for members with work now"), permissions=["change"])
    def check_employment(self, request: HttpRequest, queryset: QuerySet[Family]) -> None:
        today = timezone.localdate()
        self.run_service_on_each(
            request,
            queryset,
            lambda family: family_employment_check(family=family, today=today),
            str(_("%(count)d families checked.")),
        )


@admin.register(ZeroEmploymentAlert)
class ZeroEmploymentAlertAdmin(ScopedAdmin):
    """Zero-employment families found, and cleared when a member is placed."""

    scope_selector = staticmethod(alerts_in_scope)
    list_display = ["family", "found_on", "cleared_on", "cleared_because", "cleared_by"]
    list_filter = [("cleared_on", admin.EmptyFieldListFilter), "cleared_because"]
    list_select_related = ["family", "cleared_by"]
    search_fields = ["family__reference", "family__address"]
    date_hierarchy = "found_on"
    fields = readonly_fields = ["family", "found_on", "cleared_on", "cleared_because", "cleared_by"]

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # alerts are found by the daily check

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False
