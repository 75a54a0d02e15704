"""311 follow-up through the API. Staff (``staff/plans``, ``staff/follow-ups``,
``staff/guidance-sessions``, ``staff/training-courses``, ``staff/training-referrals``) follow
key-group members up, scoped as in the admin, and find their idle fair intentions among their
follow-ups (``staff/follow-ups/intentions``); a seeker reads their own plan (``me/plan``) and
the training courses near them (``training-courses``)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.fairs import IntentionFollowUpFilter, IntentionSerializer
from api.serializers import CodeRelatedField, OccupationBriefSerializer
from api.staff.filters import IdFilter
from api.staff.serializers import BriefPostSerializer, BriefSeekerSerializer, scoped
from api.staff.views import ERRORS, MOVE_ERRORS, StaffListCreateView, StaffView, acting_staff
from api.views import ERRORS as SEEKER_ERRORS
from api.views import IsSeeker, acting_seeker
from core.errors import NotFound
from stations.models import (
    GuidanceSession,
    Intention,
    Occupation,
    Region,
    ServicePlan,
    ServiceRecord,
    TrainingCourse,
    TrainingReferral,
)
from stations.models.followup import OverdueKind, PlanStatus, ReferralStatus, ServiceKind
from stations.selectors.followup import (
    course_regions_in_scope,
    courses_for_seeker,
    courses_in_scope,
    followups_overdue,
    guidance_sessions_in_scope,
    intention_follow_up_list,
    overdue_any,
    overdue_kinds,
    plan_detail,
    plan_list,
    plan_progress,
    referrals_in_scope,
    seeker_plan,
)
from stations.selectors.scope import posts_in_scope, scope_for, seekers_in_scope, stations_in_scope
from stations.services.followup import (
    HOLDS_PLACE,
    course_create,
    guidance_record,
    push_record_manual,
    referral_create,
    referral_move,
)

MAX_POSTS_PER_PUSH = 20


# --- Serializers ------------------------------------------------------------------------------


class DutySerializer(serializers.Serializer):
    owed = serializers.IntegerField()
    delivered = serializers.IntegerField()


class ProgressSerializer(serializers.Serializer):
    job_push = DutySerializer()
    training = DutySerializer()
    guidance = DutySerializer()


class UserBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


OVERDUE_LIST = serializers.ListField(child=serializers.ChoiceField(choices=OverdueKind.choices))


class PlanSerializer(serializers.ModelSerializer):
    """A plan with its duty, what was delivered, and the overdue rules it breaks today."""

    seeker = BriefSeekerSerializer(read_only=True)
    outcome = serializers.IntegerField(
        source="outcome_id", read_only=True, allow_null=True, help_text="The placement's id."
    )
    assigned_to = UserBriefSerializer(read_only=True, allow_null=True)
    progress = serializers.SerializerMethodField()
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = ServicePlan
        fields = [
            "id",
            "seeker",
            "status",
            "opened_on",
            "ends_on",
            "closed_on",
            "outcome",
            "assigned_to",
            "progress",
            "overdue",
        ]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, plan: ServicePlan) -> dict[str, dict[str, int]]:
        return plan_progress(plan)

    @extend_schema_field(OVERDUE_LIST)
    def get_overdue(self, plan: ServicePlan) -> list[str]:
        return overdue_kinds(plan)


class ServiceSerializer(serializers.ModelSerializer):
    posts = BriefPostSerializer(many=True, read_only=True)
    by = UserBriefSerializer(read_only=True, allow_null=True)
    notification = serializers.IntegerField(
        source="notification_id", read_only=True, allow_null=True
    )
    referral = serializers.IntegerField(source="referral_id", read_only=True, allow_null=True)
    guidance = serializers.IntegerField(source="guidance_id", read_only=True, allow_null=True)

    class Meta:
        model = ServiceRecord
        fields = [
            "id",
            "kind",
            "at",
            "posts",
            "notification",
            "referral",
            "guidance",
            "reference",
            "by",
        ]


class PlanDetailSerializer(PlanSerializer):
    services = ServiceSerializer(many=True, read_only=True)

    class Meta(PlanSerializer.Meta):
        fields = [*PlanSerializer.Meta.fields, "services"]


class ManualPushSerializer(serializers.Serializer):
    posts = scoped(
        posts_in_scope,
        many=True,
        allow_empty=False,
        help_text="Open posts in an occupation group of the person's skills.",
    )

    def validate_posts(self, posts: list[Any]) -> list[Any]:
        if len(posts) > MAX_POSTS_PER_PUSH:
            raise serializers.ValidationError(f"At most {MAX_POSTS_PER_PUSH} posts.")
        return posts


class OverdueFollowUpSerializer(serializers.Serializer):
    """One overdue follow-up: a plan and the rule it breaks."""

    plan = serializers.IntegerField(source="plan_id")
    seeker = serializers.IntegerField(source="seeker_id")
    seeker_name = serializers.CharField()
    rule = serializers.ChoiceField(source="kind", choices=OverdueKind.choices)
    since = serializers.DateField(help_text="The day it became overdue.")
    plan_ends_on = serializers.DateField()


class GuidanceSessionSerializer(serializers.ModelSerializer):
    seeker = BriefSeekerSerializer(read_only=True)
    station = serializers.IntegerField(source="station_id", read_only=True, allow_null=True)
    by = UserBriefSerializer(read_only=True, allow_null=True)

    class Meta:
        model = GuidanceSession
        fields = ["id", "seeker", "held_at", "station", "by", "notes", "next_step"]
        fields += ["next_step_by"]


class GuidanceRecordSerializer(serializers.Serializer):
    seeker = scoped(seekers_in_scope)
    held_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    station = scoped(stations_in_scope, required=False, allow_null=True, default=None)
    notes = serializers.CharField(max_length=5000, required=False, allow_blank=True, default="")
    next_step = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    next_step_by = serializers.DateField(required=False, allow_null=True, default=None)


class ScopedCodeField(CodeRelatedField):
    """A region by its code, among those the staff member may put a course on."""

    def get_queryset(self) -> QuerySet[Region]:
        return course_regions_in_scope(scope_for(self.context["request"].user))


class CourseSerializer(serializers.ModelSerializer):
    occupation = CodeRelatedField(queryset=Occupation.objects.all())
    region = ScopedCodeField(
        queryset=Region.objects.all(), help_text="Your region, or your station's, or below."
    )
    places = serializers.IntegerField(min_value=1, max_value=100_000)
    places_taken = serializers.IntegerField(read_only=True, default=0)

    class Meta:
        model = TrainingCourse
        fields = [
            "id",
            "reference",
            "name",
            "provider",
            "occupation",
            "region",
            "subsidised",
            "starts_on",
            "ends_on",
            "places",
            "places_taken",
        ]


class CourseBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    name = serializers.CharField()


class TrainingReferralSerializer(serializers.ModelSerializer):
    course = CourseBriefSerializer(read_only=True)
    seeker = BriefSeekerSerializer(read_only=True)

    class Meta:
        model = TrainingReferral
        fields = ["id", "course", "seeker", "status", "referred_at", "status_changed_at"]


class ReferralCreateSerializer(serializers.Serializer):
    course = scoped(courses_in_scope)
    seeker = scoped(seekers_in_scope)


class TrainingReferralMoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=[status for status in ReferralStatus.choices if status[0] != "referred"]
    )


class MyServiceSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ServiceKind.choices)
    at = serializers.DateTimeField()


class MyPlanSerializer(serializers.ModelSerializer):
    """The seeker's own plan: what the bureau owes them this year and what it delivered."""

    progress = serializers.SerializerMethodField()
    services = MyServiceSerializer(many=True, read_only=True)

    class Meta:
        model = ServicePlan
        fields = ["id", "status", "opened_on", "ends_on", "closed_on", "progress", "services"]

    @extend_schema_field(ProgressSerializer)
    def get_progress(self, plan: ServicePlan) -> dict[str, dict[str, int]]:
        return plan_progress(plan)


