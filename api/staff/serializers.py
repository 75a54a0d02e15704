"""What the stations' tablets send and receive. Foreign keys offer only the records in the
staff member's scope, as the admin's choices do; the rules stay in the services."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet
from rest_framework import serializers

from api.serializers import AvailabilityField, ClockTimeField, CodeRelatedField
from stations.models import (
    Application,
    CertificateKind,
    Employer,
    JobPost,
    JobSeeker,
    KeyGroup,
    Occupation,
    Placement,
    Region,
    Station,
    WageClaim,
    WagePayment,
)
from stations.models.common import AVAILABILITY_SLOTS
from stations.models.placements import ApplicationStatus, EmploymentOutcome, WageClaimStatus
from stations.models.posts import WageUnit
from stations.selectors.scope import (
    Scope,
    employers_in_scope,
    placements_in_scope,
    posts_in_scope,
    scope_for,
    seekers_in_scope,
    stations_in_scope,
)
from stations.services.posts import EDITABLE_POST_FIELDS
from stations.services.seekers import PROFILE_FIELDS
from stations.validators import mask_phone


class ScopedRelatedField(serializers.PrimaryKeyRelatedField):
    """A record by id, among those in the requesting staff member's scope only: another
    scope's id reads as unknown, exactly like an id that does not exist."""

    def __init__(self, selector: Callable[[Scope], QuerySet[Any]], **kwargs: Any) -> None:
        self.selector = selector
        super().__init__(**kwargs)

    def get_queryset(self) -> QuerySet[Any]:
        return self.selector(scope_for(self.context["request"].user))


def scoped(selector: Callable[[Scope], QuerySet[Any]], **kwargs: Any) -> ScopedRelatedField:
    # The queryset is per request (get_queryset); the class attribute only names the model
    # for the schema.
    return ScopedRelatedField(selector, queryset=selector(Scope(everything=True)), **kwargs)


def by_code(model: type[Any], **kwargs: Any) -> CodeRelatedField:
    return CodeRelatedField(queryset=model.objects.all(), **kwargs)


class StaffTokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, trim_whitespace=False)


class StaffTokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)
    user_id = serializers.IntegerField()
    username = serializers.CharField()
    role = serializers.CharField(allow_blank=True, help_text="Empty for superusers.")


class StationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")

    class Meta:
        model = Station
        fields = ["id", "code", "name", "kind", "operator", "region", "address", "active"]


class EmployerSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code")
    contact_phone = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()

    class Meta:
        model = Employer
        fields = ["id", "name", "credit_code", "kind", "region", "contact_name", "contact_phone"]
        fields += ["verified"]

    def get_contact_phone(self, employer: Employer) -> str:
        return mask_phone(employer.contact_phone) if employer.contact_phone else ""

    def get_verified(self, employer: Employer) -> bool:
        return employer.verified_at is not None


