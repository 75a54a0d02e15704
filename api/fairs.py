"""Job fairs through the API. Staff (``staff/fairs``, ``staff/intentions``) run a fair's
booths, the gate, the applications taken from its stream and the intentions reached there,
scoped as in the admin; seekers find upcoming fairs near them, register, apply for the posts
at its booths (from a live broadcast, say), and show the day's check-in code at the gate
(the same code signs them in at a station)."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db.models import F, Prefetch, Q, QuerySet
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from django_filters import rest_framework as filters
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers import ApplicationSerializer, CodeRelatedField
from api.staff.filters import IdFilter
from api.staff.serializers import (
    BriefPostSerializer,
    BriefSeekerSerializer,
    StaffApplicationSerializer,
    scoped,
)
from api.staff.views import (
    ERRORS,
    MOVE_ERRORS,
    StaffListCreateView,
    StaffView,
    acting_staff,
)
from api.views import ERRORS as SEEKER_ERRORS
from api.views import IsSeeker, acting_seeker, acting_user
from core.api import ErrorSerializer
from core.errors import DomainError, NotFound
from stations.models import (
    Application,
    Booth,
    FairRegistration,
    Intention,
    JobFair,
    JobPost,
    Region,
)
from stations.models.fairs import (
    FairFormat,
    FairSeries,
    FairStatus,
    IntentionStatus,
    RegistrationSource,
)
from stations.models.posts import PostStatus
from stations.selectors.fairs import (
    booth_list,
    fair_application_list,
    fair_employers_in_scope,
    fair_list,
    fair_posts_in_scope,
    fair_seekers_in_scope,
    fairs_for_seeker,
    fairs_in_scope,
    fairs_near,
    fairs_upcoming,
    intention_list,
    seeker_registrations,
)
from stations.selectors.scope import Scope, staff_in_scope, stations_in_scope
from stations.services.dispatch import check_in_code
from stations.services.fairs import (
    EDITABLE_FAIR_FIELDS,
    booth_set,
    fair_apply,
    fair_check_in,
    fair_close,
    fair_create,
    fair_open,
    fair_register,
    fair_update,
    fair_viewers_record,
    intention_assign,
    intention_follow_up,
    intention_lapse,
    intention_record,
)
from stations.services.posts import end_of_day

MAX_ID = 2**63 - 1
SEEKER_MOVE_ERRORS = {**SEEKER_ERRORS, 409: ErrorSerializer}


def _staff_users(scope: Scope) -> QuerySet[User]:
    """The accounts of the staff working in the scope: who may follow an intention up."""
    return User.objects.filter(pk__in=staff_in_scope(scope).values("user_id"), is_active=True)


# Serializers: staff


class FairSerializer(serializers.ModelSerializer):
    """A fair as staff edit it; the status moves only through the open and close actions,
    the viewers through the viewers action."""

    reference = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Made up when left out."
    )
    region = CodeRelatedField(queryset=Region.objects.all(), help_text="Organising region code.")
    station = scoped(
        stations_in_scope,
        allow_null=True,
        required=False,
        help_text="Organising station; by default the staff member's when they have one.",
    )
    stream_url = serializers.URLField(max_length=200, required=False, allow_blank=True)
    latitude = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, required=False)
    longitude = serializers.FloatField(
        min_value=-180, max_value=180, allow_null=True, required=False
    )
    booth_count = serializers.IntegerField(read_only=True, default=0)
    jobs_offered = serializers.IntegerField(
        read_only=True, source="jobs_offered_total", default=0, help_text="The booths' total."
    )
    registrations = serializers.IntegerField(read_only=True, source="registration_count", default=0)
    check_ins = serializers.IntegerField(read_only=True, source="check_in_count", default=0)
    applications = serializers.IntegerField(
        read_only=True,
        source="application_count",
        default=0,
        help_text="Made at the fair or from its stream.",
    )

    class Meta:
        model = JobFair
        fields = [
            "id",
            "reference",
            "name",
            "format",
            "series",
            "status",
            "region",
            "station",
            "venue",
            "stream_url",
            "starts_at",
            "ends_at",
            "latitude",
            "longitude",
            "description",
            "viewers",
            "booth_count",
            "jobs_offered",
            "registrations",
            "check_ins",
            "applications",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "viewers", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("latitude" in attrs) != ("longitude" in attrs):
            raise serializers.ValidationError(
                {"latitude": [_("give latitude and longitude together")]}
            )
        if self.instance is not None and "reference" in attrs:
            raise serializers.ValidationError({"reference": [_("a fair's reference is fixed")]})
        return attrs


class EmployerBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class BoothSerializer(serializers.ModelSerializer):
    employer = EmployerBriefSerializer(read_only=True)
    posts = BriefPostSerializer(many=True, read_only=True)

    class Meta:
        model = Booth
        fields = ["id", "label", "employer", "jobs_offered", "posts"]


class BoothSetSerializer(serializers.Serializer):
    """The employer's booth, taken or changed: only what is given changes."""

    employer = scoped(fair_employers_in_scope)
    label = serializers.CharField(  # type: ignore[assignment]  # a field, not Field.label
        max_length=20, required=False, allow_blank=True
    )
    jobs_offered = serializers.IntegerField(
        min_value=0,
        max_value=1_000_000,
        required=False,
        help_text="By default, for a new booth, the openings of its posts.",
    )
    posts = scoped(
        fair_posts_in_scope,
        many=True,
        required=False,
        help_text="The employer's own posts it brings.",
    )


