"""Filters of the staff lists (django-filter): what a counter looks records up by."""

from __future__ import annotations

from typing import Any

from django import forms
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django_filters import rest_framework as filters

from stations.models import (
    Application,
    Employer,
    JobPost,
    JobSeeker,
    Placement,
    SeekerKeyGroup,
    WageClaim,
    WagePayment,
)
from stations.models.placements import ApplicationStatus, EmploymentOutcome, WageClaimStatus
from stations.models.posts import PostKind, PostStatus
from stations.models.seekers import EmploymentStatus, Household
from stations.selectors.counter import seekers_search


class IdFilter(filters.NumberFilter):
    """A record id: a whole number a database key can hold, else a 400 naming the filter."""

    field_class = forms.IntegerField

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class PostFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=PostStatus.choices)
    kind = filters.ChoiceFilter(choices=PostKind.choices)
    station = IdFilter(field_name="station_id")
    employer = IdFilter(field_name="employer_id")
    occupation = filters.CharFilter(field_name="occupation__code")
    region = filters.CharFilter(method="in_region", help_text="region code, with its subregions")
    starts_from = filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    starts_until = filters.DateFilter(field_name="starts_on", lookup_expr="lte")
    take_home = filters.BooleanFilter()
    q = filters.CharFilter(method="search", help_text="part of the title, reference or employer")

    class Meta:
        model = JobPost
        fields: list[str] = []

    def in_region(self, posts: QuerySet[JobPost], name: str, code: str) -> QuerySet[JobPost]:
        return posts.filter(Q(region__code=code) | Q(region__path__contains=f"/{code}/"))

    def search(self, posts: QuerySet[JobPost], name: str, text: str) -> QuerySet[JobPost]:
        text = text.strip()
        return posts.filter(
            Q(title__icontains=text)
            | Q(reference__icontains=text)
            | Q(employer__name__icontains=text)
        )


class SeekerFilter(filters.FilterSet):
    q = filters.CharFilter(
        method="search", help_text="an ID number or phone (exact), or part of the name"
    )
    household = filters.ChoiceFilter(choices=Household.choices)
    employment_status = filters.ChoiceFilter(choices=EmploymentStatus.choices)
    key_group = filters.CharFilter(method="in_key_group", help_text="key group code, current")
    registering_station = IdFilter(field_name="registering_station_id")
    verified = filters.BooleanFilter(field_name="verified_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = JobSeeker
        fields: list[str] = []

    def search(self, seekers: QuerySet[JobSeeker], name: str, text: str) -> QuerySet[JobSeeker]:
        return seekers_search(seekers, text)

    def in_key_group(
        self, seekers: QuerySet[JobSeeker], name: str, code: str
    ) -> QuerySet[JobSeeker]:
        today = timezone.localdate()
        current = SeekerKeyGroup.objects.filter(
            Q(ended_on__isnull=True) | Q(ended_on__gte=today),
            seeker=OuterRef("pk"),
            key_group__code=code,
            started_on__lte=today,
        )
        return seekers.filter(Exists(current))


class EmployerFilter(filters.FilterSet):
    q = filters.CharFilter(method="search", help_text="part of the name, or the credit code")
    verified = filters.BooleanFilter(field_name="verified_at", lookup_expr="isnull", exclude=True)

    class Meta:
        model = Employer
        fields: list[str] = []

    def search(self, employers: QuerySet[Employer], name: str, text: str) -> QuerySet[Employer]:
        text = text.strip()
        return employers.filter(Q(name__icontains=text) | Q(credit_code=text.upper()))


class ApplicationFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=ApplicationStatus.choices)
    source = filters.ChoiceFilter(choices=Application.Source.choices)
    post = IdFilter(field_name="post_id")
    seeker = IdFilter(field_name="seeker_id")
    changed_from = filters.DateFilter(field_name="status_changed_at__date", lookup_expr="gte")
    changed_until = filters.DateFilter(field_name="status_changed_at__date", lookup_expr="lte")

    class Meta:
        model = Application
        fields: list[str] = []


class PlacementFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(
        field_name="application__status", choices=ApplicationStatus.choices
    )
    post = IdFilter(field_name="application__post_id")
    seeker = IdFilter(field_name="application__seeker_id")
    outcome = filters.ChoiceFilter(choices=EmploymentOutcome.choices)
    starts_from = filters.DateFilter(field_name="starts_on", lookup_expr="gte")
    starts_until = filters.DateFilter(field_name="starts_on", lookup_expr="lte")

    class Meta:
        model = Placement
        fields: list[str] = []


class WageClaimFilter(filters.FilterSet):
    status = filters.MultipleChoiceFilter(choices=WageClaimStatus.choices)
    employer = IdFilter(field_name="employer_id")
    seeker = IdFilter(field_name="seeker_id")
    filed_from = filters.DateFilter(field_name="filed_at__date", lookup_expr="gte")
    filed_until = filters.DateFilter(field_name="filed_at__date", lookup_expr="lte")

    class Meta:
        model = WageClaim
        fields: list[str] = []


class WagePaymentFilter(filters.FilterSet):
    paid_from = filters.DateFilter(field_name="paid_on", lookup_expr="gte")
    paid_until = filters.DateFilter(field_name="paid_on", lookup_expr="lte")

    class Meta:
        model = WagePayment
        fields: list[str] = []
