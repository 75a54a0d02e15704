"""The seekers' app: login by phone, their profile, jobs near them, recommendations.

The API is the outermost layer: it builds on the services and selectors of stations and
matching alike, and nothing imports it."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib.auth.models import User
from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from knox.models import AuthToken
from rest_framework import generics, permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from api.serializers import (
    ApplicationSerializer,
    DeviceSerializer,
    JobDetailSerializer,
    JobSerializer,
    MeSerializer,
    NotificationSerializer,
    PhoneSerializer,
    PlacementSerializer,
    RecommendationSerializer,
    TokenRequestSerializer,
    TokenSerializer,
    WageClaimRequestSerializer,
    WageClaimSerializer,
    job_list_items,
    job_query,
)
from api.throttles import LoginVerifyPhoneThrottle
from core.api import ErrorSerializer
from core.errors import NotFound
from core.rest import AnonThrottle, LoginVerifyAddressThrottle, UncountedPagination, client_address
from core.tasks import enqueue
from core.tokens import TokenAuthentication, token_issue
from matching.messages import render
from matching.models import Device, Notification, Recommendation
from matching.selectors.recommendations import inbox, ranked_first, recommended_posts
from matching.services.devices import device_forget, device_register
from matching.services.outbox import notification_mark_read
from matching.tasks import match_seeker
from stations.models import HOLDS_OPENING, Application, JobPost, JobSeeker, Placement
from stations.selectors.jobs import JobFilters, job_list_rows, jobs_filtered, jobs_near, open_jobs
from stations.selectors.nearest import JobRows, jobs_nearest_first_rows
from stations.services.accounts import login_code_send, login_code_verify
from stations.services.applications import (
    application_create,
    application_move,
    placement_complete,
    placement_start,
)
from stations.services.seekers import seeker_self_update
from stations.services.wages import wage_claim_file

RECOMMENDATIONS_FRESH_FOR = dt.timedelta(days=1)
ERRORS = {400: ErrorSerializer, 401: ErrorSerializer, 404: ErrorSerializer, 429: ErrorSerializer}


class IsSeeker(permissions.BasePermission):
    """A logged-in job seeker (their account is linked to a seeker record)."""

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        return bool(user and user.is_authenticated and hasattr(user, "job_seeker"))


def acting_seeker(request: Request) -> JobSeeker:
    seeker: JobSeeker = request.user.job_seeker  # type: ignore[union-attr]
    return seeker


def client_ip(request: Request) -> str | None:
    # As DRF's throttles see it: behind the TLS proxy (NUM_PROXIES) every REMOTE_ADDR is the
    # proxy's, and a per-address limit would be one limit for everybody.
    return client_address(request)


class LoginCodeView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]

    @extend_schema(
        request=PhoneSerializer,
        responses={
            202: inline_serializer("LoginCodeSent", {"expires_in": serializers.IntegerField()}),
            **ERRORS,
        },
        summary="Send a 6-digit login code by SMS",
        auth=[],
    )
    def post(self, request: Request) -> Response:
        body = PhoneSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        code = login_code_send(
            phone=body.validated_data["phone"], client_ip=client_ip(request), now=timezone.now()
        )
        seconds = int((code.expires_at - code.created_at).total_seconds())
        return Response({"expires_in": seconds}, status=status.HTTP_202_ACCEPTED)


class TokenView(APIView):
    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [AnonThrottle, LoginVerifyAddressThrottle, LoginVerifyPhoneThrottle]

    @extend_schema(
        request=TokenRequestSerializer,
        responses={200: TokenSerializer, **ERRORS},
        summary="Exchange a login code for this device's token",
        auth=[],
    )
    def post(self, request: Request) -> Response:
        body = TokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        seeker, registered = login_code_verify(
            phone=body.validated_data["phone"], code=body.validated_data["code"], now=timezone.now()
        )
        assert seeker.user is not None  # login_code_verify gives the seeker an account
        instance, token = token_issue(user=seeker.user)
        return Response(
            TokenSerializer(
                {
                    "token": token,
                    "expiry": instance.expiry,
                    "seeker_id": seeker.pk,
                    "registered": registered,
                }
            ).data
        )


class LogoutView(APIView):
    """End the token this phone or tablet sent (seekers' and staff's alike)."""

    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None, 401: ErrorSerializer, 429: ErrorSerializer},
        summary="Log out this device",
    )
    def post(self, request: Request) -> Response:
        if isinstance(request.auth, AuthToken):
            request.auth.delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class LogoutAllView(APIView):
    authentication_classes = [TokenAuthentication]
    permission_classes = [permissions.IsAuthenticated]

    @extend_schema(
        request=None,
        responses={204: None, 401: ErrorSerializer, 429: ErrorSerializer},
        summary="Log out every device",
    )
    def post(self, request: Request) -> Response:
        AuthToken.objects.filter(user=request.user).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeView(generics.RetrieveUpdateAPIView):
    permission_classes = [IsSeeker]
    serializer_class = MeSerializer
    http_method_names = ["get", "patch", "head", "options"]

    def get_object(self) -> JobSeeker:
        return acting_seeker(self.request)

    @extend_schema(
        responses={200: MeSerializer, 403: ErrorSerializer, 409: ErrorSerializer, **ERRORS}
    )
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        seeker = self.get_object()
        body = MeSerializer(seeker, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = dict(body.validated_data)
        id_number = changes.pop("id_number", None)
        skills = changes.pop("skill_rows", None)
        seeker = seeker_self_update(
            seeker=seeker,
            by=acting_user(request),
            now=timezone.now(),
            id_number=id_number,
            skills=None
            if skills is None
            else [(skill["occupation"], skill.get("years", 0)) for skill in skills],
            **changes,
        )
        return Response(MeSerializer(seeker).data)


JOB_PARAMETERS = [
    OpenApiParameter("lat", float, description="latitude of the point (with lon)"),
    OpenApiParameter("lon", float, description="longitude of the point (with lat)"),
    OpenApiParameter("radius_km", float, description="default 10, at most 200"),
    OpenApiParameter("occupation", str, description="occupation code, e.g. 6-29-01-01"),
    OpenApiParameter("min_wage", float, description="minimum pay as a day's wage (yuan)"),
    OpenApiParameter("date", str, description="work on this date (YYYY-MM-DD)"),
    OpenApiParameter("take_home", bool),
    OpenApiParameter("ordering", str, enum=["distance", "relevance", "newest"]),
]


class JobListView(generics.ListAPIView):
    """Open posts, near a point when given, each with its distance."""

    serializer_class = JobSerializer
    permission_classes = [permissions.IsAuthenticated]
    filter_backends: list[Any] = []
    # No total: counting every post within the radius would cost more than the page.
    pagination_class = UncountedPagination

    def get_queryset(self) -> QuerySet[JobPost]:
        """The posts of the query in its order, by the ORM: what the list shows but when
        nearest first (``get``)."""
        params = job_query(self.request.query_params)
        jobs = open_jobs(listed=True)
        if "lat" in params:
            jobs = jobs_near(
                jobs, latitude=params["lat"], longitude=params["lon"], radius_km=params["radius_km"]
            )
        jobs = jobs_filtered(jobs, job_filters(params))
        if params["ordering"] == "relevance" and hasattr(self.request.user, "job_seeker"):
            return ranked_first(jobs, acting_seeker(self.request))
        return jobs.order_by("-opened_at", "-pk")

    @extend_schema(parameters=JOB_PARAMETERS, responses={200: JobSerializer(many=True), **ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        params = job_query(request.query_params)
        rows: JobRows
        if params["ordering"] == "distance":
            rows = jobs_nearest_first_rows(
                latitude=params["lat"],
                longitude=params["lon"],
                radius_km=params["radius_km"],
                filters=job_filters(params),
            )
        else:
            rows = job_list_rows(self.get_queryset())
        assert isinstance(self.paginator, UncountedPagination)
        page = self.paginator.paginate_queryset(rows, request, view=self)
        items = job_list_items(page or [], language=request_language(request))
        return self.get_paginated_response(items)


def job_filters(params: dict[str, Any]) -> JobFilters:
    return JobFilters(
        occupation=params.get("occupation"),
        min_daily_wage=params.get("min_wage"),
        day=params.get("date"),
        take_home=params["take_home"],
    )


class JobDetailView(generics.RetrieveAPIView):
    serializer_class = JobDetailSerializer
    permission_classes = [permissions.IsAuthenticated]

    def get_queryset(self) -> QuerySet[JobPost]:
        return open_jobs().prefetch_related("required_certificates")

    def get_serializer_context(self) -> dict[str, Any]:
        context = dict(super().get_serializer_context())
        user = self.request.user
        if hasattr(user, "job_seeker") and "pk" in self.kwargs:
            context["applied"] = Application.objects.filter(
                post_id=self.kwargs["pk"], seeker=user.job_seeker
            ).exists()
        return context

    @extend_schema(responses={200: JobDetailSerializer, **ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)


def request_language(request: Request) -> str:
    return "en" if (getattr(request, "LANGUAGE_CODE", "") or "").startswith("en") else "zh-hans"


class RecommendationListView(generics.ListAPIView):
    """The open posts the matching engine recommends to the seeker, best first, with the
    reasons in the request's language."""

    permission_classes = [IsSeeker]
    serializer_class = RecommendationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Recommendation]:
        seeker = acting_seeker(self.request)
        stored = recommended_posts(seeker)
        newest = stored.order_by("-computed_at").values_list("computed_at", flat=True).first()
        if newest is None or timezone.now() - newest > RECOMMENDATIONS_FRESH_FOR:
            # Ranked by a worker (at once in the embedded mode); the profile's changes
            # re-rank on their own.
            enqueue(match_seeker, seeker.pk)
        return recommended_posts(seeker).annotate(
            held=Count("post__applications", filter=Q(post__applications__status__in=HOLDS_OPENING))
        )

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        language = request_language(request)
        rows = []
        for rec in page or []:
            setattr(rec.post, "held", getattr(rec, "held", 0))  # noqa: B010
            rec.reasons = [reason.get(language, "") for reason in rec.reasons]
            rows.append(rec)
        return self.get_paginated_response(RecommendationSerializer(rows, many=True).data)