class SeekerCourseSerializer(serializers.ModelSerializer):
    occupation = OccupationBriefSerializer(read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)

    class Meta:
        model = TrainingCourse
        fields = [
            "id",
            "name",
            "provider",
            "occupation",
            "region",
            "subsidised",
            "starts_on",
            "ends_on",
            "places",
        ]


# --- Filters ----------------------------------------------------------------------------------


class PlanFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=PlanStatus.choices)
    seeker = IdFilter(field_name="seeker_id")
    overdue = filters.BooleanFilter(method="by_overdue", help_text="breaks an overdue rule today")
    mine = filters.BooleanFilter(method="by_assignee", help_text="assigned to the caller")
    opened_from = filters.DateFilter(field_name="opened_on", lookup_expr="gte")
    opened_until = filters.DateFilter(field_name="opened_on", lookup_expr="lte")

    class Meta:
        model = ServicePlan
        fields: list[str] = []

    def by_overdue(
        self, plans: QuerySet[ServicePlan], name: str, overdue: bool
    ) -> QuerySet[ServicePlan]:
        return plans.filter(overdue_any()) if overdue else plans.exclude(overdue_any())

    def by_assignee(
        self, plans: QuerySet[ServicePlan], name: str, mine: bool
    ) -> QuerySet[ServicePlan]:
        me = Q(assigned_to_id=self.request.user.pk)
        return plans.filter(me) if mine else plans.exclude(me)


