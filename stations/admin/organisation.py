from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.contrib.auth.models import User
from django.db.models import QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from stations.admin.base import request_scope
from stations.models import Staff, Station
from stations.selectors.scope import regions_in_scope, staff_in_scope, stations_in_scope
from stations.services.staff import staff_assign


@admin.register(Station)
class StationAdmin(admin.ModelAdmin):
    list_display = ["code", "name", "kind", "operator", "region", "active"]
    list_filter = ["kind", "operator", "active"]
    search_fields = ["code", "name", "address"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Station]:
        return stations_in_scope(request_scope(request)).select_related("region")


class StaffForm(forms.ModelForm):
    class Meta:
        model = Staff
        fields = ["user", "role", "stations", "region"]

    def clean(self) -> dict[str, object]:
        data = super().clean() or {}
        if not data.get("stations") and not data.get("region"):
            raise forms.ValidationError(_("Give the staff member stations, a region, or both."))
        return data


@admin.register(Staff)
class StaffAdmin(admin.ModelAdmin):
    form = StaffForm
    list_display = ["user", "role", "region"]
    list_filter = ["role"]
    list_select_related = ["user", "region"]
    search_fields = ["user__username", "user__first_name", "user__last_name"]
    autocomplete_fields = ["user", "region"]
    filter_horizontal = ["stations"]

    def get_queryset(self, request: HttpRequest) -> QuerySet[Staff]:
        in_scope = staff_in_scope(request_scope(request))
        return super().get_queryset(request).filter(pk__in=in_scope.values("pk"))

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "region":
            kwargs["queryset"] = regions_in_scope(request_scope(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        # A bureau administrator assigns staff only to stations in their own scope.
        if db_field.name == "stations":
            kwargs["queryset"] = stations_in_scope(request_scope(request))
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_model(self, request: HttpRequest, obj: Staff, form: StaffForm, change: bool) -> None:
        user: User = form.cleaned_data["user"]
        staff = staff_assign(
            user=user,
            role=form.cleaned_data["role"],
            stations=list(form.cleaned_data["stations"]),
            region=form.cleaned_data["region"],
        )
        obj.__dict__.update(staff.__dict__)

    def save_related(
        self, request: HttpRequest, form: StaffForm, formsets: object, change: bool
    ) -> None:
        pass  # staff_assign has set the stations
