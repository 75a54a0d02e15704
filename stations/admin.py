from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from stations.models import (
    Employer,
    JobPost,
    JobSeeker,
    KeyGroup,
    Occupation,
    Region,
    SeekerKeyGroup,
    SeekerSkill,
)


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


class SeekerKeyGroupInline(admin.TabularInline):
    model = SeekerKeyGroup
    extra = 0
    autocomplete_fields = ["key_group"]


class SeekerSkillInline(admin.TabularInline):
    model = SeekerSkill
    extra = 0
    autocomplete_fields = ["occupation"]


@admin.register(JobSeeker)
class JobSeekerAdmin(admin.ModelAdmin):
    list_display = ["full_name", "residence_region", "employment_status", "expected_daily_wage"]
    list_filter = ["employment_status", "household", "key_groups"]
    search_fields = ["full_name"]
    list_select_related = ["residence_region"]
    autocomplete_fields = ["residence_region"]
    inlines = [SeekerKeyGroupInline, SeekerSkillInline]


@admin.register(Employer)
class EmployerAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "region", "verified_at"]
    list_filter = ["kind"]
    search_fields = ["name", "credit_code"]
    list_select_related = ["region"]
    autocomplete_fields = ["region"]


@admin.register(JobPost)
class JobPostAdmin(admin.ModelAdmin):
    list_display = ["title", "employer", "occupation", "openings", "wage_amount", "status"]
    list_filter = ["status", "kind", "take_home"]
    search_fields = ["title", "reference"]
    list_select_related = ["employer", "occupation"]
    autocomplete_fields = ["employer", "occupation", "region"]