class PostSerializer(serializers.ModelSerializer):
    """A post as staff edit it. The status moves only through the open and close actions."""

    reference = serializers.CharField(
        max_length=64, required=False, allow_blank=True, help_text="Made up when left out."
    )
    employer = scoped(employers_in_scope)
    station = scoped(stations_in_scope, allow_null=True, required=False)
    work_at_station = scoped(stations_in_scope, allow_null=True, required=False)
    occupation = by_code(Occupation)
    required_skills = by_code(Occupation, many=True, required=False)
    required_certificates = by_code(CertificateKind, many=True, required=False)
    region = by_code(Region)
    wage_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    openings = serializers.IntegerField(min_value=1, max_value=10_000, required=False)
    latitude = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, required=False)
    longitude = serializers.FloatField(
        min_value=-180, max_value=180, allow_null=True, required=False
    )
    hired = serializers.IntegerField(read_only=True, source="hired_count", default=0)
    shift_starts_at = ClockTimeField(allow_null=True, required=False)
    shift_ends_at = ClockTimeField(allow_null=True, required=False)

    class Meta:
        model = JobPost
        fields = [
            "id",
            "reference",
            "status",
            "kind",
            "title",
            "employer",
            "occupation",
            "required_skills",
            "required_certificates",
            "openings",
            "hired",
            "wage_amount",
            "wage_unit",
            "settlement",
            "starts_on",
            "ends_on",
            "shift_starts_at",
            "shift_ends_at",
            "region",
            "station",
            "work_at_station",
            "latitude",
            "longitude",
            "take_home",
            "expires_at",
            "opened_at",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["status", "opened_at", "created_at", "updated_at"]

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("latitude" in attrs) != ("longitude" in attrs):
            raise serializers.ValidationError(
                {"latitude": ["give latitude and longitude together"]}
            )
        if self.instance is not None and "reference" in attrs:
            raise serializers.ValidationError({"reference": ["a post's reference is fixed"]})
        return attrs


# Fields of a post an update may change (the reference never does).
POST_UPDATE_FIELDS = EDITABLE_POST_FIELDS | {"required_skills", "required_certificates"}


class SkillSerializer(serializers.Serializer):
    occupation = by_code(Occupation)
    level = serializers.IntegerField(min_value=0, max_value=5, default=0)
    years = serializers.IntegerField(min_value=0, max_value=80, default=0)


class KeyGroupsField(serializers.ListField):
    """Key group codes; read from the seeker's current spans (prefetched as
    ``current_spans`` by ``counter_seekers``)."""

    def to_representation(self, data: Any) -> list[str]:
        return sorted({span.key_group.code for span in data})


class SeekerSerializer(serializers.ModelSerializer):
    """A seeker as counter staff see them: phone and ID number masked; the ID number and
    phone are written in clear and never read back."""

    phone = serializers.CharField(write_only=True, required=False, allow_blank=True)
    phone_masked = serializers.SerializerMethodField()
    id_number = serializers.CharField(write_only=True, required=False, max_length=18)
    id_number_masked = serializers.CharField(read_only=True)
    verified = serializers.SerializerMethodField()
    residence_region = by_code(Region)
    registering_station = scoped(stations_in_scope, allow_null=True, required=False)
    availability = AvailabilityField(
        child=serializers.IntegerField(min_value=0, max_value=AVAILABILITY_SLOTS - 1),
        required=False,
        help_text="Weekly slots free for work: day × 3 + shift, Monday morning = 0.",
    )
    expected_daily_wage = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("1"), allow_null=True, required=False
    )
    max_travel_km = serializers.IntegerField(min_value=1, max_value=200, required=False)
    latitude = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, required=False)
    longitude = serializers.FloatField(
        min_value=-180, max_value=180, allow_null=True, required=False
    )
    skills = SkillSerializer(
        many=True, required=False, source="skill_rows", help_text="Added or updated, by trade."
    )
    key_groups = KeyGroupsField(
        child=by_code(KeyGroup),
        required=False,
        source="current_spans",
        help_text="Read: the key groups the seeker is in today. Write: added from today.",
    )

    class Meta:
        model = JobSeeker
        fields = [
            "id",
            "phone",
            "phone_masked",
            "id_number",
            "id_number_masked",
            "verified",
            "skills",
            "key_groups",
            *sorted(PROFILE_FIELDS),
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["created_at", "updated_at"]

    def get_phone_masked(self, seeker: JobSeeker) -> str:
        return mask_phone(seeker.phone) if seeker.phone else ""

    def get_verified(self, seeker: JobSeeker) -> bool:
        return seeker.verified_at is not None


class BriefSeekerSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    full_name = serializers.CharField()
    phone_masked = serializers.SerializerMethodField()
    verified = serializers.SerializerMethodField()

    def get_phone_masked(self, seeker: JobSeeker) -> str:
        return mask_phone(seeker.phone) if seeker.phone else ""

    def get_verified(self, seeker: JobSeeker) -> bool:
        return seeker.verified_at is not None


class BriefPostSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    reference = serializers.CharField()
    title = serializers.CharField()
    employer = serializers.CharField(source="employer.name")
    status = serializers.CharField()


class StaffApplicationSerializer(serializers.ModelSerializer):
    post = BriefPostSerializer(read_only=True)
    seeker = BriefSeekerSerializer(read_only=True)
    placement = serializers.SerializerMethodField()

    class Meta:
        model = Application
        fields = [
            "id",
            "post",
            "seeker",
            "status",
            "source",
            "status_changed_at",
            "placement",
            "created_at",
        ]

    def get_placement(self, application: Application) -> int | None:
        placement = getattr(application, "placement", None)
        return placement.pk if placement is not None else None


class ReferralSerializer(serializers.Serializer):
    """Staff put a seeker forward for a post (at the counter or by referral)."""

    post = scoped(posts_in_scope)
    seeker = scoped(seekers_in_scope)
    source = serializers.ChoiceField(  # type: ignore[assignment]  # a field, not Field.source
        choices=[Application.Source.COUNTER, Application.Source.REFERRAL],
        default=Application.Source.REFERRAL,
    )
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


# The moves staff make with the move action; hiring, starting and completing have their own.
SIMPLE_MOVES = [
    ApplicationStatus.CONTACTED,
    ApplicationStatus.INTERVIEWED,
    ApplicationStatus.REJECTED,
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.NO_SHOW,
]


class ApplicationMoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(choices=SIMPLE_MOVES)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class HireSerializer(serializers.Serializer):
    agreed_wage_amount = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    agreed_wage_unit = serializers.ChoiceField(choices=WageUnit.choices)
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(required=False, allow_null=True, default=None)
    outcome = serializers.ChoiceField(choices=EmploymentOutcome.choices)
    written_agreement = serializers.BooleanField(default=False)
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class NoteSerializer(serializers.Serializer):
    note = serializers.CharField(max_length=2000, required=False, allow_blank=True, default="")


class StaffPlacementSerializer(serializers.ModelSerializer):
    application = serializers.IntegerField(source="application_id", read_only=True)
    status = serializers.CharField(source="application.status", read_only=True)
    post = BriefPostSerializer(source="application.post", read_only=True)
    seeker = BriefSeekerSerializer(source="application.seeker", read_only=True)
    paid = serializers.DecimalField(
        max_digits=12, decimal_places=2, read_only=True, source="paid_total", default=Decimal(0)
    )

    class Meta:
        model = Placement
        fields = [
            "id",
            "application",
            "status",
            "post",
            "seeker",
            "agreed_wage_amount",
            "agreed_wage_unit",
            "starts_on",
            "ends_on",
            "outcome",
            "written_agreement",
            "started_at",
            "completed_at",
            "paid",
        ]


class WagePaymentSerializer(serializers.ModelSerializer):
    amount = serializers.DecimalField(max_digits=10, decimal_places=2, min_value=Decimal("0.01"))
    placement = serializers.IntegerField(source="placement_id", read_only=True)

    class Meta:
        model = WagePayment
        fields = ["id", "placement", "amount", "paid_on", "note", "created_at"]
        read_only_fields = ["created_at"]


class StaffWageClaimSerializer(serializers.ModelSerializer):
    seeker = BriefSeekerSerializer(read_only=True)
    employer = serializers.CharField(source="employer.name", read_only=True)
    employer_id = serializers.IntegerField(read_only=True)
    placement = serializers.IntegerField(source="placement_id", read_only=True, allow_null=True)

    class Meta:
        model = WageClaim
        fields = [
            "id",
            "seeker",
            "employer",
            "employer_id",
            "placement",
            "amount_claimed",
            "amount_recovered",
            "status",
            "description",
            "filed_at",
            "closed_at",
        ]


class WageClaimFileSerializer(serializers.Serializer):
    """A claim staff file for a worker: against a placement, or an employer directly."""

    seeker = scoped(seekers_in_scope)
    employer = scoped(employers_in_scope, required=False)
    placement = scoped(placements_in_scope, required=False, allow_null=True, default=None)
    amount_claimed = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class WageClaimMoveSerializer(serializers.Serializer):
    to = serializers.ChoiceField(
        choices=[WageClaimStatus.MEDIATED, WageClaimStatus.SETTLED, WageClaimStatus.TRANSFERRED]
    )
    amount_recovered = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0"), required=False
    )
