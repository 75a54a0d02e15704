"""Admin for the station day: the morning's sign-ins and queue, moves with their reasons,
the reasons people were not dispatched, and the daily sheet. (The dispatch page itself uses
the matching engine and is added by matching/admin.py.)"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from core.errors import DomainError
from stations.admin.base import ScopedAdmin, acting_user, masked_phone, request_scope
from stations.models import JobSeeker, SignIn, Station
from stations.models.dispatch import NotDispatchedReason, SignInMethod
from stations.selectors.counter import seekers_by_identity
from stations.selectors.dispatch import daily_sheet, sign_ins_in_scope
from stations.selectors.scope import stations_in_scope
from stations.services.dispatch import (
    queue_move,
    seeker_from_check_in_code,
    sign_in,
    sign_in_not_dispatched,
    station_day_close,
)


class SignInForm(forms.Form):
    station = forms.ModelChoiceField(queryset=Station.objects.none(), label=_("station"))
    code = forms.CharField(
        label=_("check-in code or ID number"),
        max_length=500,
        help_text=_("Scan the QR code the seeker's app shows, or type the ID card's number."),
    )

    def __init__(self, *args: Any, stations: QuerySet[Station], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = stations
        if stations.count() == 1:
            field.initial = stations.get()


class QueueMoveForm(forms.Form):
    to_position = forms.IntegerField(label=_("new place in the queue"), min_value=1)
    reason = forms.CharField(label=_("reason"), max_length=300)


class SheetForm(forms.Form):
    station = forms.ModelChoiceField(queryset=Station.objects.none(), label=_("station"))
    day = forms.DateField(label=_("day"), widget=forms.DateInput(attrs={"type": "date"}))

    def __init__(self, *args: Any, stations: QuerySet[Station], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["station"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = stations


@admin.register(SignIn)
class SignInAdmin(ScopedAdmin):
    scope_selector = staticmethod(sign_ins_in_scope)
    change_list_template = "admin/stations/signin_change_list.html"
    list_display = [
        "position",
        "seeker_name",
        "seeker_phone",
        "method",
        "signed_in_at",
        "state",
        "dispatched_to",
        "station",
        "day",
    ]
    list_display_links = ["seeker_name"]
    list_filter = ["day", ("station", admin.RelatedOnlyFieldListFilter), "method"]
    list_filter += ["not_dispatched_reason"]
    list_select_related = ["seeker", "station", "application__post"]
    search_fields = ["seeker__full_name"]
    date_hierarchy = "day"
    fields = [
        "station",
        "day",
        "position",
        "seeker",
        "method",
        "signed_in_at",
        "application",
        "not_dispatched_reason",
        "note",
    ]
    readonly_fields = [
        "station",
        "day",
        "position",
        "seeker",
        "method",
        "signed_in_at",
        "application",
        "not_dispatched_reason",
    ]
    actions = ["no_suitable_post", "declined", "left", "close_day"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[SignIn]:
        return super().get_queryset(request).order_by("-day", "station", "position")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False  # people sign in through the sign-in page, never a blank form

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    @admin.display(description=_("seeker"), ordering="seeker__full_name")
    def seeker_name(self, row: SignIn) -> str:
        return row.seeker.full_name or str(row.seeker)

    @admin.display(description=_("phone"))
    def seeker_phone(self, row: SignIn) -> str:
        return masked_phone(row.seeker.phone)

    @admin.display(description=_("state"))
    def state(self, row: SignIn) -> str:
        if row.application_id is not None:
            return str(_("dispatched"))
        if row.not_dispatched_reason:
            return str(
                _("not dispatched: %(reason)s")
                % {"reason": row.get_not_dispatched_reason_display()}
            )
        return str(_("waiting"))

    @admin.display(description=_("dispatched to"))
    def dispatched_to(self, row: SignIn) -> str:
        return str(row.application.post) if row.application is not None else "-"

    def _reason_each(self, request: HttpRequest, queryset: QuerySet[SignIn], reason: str) -> None:
        self.run_service_on_each(
            request,
            queryset,
            lambda row: sign_in_not_dispatched(sign_in=row, reason=reason),
            str(_("%(count)d people marked not dispatched.")),
        )

    @admin.action(description=_("Not dispatched: no suitable post"), permissions=["change"])
    def no_suitable_post(self, request: HttpRequest, queryset: QuerySet[SignIn]) -> None:
        self._reason_each(request, queryset, NotDispatchedReason.NO_SUITABLE_POST)

    @admin.action(description=_("Not dispatched: declined the work"), permissions=["change"])
    def declined(self, request: HttpRequest, queryset: QuerySet[SignIn]) -> None:
        self._reason_each(request, queryset, NotDispatchedReason.DECLINED)

    @admin.action(description=_("Not dispatched: left before dispatch"), permissions=["change"])
    def left(self, request: HttpRequest, queryset: QuerySet[SignIn]) -> None:
        self._reason_each(request, queryset, NotDispatchedReason.LEFT)

    @admin.action(
        description=_("Close the day: everyone still waiting is not dispatched"),
        permissions=["change"],
    )
    def close_day(self, request: HttpRequest, queryset: QuerySet[SignIn]) -> None:
        """Closes each station's day among the selected rows (selecting one row of the day is
        enough), through the same service the nightly run and the API use."""
        now = timezone.now()
        days = sorted(set(queryset.values_list("station_id", "day")), key=lambda key: key[::-1])
        stations = Station.objects.in_bulk({station_id for station_id, _day in days})
        marked = 0
        for station_id, day in days:
            try:
                marked += station_day_close(station=stations[station_id], day=day, now=now)
            except DomainError as error:
                self.message_user(request, f"{day}: {error.message}", messages.ERROR)
        self.message_user(
            request,
            gettext("%(count)d people still waiting were marked not dispatched.")
            % {"count": marked},
            messages.SUCCESS,
        )

    # Pages of their own: signing in, moving in the queue, the daily sheet.

    def get_urls(self) -> list[Any]:
        return [
            path(
                "sign-in/",
                self.admin_site.admin_view(self.sign_in_view),
                name="stations_signin_sign_in",
            ),
            path(
                "sheet/",
                self.admin_site.admin_view(self.sheet_view),
                name="stations_signin_sheet",
            ),
            path(
                "<path:object_id>/move/",
                self.admin_site.admin_view(self.move_view),
                name="stations_signin_move",
            ),
            *super().get_urls(),
        ]

    def _page(self, request: HttpRequest, template: str, **context: Any) -> TemplateResponse:
        return TemplateResponse(
            request,
            template,
            {**self.admin_site.each_context(request), "opts": self.opts, **context},
        )

    def sign_in_view(self, request: HttpRequest) -> HttpResponse:
        """Staff scan the app's QR code (the scanner types it) or type the ID number."""
        if not request.user.has_perm("stations.add_signin"):
            raise PermissionDenied
        stations = stations_in_scope(request_scope(request)).filter(active=True)
        form = SignInForm(request.POST or None, stations=stations)
        if request.method == "POST" and form.is_valid():
            now = timezone.now()
            try:
                seeker, method = self._identify(form.cleaned_data["code"], now)
                row = sign_in(
                    station=form.cleaned_data["station"], seeker=seeker, method=method, now=now
                )
            except DomainError as error:
                form.add_error("code", error.message)
            else:
                self.message_user(
                    request,
                    _("%(seeker)s is number %(position)d in the queue.")
                    % {"seeker": seeker.full_name or seeker, "position": row.position},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(request.path)
        return self._page(
            request, "admin/stations/signin_form.html", title=_("Sign someone in"), form=form
        )

    def _identify(self, code: str, now: dt.datetime) -> tuple[JobSeeker, str]:
        found = seekers_by_identity(JobSeeker.objects.filter(merged_into__isnull=True), code)
        if found is not None:
            # The card in hand is the proof: anyone registered signs in, wherever registered.
            seeker = found.first()
            if seeker is None:
                raise DomainError(gettext("Nobody with this ID number or phone is registered yet."))
            return seeker, SignInMethod.ID_CARD
        return seeker_from_check_in_code(code, today=timezone.localdate(now)), SignInMethod.QR

    def move_view(self, request: HttpRequest, object_id: str) -> HttpResponse:
        row = self.get_object(request, object_id)
        if row is None:
            raise Http404
        if not self.has_change_permission(request, row):
            raise PermissionDenied
        form = QueueMoveForm(request.POST or None, initial={"to_position": row.position})
        if request.method == "POST" and form.is_valid():
            try:
                queue_move(
                    sign_in=row,
                    to_position=form.cleaned_data["to_position"],
                    reason=form.cleaned_data["reason"],
                    by=acting_user(request),
                    now=timezone.now(),
                )
            except DomainError as error:
                form.add_error(None, error.message)
            else:
                url = reverse("admin:stations_signin_changelist")
                return HttpResponseRedirect(
                    f"{url}?station__id__exact={row.station_id}&day={row.day.isoformat()}"
                )
        return self._page(
            request,
            "admin/stations/signin_move.html",
            title=_("Move in the queue"),
            original=row,
            form=form,
        )

    def sheet_view(self, request: HttpRequest) -> HttpResponse:
        """The station's day on one page: who came, who went to work at what pay, who did
        not and why."""
        if not request.user.has_perm("stations.view_signin"):
            raise PermissionDenied
        stations = stations_in_scope(request_scope(request))
        form = SheetForm(
            request.GET or None,
            stations=stations,
            initial={"day": timezone.localdate(), "station": stations.first()},
        )
        sheet = (
            daily_sheet(form.cleaned_data["station"], form.cleaned_data["day"])
            if (request.GET and form.is_valid())
            else None
        )
        reasons = dict(NotDispatchedReason.choices)
        return self._page(
            request,
            "admin/stations/signin_sheet.html",
            title=_("Daily sheet"),
            form=form,
            sheet=sheet,
            reasons=[
                (reasons[code], count)
                for code, count in (sheet.not_dispatched if sheet else {}).items()
            ],
        )
