"""Matching in the admin: each post's "Find candidates" page, each seeker's recommended posts,
the regions' matching policies and the notification outbox.

The post and seeker admins are stations'; matching builds on stations, so it extends them
here (registered again with the candidates page and the recommendations inline) rather than
stations reaching into matching.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from matching.models import MatchingPolicy, Notification, Recommendation
from matching.selectors.recommendations import candidates_for_post
from matching.services.dispatch import DispatchRow, dispatch_confirm, dispatch_propose
from matching.services.recommendations import post_push
from matching.tasks import rematch_posts
from stations.admin.base import acting_user, masked_phone
from stations.admin.dispatch import SignInAdmin
from stations.admin.posts import JobPostAdmin
from stations.admin.seekers import JobSeekerAdmin
from stations.models import JobPost, JobSeeker, SignIn
from stations.models.posts import PostStatus
from stations.selectors.dispatch import posts_to_fill, queue_waiting
from stations.selectors.scope import (
    posts_in_scope,
    regions_in_scope,
    scope_for,
    seekers_in_scope,
    stations_in_scope,
)

# Stored rankings younger than this are shown as they are; older ones are ranked again.
CANDIDATES_FRESH_FOR = dt.timedelta(minutes=10)


def reason_texts(reasons: list[dict[str, Any]]) -> str:
    language = "en" if (translation.get_language() or "").startswith("en") else "zh-hans"
    return "; ".join(reason.get(language, "") for reason in reasons)


class PushForm(forms.Form):
    seekers = forms.TypedMultipleChoiceField(coerce=int, choices=())

    def __init__(self, *args: Any, candidates: list[Recommendation], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["seekers"]
        assert isinstance(field, forms.TypedMultipleChoiceField)
        field.choices = [(rec.seeker_id, str(rec.seeker_id)) for rec in candidates]
        self.fields["seekers"].error_messages["required"] = _("Select the seekers to push to.")


class CandidatesPostAdmin(JobPostAdmin):
    change_form_template = "admin/matching/jobpost_change_form.html"

    def get_urls(self) -> list[Any]:
        candidates = path(
            "<path:object_id>/candidates/",
            self.admin_site.admin_view(self.candidates_view),
            name="stations_jobpost_candidates",
        )
        return [candidates, *super().get_urls()]

    def candidates_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        """The ranked seekers for the post, with reasons; POST pushes it to those selected."""
        post = self.get_object(request, object_id)
        if post is None:
            raise Http404
        # Candidates are people: staff who may not see job seekers do not see them here.
        if not (
            self.has_view_or_change_permission(request, post)
            and request.user.has_perm("stations.view_jobseeker")
        ):
            raise PermissionDenied
        now = timezone.now()
        candidates = candidates_for_post(post)
        refreshing = False
        if post.status == PostStatus.OPEN and (
            not candidates or now - candidates[0].computed_at > CANDIDATES_FRESH_FOR
        ):
            # Ranked by a worker, which holds the city's snapshot (the web processes do not);
            # in the embedded mode the task runs here and now.
            rematch_posts.delay([post.pk])
            candidates = candidates_for_post(post)
            refreshing = not candidates or candidates[0].computed_at < now
        form = PushForm(request.POST if request.method == "POST" else None, candidates=candidates)
        if request.method == "POST":
            if not self.has_change_permission(request, post):
                raise PermissionDenied
            if form.is_valid():
                try:
                    written = post_push(
                        post=post,
                        seeker_ids=form.cleaned_data["seekers"],
                        by=acting_user(request),
                        now=now,
                    )
                except DomainError as error:
                    self.message_user(request, error.message, messages.ERROR)
                else:
                    people = len({row.seeker_id for row in written})
                    self.message_user(
                        request,
                        gettext("The post was pushed to %(count)d job seekers.") % {"count": people}
                        if people
                        else gettext("The selected job seekers had been pushed this post already."),
                        messages.SUCCESS if people else messages.WARNING,
                    )
                return HttpResponseRedirect(request.path)
        rows = [
            {
                "recommendation": rec,
                "seeker": rec.seeker,
                "phone": masked_phone(rec.seeker.phone),
                "reasons": reason_texts(rec.reasons),
                "score": f"{rec.score:.2f}",
            }
            for rec in candidates
        ]
        context: dict[str, Any] = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "original": post,
            "title": gettext("Candidates for %(post)s") % {"post": post.title},
            "rows": rows,
            "form": form,
            "can_push": post.status == PostStatus.OPEN
            and self.has_change_permission(request, post),
            "computed_at": candidates[0].computed_at if candidates else None,
            "refreshing": refreshing,
        }
        return TemplateResponse(request, "admin/matching/candidates.html", context)


class RecommendedPostsInline(admin.TabularInline):
    model = Recommendation
    fk_name = "seeker"
    verbose_name = _("recommended post")
    verbose_name_plural = _("recommended posts")
    fields = readonly_fields = ("rank", "post", "score_shown", "why", "computed_at")
    extra = 0
    max_num = 0
    can_delete = False
    ordering = ["rank"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Recommendation]:
        return (
            super()
            .get_queryset(request)
            .filter(direction=Recommendation.Direction.POSTS_FOR_SEEKER)
            .select_related("post")
        )

    @admin.display(description=_("score"))
    def score_shown(self, rec: Recommendation) -> str:
        return f"{rec.score:.2f}"

    @admin.display(description=_("why"))
    def why(self, rec: Recommendation) -> str:
        return reason_texts(rec.reasons)

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


class RecommendationsSeekerAdmin(JobSeekerAdmin):
    inlines = [*JobSeekerAdmin.inlines, RecommendedPostsInline]


admin.site.unregister(JobPost)
admin.site.register(JobPost, CandidatesPostAdmin)
admin.site.unregister(JobSeeker)
admin.site.register(JobSeeker, RecommendationsSeekerAdmin)


class DispatchForm(forms.Form):
    """One row per person waiting: the post they go to (proposed by the engine), or none, and
    the wage agreed with them (blank: the post's pay)."""

    def __init__(
        self,
        *args: Any,
        waiting: list[SignIn],
        posts: list[JobPost],
        proposed: dict[int, int],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        choices = [("", "—"), *((str(post.pk), f"{post} · {post.employer}") for post in posts)]
        for row in waiting:
            self.fields[f"row_{row.pk}"] = forms.TypedChoiceField(
                label=f"#{row.position} {row.seeker}",
                choices=choices,
                coerce=int,
                empty_value=None,
                required=False,
                initial=proposed.get(row.pk),
            )
            self.fields[f"wage_{row.pk}"] = forms.DecimalField(
                label=_("wage agreed"),
                max_digits=10,
                decimal_places=2,
                min_value=Decimal("0.01"),
                required=False,
                widget=forms.NumberInput(
                    attrs={"placeholder": gettext("the post's pay"), "step": "0.01"}
                ),
            )


class DispatchSignInAdmin(SignInAdmin):
    """The sign-in admin with the dispatch page: the engine proposes, staff confirm or edit."""

    def get_urls(self) -> list[Any]:
        dispatch = path(
            "dispatch/<int:station_id>/",
            self.admin_site.admin_view(self.dispatch_view),
            name="stations_signin_dispatch",
        )
        return [dispatch, *super().get_urls()]

    def changelist_view(
        self, request: HttpRequest, extra_context: dict[str, Any] | None = None
    ) -> HttpResponse:
        stations = stations_in_scope(scope_for(request.user))
        chosen = request.GET.get("station__id__exact", "")
        station = stations.filter(pk=int(chosen)).first() if chosen.isdigit() else None
        if station is None and stations.count() == 1:
            station = stations.first()
        context = dict(extra_context or {})
        if station is not None and request.user.has_perm("stations.add_application"):
            context["dispatch_url"] = reverse("admin:stations_signin_dispatch", args=[station.pk])
        return super().changelist_view(request, extra_context=context)

    def dispatch_view(self, request: HttpRequest, station_id: int) -> HttpResponse:
        station = stations_in_scope(scope_for(request.user)).filter(pk=station_id).first()
        if station is None:
            raise Http404
        if not request.user.has_perm("stations.add_application"):
            raise PermissionDenied
        now = timezone.now()
        today = timezone.localdate(now)
        waiting = list(queue_waiting(station, today))
        posts = [
            post
            for post in posts_to_fill(station, today)
            if post.openings > getattr(post, "held", 0)
        ]
        proposals = dispatch_propose(station=station, day=today, now=now)
        proposed = {proposal.sign_in.pk: proposal.post.pk for proposal in proposals}
        form = DispatchForm(request.POST or None, waiting=waiting, posts=posts, proposed=proposed)
        if request.method == "POST" and form.is_valid():
            by_pk = {post.pk: post for post in posts}
            rows = [
                DispatchRow(
                    row,
                    by_pk[form.cleaned_data[f"row_{row.pk}"]],
                    form.cleaned_data.get(f"wage_{row.pk}"),
                )
                for row in waiting
                if form.cleaned_data.get(f"row_{row.pk}") in by_pk
            ]
            results = dispatch_confirm(rows=rows, by=acting_user(request), now=now)
            sent = sum(1 for result in results if result.placement is not None)
            for result in results:
                if result.error:
                    self.message_user(
                        request, f"{result.sign_in.seeker}: {result.error}", messages.ERROR
                    )
            if sent:
                self.message_user(
                    request,
                    gettext("%(count)d people sent to work.") % {"count": sent},
                    messages.SUCCESS,
                )
            return HttpResponseRedirect(request.path)
        reasons = {proposal.sign_in.pk: reason_texts(proposal.reasons) for proposal in proposals}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Dispatch at %(station)s") % {"station": station},
            "station": station,
            "rows": [
                (form[f"row_{row.pk}"], form[f"wage_{row.pk}"], reasons.get(row.pk, ""))
                for row in waiting
            ],
            "form": form,
            "posts": posts,
        }
        return TemplateResponse(request, "admin/matching/dispatch.html", context)


admin.site.unregister(SignIn)
admin.site.register(SignIn, DispatchSignInAdmin)


@admin.register(MatchingPolicy)
class MatchingPolicyAdmin(admin.ModelAdmin):
    list_display = ["region", "weight_skill", "weight_distance", "weight_priority", "updated_at"]
    search_fields = ["region__name_zh_hans", "region__name_en", "region__code"]
    autocomplete_fields = ["region"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[MatchingPolicy]:
        regions = regions_in_scope(scope_for(request.user))
        return super().get_queryset(request).filter(region__in=regions)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "region":
            kwargs["queryset"] = regions_in_scope(scope_for(request.user))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    """The outbox, read-only: staff see what went out and why something did not."""

    list_display = [
        "created_at",
        "template",
        "channel",
        "recipient",
        "status",
        "attempts",
        "last_error",
    ]
    list_filter = ["status", "channel", "template"]
    date_hierarchy = "created_at"
    list_select_related = ["seeker", "user"]
    fields = readonly_fields = (
        "recipient",
        "post",
        "channel",
        "template",
        "language",
        "status",
        "attempts",
        "next_attempt_at",
        "provider_message_id",
        "last_error",
        "created_at",
        "sent_at",
        "read_at",
    )

    def get_queryset(self, request: HttpRequest) -> QuerySet[Notification]:
        # Staff see the messages of the people and posts in their scope.
        scope = scope_for(request.user)
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(seeker__in=seekers_in_scope(scope)) | queryset.filter(
            post__in=posts_in_scope(scope)
        )

    @admin.display(description=_("recipient"))
    def recipient(self, row: Notification) -> str:
        if row.seeker is not None:
            return f"{row.seeker} ({masked_phone(row.seeker.phone)})"
        return str(row.user)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