class GuidanceFilter(filters.FilterSet):
    seeker = IdFilter(field_name="seeker_id")
    station = IdFilter(field_name="station_id")
    held_from = filters.DateFilter(field_name="held_at__date", lookup_expr="gte")
    held_until = filters.DateFilter(field_name="held_at__date", lookup_expr="lte")

    class Meta:
        model = GuidanceSession
        fields: list[str] = []


class CourseFilter(filters.FilterSet):
    occupation = filters.CharFilter(method="in_occupation", help_text="code, with its subgroups")
    region = filters.CharFilter(method="in_region", help_text="region code, with its subregions")
    subsidised = filters.BooleanFilter()
    current = filters.BooleanFilter(method="not_over", help_text="not over yet")
    q = filters.CharFilter(method="search", help_text="part of the name, provider or reference")

    class Meta:
        model = TrainingCourse
        fields: list[str] = []

    def in_occupation(
        self, courses: QuerySet[TrainingCourse], name: str, code: str
    ) -> QuerySet[TrainingCourse]:
        return courses.filter(
            Q(occupation__path__startswith=f"{code}/") | Q(occupation__path__contains=f"/{code}/")
        )

    def in_region(
        self, courses: QuerySet[TrainingCourse], name: str, code: str
    ) -> QuerySet[TrainingCourse]:
        return courses.filter(Q(region__code=code) | Q(region__path__contains=f"/{code}/"))

    def not_over(
        self, courses: QuerySet[TrainingCourse], name: str, current: bool
    ) -> QuerySet[TrainingCourse]:
        running = Q(ends_on__gte=timezone.localdate())
        return courses.filter(running) if current else courses.exclude(running)

    def search(
        self, courses: QuerySet[TrainingCourse], name: str, text: str
    ) -> QuerySet[TrainingCourse]:
        text = text.strip()
        return courses.filter(
            Q(name__icontains=text) | Q(provider__icontains=text) | Q(reference__icontains=text)
        )


class ReferralFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=ReferralStatus.choices)
    course = IdFilter(field_name="course_id")
    seeker = IdFilter(field_name="seeker_id")

    class Meta:
        model = TrainingReferral
        fields: list[str] = []


# --- Staff views ------------------------------------------------------------------------------


class PlanListView(StaffView, generics.ListAPIView):
    """311 plans of the people in scope, with their progress and overdue rules."""

    serializer_class = PlanSerializer
    filterset_class = PlanFilter
    required_permissions = {"GET": "stations.view_serviceplan"}

    def get_queryset(self) -> QuerySet[ServicePlan]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator, no database
            return ServicePlan.objects.none()
        return plan_list(self.scope, today=timezone.localdate())