def _rendered(row: Notification, language: str) -> Notification:
    title, body = render(row.template, row.context, language)
    row.__dict__.update(title=title, body=body)
    return row


class NotificationListView(generics.ListAPIView):
    """The seeker's in-app inbox, newest first, in the request's language."""

    permission_classes = [IsSeeker]
    serializer_class = NotificationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Notification]:
        return inbox(acting_seeker(self.request))

    def list(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        page = self.paginate_queryset(self.get_queryset()) or []
        language = request_language(request)
        for row in page:
            _rendered(row, language)
        return self.get_paginated_response(NotificationSerializer(page, many=True).data)


class NotificationReadView(APIView):
    permission_classes = [IsSeeker]

    @extend_schema(request=None, responses={200: NotificationSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        row = inbox(acting_seeker(request)).filter(pk=pk).first()
        if row is None:
            raise NotFound(_("No such notification."))
        row = notification_mark_read(notification=row, now=timezone.now())
        _rendered(row, request_language(request))
        return Response(NotificationSerializer(row).data)


def acting_user(request: Request) -> User | None:
    return request.user if isinstance(request.user, User) else None


class ApplyView(APIView):
    permission_classes = [IsSeeker]

    @extend_schema(
        request=None,
        responses={201: ApplicationSerializer, 409: ErrorSerializer, **ERRORS},
        summary="Apply for an open post",
    )
    def post(self, request: Request, pk: int) -> Response:
        post = open_jobs().filter(pk=pk).first()
        if post is None:
            raise NotFound(_("No such open post."))
        application = application_create(
            post=post,
            seeker=acting_seeker(request),
            source=Application.Source.APP,
            by=acting_user(request),
            now=timezone.now(),
        )
        return Response(ApplicationSerializer(application).data, status=status.HTTP_201_CREATED)


def my_applications(request: Request) -> QuerySet[Application]:
    return (
        Application.objects.filter(seeker=acting_seeker(request))
        .select_related("post__employer")
        .order_by("-created_at", "-pk")
    )


def my_placements(request: Request) -> QuerySet[Placement]:
    return (
        Placement.objects.filter(application__seeker=acting_seeker(request))
        .select_related("application__post__employer")
        .order_by("-starts_on", "-pk")
    )


class MyApplicationListView(generics.ListAPIView):
    permission_classes = [IsSeeker]
    serializer_class = ApplicationSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Application]:
        return my_applications(self.request)


class WithdrawView(APIView):
    permission_classes = [IsSeeker]

    @extend_schema(
        request=None, responses={200: ApplicationSerializer, 409: ErrorSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        application = my_applications(request).filter(pk=pk).first()
        if application is None:
            raise NotFound(_("No such application."))
        application = application_move(
            application=application,
            to=Application.Status.WITHDRAWN,
            by=acting_user(request),
            now=timezone.now(),
        )
        return Response(ApplicationSerializer(application).data)


class MyPlacementListView(generics.ListAPIView):
    permission_classes = [IsSeeker]
    serializer_class = PlacementSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Placement]:
        return my_placements(self.request)


class _PlacementStep(APIView):
    permission_classes = [IsSeeker]

    def step(self, placement: Placement, by: User | None) -> Placement:
        raise NotImplementedError

    @extend_schema(
        request=None, responses={200: PlacementSerializer, 409: ErrorSerializer, **ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        placement = my_placements(request).filter(pk=pk).first()
        if placement is None:
            raise NotFound(_("No such placement."))
        placement = self.step(placement, acting_user(request))
        placement.application.refresh_from_db(fields=["status"])
        return Response(PlacementSerializer(placement).data)


class CheckInView(_PlacementStep):
    """The worker arrived: the placement starts."""

    def step(self, placement: Placement, by: User | None) -> Placement:
        return placement_start(placement=placement, by=by, now=timezone.now())


class CheckOutView(_PlacementStep):
    """The work is done: the placement completes."""

    def step(self, placement: Placement, by: User | None) -> Placement:
        return placement_complete(placement=placement, by=by, now=timezone.now())


class WageClaimView(APIView):
    permission_classes = [IsSeeker]

    @extend_schema(
        request=WageClaimRequestSerializer,
        responses={201: WageClaimSerializer, **ERRORS},
        summary="Report unpaid wages for a placement",
    )
    def post(self, request: Request, pk: int) -> Response:
        placement = my_placements(request).filter(pk=pk).first()
        if placement is None:
            raise NotFound(_("No such placement."))
        body = WageClaimRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        claim = wage_claim_file(
            seeker=acting_seeker(request),
            employer=placement.application.post.employer,
            placement=placement,
            amount_claimed=body.validated_data["amount_claimed"],
            description=body.validated_data.get("description", ""),
            by=acting_user(request),
            now=timezone.now(),
        )
        return Response(WageClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class DeviceListView(generics.ListCreateAPIView):
    """The seeker's devices that receive app pushes or WeChat messages; a POST registers this
    one (again after the push service renews its token)."""

    permission_classes = [IsSeeker]
    serializer_class = DeviceSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[Device]:
        return Device.objects.filter(seeker=acting_seeker(self.request), active=True).order_by(
            "-pk"
        )

    @extend_schema(request=DeviceSerializer, responses={201: DeviceSerializer, **ERRORS})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = DeviceSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        device = device_register(seeker=acting_seeker(request), **body.validated_data)
        return Response(DeviceSerializer(device).data, status=status.HTTP_201_CREATED)


class DeviceDetailView(APIView):
    permission_classes = [IsSeeker]

    @extend_schema(request=None, responses={204: None, 401: ErrorSerializer, 404: ErrorSerializer})
    def delete(self, request: Request, pk: int) -> Response:
        """Stop sending to this device."""
        device = Device.objects.filter(seeker=acting_seeker(request), active=True, pk=pk).first()
        if device is None:
            raise NotFound(_("No such device."))
        device_forget(device=device)
        return Response(status=status.HTTP_204_NO_CONTENT)
