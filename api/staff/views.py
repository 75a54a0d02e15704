"""The stations' tablets: staff log in, then work on the posts, seekers, applications,
placements and wages of their scope, as in the admin.

Who may do what is the admin's: the role's Django permissions say which actions, the scope
(``stations.selectors.scope``) which records. A record outside the scope answers 404, exactly
like one that does not exist."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib.auth import authenticate
from django.contrib.auth.models import User
from django.db.models import Model, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema, extend_schema_view
from rest_framework import exceptions, generics, permissions, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import BaseSerializer
from rest_framework.views import APIView

from api.staff import filters
from api.staff.serializers import (
    POST_UPDATE_FIELDS,
    ApplicationMoveSerializer,
    EmployerSerializer,
    HireSerializer,
    NoteSerializer,
    PostSerializer,
    ReferralSerializer,
    SeekerSerializer,
    StaffApplicationSerializer,
    StaffPlacementSerializer,
    StaffTokenRequestSerializer,
    StaffTokenSerializer,
    StaffWageClaimSerializer,
    StationSerializer,
    WageClaimFileSerializer,
    WageClaimMoveSerializer,
    WagePaymentSerializer,
)
from core.api import ErrorSerializer
from core.errors import DomainError
from core.rest import StaffLoginThrottle
from core.tokens import token_issue
from stations.models import (
    Application,
    JobPost,
    JobSeeker,
    Placement,
    Staff,
    WageClaim,
    WagePayment,
)
from stations.models.posts import PostStatus
from stations.selectors.counter import (
    counter_applications,
    counter_employers,
    counter_placements,
    counter_posts,
    counter_seekers,
    counter_stations,
    counter_wage_claims,
    counter_wage_payments,
)
from stations.selectors.scope import placements_in_scope, scope_for
from stations.services.applications import (
    PlacementTerms,
    application_create,
    application_hire,
    application_move,
    placement_complete,
    placement_start,
)
from stations.services.posts import post_create, post_move, post_update
from stations.services.seekers import (
    seeker_key_group_add,
    seeker_register,
    seeker_skill_set,
    seeker_update,
)
from stations.services.wages import wage_claim_file, wage_claim_move, wage_payment_record

ERRORS = {
    400: ErrorSerializer,
    401: ErrorSerializer,
    403: ErrorSerializer,
    404: ErrorSerializer,
    429: ErrorSerializer,
}
MOVE_ERRORS = {**ERRORS, 409: ErrorSerializer}


class WrongCredentials(DomainError):
    code = "invalid_credentials"


class StaffLoginView(APIView):
    """Username and password for a token; repeated failures lock the account out from that
    address for a while (django-axes)."""

    authentication_classes: list[Any] = []
    permission_classes = [permissions.AllowAny]
    throttle_classes = [StaffLoginThrottle]

    @extend_schema(
        request=StaffTokenRequestSerializer,
        responses={200: StaffTokenSerializer, 400: ErrorSerializer, 429: ErrorSerializer},
        summary="Log a staff member in: a token for this tablet",
        auth=[],
    )
    def post(self, request: Request) -> Response:
        body = StaffTokenRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        django_request = request._request
        user = authenticate(
            django_request,
            username=body.validated_data["username"],
            password=body.validated_data["password"],
        )
        if getattr(django_request, "axes_locked_out", False):
            # Answered here in the API's error shape rather than by axes' middleware.
            django_request.axes_locked_out = False  # type: ignore[attr-defined]
            raise exceptions.Throttled(
                wait=settings.AXES_COOLOFF_TIME.total_seconds(),
                detail=_("Too many failed logins: this account is locked for a while."),
            )
        staff = Staff.objects.filter(user=user).first() if user is not None else None
        if user is None or not user.is_staff or (staff is None and not user.is_superuser):
            # One answer for a wrong password and for an account that is not staff.
            raise WrongCredentials(_("Wrong username or password."))
        instance, token = token_issue(user=user)
        return Response(
            StaffTokenSerializer(
                {
                    "token": token,
                    "expiry": instance.expiry,
                    "user_id": user.pk,
                    "username": user.get_username(),
                    "role": staff.role if staff is not None else "",
                }
            ).data
        )


class StaffPermission(permissions.BasePermission):
    """An active staff member holding the Django permission the view names for the method
    (``required_permissions``), as the admin checks it."""

    message = "Only station staff with the right role may do this."

    def has_permission(self, request: Request, view: Any) -> bool:
        user = request.user
        if not (user and user.is_authenticated and user.is_active and user.is_staff):
            return False
        needed = view.required_permissions.get(request.method)
        if needed is None and request.method in permissions.SAFE_METHODS:
            needed = view.required_permissions.get("GET")
        return needed is not None and user.has_perm(needed)


def acting_staff(request: Request) -> User:
    assert isinstance(request.user, User)
    return request.user


class StaffView(generics.GenericAPIView):
    permission_classes = [StaffPermission]
    required_permissions: dict[str, str] = {}

    @property
    def scope(self) -> Any:
        return scope_for(self.request.user)

    def found(self, model: type[Model], rows: QuerySet[Any], pk: int) -> Any:
        row = rows.filter(pk=pk).first()
        if row is None:
            raise exceptions.NotFound(
                _("No such %(record)s.") % {"record": model._meta.verbose_name}
            )
        return row


class StaffListCreateView(StaffView, generics.ListCreateAPIView):
    """A staff list whose POST records a row through its service: the body is read by
    ``create_serializer_class`` (``serializer_class`` when unset), ``create_record`` calls
    the service, and the row is answered (201) as the list shows it, read again through
    ``get_queryset``."""

    create_serializer_class: type[BaseSerializer[Any]] | None = None
    create_errors: dict[int, Any] = MOVE_ERRORS

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if cls.serializer_class is None:
            return  # a base of its own
        # The POST's schema from the attributes the view works by, so the two cannot drift
        # apart: the body the create serializer reads, the row the list serializer shows.
        extend_schema_view(
            post=extend_schema(
                request=cls.create_serializer_class or cls.serializer_class,
                responses={201: cls.serializer_class, **cls.create_errors},
            )
        )(cls)

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.request.method == "POST" and self.create_serializer_class is not None:
            return self.create_serializer_class
        return super().get_serializer_class()

    def create_record(self, data: dict[str, Any], *, by: User, now: dt.datetime) -> Model:
        """Record the row from the validated body, through its service."""
        raise NotImplementedError

    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        # The rows first: a list under a record out of scope (a fair's applications) answers
        # 404 before any body is read, as an unknown record does.
        rows = self.get_queryset()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        record = self.create_record(
            dict(body.validated_data), by=acting_staff(request), now=timezone.now()
        )
        record = self.found(type(record), rows, record.pk)
        row_serializer = self.serializer_class
        assert row_serializer is not None
        shown = row_serializer(record, context=self.get_serializer_context())
        return Response(shown.data, status=status.HTTP_201_CREATED)


# Stations and employers: what a tablet picks from.


class StationListView(StaffView, generics.ListAPIView):
    serializer_class = StationSerializer
    required_permissions = {"GET": "stations.view_station"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_stations(self.scope)


class EmployerListView(StaffView, generics.ListAPIView):
    serializer_class = EmployerSerializer
    filterset_class = filters.EmployerFilter
    required_permissions = {"GET": "stations.view_employer"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_employers(self.scope)


# Posts.


class PostListView(StaffView, generics.ListCreateAPIView):
    serializer_class = PostSerializer
    filterset_class = filters.PostFilter
    required_permissions = {"GET": "stations.view_jobpost", "POST": "stations.add_jobpost"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_posts(self.scope)

    @extend_schema(request=PostSerializer, responses={201: PostSerializer, **MOVE_ERRORS})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        post = post_create(by=acting_staff(request), **body.validated_data)
        post = self.found(JobPost, self.get_queryset(), post.pk)
        return Response(self.get_serializer(post).data, status=status.HTTP_201_CREATED)


class PostDetailView(StaffView, generics.RetrieveUpdateAPIView):
    serializer_class = PostSerializer
    required_permissions = {"GET": "stations.view_jobpost", "PATCH": "stations.change_jobpost"}
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return counter_posts(self.scope)

    @extend_schema(request=PostSerializer, responses={200: PostSerializer, **MOVE_ERRORS})
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        post = self.get_object()
        body = self.get_serializer(post, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        changes = {k: v for k, v in body.validated_data.items() if k in POST_UPDATE_FIELDS}
        post_update(post=post, by=acting_staff(request), **changes)
        post = self.found(JobPost, self.get_queryset(), post.pk)
        return Response(self.get_serializer(post).data)


class _PostMoveView(StaffView):
    serializer_class = PostSerializer
    required_permissions = {"POST": "stations.change_jobpost"}
    to: PostStatus

    def get_queryset(self) -> QuerySet[Any]:
        return counter_posts(self.scope)

    @extend_schema(request=None, responses={200: PostSerializer, **MOVE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        post = self.found(JobPost, self.get_queryset(), pk)
        post_move(post=post, to=self.to, by=acting_staff(request), now=timezone.now())
        post = self.found(JobPost, self.get_queryset(), pk)
        return Response(self.get_serializer(post).data)


class PostOpenView(_PostMoveView):
    """Open a draft or closed post (its employer must be verified); matching starts at once."""

    to = PostStatus.OPEN


class PostCloseView(_PostMoveView):
    """Stop taking applications; the people hired keep their placements."""

    to = PostStatus.CLOSED


# Seekers.


def _profile_and_extras(validated: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The seeker's own fields apart from the skills and key groups, set one by one."""
    profile = dict(validated)
    extras: dict[str, Any] = {
        k: profile.pop(k) for k in ("skill_rows", "current_spans") if k in profile
    }
    return profile, extras