class CheckInRequestSerializer(serializers.Serializer):
    code = serializers.CharField(max_length=500, help_text="What the seeker's app shows as a QR.")


class FairApplicationRecordSerializer(serializers.Serializer):
    seeker = scoped(
        fair_seekers_in_scope,
        help_text="In scope, or registered for a fair of the scope; registered for this fair "
        "when they were not.",
    )
    post = scoped(fair_posts_in_scope, help_text="A post at one of the fair's booths.")


class ViewersSerializer(serializers.Serializer):
    viewers = serializers.IntegerField(min_value=0, max_value=2_000_000_000)


class StaffRegistrationSerializer(serializers.ModelSerializer):
    fair = serializers.IntegerField(source="fair_id", read_only=True)
    seeker = BriefSeekerSerializer(read_only=True)

    class Meta:
        model = FairRegistration
        fields = ["id", "fair", "seeker", "source", "registered_at", "checked_in_at"]


class FairBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    name = serializers.CharField()


class AssigneeSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()


class IntentionSerializer(serializers.ModelSerializer):
    fair = FairBriefSerializer(read_only=True)
    seeker = BriefSeekerSerializer(read_only=True)
    employer = EmployerBriefSerializer(read_only=True)
    post = BriefPostSerializer(read_only=True, allow_null=True)
    assigned_to = AssigneeSerializer(read_only=True, allow_null=True)
    placement = serializers.IntegerField(source="placement_id", read_only=True, allow_null=True)
    overdue = serializers.SerializerMethodField()

    class Meta:
        model = Intention
        fields = [
            "id",
            "fair",
            "seeker",
            "employer",
            "post",
            "reached_at",
            "status",
            "follow_up_by",
            "overdue",
            "assigned_to",
            "placement",
            "closed_at",
            "note",
        ]

    def get_overdue(self, intention: Intention) -> bool:
        """Open, and its follow-up date has passed."""
        return (
            intention.status == IntentionStatus.OPEN
            and intention.follow_up_by is not None
            and intention.follow_up_by < timezone.localdate()
        )


