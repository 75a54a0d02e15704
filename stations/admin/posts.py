from __future__ import annotations

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import HttpRequest
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from stations.admin.base import ScopedAdmin, acting_user
from stations.admin.transfer import TransferMixin
from stations.models import HOLDS_OPENING, OPEN_CLAIM_STATUSES, JobPost, WageClaim
from stations.models.posts import PostStatus
from stations.selectors.scope import posts_in_scope
from stations.services.posts import EDITABLE_POST_FIELDS, post_create, post_move, post_update


@admin.register(JobPost)
class JobPostAdmin(TransferMixin, ScopedAdmin):
    import_kind = "posts"
    export_columns = [
        ("reference", lambda p: p.reference),
        ("employer", lambda p: p.employer.name),
        ("title", lambda p: p.title),
        ("occupation", lambda p: p.occupation.code),
        ("openings", lambda p: p.openings),
        ("wage_amount", lambda p: p.wage_amount),
        ("wage_unit", lambda p: p.wage_unit),
        ("starts_on", lambda p: p.starts_on),
        ("ends_on", lambda p: p.ends_on),
        ("region", lambda p: p.region.code),
        ("station", lambda p: p.station.code if p.station else ""),
        ("status", lambda p: p.status),
    ]
    scope_selector = staticmethod(posts_in_scope)
    list_display = [
        "title",
        "reference",
        "employer",
        "station",
        "openings",
        "hired",
        "wage_amount",
        "wage_unit",
        "starts_on",
        "status",
        "unpaid_wages",
    ]
    list_filter = ["status", "kind", "take_home", ("station", admin.RelatedOnlyFieldListFilter)]
    search_fields = ["title", "reference", "employer__name"]
    list_select_related = ["employer", "station"]
    autocomplete_fields = ["employer", "occupation", "region", "required_skills"]
    filter_horizontal = ["required_certificates"]
    readonly_fields = ["status", "opened_at"]
    date_hierarchy = "starts_on"
    actions = ["open_posts", "close_posts", "cancel_posts", "export_csv", "export_xlsx"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[JobPost]:
        open_claims = WageClaim.objects.filter(
            employer=OuterRef("employer_id"), status__in=OPEN_CLAIM_STATUSES
        )
        return (
            super()
            .get_queryset(request)
            .annotate(
                hired_count=Count("applications", filter=Q(applications__status__in=HOLDS_OPENING)),
                employer_has_open_claims=Exists(open_claims),
            )
        )

    @admin.display(description=_("hired"), ordering="hired_count")
    def hired(self, post: JobPost) -> int:
        return getattr(post, "hired_count", 0)

    @admin.display(description=_("employer owes wages"), boolean=True)
    def unpaid_wages(self, post: JobPost) -> bool:
        return bool(getattr(post, "employer_has_open_claims", False))

    def save_model(self, request: HttpRequest, obj: JobPost, form: object, change: bool) -> None:
        if change:
            changes = {
                name: getattr(obj, name)
                for name in form.changed_data  # type: ignore[attr-defined]
                if name in EDITABLE_POST_FIELDS
            }
            saved = post_update(post=obj, by=acting_user(request), **changes)
            obj.__dict__.update(saved.__dict__)
            return
        details = {
            field.name: getattr(obj, field.name)
            for field in JobPost._meta.concrete_fields
            if field.name
            not in {
                "id",
                "reference",
                "employer",
                "title",
                "occupation",
                "wage_amount",
                "wage_unit",
                "starts_on",
                "ends_on",
                "region",
                "station",
                "status",
                "created_at",
                "updated_at",
                "opened_at",
            }
        }
        saved = post_create(
            reference=obj.reference,
            employer=obj.employer,
            title=obj.title,
            occupation=obj.occupation,
            wage_amount=obj.wage_amount,
            wage_unit=obj.wage_unit,
            starts_on=obj.starts_on,
            ends_on=obj.ends_on,
            region=obj.region,
            station=obj.station,
            by=acting_user(request),
            **details,
        )
        obj.__dict__.update(saved.__dict__)

    def _move_each(
        self, request: HttpRequest, queryset: QuerySet[JobPost], to: PostStatus, done: str
    ) -> None:
        now = timezone.now()
        self.run_service_on_each(
            request,
            queryset,
            lambda post: post_move(post=post, to=to, by=acting_user(request), now=now),
            done,
        )

    @admin.action(description=_("Open the selected posts"), permissions=["change"])
    def open_posts(self, request: HttpRequest, queryset: QuerySet[JobPost]) -> None:
        self._move_each(request, queryset, PostStatus.OPEN, str(_("%(count)d posts opened.")))

    @admin.action(description=_("Close the selected posts"), permissions=["change"])
    def close_posts(self, request: HttpRequest, queryset: QuerySet[JobPost]) -> None:
        self._move_each(request, queryset, PostStatus.CLOSED, str(_("%(count)d posts closed.")))

    @admin.action(description=_("Cancel the selected posts"), permissions=["change"])
    def cancel_posts(self, request: HttpRequest, queryset: QuerySet[JobPost]) -> None:
        self._move_each(
            request, queryset, PostStatus.CANCELLED, str(_("%(count)d posts cancelled."))
        )
