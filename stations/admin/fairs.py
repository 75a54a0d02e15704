"""Admin for job fairs: fairs with their booths (and the actions that open, close or cancel
them, and tell registered seekers which booths suit them), the applications taken at a fair
or from its stream, registrations, and the intentions reached there with the follow-up
list."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.widgets import AutocompleteSelect
from django.contrib.auth.models import User
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from stations.admin.base import ScopedAdmin, acting_user, readonly_inline, request_scope
from stations.admin.transfer import TransferMixin
from stations.models import (
    Application,
    Booth,
    FairRegistration,
    Intention,
    JobFair,
    JobPost,
    JobSeeker,
)
from stations.models.fairs import FairFormat, FairStatus, IntentionStatus, RegistrationSource
from stations.selectors.fairs import (
    fair_application_list,
    fair_employers_in_scope,
    fair_posts_in_scope,
    fair_seekers_in_scope,
    fairs_counted,
    fairs_in_scope,
    intentions_in_scope,
    registrations_in_scope,
)
from stations.selectors.followup import intentions_idle
from stations.selectors.scope import staff_in_scope
from stations.services.fairs import (
    EDITABLE_FAIR_FIELDS,
    LIVE_STATUSES,
    booth_set,
    fair_apply,
    fair_booths_notify,
    fair_create,
    fair_move,
    fair_register,
    fair_update,
    fair_validate,
    fair_viewers_record,
    intention_assign,
    intention_follow_up,
    intention_lapse,
    intention_record,
)


def _field_errors(form: forms.BaseForm, error: DomainError) -> None:
    """A service's refusal shown by the fields it names (the form's top otherwise)."""
    if not error.field_errors:
        form.add_error(None, error.message)
    for field, field_messages in error.field_errors.items():
        target = field if field in form.fields else None
        for message in field_messages:
            form.add_error(target, message if target else f"{field}: {message}")


# Fairs


class JobFairAdminForm(forms.ModelForm):
    stream_url = forms.URLField(
        label=_("stream address"), required=False, max_length=200, assume_scheme="https"
    )

    class Meta:
        model = JobFair
        fields = [
            "reference",
            "name",
            "format",
            "series",
            "region",
            "station",
            "venue",
            "stream_url",
            "starts_at",
            "ends_at",
            "latitude",
            "longitude",
            "viewers",
            "description",
        ]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if "reference" in self.fields:
            self.fields["reference"].required = False
            self.fields["reference"].help_text = _("Made up when left blank.")

    def _post_clean(self) -> None:
        # After the model's own validation has copied the fields onto the instance.
        super()._post_clean()  # type: ignore[misc]
        if self.errors:
            return  # the fields' own errors first
        try:
            fair_validate(self.instance)
        except DomainError as error:
            _field_errors(self, error)
        if "viewers" in self.changed_data and (
            self.instance.format != FairFormat.LIVE
            or self.instance.status not in (FairStatus.UNDER_WAY, FairStatus.HELD)
        ):
            self.add_error(
                "viewers", gettext("Only a live broadcast under way or held has viewers.")
            )


class BoothInlineForm(forms.ModelForm):
    class Meta:
        model = Booth
        fields = ["label", "employer", "jobs_offered", "posts"]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            # A booth is its employer's: another employer takes a booth of their own.
            self.fields["employer"].disabled = True
        jobs = self.fields["jobs_offered"]
        jobs.required = False
        jobs.help_text = _("Blank: the openings of its posts.")

    def _get_validation_exclusions(self) -> set[str]:
        # Blank jobs offered is left to the service (the posts' openings), not refused here.
        return {*super()._get_validation_exclusions(), "jobs_offered"}  # type: ignore[misc]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        employer = data.get("employer")
        posts = data.get("posts") or []
        if employer is not None and any(post.employer_id != employer.pk for post in posts):
            self.add_error("posts", gettext("A booth lists its own employer's posts only."))
        return data


class BoothInline(admin.TabularInline):
    model = Booth
    form = BoothInlineForm
    extra = 0
    can_delete = False
    autocomplete_fields = ["employer", "posts"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "employer":
            kwargs["queryset"] = fair_employers_in_scope(request_scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "posts":
            kwargs["queryset"] = fair_posts_in_scope(request_scope(request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)


@readonly_inline
class FairApplicationInline(admin.TabularInline):
    """Applications taken at the fair or from its stream, newest first; they are recorded
    through "Record an application" (the same service the apps and tablets use)."""

    model = Application
    fk_name = "fair"
    verbose_name = _("application at the fair")
    verbose_name_plural = _("applications at the fair or from its stream")
    fields = ["seeker_name", "post_title", "employer_name", "status", "applied_at"]
    readonly_fields = fields  # type: ignore[assignment]  # the stubs know only plain names

    def get_queryset(self, request: HttpRequest) -> QuerySet[Application]:
        # They follow the fair (in scope, with the page), wherever the post or the seeker
        # is from; analysts see none.
        return fair_application_list(request_scope(request))

    @admin.display(description=_("seeker"))
    def seeker_name(self, application: Application) -> str:
        # Plain names, no links: a caller from another district has no page in this scope.
        return str(application.seeker)

    @admin.display(description=_("post"))
    def post_title(self, application: Application) -> str:
        return application.post.title

    @admin.display(description=_("employer"))
    def employer_name(self, application: Application) -> str:
        return application.post.employer.name

    @admin.display(description=_("applied at"))
    def applied_at(self, application: Application) -> dt.datetime:
        return application.created_at


class BoothPostChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.employer.name} · {obj.title}"


class FairApplicationForm(forms.Form):
    """An application staff take for a caller (a comment or a call during a broadcast) or
    at a booth."""

    seeker = forms.ModelChoiceField(label=_("seeker"), queryset=JobSeeker.objects.none())
    post = BoothPostChoiceField(
        label=_("post"),
        queryset=JobPost.objects.none(),
        help_text=_("A post at one of the fair's booths."),
    )

    def __init__(
        self,
        *args: Any,
        seekers: QuerySet[JobSeeker],
        posts: QuerySet[JobPost],
        admin_site: admin.AdminSite,
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        seeker = self.fields["seeker"]
        assert isinstance(seeker, forms.ModelChoiceField)
        # Searched as the application form's seeker is (by name, ID number or phone).
        seeker.widget = AutocompleteSelect(Application._meta.get_field("seeker"), admin_site)
        seeker.widget.is_required = True
        seeker.queryset = seekers
        post = self.fields["post"]
        assert isinstance(post, forms.ModelChoiceField)
        post.queryset = posts


@admin.register(JobFair)
class JobFairAdmin(TransferMixin, ScopedAdmin):
    import_kind = "fairs"
    scope_selector = staticmethod(fairs_in_scope)
    form = JobFairAdminForm
    inlines = [BoothInline, FairApplicationInline]
    list_display = [
        "name",
        "reference",
        "format",
        "series",
        "station",
        "starts_at",
        "status",
        "booths",
        "jobs_offered",
        "registrations",
        "check_ins",
        "viewers",
        "applications",
    ]
    list_filter = ["status", "format", "series", ("station", admin.RelatedOnlyFieldListFilter)]
    list_select_related = ["station"]
    search_fields = ["name", "reference", "venue"]
    autocomplete_fields = ["region"]
    readonly_fields = ["status"]
    date_hierarchy = "starts_at"
    actions = ["open_fairs", "close_fairs", "cancel_fairs", "notify_booths"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[JobFair]:
        return fairs_counted(super().get_queryset(request))

    def get_inlines(self, request: HttpRequest, obj: JobFair | None) -> list[Any]:
        return list(self.inlines) if obj is not None else [BoothInline]

    def get_readonly_fields(self, request: HttpRequest, obj: JobFair | None = None) -> list[str]:
        fixed = list(super().get_readonly_fields(request, obj))
        if obj is None:
            return fixed
        if request.user.has_perm("stations.add_application"):
            return [*fixed, "applications", "record_application"]
        return [*fixed, "applications"]

    @admin.display(description=_("booths"), ordering="booth_count")
    def booths(self, fair: JobFair) -> int:
        return getattr(fair, "booth_count", 0)

    @admin.display(description=_("jobs offered"), ordering="jobs_offered_total")
    def jobs_offered(self, fair: JobFair) -> int:
        return getattr(fair, "jobs_offered_total", 0)

    @admin.display(description=_("registered"), ordering="registration_count")
    def registrations(self, fair: JobFair) -> int:
        return getattr(fair, "registration_count", 0)

    @admin.display(description=_("checked in"), ordering="check_in_count")
    def check_ins(self, fair: JobFair) -> int:
        return getattr(fair, "check_in_count", 0)

    @admin.display(description=_("applications"), ordering="application_count")
    def applications(self, fair: JobFair) -> int:
        return getattr(fair, "application_count", 0)

    @admin.display(description=_("record an application"))
    def record_application(self, fair: JobFair) -> str:
        if fair.status not in LIVE_STATUSES:
            return "-"  # over, or cancelled: it takes no applications
        url = reverse("admin:stations_jobfair_application_add", args=[fair.pk])
        return format_html('<a class="button" href="{}">{}</a>', url, self._record_label(fair))

    def _record_label(self, fair: JobFair) -> str:
        if fair.format == FairFormat.LIVE:
            return gettext("Record an application from the stream")
        return gettext("Record an application at a booth")

    # Applications taken for callers: through fair_apply, as the API's.

    def get_urls(self) -> list[Any]:
        record = path(
            "<path:object_id>/applications/add/",
            self.admin_site.admin_view(self.application_add_view),
            name="stations_jobfair_application_add",
        )
        return [record, *super().get_urls()]

    def application_add_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """Record an application for a seeker who called or commented during the broadcast
        (or came to a booth): registered for the fair when they were not (from the stream
        for a broadcast, at the counter otherwise)."""
        fair = self.get_object(request, object_id)
        if fair is None:
            raise Http404
        if not request.user.has_perm("stations.add_application"):
            raise PermissionDenied
        scope = request_scope(request)
        form = FairApplicationForm(
            request.POST or None,
            seekers=fair_seekers_in_scope(scope),
            posts=fair_posts_in_scope(scope)
            .filter(booths__fair=fair)
            .select_related("employer")
            .distinct()
            .order_by("employer__name", "title", "pk"),
            admin_site=self.admin_site,
        )
        if request.method == "POST" and form.is_valid():
            seeker, post = form.cleaned_data["seeker"], form.cleaned_data["post"]
            try:
                fair_apply(
                    fair=fair,
                    post=post,
                    seeker=seeker,
                    by=acting_user(request),
                    now=timezone.now(),
                    registration_source=RegistrationSource.COUNTER,
                )
            except DomainError as error:
                _field_errors(form, error)
            else:
                self.message_user(
                    request,
                    gettext("%(seeker)s applied for %(post)s at %(fair)s.")
                    % {"seeker": seeker, "post": post, "fair": fair},
                    messages.SUCCESS,
                )
                if "_addanother" in request.POST:
                    return HttpResponseRedirect(request.path)
                change = reverse("admin:stations_jobfair_change", args=[fair.pk])
                return HttpResponseRedirect(change)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": fair,
            "title": self._record_label(fair),
            "applications": self.applications(fair),
            "form": form,
        }
        return TemplateResponse(request, "admin/stations/fair_application_form.html", context)

    def save_model(self, request: HttpRequest, obj: JobFair, form: Any, change: bool) -> None:
        by = acting_user(request)
        if change:
            changes = {
                name: getattr(obj, name)
                for name in form.changed_data
                if name in EDITABLE_FAIR_FIELDS
            }
            saved = fair_update(fair=obj, by=by, **changes) if changes else obj
            if "viewers" in form.changed_data:
                saved = fair_viewers_record(fair=saved, viewers=obj.viewers, by=by)
            obj.__dict__.update(saved.__dict__)
            return
        details = {name: getattr(obj, name) for name in EDITABLE_FAIR_FIELDS}
        saved = fair_create(reference=obj.reference, by=by, **details)
        obj.__dict__.update(saved.__dict__)

    def save_formset(self, request: HttpRequest, form: Any, formset: Any, change: bool) -> None:
        if formset.model is not Booth:
            super().save_formset(request, form, formset, change)
            return
        # Booths through the service: the employer's own posts, one booth per employer.
        # The formset's record of what changed feeds the admin's change message.
        formset.new_objects, formset.changed_objects, formset.deleted_objects = [], [], []
        for booth_form in formset.forms:
            if not booth_form.has_changed() or not booth_form.cleaned_data:
                continue
            data = booth_form.cleaned_data
            existed = booth_form.instance.pk is not None
            try:
                booth = booth_set(
                    fair=form.instance,
                    employer=data.get("employer") or booth_form.instance.employer,
                    label=data.get("label", ""),
                    jobs_offered=data.get("jobs_offered"),
                    posts=data.get("posts"),
                    by=acting_user(request),
                )
            except DomainError as error:
                self.message_user(request, error.message, messages.ERROR)
                continue
            if existed:
                formset.changed_objects.append((booth, booth_form.changed_data))
            else:
                formset.new_objects.append(booth)

    def _move_each(
        self, request: HttpRequest, queryset: QuerySet[JobFair], to: FairStatus, done: str
    ) -> None:
        now = timezone.now()
        self.run_service_on_each(
            request,
            queryset,
            lambda fair: fair_move(fair=fair, to=to, by=acting_user(request), now=now),
            done,
        )

    @admin.action(description=_("Open the selected fairs (under way)"), permissions=["change"])
    def open_fairs(self, request: HttpRequest, queryset: QuerySet[JobFair]) -> None:
        self._move_each(request, queryset, FairStatus.UNDER_WAY, gettext("%(count)d fairs opened."))

    @admin.action(
        description=_("Close the selected fairs (held): open intentions go to follow-up"),
        permissions=["change"],
    )
    def close_fairs(self, request: HttpRequest, queryset: QuerySet[JobFair]) -> None:
        self._move_each(request, queryset, FairStatus.HELD, gettext("%(count)d fairs closed."))

    @admin.action(description=_("Cancel the selected fairs"), permissions=["change"])
    def cancel_fairs(self, request: HttpRequest, queryset: QuerySet[JobFair]) -> None:
        self._move_each(
            request, queryset, FairStatus.CANCELLED, gettext("%(count)d fairs cancelled.")
        )

    @admin.action(
        description=_("Tell registered seekers which booths suit them"), permissions=["change"]
    )
    def notify_booths(self, request: HttpRequest, queryset: QuerySet[JobFair]) -> None:
        now = timezone.now()
        told = sum(fair_booths_notify(fair=fair, now=now) for fair in queryset)
        self.message_user(
            request,
            gettext("%(count)d seekers were told which booths suit them.") % {"count": told},
            messages.SUCCESS,
        )


# Registrations


class FairRegistrationForm(forms.ModelForm):
    class Meta:
        model = FairRegistration
        fields = ["fair", "seeker"]


@admin.register(FairRegistration)
class FairRegistrationAdmin(ScopedAdmin):
    """Registrations, and registering someone at the counter; check-in is at the gate."""

    scope_selector = staticmethod(registrations_in_scope)
    form = FairRegistrationForm
    list_display = ["seeker", "fair", "source", "registered_at", "checked_in_at"]
    list_filter = ["source", ("checked_in_at", admin.EmptyFieldListFilter), "fair__format"]
    list_select_related = ["seeker", "fair"]
    search_fields = ["seeker__full_name", "fair__name", "fair__reference"]
    autocomplete_fields = ["seeker"]
    date_hierarchy = "registered_at"

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False  # a registration is what happened; nothing in it is edited

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scope = request_scope(request)
        if db_field.name == "fair":
            kwargs["queryset"] = fairs_in_scope(scope).filter(
                status__in=[FairStatus.PLANNED, FairStatus.UNDER_WAY]
            )
        elif db_field.name == "seeker":
            kwargs["queryset"] = fair_seekers_in_scope(scope)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def save_model(
        self, request: HttpRequest, obj: FairRegistration, form: Any, change: bool
    ) -> None:
        saved, _created = fair_register(
            fair=obj.fair, seeker=obj.seeker, source=RegistrationSource.COUNTER, now=timezone.now()
        )
        obj.__dict__.update(saved.__dict__)


# Intentions


class OverdueFilter(admin.SimpleListFilter):
    title = _("follow-up")
    parameter_name = "follow_up"

    def lookups(self, request: HttpRequest, model_admin: Any) -> list[tuple[str, Any]]:
        return [
            ("overdue", _("overdue")),
            ("mine", _("mine, open")),
            ("mine_overdue", _("mine, overdue")),
        ]

    def queryset(self, request: HttpRequest, queryset: QuerySet[Intention]) -> QuerySet[Intention]:
        if self.value() == "mine_overdue":
            # As the staff digest counts them: assigned to me, or unassigned in my scope.
            idle = intentions_idle(request.user, today=timezone.localdate())
            return queryset.filter(pk__in=idle.values("pk"))
        if self.value() == "overdue":
            return queryset.filter(
                status=IntentionStatus.OPEN, follow_up_by__lt=timezone.localdate()
            )
        if self.value() == "mine":
            return queryset.filter(status=IntentionStatus.OPEN, assigned_to=request.user.pk)
        return queryset


class IntentionAdminForm(forms.ModelForm):
    follow_up_note = forms.CharField(
        label=_("follow-up"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("What came of the call or visit; it joins the log below."),
    )

    class Meta:
        model = Intention
        fields = [
            "fair",
            "seeker",
            "employer",
            "post",
            "reached_at",
            "follow_up_by",
            "assigned_to",
            "note",
        ]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if (
            self.instance.pk
            and "follow_up_by" in self.changed_data
            and not data.get("follow_up_note", "").strip()
        ):
            self.add_error("follow_up_note", gettext("Say what came of the follow-up."))
        return data


@admin.register(Intention)
class IntentionAdmin(TransferMixin, ScopedAdmin):
    import_kind = "intentions"
    scope_selector = staticmethod(intentions_in_scope)
    form = IntentionAdminForm
    list_display = [
        "seeker",
        "employer",
        "post",
        "fair",
        "reached_at",
        "status",
        "follow_up_by",
        "overdue",
        "assigned_to",
    ]
    list_filter = [OverdueFilter, "status", "fair__format", "fair__series"]
    list_select_related = ["seeker", "employer", "post", "fair", "assigned_to"]
    search_fields = ["seeker__full_name", "employer__name", "fair__name", "fair__reference"]
    autocomplete_fields = ["seeker", "employer", "post"]
    date_hierarchy = "reached_at"
    actions = ["lapse_intentions", "assign_to_me"]

    # What an intention is (who, with whom, where) is fixed once recorded; what changes is
    # who follows it up, when, and the log of follow-ups.
    _RECORDED = ["fair", "seeker", "employer", "post", "reached_at"]
    _OUTCOME = ["status", "placement", "closed_at"]

    def get_fields(self, request: HttpRequest, obj: Intention | None = None) -> list[str]:
        if obj is None:
            return [*self._RECORDED, "assigned_to", "note"]
        if obj.status != IntentionStatus.OPEN:
            return [*self._RECORDED, *self._OUTCOME, "assigned_to", "note"]
        editable = ["assigned_to", "follow_up_by", "follow_up_note"]
        return [*self._RECORDED, *self._OUTCOME, *editable, "note"]

    def get_readonly_fields(self, request: HttpRequest, obj: Intention | None = None) -> list[str]:
        if obj is None:
            return []
        fixed = [*self._RECORDED, *self._OUTCOME, "note"]
        return fixed if obj.status == IntentionStatus.OPEN else [*fixed, "assigned_to"]

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        scope = request_scope(request)
        if db_field.name == "fair":
            live = [FairStatus.UNDER_WAY, FairStatus.HELD]
            kwargs["queryset"] = fairs_in_scope(scope).filter(status__in=live)
        elif db_field.name == "seeker":
            kwargs["queryset"] = fair_seekers_in_scope(scope)
        elif db_field.name == "employer":
            kwargs["queryset"] = fair_employers_in_scope(scope)
        elif db_field.name == "post":
            kwargs["queryset"] = fair_posts_in_scope(scope)
        elif db_field.name == "assigned_to":
            kwargs["queryset"] = User.objects.filter(
                Q(pk__in=staff_in_scope(scope).values("user_id")) | Q(pk=request.user.pk)
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    @admin.display(description=_("overdue"), boolean=True)
    def overdue(self, intention: Intention) -> bool:
        return (
            intention.status == IntentionStatus.OPEN
            and intention.follow_up_by is not None
            and intention.follow_up_by < timezone.localdate()
        )

    def save_model(self, request: HttpRequest, obj: Intention, form: Any, change: bool) -> None:
        by, now = acting_user(request), timezone.now()
        if not change:
            saved = intention_record(
                fair=obj.fair,
                seeker=obj.seeker,
                employer=obj.employer,
                post=obj.post,
                reached_at=obj.reached_at,
                note=obj.note,
                assigned_to=obj.assigned_to,
                by=by,
                now=now,
            )
            obj.__dict__.update(saved.__dict__)
            return
        saved = obj
        if "assigned_to" in form.changed_data:
            saved = intention_assign(intention=saved, to=obj.assigned_to, by=by)
        note = form.cleaned_data.get("follow_up_note", "").strip()
        if note:
            saved = intention_follow_up(
                intention=saved,
                note=note,
                follow_up_by=obj.follow_up_by if "follow_up_by" in form.changed_data else None,
                by=by,
                now=now,
            )
        obj.__dict__.update(saved.__dict__)

    @admin.action(description=_("Lapse the selected intentions"), permissions=["change"])
    def lapse_intentions(self, request: HttpRequest, queryset: QuerySet[Intention]) -> None:
        now = timezone.now()
        self.run_service_on_each(
            request,
            queryset,
            lambda intention: intention_lapse(
                intention=intention, by=acting_user(request), now=now
            ),
            gettext("%(count)d intentions lapsed."),
        )

    @admin.action(description=_("Follow the selected intentions up myself"), permissions=["change"])
    def assign_to_me(self, request: HttpRequest, queryset: QuerySet[Intention]) -> None:
        me = acting_user(request)
        self.run_service_on_each(
            request,
            queryset,
            lambda intention: intention_assign(intention=intention, to=me, by=me),
            gettext("%(count)d intentions are now yours to follow up."),
        )