class IntentionRecordSerializer(serializers.Serializer):
    fair = scoped(fairs_in_scope)
    seeker = scoped(fair_seekers_in_scope)
    employer = scoped(fair_employers_in_scope, help_text="An employer with a booth at the fair.")
    post = scoped(fair_posts_in_scope, required=False, allow_null=True, default=None)
    reached_at = serializers.DateTimeField(required=False, help_text="Default: now.")
    follow_up_by = serializers.DateField(required=False)
    assigned_to = scoped(
        _staff_users, required=False, help_text="Who follows it up; default: the caller."
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class FollowUpSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, help_text="What came of the follow-up.")
    follow_up_by = serializers.DateField(
        required=False, help_text="The next follow-up; default: in the overdue rule's N days."
    )
    assigned_to = scoped(_staff_users, required=False, help_text="Hand it over to a colleague.")


class LapseSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


# Filters: staff


class FairFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=FairStatus.choices)
    format = filters.ChoiceFilter(choices=FairFormat.choices)
    series = filters.ChoiceFilter(choices=FairSeries.choices)
    station = IdFilter(field_name="station_id")
    region = filters.CharFilter(method="in_region", help_text="region code, with its subregions")
    starts_from = filters.DateFilter(field_name="starts_at__date", lookup_expr="gte")
    starts_until = filters.DateFilter(field_name="starts_at__date", lookup_expr="lte")
    q = filters.CharFilter(method="search", help_text="part of the name or reference")

    class Meta:
        model = JobFair
        fields: list[str] = []

    def in_region(self, fairs: QuerySet[JobFair], name: str, code: str) -> QuerySet[JobFair]:
        return fairs.filter(Q(region__code=code) | Q(region__path__contains=f"/{code}/"))

    def search(self, fairs: QuerySet[JobFair], name: str, text: str) -> QuerySet[JobFair]:
        text = text.strip()
        return fairs.filter(Q(name__icontains=text) | Q(reference__icontains=text))


class BoothFilter(filters.FilterSet):
    employer = IdFilter(field_name="employer_id")
    q = filters.CharFilter(method="search", help_text="part of the label or employer's name")

    class Meta:
        model = Booth
        fields: list[str] = []

    def search(self, booths: QuerySet[Booth], name: str, text: str) -> QuerySet[Booth]:
        text = text.strip()
        return booths.filter(Q(label__icontains=text) | Q(employer__name__icontains=text))


class IntentionFollowUpFilter(filters.FilterSet):
    """What a list of intentions to follow up narrows by."""

    fair = IdFilter(field_name="fair_id")
    seeker = IdFilter(field_name="seeker_id")
    employer = IdFilter(field_name="employer_id")
    mine = filters.BooleanFilter(method="followed_by_me", help_text="followed up by the caller")
    reached_from = filters.DateFilter(field_name="reached_at__date", lookup_expr="gte")
    reached_until = filters.DateFilter(field_name="reached_at__date", lookup_expr="lte")

    class Meta:
        model = Intention
        fields: list[str] = []

    def followed_by_me(
        self, intentions: QuerySet[Intention], name: str, mine: bool
    ) -> QuerySet[Intention]:
        me = Q(assigned_to_id=self.request.user.pk)
        return intentions.filter(me) if mine else intentions.exclude(me)


class IntentionFilter(IntentionFollowUpFilter):
    status = filters.MultipleChoiceFilter(choices=IntentionStatus.choices)
    assigned_to = IdFilter(field_name="assigned_to_id")
    overdue = filters.BooleanFilter(
        method="past_due", help_text="open and past the follow-up date (the follow-up list)"
    )

    def past_due(
        self, intentions: QuerySet[Intention], name: str, overdue: bool
    ) -> QuerySet[Intention]:
        late = Q(status=IntentionStatus.OPEN, follow_up_by__lt=timezone.localdate())
        return intentions.filter(late) if overdue else intentions.exclude(late)


# Views: staff


