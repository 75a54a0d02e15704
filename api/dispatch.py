"""The station day on the tablet: sign people in (their app's QR code, their ID card, or a
look-up), keep the queue, dispatch with the engine's proposal, read the daily sheet, and
close the day."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from django.urls import URLPattern, path
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import exceptions, generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from api.staff.serializers import BriefPostSerializer, BriefSeekerSerializer, scoped
from api.staff.views import ERRORS, MOVE_ERRORS, StaffView, acting_staff
from api.views import request_language
from core.errors import DomainError
from matching.services.dispatch import DispatchRow, dispatch_confirm, dispatch_propose
from stations.models import JobSeeker, SignIn, Station
from stations.models.dispatch import NotDispatchedReason, SignInMethod
from stations.selectors.dispatch import daily_sheet, posts_to_fill, queue_of, sign_ins_in_scope
from stations.selectors.scope import posts_in_scope, seekers_in_scope, stations_in_scope
from stations.services.dispatch import (
    queue_move,
    seeker_from_check_in_code,
    sign_in,
    sign_in_not_dispatched,
    station_day_close,
)
from stations.services.identity import id_number_hash

# Serializers


class SignInSerializer(serializers.ModelSerializer):
    seeker = BriefSeekerSerializer(read_only=True)
    state = serializers.SerializerMethodField()
    post = serializers.SerializerMethodField()

    class Meta:
        model = SignIn
        fields = [
            "id",
            "day",
            "position",
            "seeker",
            "method",
            "signed_in_at",
            "state",
            "post",
            "not_dispatched_reason",
            "note",
        ]

    def get_state(self, row: SignIn) -> str:
        """waiting, dispatched or not_dispatched."""
        if row.application_id is not None:
            return "dispatched"
        return "not_dispatched" if row.not_dispatched_reason else "waiting"

    @extend_schema_field(BriefPostSerializer(allow_null=True))
    def get_post(self, row: SignIn) -> dict[str, Any] | None:
        if row.application is None:
            return None
        return dict(BriefPostSerializer(row.application.post).data)


class SignInRequestSerializer(serializers.Serializer):
    """One of: the code the seeker's app shows, the ID number read from their card, or the
    seeker staff looked up."""

    code = serializers.CharField(required=False, max_length=500)
    id_number = serializers.RegexField(r"^\d{17}[\dXx]$", required=False)
    seeker = serializers.IntegerField(required=False, min_value=1, max_value=2**63 - 1)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        given = [name for name in ("code", "id_number", "seeker") if attrs.get(name)]
        if len(given) != 1:
            raise serializers.ValidationError(
                {"code": [_("give exactly one of code, id_number and seeker")]}
            )
        return attrs


class QueueMoveSerializer(serializers.Serializer):
    to_position = serializers.IntegerField(min_value=1, max_value=100_000)
    reason = serializers.CharField(max_length=300)


class NotDispatchedSerializer(serializers.Serializer):
    reason = serializers.ChoiceField(choices=NotDispatchedReason.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=300, default="")


class ProposalSerializer(serializers.Serializer):
    sign_in = serializers.IntegerField(source="sign_in.pk")
    position = serializers.IntegerField(source="sign_in.position")
    seeker = BriefSeekerSerializer(source="sign_in.seeker")
    post = BriefPostSerializer()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())


class DispatchRowSerializer(serializers.Serializer):
    sign_in = serializers.IntegerField(min_value=1, max_value=2**63 - 1)
    post = scoped(posts_in_scope)
    agreed_wage_amount = serializers.DecimalField(
        max_digits=10,
        decimal_places=2,
        min_value=Decimal("0.01"),
        required=False,
        help_text="The wage agreed with the worker, in the post's wage unit; default: the "
        "post's pay.",
    )


class DispatchConfirmSerializer(serializers.Serializer):
    rows = DispatchRowSerializer(many=True, allow_empty=False)

    def validate_rows(self, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if len(rows) > 500:
            raise serializers.ValidationError(_("At most 500 rows at a time."))
        return rows


class DispatchResultSerializer(serializers.Serializer):
    sign_in = serializers.IntegerField(source="sign_in.pk")
    placement = serializers.IntegerField(allow_null=True, source="placement.pk", default=None)
    error = serializers.CharField(allow_blank=True)


class DailySheetSerializer(serializers.Serializer):
    station = serializers.IntegerField(source="station.pk")
    day = serializers.DateField()
    signed_in = serializers.IntegerField()
    dispatched = serializers.IntegerField()
    waiting = serializers.IntegerField()
    not_dispatched = serializers.DictField(child=serializers.IntegerField())
    wages_agreed = serializers.DictField(
        child=serializers.DecimalField(max_digits=14, decimal_places=2),
        help_text="Wage unit → the sum agreed for the people dispatched.",
    )
    rows = SignInSerializer(many=True)


DAY = OpenApiParameter("day", dt.date, description="YYYY-MM-DD; today when left out")


class DayQuerySerializer(serializers.Serializer):
    day = serializers.DateField(required=False)


class CloseDaySerializer(serializers.Serializer):
    day = serializers.DateField(required=False, help_text="Default: today.")


# Views


class _StationDayView(StaffView):
    queryset = Station.objects.none()  # the schema's path parameter; rows come from station()

    def station(self) -> Station:
        station: Station = self.found(
            Station,
            stations_in_scope(self.scope).select_related("region"),
            self.kwargs["pk"],
        )
        return station

    def day(self) -> dt.date:
        query = DayQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        day: dt.date = query.validated_data.get("day") or timezone.localdate()
        return day


class QueueView(_StationDayView, generics.ListAPIView):
    """The day's queue at a station, in order; a POST signs someone in (last in the queue;
    signing in again keeps their place)."""

    serializer_class = SignInSerializer
    required_permissions = {"GET": "stations.view_signin", "POST": "stations.add_signin"}
    filter_backends: list[Any] = []

    def get_queryset(self) -> QuerySet[SignIn]:
        return queue_of(self.station(), self.day())

    @extend_schema(parameters=[DAY], responses={200: SignInSerializer(many=True), **ERRORS})
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=SignInRequestSerializer, responses={201: SignInSerializer, **MOVE_ERRORS}
    )
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        station = self.station()
        body = SignInRequestSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        now = timezone.now()
        data = body.validated_data
        if data.get("code"):
            seeker, method = (
                seeker_from_check_in_code(data["code"], today=timezone.localdate(now)),
                SignInMethod.QR,
            )
        elif data.get("id_number"):
            # The card in hand is the proof: any registered person signs in, wherever they
            # registered.
            seeker = self._seeker(
                JobSeeker.objects.filter(id_number_hash=id_number_hash(data["id_number"]))
            )
            method = SignInMethod.ID_CARD
        else:
            seeker = self._seeker(seekers_in_scope(self.scope).filter(pk=data["seeker"]))
            method = SignInMethod.COUNTER
        row = sign_in(station=station, seeker=seeker, method=method, now=now, note=data["note"])
        row = queue_of(station, row.day).get(pk=row.pk)
        return Response(SignInSerializer(row).data, status=status.HTTP_201_CREATED)

    def _seeker(self, seekers: QuerySet[JobSeeker]) -> JobSeeker:
        seeker = seekers.filter(merged_into__isnull=True).first()
        if seeker is None:
            raise exceptions.NotFound(_("No such seeker: register them first."))
        return seeker


class _SignInStepView(StaffView):
    queryset = SignIn.objects.none()  # the schema's path parameter; rows from sign_in()
    serializer_class = SignInSerializer
    required_permissions = {"POST": "stations.change_signin"}

    def sign_in(self, pk: int) -> SignIn:
        row: SignIn = self.found(SignIn, sign_ins_in_scope(self.scope), pk)
        return row

    def answer(self, row: SignIn) -> Response:
        row = queue_of(row.station, row.day).get(pk=row.pk)
        return Response(SignInSerializer(row).data)


class QueueMoveView(_SignInStepView):
    """Move someone in the queue; the reason is recorded."""

    @extend_schema(request=QueueMoveSerializer, responses={200: SignInSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        row = self.sign_in(pk)
        body = QueueMoveSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        queue_move(
            sign_in=row,
            to_position=body.validated_data["to_position"],
            reason=body.validated_data["reason"],
            by=acting_staff(request),
            now=timezone.now(),
        )
        return self.answer(row)


class NotDispatchedView(_SignInStepView):
    """Why someone who came was not sent to work."""

    @extend_schema(request=NotDispatchedSerializer, responses={200: SignInSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        row = self.sign_in(pk)
        body = NotDispatchedSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        sign_in_not_dispatched(
            sign_in=row, reason=body.validated_data["reason"], note=body.validated_data["note"]
        )
        return self.answer(row)


class DispatchView(_StationDayView):
    """GET: the engine's proposal for the people waiting and today's posts. POST: send the
    rows staff confirmed (as proposed or edited) to work."""

    serializer_class = ProposalSerializer
    required_permissions = {"GET": "stations.view_signin", "POST": "stations.add_application"}

    @extend_schema(responses={200: ProposalSerializer(many=True), **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        station = self.station()
        now = timezone.now()
        proposals = dispatch_propose(station=station, day=timezone.localdate(now), now=now)
        language = request_language(request)
        rows = [
            {
                "sign_in": proposal.sign_in,
                "post": proposal.post,
                "score": proposal.score,
                "reasons": [reason.get(language, "") for reason in proposal.reasons],
            }
            for proposal in proposals
        ]
        return Response(ProposalSerializer(rows, many=True).data)

    @extend_schema(
        request=DispatchConfirmSerializer,
        responses={200: DispatchResultSerializer(many=True), **ERRORS},
    )
    def post(self, request: Request, pk: int) -> Response:
        station = self.station()
        body = DispatchConfirmSerializer(data=request.data, context={"request": request})
        body.is_valid(raise_exception=True)
        now = timezone.now()
        today = timezone.localdate(now)
        waiting = {row.pk: row for row in queue_of(station, today).filter(application__isnull=True)}
        to_fill = {post.pk for post in posts_to_fill(station, today)}
        rows = []
        for index, item in enumerate(body.validated_data["rows"]):
            row = waiting.get(item["sign_in"])
            if row is None:
                raise DomainError(
                    _("Row %(row)d: nobody waiting in today's queue has that sign-in.")
                    % {"row": index + 1},
                    field_errors={f"rows.{index}.sign_in": [_("not waiting here today")]},
                )
            if item["post"].pk not in to_fill:
                raise DomainError(
                    _("Row %(row)d: the post has no work at this station today.")
                    % {"row": index + 1},
                    field_errors={f"rows.{index}.post": [_("not to fill here today")]},
                )
            rows.append(DispatchRow(row, item["post"], item.get("agreed_wage_amount")))
        results = dispatch_confirm(rows=rows, by=acting_staff(request), now=now)
        return Response(DispatchResultSerializer(results, many=True).data)


class DailySheetView(_StationDayView):
    serializer_class = DailySheetSerializer
    required_permissions = {"GET": "stations.view_signin"}

    @extend_schema(parameters=[DAY], responses={200: DailySheetSerializer, **ERRORS})
    def get(self, request: Request, pk: int) -> Response:
        return Response(DailySheetSerializer(daily_sheet(self.station(), self.day())).data)


class CloseDayView(_StationDayView):
    """The day is over: everyone still waiting is not dispatched (``day_closed``). Closing
    again changes nothing. Answers the day's sheet."""

    serializer_class = DailySheetSerializer
    required_permissions = {"POST": "stations.change_signin"}

    @extend_schema(request=CloseDaySerializer, responses={200: DailySheetSerializer, **ERRORS})
    def post(self, request: Request, pk: int) -> Response:
        station = self.station()
        body = CloseDaySerializer(data=request.data)
        body.is_valid(raise_exception=True)
        now = timezone.now()
        day: dt.date = body.validated_data.get("day") or timezone.localdate(now)
        station_day_close(station=station, day=day, now=now)
        return Response(DailySheetSerializer(daily_sheet(station, day)).data)


urlpatterns: list[URLPattern] = [
    path("staff/stations/<int:pk>/queue", QueueView.as_view(), name="staff-station-queue"),
    path("staff/stations/<int:pk>/dispatch", DispatchView.as_view(), name="staff-dispatch"),
    path(
        "staff/stations/<int:pk>/daily-sheet",
        DailySheetView.as_view(),
        name="staff-daily-sheet",
    ),
    path("staff/stations/<int:pk>/close-day", CloseDayView.as_view(), name="staff-close-day"),
    path("staff/sign-ins/<int:pk>/move", QueueMoveView.as_view(), name="staff-sign-in-move"),
    path(
        "staff/sign-ins/<int:pk>/not-dispatched",
        NotDispatchedView.as_view(),
        name="staff-sign-in-not-dispatched",
    ),
]
