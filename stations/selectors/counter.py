"""Station records as counter staff list them (the staff API): in scope, with what each
row shows read in a fixed number of queries whatever the page size."""

from __future__ import annotations

import datetime as dt
import re

from django.core.exceptions import ValidationError
from django.db.models import Count, DecimalField, Prefetch, Q, QuerySet, Sum, Value
from django.db.models.functions import Coalesce

from stations.models import (
    HOLDS_OPENING,
    Application,
    Employer,
    JobPost,
    JobSeeker,
    Placement,
    SeekerKeyGroup,
    SeekerSkill,
    Station,
    WageClaim,
    WagePayment,
)
from stations.selectors.scope import (
    Scope,
    applications_in_scope,
    employers_in_scope,
    placements_in_scope,
    posts_in_scope,
    seekers_in_scope,
    stations_in_scope,
    wage_claims_in_scope,
)
from stations.services.identity import id_number_hash
from stations.validators import normalize_mobile_phone

_ID_NUMBER = re.compile(r"^\d{17}[\dXx]$")
_PHONE_NOISE = re.compile(r"[\s\-+]")


def seekers_by_identity(seekers: QuerySet[JobSeeker], term: str) -> QuerySet[JobSeeker] | None:
    """An exact lookup when ``term`` is an ID number (through its keyed hash: numbers are never
    stored in clear) or a phone number; None when it is neither."""
    term = term.strip()
    if _ID_NUMBER.fullmatch(term):
        return seekers.filter(id_number_hash=id_number_hash(term))
    digits = _PHONE_NOISE.sub("", term)
    if digits.isdigit() and len(digits) >= 11:
        try:
            return seekers.filter(phone=normalize_mobile_phone(term))
        except ValidationError:
            return seekers.none()
    return None


def seekers_search(seekers: QuerySet[JobSeeker], term: str) -> QuerySet[JobSeeker]:
    """By ID number or phone exactly, else by a part of the name."""
    exact = seekers_by_identity(seekers, term)
    return exact if exact is not None else seekers.filter(full_name__icontains=term.strip())


def counter_stations(scope: Scope) -> QuerySet[Station]:
    return stations_in_scope(scope).select_related("region").order_by("code")


def counter_employers(scope: Scope) -> QuerySet[Employer]:
    return employers_in_scope(scope).select_related("region").order_by("name", "pk")


def counter_posts(scope: Scope) -> QuerySet[JobPost]:
    return (
        posts_in_scope(scope)
        .select_related("employer", "occupation", "region")
        .prefetch_related("required_skills", "required_certificates")
        .annotate(
            hired_count=Count("applications", filter=Q(applications__status__in=HOLDS_OPENING))
        )
        .order_by("-created_at", "-pk")
    )


def counter_seekers(scope: Scope, *, today: dt.date) -> QuerySet[JobSeeker]:
    current = SeekerKeyGroup.objects.filter(
        Q(ended_on__isnull=True) | Q(ended_on__gte=today), started_on__lte=today
    ).select_related("key_group")
    return (
        seekers_in_scope(scope)
        .filter(merged_into__isnull=True)
        .select_related("residence_region")
        .prefetch_related(
            Prefetch(
                "skill_rows",
                queryset=SeekerSkill.objects.select_related("occupation").order_by("pk"),
            ),
            Prefetch("key_group_spans", queryset=current, to_attr="current_spans"),
        )
        .order_by("-created_at", "-pk")
    )


def counter_applications(scope: Scope) -> QuerySet[Application]:
    return (
        applications_in_scope(scope)
        .select_related("post__employer", "seeker", "placement")
        .order_by("-status_changed_at", "-pk")
    )


def counter_placements(scope: Scope) -> QuerySet[Placement]:
    return (
        placements_in_scope(scope)
        .select_related("application__post__employer", "application__seeker")
        .annotate(
            paid_total=Coalesce(
                Sum("payments__amount"),
                Value(0),
                output_field=DecimalField(max_digits=12, decimal_places=2),
            )
        )
        .order_by("-starts_on", "-pk")
    )


def counter_wage_payments(placement: Placement) -> QuerySet[WagePayment]:
    return placement.payments.order_by("-paid_on", "-pk")


def counter_wage_claims(scope: Scope) -> QuerySet[WageClaim]:
    return (
        wage_claims_in_scope(scope)
        .select_related("seeker", "employer")
        .order_by("-filed_at", "-pk")
    )