class FairListView(StaffListCreateView):
    """The fairs of the staff member's scope, latest first; a POST plans one."""

    serializer_class = FairSerializer
    filterset_class = FairFilter
    required_permissions = {"GET": "stations.view_jobfair", "POST": "stations.add_jobfair"}

    def get_queryset(self) -> QuerySet[Any]:
        return fair_list(self.scope)

    def create_record(self, data: dict[str, Any], *, by: User, now: dt.datetime) -> JobFair:
        scope = self.scope
        if data.get("station") is None and len(scope.station_ids) == 1:
            data["station"] = stations_in_scope(scope).get()
        station, region = data.get("station"), data["region"]
        reachable = (
            scope.everything
            or station is not None
            or (scope.region_path is not None and region.path.startswith(scope.region_path))
        )
        if not reachable:
            # Else the fair would be planned out of the planner's own reach.
            raise DomainError(
                _("Organise the fair from one of your stations or in your region."),
                field_errors={"station": [_("give one of your stations")]},
            )
        return fair_create(by=by, **data)


class FairDetailView(StaffView, generics.RetrieveUpdateAPIView):
    serializer_class = FairSerializer
    required_permissions = {"GET": "stations.view_jobfair", "PATCH": "stations.change_jobfair"}
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return fair_list(self.scope)

    @extend_schema(request=FairSerializer, responses={200: FairSerializer, **MOVE_ERRORS})
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fair = self.get_object()
        body = self.get_serializer(fair, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = {k: v for k, v in body.validated_data.items() if k in EDITABLE_FAIR_FIELDS}
        fair_update(fair=fair, by=acting_staff(request), **changes)
        fair = self.found(JobFair, self.get_queryset(), fair.pk)
        return Response(self.get_serializer(fair).data)


class _FairActionView(StaffView):
    serializer_class = FairSerializer
    required_permissions = {"POST": "stations.change_jobfair"}

    def get_queryset(self) -> QuerySet[Any]:
        return fair_list(self.scope)

    def act(self, fair: JobFair, by: User) -> object:
        raise NotImplementedError

    @extend_schema(request=None, responses={200: FairSerializer, **MOVE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        fair = self.found(JobFair, self.get_queryset(), pk)
        self.act(fair, acting_staff(request))
        fair = self.found(JobFair, self.get_queryset(), pk)
        return Response(self.get_serializer(fair).data)


class FairOpenView(_FairActionView):
    """The fair is under way: the gate checks people in, intentions are recorded."""

    def act(self, fair: JobFair, by: User) -> object:
        return fair_open(fair=fair, by=by, now=timezone.now())


class FairCloseView(_FairActionView):
    """The fair was held: its open intentions enter the follow-up lists."""

    def act(self, fair: JobFair, by: User) -> object:
        return fair_close(fair=fair, by=by, now=timezone.now())


class FairViewersView(StaffView):
    """A live broadcast's viewers, as its platform reports them."""

    serializer_class = FairSerializer
    required_permissions = {"POST": "stations.change_jobfair"}

    def get_queryset(self) -> QuerySet[Any]:
        return fair_list(self.scope)

    @extend_schema(request=ViewersSerializer, responses={200: FairSerializer, **MOVE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        fair = self.found(JobFair, self.get_queryset(), pk)
        body = ViewersSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        fair_viewers_record(
            fair=fair, viewers=body.validated_data["viewers"], by=acting_staff(request)
        )
        fair = self.found(JobFair, self.get_queryset(), pk)
        return Response(self.get_serializer(fair).data)


class FairBoothListView(StaffView, generics.ListCreateAPIView):
    """The fair's booths; a POST gives an employer a booth or changes theirs."""

    serializer_class = BoothSerializer
    filterset_class = BoothFilter
    required_permissions = {"GET": "stations.view_booth", "POST": "stations.add_booth"}

    def fair(self) -> JobFair:
        return self.found(JobFair, fairs_in_scope(self.scope), self.kwargs["pk"])

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no fair
            return Booth.objects.none()
        return booth_list(self.fair())

    @extend_schema(
        request=BoothSetSerializer,
        responses={200: BoothSerializer, 201: BoothSerializer, **MOVE_ERRORS},
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        fair = self.fair()
        body = BoothSetSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        employer = body.validated_data["employer"]
        existed = fair.booths.filter(employer=employer).exists()
        booth = booth_set(fair=fair, by=acting_staff(request), **body.validated_data)
        booth = booth_list(fair).get(pk=booth.pk)
        answer = status.HTTP_200_OK if existed else status.HTTP_201_CREATED
        return Response(BoothSerializer(booth).data, status=answer)


class FairApplicationListView(StaffListCreateView):
    """Applications made at the fair or from its stream, newest first; a POST records one
    staff took from a live broadcast (a comment, a call to the number on screen) or at a
    booth: the seeker is registered for the fair (source ``stream`` for a broadcast,
    ``counter`` otherwise) when they were not."""

    serializer_class = StaffApplicationSerializer
    create_serializer_class = FairApplicationRecordSerializer
    required_permissions = {
        "GET": "stations.view_application",
        "POST": "stations.add_application",
    }

    def fair(self) -> JobFair:
        return self.found(JobFair, fairs_in_scope(self.scope), self.kwargs["pk"])

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no fair
            return Application.objects.none()
        return fair_application_list(self.scope, self.fair())

    @extend_schema(responses={200: StaffApplicationSerializer(many=True), **ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    def create_record(self, data: dict[str, Any], *, by: User, now: dt.datetime) -> Application:
        return fair_apply(
            fair=self.fair(),
            post=data["post"],
            seeker=data["seeker"],
            by=by,
            now=now,
            registration_source=RegistrationSource.COUNTER,
        )


class FairCheckInView(StaffView):
    """The gate scans the code on the seeker's phone: they are checked in (and registered,
    if they were not). Scanning twice changes nothing."""

    serializer_class = StaffRegistrationSerializer
    required_permissions = {"POST": "stations.add_fairregistration"}

    @extend_schema(
        request=CheckInRequestSerializer,
        responses={200: StaffRegistrationSerializer, **MOVE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        fair = self.found(JobFair, fairs_in_scope(self.scope), pk)
        body = CheckInRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        registration = fair_check_in(
            fair=fair, code=body.validated_data["code"], now=timezone.now()
        )
        registration = FairRegistration.objects.select_related("seeker").get(pk=registration.pk)
        return Response(StaffRegistrationSerializer(registration).data)


class IntentionListView(StaffListCreateView):
    """Intentions reached at the scope's fairs; a POST records one."""

    serializer_class = IntentionSerializer
    create_serializer_class = IntentionRecordSerializer
    filterset_class = IntentionFilter
    required_permissions = {"GET": "stations.view_intention", "POST": "stations.add_intention"}

    def get_queryset(self) -> QuerySet[Any]:
        return intention_list(self.scope)

    def create_record(self, data: dict[str, Any], *, by: User, now: dt.datetime) -> Intention:
        return intention_record(by=by, now=now, **data)


class IntentionDetailView(StaffView, generics.RetrieveAPIView):
    serializer_class = IntentionSerializer
    required_permissions = {"GET": "stations.view_intention"}

    def get_queryset(self) -> QuerySet[Any]:
        return intention_list(self.scope)


class IntentionLapseView(StaffView):
    """The intention came to nothing: it leaves the follow-up lists."""

    serializer_class = IntentionSerializer
    required_permissions = {"POST": "stations.change_intention"}

    def get_queryset(self) -> QuerySet[Any]:
        return intention_list(self.scope)

    @extend_schema(request=LapseSerializer, responses={200: IntentionSerializer, **MOVE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        intention = self.found(Intention, self.get_queryset(), pk)
        body = LapseSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        intention_lapse(
            intention=intention,
            note=body.validated_data["note"],
            by=acting_staff(request),
            now=timezone.now(),
        )
        intention = self.found(Intention, self.get_queryset(), pk)
        return Response(IntentionSerializer(intention).data)


class IntentionFollowUpView(StaffView):
    """A follow-up made (a call, a visit): the note joins the intention's log and the next
    follow-up is due; it may be handed to a colleague."""

    serializer_class = IntentionSerializer
    required_permissions = {"POST": "stations.change_intention"}

    def get_queryset(self) -> QuerySet[Any]:
        return intention_list(self.scope)

    @extend_schema(request=FollowUpSerializer, responses={200: IntentionSerializer, **MOVE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        intention = self.found(Intention, self.get_queryset(), pk)
        body = FollowUpSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        by = acting_staff(request)
        intention = intention_follow_up(
            intention=intention,
            note=body.validated_data["note"],
            follow_up_by=body.validated_data.get("follow_up_by"),
            by=by,
            now=timezone.now(),
        )
        if "assigned_to" in body.validated_data:
            intention_assign(intention=intention, to=body.validated_data["assigned_to"], by=by)
        intention = self.found(Intention, self.get_queryset(), pk)
        return Response(IntentionSerializer(intention).data)


# Serializers: seekers


class SeekerFairSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    distance_km = serializers.SerializerMethodField()
    booth_count = serializers.IntegerField(read_only=True, default=0)
    jobs_offered = serializers.IntegerField(
        read_only=True, source="jobs_offered_total", default=0, help_text="The booths' total."
    )
    registered = serializers.BooleanField(
        read_only=True, default=False, help_text="Whether you registered."
    )

    class Meta:
        model = JobFair
        fields = [
            "id",
            "name",
            "format",
            "series",
            "status",
            "region",
            "venue",
            "stream_url",
            "starts_at",
            "ends_at",
            "latitude",
            "longitude",
            "distance_km",
            "booth_count",
            "jobs_offered",
            "registered",
        ]

    def get_distance_km(self, fair: JobFair) -> float | None:
        """From the point asked about (null without one)."""
        distance = getattr(fair, "distance_km", None)
        return None if distance is None else round(float(distance), 2)


class BoothPostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    openings = serializers.IntegerField()
    wage_amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    wage_unit = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class PublicBoothSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.label
    employer = serializers.CharField(source="employer.name")
    jobs_offered = serializers.IntegerField()
    posts = BoothPostSerializer(
        many=True, source="open_posts", help_text="Its open posts (apply through jobs/{id})."
    )


class SeekerFairDetailSerializer(SeekerFairSerializer):
    booths = PublicBoothSerializer(many=True, read_only=True, source="listed_booths")

    class Meta(SeekerFairSerializer.Meta):
        fields = [*SeekerFairSerializer.Meta.fields, "description", "booths"]


class SeekerFairBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    format = serializers.CharField()
    status = serializers.CharField()
    venue = serializers.CharField()
    starts_at = serializers.DateTimeField()
    ends_at = serializers.DateTimeField()


class SeekerRegistrationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    fair = SeekerFairBriefSerializer()
    source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source
    registered_at = serializers.DateTimeField()
    checked_in_at = serializers.DateTimeField(allow_null=True)


class CheckInCodeSerializer(serializers.Serializer):
    code = serializers.CharField(help_text="Show it as a QR code at a station or a fair's gate.")
    day = serializers.DateField()
    expires_at = serializers.DateTimeField(help_text="The end of the day it is good for.")


class FairQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)
    radius_km = serializers.FloatField(min_value=0.1, max_value=200, default=30)
    format = serializers.ChoiceField(choices=FairFormat.choices, required=False)
    series = serializers.ChoiceField(choices=FairSeries.choices, required=False)
    ordering = serializers.ChoiceField(choices=["distance", "soonest"], default="distance")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError({"lat": [_("give lat and lon together")]})
        if attrs["ordering"] == "distance" and "lat" not in attrs:
            attrs["ordering"] = "soonest"
        return attrs


FAIR_PARAMETERS = [
    OpenApiParameter("lat", float, description="latitude of the point (with lon)"),
    OpenApiParameter("lon", float, description="longitude of the point (with lat)"),
    OpenApiParameter("radius_km", float, description="default 30, at most 200"),
    OpenApiParameter("format", str, enum=FairFormat.values),
    OpenApiParameter("series", str, enum=FairSeries.values),
    OpenApiParameter(
        "ordering",
        str,
        enum=["distance", "soonest"],
        description="distance (the default with a point) or soonest",
    ),
]


# Views: seekers


class SeekerFairListView(generics.ListAPIView):
    """Upcoming fairs (planned or under way), near a point when given, each with its
    distance; online fairs and live broadcasts stand at their organising region's centre."""

    permission_classes = [IsSeeker]
    serializer_class = SeekerFairSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[JobFair]:
        query = FairQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        params = query.validated_data
        fairs = fairs_upcoming(now=timezone.now(), seeker=acting_seeker(self.request))
        if "lat" in params:
            fairs = fairs_near(
                fairs,
                latitude=params["lat"],
                longitude=params["lon"],
                radius_km=params["radius_km"],
            )
        if "format" in params:
            fairs = fairs.filter(format=params["format"])
        if "series" in params:
            fairs = fairs.filter(series=params["series"])
        if params["ordering"] == "distance":
            return fairs.order_by(F("distance_km"), "starts_at", "pk")
        return fairs.order_by("starts_at", "pk")

    @extend_schema(
        parameters=FAIR_PARAMETERS,
        responses={200: SeekerFairSerializer(many=True), **SEEKER_ERRORS},
    )
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def _seekers_fairs(request: Request) -> QuerySet[JobFair]:
    return fairs_for_seeker(acting_seeker(request), now=timezone.now())


class SeekerFairDetailView(generics.RetrieveAPIView):
    """An upcoming fair (or a past one you registered for) with its booths and their open
    posts."""

    permission_classes = [IsSeeker]
    serializer_class = SeekerFairDetailSerializer

    def get_queryset(self) -> QuerySet[JobFair]:
        open_posts = JobPost.objects.filter(status=PostStatus.OPEN).order_by("pk")
        booths = (
            Booth.objects.select_related("employer")
            .prefetch_related(Prefetch("posts", queryset=open_posts, to_attr="open_posts"))
            .order_by("label", "pk")
        )
        return _seekers_fairs(self.request).prefetch_related(
            Prefetch("booths", queryset=booths, to_attr="listed_booths")
        )

    @extend_schema(responses={200: SeekerFairDetailSerializer, **SEEKER_ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


class SeekerFairRegisterView(APIView):
    permission_classes = [IsSeeker]

    @extend_schema(
        request=None,
        responses={
            200: SeekerRegistrationSerializer,
            201: SeekerRegistrationSerializer,
            **SEEKER_MOVE_ERRORS,
        },
        summary="Register for a fair (200 when you had registered already)",
    )
    def post(self, request: Request, pk: int) -> Response:
        fair = _seekers_fairs(request).filter(pk=pk).first()
        if fair is None:
            raise NotFound(_("No such fair."))
        registration, created = fair_register(
            fair=fair,
            seeker=acting_seeker(request),
            source=RegistrationSource.APP,
            now=timezone.now(),
        )
        registration = seeker_registrations(acting_seeker(request)).get(pk=registration.pk)
        answer = status.HTTP_201_CREATED if created else status.HTTP_200_OK
        return Response(SeekerRegistrationSerializer(registration).data, status=answer)


class FairApplySerializer(serializers.Serializer):
    post = serializers.IntegerField(
        min_value=1,
        max_value=MAX_ID,
        help_text="An open post at one of the fair's booths (fairs/{id} lists them).",
    )


class SeekerFairApplyView(APIView):
    permission_classes = [IsSeeker]

    @extend_schema(
        request=FairApplySerializer,
        responses={201: ApplicationSerializer, **SEEKER_MOVE_ERRORS},
        summary="Apply at a fair (watching its live broadcast, online, or on site) for a post "
        "at one of its booths; you are registered for the fair if you were not",
    )
    def post(self, request: Request, pk: int) -> Response:
        fair = _seekers_fairs(request).filter(pk=pk).first()
        if fair is None:
            raise NotFound(_("No such fair."))
        body = FairApplySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = JobPost.objects.filter(pk=body.validated_data["post"], booths__fair=fair).first()
        if post is None:
            raise DomainError(
                _("This post is not at the fair."), field_errors={"post": [_("not at the fair")]}
            )
        application = fair_apply(
            fair=fair,
            post=post,
            seeker=acting_seeker(request),
            by=acting_user(request),
            now=timezone.now(),
        )
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


class MyFairRegistrationListView(generics.ListAPIView):
    """The fairs you registered for, latest first, and whether you checked in."""

    permission_classes = [IsSeeker]
    serializer_class = SeekerRegistrationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[FairRegistration]:
        return seeker_registrations(acting_seeker(self.request))


class CheckInCodeView(APIView):
    permission_classes = [IsSeeker]

    @extend_schema(
        responses={200: CheckInCodeSerializer, 401: ErrorSerializer, 429: ErrorSerializer},
        summary="Today's check-in code: shown as a QR at a station's sign-in or a fair's gate",
    )
    def get(self, request: Request) -> Response:
        day = timezone.localdate()
        code = check_in_code(seeker=acting_seeker(request), day=day)
        return Response(
            CheckInCodeSerializer({"code": code, "day": day, "expires_at": end_of_day(day)}).data
        )


urlpatterns: list[URLPattern] = [
    path("staff/fairs", FairListView.as_view(), name="staff-fairs"),
    path("staff/fairs/<int:pk>", FairDetailView.as_view(), name="staff-fair"),
    path("staff/fairs/<int:pk>/open", FairOpenView.as_view(), name="staff-fair-open"),
    path("staff/fairs/<int:pk>/close", FairCloseView.as_view(), name="staff-fair-close"),
    path("staff/fairs/<int:pk>/booths", FairBoothListView.as_view(), name="staff-fair-booths"),
    path("staff/fairs/<int:pk>/check-ins", FairCheckInView.as_view(), name="staff-fair-check-ins"),
    path(
        "staff/fairs/<int:pk>/applications",
        FairApplicationListView.as_view(),
        name="staff-fair-applications",
    ),
    path("staff/fairs/<int:pk>/viewers", FairViewersView.as_view(), name="staff-fair-viewers"),
    path("staff/intentions", IntentionListView.as_view(), name="staff-intentions"),
    path("staff/intentions/<int:pk>", IntentionDetailView.as_view(), name="staff-intention"),
    path(
        "staff/intentions/<int:pk>/lapse",
        IntentionLapseView.as_view(),
        name="staff-intention-lapse",
    ),
    path(
        "staff/intentions/<int:pk>/follow-up",
        IntentionFollowUpView.as_view(),
        name="staff-intention-follow-up",
    ),
    path("fairs", SeekerFairListView.as_view(), name="fairs"),
    path("fairs/<int:pk>", SeekerFairDetailView.as_view(), name="fair"),
    path("fairs/<int:pk>/registrations", SeekerFairRegisterView.as_view(), name="fair-register"),
    path("fairs/<int:pk>/applications", SeekerFairApplyView.as_view(), name="fair-apply"),
    path(
        "me/fair-registrations",
        MyFairRegistrationListView.as_view(),
        name="fair-registrations",
    ),
    path("me/check-in-code", CheckInCodeView.as_view(), name="check-in-code"),
]
