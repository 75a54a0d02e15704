from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from stations.models import CertificateKind, KeyGroup, Occupation, Region


class ReferenceDataAdmin(admin.ModelAdmin):
    """Reference data comes from the seed files (``load_seeds``): staff read it, nobody edits
    it here, so that a bulletin's regions always mean what GB/T 2260 says they mean."""

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: object = None) -> bool:
        return False


@admin.register(Region)
class RegionAdmin(ReferenceDataAdmin):
    list_display = ["code", "name_zh_hans", "name_en", "level", "parent"]
    list_filter = ["level"]
    search_fields = ["code", "name_zh_hans", "name_en"]
    list_select_related = ["parent"]


@admin.register(KeyGroup)
class KeyGroupAdmin(ReferenceDataAdmin):
    list_display = [
        "code",
        "name_zh_hans",
        "name_en",
        "duty_job_pushes",
        "duty_training_recommendations",
        "duty_guidance_sessions",
    ]
    search_fields = ["code", "name_zh_hans", "name_en"]


@admin.register(Occupation)
class OccupationAdmin(ReferenceDataAdmin):
    list_display = ["code", "name_zh_hans", "name_en", "level"]
    list_filter = ["level"]
    search_fields = ["code", "name_zh_hans", "name_en"]


@admin.register(CertificateKind)
class CertificateKindAdmin(ReferenceDataAdmin):
    list_display = ["code", "name_zh_hans", "name_en"]
    search_fields = ["code", "name_zh_hans", "name_en"]
