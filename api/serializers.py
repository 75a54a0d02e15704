"""What the seekers' app sends and receives. Thin: validation of shapes here, rules in the
services."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.http import QueryDict
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from matching.models import Device
from stations.models import JobPost, JobSeeker, Occupation, Region
from stations.models.common import AVAILABILITY_SLOTS
from stations.services.seekers import MAX_SELF_DECLARED_SKILLS, SELF_SERVICE_FIELDS
from stations.validators import mask_phone


class CodeRelatedField(serializers.SlugRelatedField):
    """A reference record (region, occupation, key group...) by its code. Anything that
    cannot be a code is refused before the database sees it (PostgreSQL rejects NUL bytes)."""

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(slug_field="code", **kwargs)

    def to_internal_value(self, data: Any) -> Any:
        if not isinstance(data, str) or "\x00" in data or len(data) > 64:
            self.fail("does_not_exist", slug_name=self.slug_field, value=str(data)[:64])
        return super().to_internal_value(data)


class PhoneSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20)


class TokenRequestSerializer(serializers.Serializer):
    phone = serializers.CharField(max_length=20)
    code = serializers.RegexField(r"^\d{6}$", max_length=6)


class TokenSerializer(serializers.Serializer):
    token = serializers.CharField()
    expiry = serializers.DateTimeField(allow_null=True)
    seeker_id = serializers.IntegerField()
    registered = serializers.BooleanField(help_text="True when this login registered the seeker.")


CLOCK_TIME_FORMAT = "%H:%M:%S"


class AvailabilityField(serializers.ListField):
    """The weekly bit mask as the list of free slots ([0, 1, 3]: Monday morning and afternoon,
    Tuesday morning)."""

    def to_representation(self, data: Any) -> list[int]:
        return [slot for slot in range(AVAILABILITY_SLOTS) if int(data) >> slot & 1]

    def to_internal_value(self, data: Any) -> int:  # type: ignore[override]
        return sum(1 << slot for slot in set(super().to_internal_value(data)))


CLOCK_TIME_SCHEMA = {
    "type": "string",
    "pattern": r"^([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]$",
    "example": "08:00:00",
    "description": "A local wall-clock time, HH:MM:SS, with no UTC offset.",
}


# Documented as a pattern rather than ``format: time``: OpenAPI's ``time`` is RFC 3339's
# ``full-time``, which demands a UTC offset ("18:30:00+08:00"), and a shift's clock time
# at a station has none; a validator holding the schema to RFC 3339 rejects "18:30:00".
@extend_schema_field(CLOCK_TIME_SCHEMA)
class ClockTimeField(serializers.TimeField):
    """A time of day to the second ("18:30:00"): a shift's clock time has no use for a
    fraction of a second, and it is local time, so it carries no offset."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("format", CLOCK_TIME_FORMAT)
        super().__init__(**kwargs)

    def to_internal_value(self, value: Any) -> dt.time:
        return super().to_internal_value(value).replace(microsecond=0)


class MySkillSerializer(serializers.Serializer):
    occupation = CodeRelatedField(
        queryset=Occupation.objects.filter(level=Occupation.Level.TRADE),
        help_text="A trade's code (细类), e.g. 6-29-01-01.",
    )
    name = serializers.CharField(source="occupation.name", read_only=True)
    level = serializers.IntegerField(
        read_only=True,
        help_text="Qualification level from a certificate staff saw: 5 beginner to 1 senior "
        "technician, 0 none.",
    )
    years = serializers.IntegerField(min_value=0, max_value=60, default=0)


class MeSerializer(serializers.ModelSerializer):
    """The seeker's own profile. The ID number is written once and only ever read masked."""

    phone = serializers.SerializerMethodField()
    id_number = serializers.CharField(write_only=True, required=False, max_length=18)
    id_number_masked = serializers.CharField(read_only=True)
    verified = serializers.SerializerMethodField()
    residence_region = CodeRelatedField(queryset=Region.objects.all())
    availability = AvailabilityField(
        child=serializers.IntegerField(min_value=0, max_value=AVAILABILITY_SLOTS - 1),
        help_text="Weekly slots free for work: day × 3 + shift, Monday morning = 0.",
    )
    expected_daily_wage = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("1"), allow_null=True, required=False
    )
    max_travel_km = serializers.IntegerField(min_value=1, max_value=200)
    latitude = serializers.FloatField(min_value=-90, max_value=90, allow_null=True, required=False)
    longitude = serializers.FloatField(
        min_value=-180, max_value=180, allow_null=True, required=False
    )
    skills = MySkillSerializer(  # type: ignore[call-arg]  # ListSerializer's max_length
        many=True,
        required=False,
        source="skill_rows",
        max_length=MAX_SELF_DECLARED_SKILLS,
        help_text="The seeker's trades; a PATCH with this list replaces them.",
    )

    class Meta:
        model = JobSeeker
        fields = [
            "id",
            "phone",
            "id_number",
            "id_number_masked",
            "verified",
            "skills",
            *sorted(SELF_SERVICE_FIELDS),
        ]
        read_only_fields = ["id"]

    def get_phone(self, seeker: JobSeeker) -> str:
        return mask_phone(seeker.phone) if seeker.phone else ""

    def get_verified(self, seeker: JobSeeker) -> bool:
        return seeker.verified_at is not None


class OccupationBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class JobSerializer(serializers.ModelSerializer):
    occupation = OccupationBriefSerializer()
    employer = serializers.CharField(source="employer.name")
    openings_left = serializers.SerializerMethodField()
    distance_km = serializers.SerializerMethodField()
    region = serializers.CharField(source="region.code")
    shift_starts_at = ClockTimeField(allow_null=True)
    shift_ends_at = ClockTimeField(allow_null=True)

    class Meta:
        model = JobPost
        fields = [
            "id",
            "reference",
            "title",
            "kind",
            "occupation",
            "employer",
            "openings",
            "openings_left",
            "wage_amount",
            "wage_unit",
            "settlement",
            "starts_on",
            "ends_on",
            "shift_starts_at",
            "shift_ends_at",
            "take_home",
            "region",
            "latitude",
            "longitude",
            "distance_km",
        ]

    def get_openings_left(self, post: JobPost) -> int:
        return max(post.openings - getattr(post, "held", 0), 0)

    def get_distance_km(self, post: JobPost) -> float | None:
        distance = getattr(post, "distance_km", None)
        return None if distance is None else round(float(distance), 2)


def job_list_items(rows: Iterable[dict[str, Any]], *, language: str) -> list[dict[str, Any]]:
    """What ``JobSerializer`` makes of each post, from ``job_list_rows``' plain rows: the job
    list is the API's busiest page, and DRF's fields over model instances cost it more than
    the database does. ``tests/api/test_seeker_api.py`` holds the two outputs equal."""
    english = language.startswith("en")
    return [
        {
            "id": row["id"],
            "reference": row["reference"],
            "title": row["title"],
            "kind": row["kind"],
            "occupation": {
                "id": row["occupation"],
                "code": row["occupation__code"],
                "name": row["occupation__name_en" if english else "occupation__name_zh_hans"],
            },
            "employer": row["employer__name"],
            "openings": row["openings"],
            "openings_left": max(row["openings"] - (row["held"] or 0), 0),
            "wage_amount": f"{row['wage_amount']:.2f}",
            "wage_unit": row["wage_unit"],
            "settlement": row["settlement"],
            "starts_on": _iso(row["starts_on"]),
            "ends_on": _iso(row["ends_on"]),
            "shift_starts_at": _iso(row["shift_starts_at"]),
            "shift_ends_at": _iso(row["shift_ends_at"]),
            "take_home": row["take_home"],
            "region": row["region__code"],
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "distance_km": (
                None if row.get("distance_km") is None else round(float(row["distance_km"]), 2)
            ),
        }
        for row in rows
    ]


def _iso(value: dt.date | dt.time | None) -> str | None:
    if value is None:
        return None
    return value.strftime(CLOCK_TIME_FORMAT) if isinstance(value, dt.time) else value.isoformat()


class EmployerContactSerializer(serializers.Serializer):
    name = serializers.CharField()
    contact_name = serializers.CharField()
    contact_phone = serializers.CharField()


class JobDetailSerializer(JobSerializer):
    required_certificates: Any = serializers.SlugRelatedField(
        slug_field="code", many=True, read_only=True
    )
    employer_contact = serializers.SerializerMethodField()

    class Meta(JobSerializer.Meta):
        fields = [*JobSerializer.Meta.fields, "required_certificates", "employer_contact"]

    def get_employer_contact(self, post: JobPost) -> dict[str, str] | None:
        """Only for a seeker who applied: the employer's contact person and phone."""
        if not self.context.get("applied"):
            return None
        employer = post.employer
        return {
            "name": employer.name,
            "contact_name": employer.contact_name,
            "contact_phone": employer.contact_phone,
        }


DEFAULT_RADIUS_KM = 10
JOB_ORDERINGS = ("distance", "relevance", "newest")


class JobQuerySerializer(serializers.Serializer):
    lat = serializers.FloatField(min_value=-90, max_value=90, required=False)
    lon = serializers.FloatField(min_value=-180, max_value=180, required=False)
    radius_km = serializers.FloatField(min_value=0.1, max_value=200, default=DEFAULT_RADIUS_KM)
    occupation = serializers.CharField(required=False, max_length=20)
    min_wage = serializers.DecimalField(
        max_digits=8, decimal_places=2, min_value=Decimal("0"), required=False
    )
    date = serializers.DateField(required=False)
    take_home = serializers.BooleanField(required=False, allow_null=True, default=None)
    ordering = serializers.ChoiceField(choices=JOB_ORDERINGS, default="distance")

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if ("lat" in attrs) != ("lon" in attrs):
            raise serializers.ValidationError({"lat": ["give lat and lon together"]})
        if attrs["ordering"] == "distance" and "lat" not in attrs:
            attrs["ordering"] = "newest"
        return attrs