def _skills_and_groups(seeker: JobSeeker, validated: dict[str, Any]) -> None:
    today = timezone.localdate()
    for skill in validated.get("skill_rows", []):
        seeker_skill_set(
            seeker=seeker,
            occupation=skill["occupation"],
            level=skill["level"],
            years=skill["years"],
        )
    held = set(seeker.key_group_spans.filter(ended_on__isnull=True).values_list("key_group_id"))
    for group in validated.get("current_spans", []):
        if (group.pk,) not in held:
            seeker_key_group_add(seeker=seeker, key_group=group, started_on=today)


class SeekerListView(StaffView, generics.ListCreateAPIView):
    """Search seekers, or register one at the counter (typing the ID number from the card
    verifies the real name)."""

    serializer_class = SeekerSerializer
    filterset_class = filters.SeekerFilter
    required_permissions = {"GET": "stations.view_jobseeker", "POST": "stations.add_jobseeker"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_seekers(self.scope, today=timezone.localdate())

    @extend_schema(request=SeekerSerializer, responses={201: SeekerSerializer, **MOVE_ERRORS})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        profile, skills_and_groups = _profile_and_extras(body.validated_data)
        if "registering_station" not in profile and len(self.scope.station_ids) == 1:
            # The counter's own station, when the staff member works at one.
            profile["registering_station"] = counter_stations(self.scope).get()
        seeker = seeker_register(
            by=acting_staff(request),
            now=timezone.now(),
            phone=profile.pop("phone", None) or None,
            id_number=profile.pop("id_number", None),
            **profile,
        )
        _skills_and_groups(seeker, skills_and_groups)
        seeker = self.found(JobSeeker, self.get_queryset(), seeker.pk)
        return Response(self.get_serializer(seeker).data, status=status.HTTP_201_CREATED)


class SeekerDetailView(StaffView, generics.RetrieveUpdateAPIView):
    serializer_class = SeekerSerializer
    required_permissions = {
        "GET": "stations.view_jobseeker",
        "PATCH": "stations.change_jobseeker",
    }
    http_method_names = ["get", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[Any]:
        return counter_seekers(self.scope, today=timezone.localdate())

    @extend_schema(request=SeekerSerializer, responses={200: SeekerSerializer, **MOVE_ERRORS})
    def patch(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        seeker = self.get_object()
        body = self.get_serializer(seeker, data=request.data, partial=True)
        body.is_valid(raise_exception=True)
        profile, skills_and_groups = _profile_and_extras(body.validated_data)
        phone = profile.pop("phone", None)
        seeker = seeker_update(
            seeker=seeker,
            by=acting_staff(request),
            now=timezone.now(),
            phone=phone if phone else None,
            id_number=profile.pop("id_number", None),
            **profile,
        )
        _skills_and_groups(seeker, skills_and_groups)
        seeker = self.found(JobSeeker, self.get_queryset(), seeker.pk)
        return Response(self.get_serializer(seeker).data)


# Applications.


class ApplicationListView(StaffView, generics.ListCreateAPIView):
    """Applications in scope; a POST refers a seeker to an open post."""

    serializer_class = StaffApplicationSerializer
    filterset_class = filters.ApplicationFilter
    required_permissions = {
        "GET": "stations.view_application",
        "POST": "stations.add_application",
    }

    def get_queryset(self) -> QuerySet[Any]:
        return counter_applications(self.scope)

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.request.method == "POST":
            return ReferralSerializer
        return StaffApplicationSerializer

    @extend_schema(
        request=ReferralSerializer, responses={201: StaffApplicationSerializer, **MOVE_ERRORS}
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = ReferralSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        application = application_create(
            by=acting_staff(request), now=timezone.now(), **body.validated_data
        )
        application = self.found(Application, self.get_queryset(), application.pk)
        return Response(
            StaffApplicationSerializer(application).data, status=status.HTTP_201_CREATED
        )


class ApplicationDetailView(StaffView, generics.RetrieveAPIView):
    serializer_class = StaffApplicationSerializer
    required_permissions = {"GET": "stations.view_application"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_applications(self.scope)


class ApplicationMoveView(StaffView):
    """Contacted, interviewed, rejected, withdrawn or no-show; a move the lifecycle forbids
    answers 409."""

    serializer_class = StaffApplicationSerializer
    required_permissions = {"POST": "stations.change_application"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_applications(self.scope)

    @extend_schema(
        request=ApplicationMoveSerializer,
        responses={200: StaffApplicationSerializer, **MOVE_ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        application = self.found(Application, self.get_queryset(), pk)
        body = ApplicationMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        application_move(
            application=application,
            to=body.validated_data["to"],
            note=body.validated_data["note"],
            by=acting_staff(request),
            now=timezone.now(),
        )
        application = self.found(Application, self.get_queryset(), pk)
        return Response(StaffApplicationSerializer(application).data)


class ApplicationHireView(StaffView):
    """Hire the applicant on agreed terms: a placement, never beyond the post's openings."""

    serializer_class = StaffPlacementSerializer
    required_permissions = {"POST": "stations.change_application"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_applications(self.scope)

    @extend_schema(request=HireSerializer, responses={201: StaffPlacementSerializer, **MOVE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        application = self.found(Application, self.get_queryset(), pk)
        body = HireSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        terms = dict(body.validated_data)
        note = terms.pop("note")
        placement = application_hire(
            application=application,
            terms=PlacementTerms(**terms),
            note=note,
            by=acting_staff(request),
            now=timezone.now(),
        )
        placement = self.found(Placement, counter_placements(self.scope), placement.pk)
        return Response(StaffPlacementSerializer(placement).data, status=status.HTTP_201_CREATED)


# Placements and wages.


class PlacementListView(StaffView, generics.ListAPIView):
    serializer_class = StaffPlacementSerializer
    filterset_class = filters.PlacementFilter
    required_permissions = {"GET": "stations.view_placement"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_placements(self.scope)


class PlacementDetailView(StaffView, generics.RetrieveAPIView):
    serializer_class = StaffPlacementSerializer
    required_permissions = {"GET": "stations.view_placement"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_placements(self.scope)


class _PlacementStepView(StaffView):
    serializer_class = StaffPlacementSerializer
    required_permissions = {"POST": "stations.change_placement"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_placements(self.scope)

    def step(self, placement: Placement, by: User, note: str) -> object:
        raise NotImplementedError

    @extend_schema(request=NoteSerializer, responses={200: StaffPlacementSerializer, **MOVE_ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        placement = self.found(Placement, self.get_queryset(), pk)
        body = NoteSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        self.step(placement, acting_staff(request), body.validated_data["note"])
        placement = self.found(Placement, self.get_queryset(), pk)
        return Response(StaffPlacementSerializer(placement).data)


class PlacementStartView(_PlacementStepView):
    """The worker turned up: the work starts."""

    def step(self, placement: Placement, by: User, note: str) -> object:
        return placement_start(placement=placement, by=by, now=timezone.now(), note=note)


class PlacementCompleteView(_PlacementStepView):
    """The work is done."""

    def step(self, placement: Placement, by: User, note: str) -> object:
        return placement_complete(placement=placement, by=by, now=timezone.now(), note=note)


class WagePaymentListView(StaffView, generics.ListCreateAPIView):
    """The wages paid for a placement; a POST records a payment."""

    serializer_class = WagePaymentSerializer
    required_permissions = {
        "GET": "stations.view_wagepayment",
        "POST": "stations.add_wagepayment",
    }
    filterset_class = filters.WagePaymentFilter

    def placement(self) -> Placement:
        return self.found(Placement, placements_in_scope(self.scope), self.kwargs["pk"])

    def get_queryset(self) -> QuerySet[Any]:
        if getattr(self, "swagger_fake_view", False):  # the schema generator: no placement
            return WagePayment.objects.none()
        return counter_wage_payments(self.placement())

    @extend_schema(request=WagePaymentSerializer, responses={201: WagePaymentSerializer, **ERRORS})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        placement = self.placement()
        body = self.get_serializer(data=request.data)
        body.is_valid(raise_exception=True)
        payment = wage_payment_record(
            placement=placement, by=acting_staff(request), **body.validated_data
        )
        return Response(self.get_serializer(payment).data, status=status.HTTP_201_CREATED)


class WageClaimListView(StaffView, generics.ListCreateAPIView):
    """Unpaid-wage claims in scope; a POST files one for a worker."""

    serializer_class = StaffWageClaimSerializer
    filterset_class = filters.WageClaimFilter
    required_permissions = {"GET": "stations.view_wageclaim", "POST": "stations.add_wageclaim"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_wage_claims(self.scope)

    def get_serializer_class(self) -> type[BaseSerializer[Any]]:
        if self.request.method == "POST":
            return WageClaimFileSerializer
        return StaffWageClaimSerializer

    @extend_schema(
        request=WageClaimFileSerializer, responses={201: StaffWageClaimSerializer, **ERRORS}
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        body = WageClaimFileSerializer(data=request.data, context=self.get_serializer_context())
        body.is_valid(raise_exception=True)
        claim_details = dict(body.validated_data)
        placement = claim_details.pop("placement", None)
        employer = claim_details.pop("employer", None)
        if placement is not None:
            employer = employer or placement.application.post.employer
        if employer is None:
            raise DomainError(
                _("Name the employer, or the placement the wages are owed for."),
                field_errors={"employer": [_("required without a placement")]},
            )
        claim = wage_claim_file(
            employer=employer,
            placement=placement,
            by=acting_staff(request),
            now=timezone.now(),
            **claim_details,
        )
        claim = self.found(WageClaim, self.get_queryset(), claim.pk)
        return Response(StaffWageClaimSerializer(claim).data, status=status.HTTP_201_CREATED)


class WageClaimDetailView(StaffView, generics.RetrieveAPIView):
    serializer_class = StaffWageClaimSerializer
    required_permissions = {"GET": "stations.view_wageclaim"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_wage_claims(self.scope)


class WageClaimMoveView(StaffView):
    """Into mediation, settled (with the amount recovered) or transferred to inspection."""

    serializer_class = StaffWageClaimSerializer
    required_permissions = {"POST": "stations.change_wageclaim"}

    def get_queryset(self) -> QuerySet[Any]:
        return counter_wage_claims(self.scope)

    @extend_schema(
        request=WageClaimMoveSerializer, responses={200: StaffWageClaimSerializer, **MOVE_ERRORS}
    )
    def post(self, request: Request, pk: int) -> Response:
        claim = self.found(WageClaim, self.get_queryset(), pk)
        body = WageClaimMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        wage_claim_move(
            claim=claim,
            to=body.validated_data["to"],
            amount_recovered=body.validated_data.get("amount_recovered"),
            by=acting_staff(request),
            now=timezone.now(),
        )
        claim = self.found(WageClaim, self.get_queryset(), pk)
        return Response(StaffWageClaimSerializer(claim).data)