class PlanDetailView(StaffView, generics.RetrieveAPIView):
    """A plan with every service delivered under it."""

    serializer_class = PlanDetailSerializer
    required_permissions = {"GET": "stations.view_serviceplan"}

    def get_queryset(self) -> QuerySet[ServicePlan]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator, no database
            return ServicePlan.objects.none()
        return plan_detail(self.scope, today=timezone.localdate())


class PlanPushView(StaffView):
    """Record a job push staff made themselves (a call, a visit): open posts suiting the
    person's skills. Matching's own pushes count by themselves once delivered."""

    serializer_class = PlanDetailSerializer
    required_permissions = {"POST": "stations.add_servicerecord"}

    def get_queryset(self) -> QuerySet[ServicePlan]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator, no database
            return ServicePlan.objects.none()
        return plan_detail(self.scope, today=timezone.localdate())

    @extend_schema(
        request=ManualPushSerializer, responses={201: PlanDetailSerializer, **MOVE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        plan = self.found(ServicePlan, self.get_queryset(), pk)
        body = ManualPushSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        push_record_manual(
            plan=plan,
            posts=body.validated_data["posts"],
            by=acting_staff(request),
            now=timezone.now(),
        )
        plan = self.found(ServicePlan, self.get_queryset(), pk)
        return Response(PlanDetailSerializer(plan).data, status=status.HTTP_201_CREATED)


class FollowUpListView(StaffView, generics.ListAPIView):
    """The caller's overdue follow-ups (plans assigned to them, or unassigned in their
    scope), one row per plan and rule, the oldest first."""

    serializer_class = OverdueFollowUpSerializer
    required_permissions = {"GET": "stations.view_serviceplan"}
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return followups_overdue(self.request.user, today=timezone.localdate())


class IntentionFollowUpListView(StaffView, generics.ListAPIView):
    """The caller's fair intentions past their follow-up date (the ``intention_idle`` rule:
    assigned to them, or unassigned at a fair of their scope), the longest idle first: what
    their digest counts and the admin's "mine, overdue" list shows."""

    serializer_class = IntentionSerializer
    filterset_class = IntentionFollowUpFilter
    required_permissions = {"GET": "stations.view_intention"}

    def get_queryset(self) -> QuerySet[Intention]:
        return intention_follow_up_list(self.request.user, today=timezone.localdate())


class GuidanceListView(StaffListCreateView):
    """Guidance sessions with the people in scope; a POST records one (the plan's guidance
    service)."""

    serializer_class = GuidanceSessionSerializer
    create_serializer_class = GuidanceRecordSerializer
    create_errors = ERRORS
    filterset_class = GuidanceFilter
    required_permissions = {
        "GET": "stations.view_guidancesession",
        "POST": "stations.add_guidancesession",
    }

    def get_queryset(self) -> QuerySet[GuidanceSession]:
        return (
            guidance_sessions_in_scope(self.scope)
            .select_related("seeker", "by")
            .order_by("-held_at", "-pk")
        )

    def create_record(self, data: dict[str, Any], *, by: User, now: dt.datetime) -> GuidanceSession:
        return guidance_record(held_at=data.pop("held_at", now), by=by, now=now, **data)


class CourseListView(StaffListCreateView):
    """The training catalogue of the caller's region (and the regions above it); a POST adds
    a course."""

    serializer_class = CourseSerializer
    filterset_class = CourseFilter
    required_permissions = {
        "GET": "stations.view_trainingcourse",
        "POST": "stations.add_trainingcourse",
    }

    def get_queryset(self) -> QuerySet[TrainingCourse]:
        return (
            courses_in_scope(self.scope)
            .select_related("occupation", "region")
            .annotate(
                places_taken=Count(
                    "referrals",
                    filter=Q(referrals__status__in=HOLDS_PLACE),
                )
            )
            .order_by("-starts_on", "-pk")
        )

    def create_record(self, data: dict[str, Any], *, by: User, now: dt.datetime) -> TrainingCourse:
        return course_create(by=by, **data)


class ReferralListView(StaffListCreateView):
    """Training referrals of the people in scope; a POST recommends a course to a person
    (the plan's training service)."""

    serializer_class = TrainingReferralSerializer
    create_serializer_class = ReferralCreateSerializer
    filterset_class = ReferralFilter
    required_permissions = {
        "GET": "stations.view_trainingreferral",
        "POST": "stations.add_trainingreferral",
    }

    def get_queryset(self) -> QuerySet[TrainingReferral]:
        return (
            referrals_in_scope(self.scope)
            .select_related("course", "seeker")
            .order_by("-referred_at", "-pk")
        )

    def create_record(
        self, data: dict[str, Any], *, by: User, now: dt.datetime
    ) -> TrainingReferral:
        return referral_create(by=by, now=now, **data)


class ReferralMoveView(StaffView):
    """Enrolled (takes one of the course's places), completed, certified, employed, or
    dropped out; a move the lifecycle forbids answers 409."""

    serializer_class = TrainingReferralSerializer
    required_permissions = {"POST": "stations.change_trainingreferral"}

    def get_queryset(self) -> QuerySet[TrainingReferral]:
        return referrals_in_scope(self.scope).select_related("course", "seeker")

    @extend_schema(
        request=TrainingReferralMoveSerializer,
        responses={200: TrainingReferralSerializer, **MOVE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        referral = self.found(TrainingReferral, self.get_queryset(), pk)
        body = TrainingReferralMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        referral_move(
            referral=referral,
            to=ReferralStatus(body.validated_data["to"]),
            by=acting_staff(request),
            now=timezone.now(),
        )
        referral = self.found(TrainingReferral, self.get_queryset(), pk)
        return Response(TrainingReferralSerializer(referral).data)


# --- Seekers' views ---------------------------------------------------------------------------


class MyPlanView(APIView):
    """The seeker's 311 plan for this year, with what is owed and what was delivered; 404
    when they have none (they are in no key group)."""

    permission_classes = [IsSeeker]

    @extend_schema(responses={200: MyPlanSerializer, **SEEKER_ERRORS})
    def get(self, request: Request) -> Response:
        plan = seeker_plan(acting_seeker(request), today=timezone.localdate())
        if plan is None:
            raise NotFound(_("You have no 311 service plan: one opens when you join a key group."))
        return Response(MyPlanSerializer(plan).data)


class SeekerCourseListView(generics.ListAPIView):
    """Training courses not over yet in the seeker's city (or for a region above it),
    soonest first."""

    serializer_class = SeekerCourseSerializer
    permission_classes = [IsSeeker]
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[TrainingCourse]:
        return courses_for_seeker(acting_seeker(self.request), today=timezone.localdate())

    @extend_schema(responses={200: SeekerCourseSerializer(many=True), **SEEKER_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


urlpatterns: list[URLPattern] = [
    path("staff/plans", PlanListView.as_view(), name="staff-plans"),
    path("staff/plans/<int:pk>", PlanDetailView.as_view(), name="staff-plan"),
    path("staff/plans/<int:pk>/pushes", PlanPushView.as_view(), name="staff-plan-pushes"),
    path("staff/follow-ups", FollowUpListView.as_view(), name="staff-follow-ups"),
    path(
        "staff/follow-ups/intentions",
        IntentionFollowUpListView.as_view(),
        name="staff-follow-up-intentions",
    ),
    path("staff/guidance-sessions", GuidanceListView.as_view(), name="staff-guidance-sessions"),
    path("staff/training-courses", CourseListView.as_view(), name="staff-training-courses"),
    path("staff/training-referrals", ReferralListView.as_view(), name="staff-training-referrals"),
    path(
        "staff/training-referrals/<int:pk>/move",
        ReferralMoveView.as_view(),
        name="staff-training-referral-move",
    ),
    path("me/plan", MyPlanView.as_view(), name="my-plan"),
    path("training-courses", SeekerCourseListView.as_view(), name="training-courses"),
]