def job_query(params: QueryDict) -> dict[str, Any]:
    """``JobQuerySerializer``'s validated data for a request's query. The common query, a
    point with perhaps a radius and an ordering, is read without DRF's fields (building and
    running them took half a millisecond, on the API's busiest page); any other query goes
    through the serializer, which says what is wrong with it. ``tests/api/test_job_query.py``
    holds the two equal."""
    plain = _plain_job_query(params)
    if plain is not None:
        return plain
    query = JobQuerySerializer(data=params)
    query.is_valid(raise_exception=True)
    return dict(query.validated_data)


_PLAIN_FIELDS = ("lat", "lon", "radius_km", "ordering")
_PLAIN_NUMBER = re.compile(r"-?[0-9]{1,3}(?:\.[0-9]{1,20})?")


def _plain_job_query(params: QueryDict) -> dict[str, Any] | None:
    """A point, perhaps a radius and an ordering, each given once, as plain numbers within
    their bounds and a known ordering, and nothing else the serializer reads; else None."""
    given = {name: params.getlist(name) for name in JobQuerySerializer._declared_fields}
    if any(values for name, values in given.items() if name not in _PLAIN_FIELDS):
        return None
    if any(len(values) > 1 for values in given.values()) or not (given["lat"] and given["lon"]):
        return None
    numbers = [*given["lat"], *given["lon"], *given["radius_km"]]
    if not all(_PLAIN_NUMBER.fullmatch(number) for number in numbers):
        return None
    lat, lon, *radius = (float(number) for number in numbers)
    radius_km = radius[0] if radius else DEFAULT_RADIUS_KM
    ordering = given["ordering"][0] if given["ordering"] else "distance"
    if not (-90 <= lat <= 90 and -180 <= lon <= 180 and 0.1 <= radius_km <= 200):
        return None
    if ordering not in JOB_ORDERINGS:
        return None
    return {"lat": lat, "lon": lon, "radius_km": radius_km, "take_home": None, "ordering": ordering}


class RecommendationSerializer(serializers.Serializer):
    rank = serializers.IntegerField()
    score = serializers.FloatField()
    reasons = serializers.ListField(child=serializers.CharField())
    computed_at = serializers.DateTimeField()
    job = JobSerializer(source="post")


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    template = serializers.CharField()
    title = serializers.CharField()
    body = serializers.CharField()
    post = serializers.IntegerField(source="post_id", allow_null=True)
    created_at = serializers.DateTimeField()
    read_at = serializers.DateTimeField(allow_null=True)


class JobBriefSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    employer = serializers.CharField(source="employer.name")
    starts_on = serializers.DateField()
    ends_on = serializers.DateField()


class ApplicationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    job = JobBriefSerializer(source="post")
    status = serializers.CharField()
    source = serializers.CharField()  # type: ignore[assignment]  # a field, not Field.source
    status_changed_at = serializers.DateTimeField()
    created_at = serializers.DateTimeField()


class PlacementSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    job = JobBriefSerializer(source="application.post")
    status = serializers.CharField(source="application.status")
    agreed_wage_amount = serializers.DecimalField(max_digits=10, decimal_places=2)
    agreed_wage_unit = serializers.CharField()
    starts_on = serializers.DateField()
    ends_on = serializers.DateField(allow_null=True)
    started_at = serializers.DateTimeField(allow_null=True)
    completed_at = serializers.DateTimeField(allow_null=True)


class WageClaimRequestSerializer(serializers.Serializer):
    amount_claimed = serializers.DecimalField(
        max_digits=10, decimal_places=2, min_value=Decimal("0.01")
    )
    description = serializers.CharField(max_length=2000, required=False, allow_blank=True)


class WageClaimSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    placement = serializers.IntegerField(source="placement_id", allow_null=True)
    employer = serializers.CharField(source="employer.name")
    amount_claimed = serializers.DecimalField(max_digits=10, decimal_places=2)
    amount_recovered = serializers.DecimalField(max_digits=10, decimal_places=2)
    status = serializers.CharField()
    filed_at = serializers.DateTimeField()


class DeviceSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    kind = serializers.ChoiceField(choices=Device.Kind.choices)
    token = serializers.CharField(
        max_length=255, write_only=True, help_text="The FCM registration token or WeChat openid."
    )
    token_tail = serializers.SerializerMethodField()
    active = serializers.BooleanField(read_only=True)
    created_at = serializers.DateTimeField(read_only=True)

    def get_token_tail(self, device: Device) -> str:
        """Enough of the token to tell devices apart, not to address one."""
        return device.token[-6:]
