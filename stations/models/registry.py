"""Job seekers, employers and job posts: the records a station keeps every day.

The stations issue grows these (real-name identity, stations, lifecycles); the foundation
defines what the demo city and the matching engine need first.
"""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, choices_constraint
from stations.models.taxonomies import KeyGroup, Occupation, Region
from stations.validators import validate_credit_code, validate_mobile_phone

# Weekly availability: 7 days x 3 shifts as a 21-bit mask; bit (day * 3 + shift), Monday = 0,
# shifts morning (06-12), afternoon (12-18), evening (18-24).
AVAILABILITY_SLOTS = 21
AVAILABILITY_ALL = (1 << AVAILABILITY_SLOTS) - 1


class Coordinates(models.Model):
    latitude = models.FloatField(
        _("latitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.FloatField(
        _("longitude"),
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )

    class Meta:
        abstract = True
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(latitude__isnull=True) & models.Q(longitude__isnull=True))
                | models.Q(
                    latitude__gte=-90, latitude__lte=90, longitude__gte=-180, longitude__lte=180
                ),
                name="%(app_label)s_%(class)s_coordinates",
            ),
        ]


class Household(models.TextChoices):
    RURAL = "rural", _("rural")
    URBAN = "urban", _("urban")


class EmploymentStatus(models.TextChoices):
    UNEMPLOYED = "unemployed", _("unemployed")
    EMPLOYED = "employed", _("employed")
    FLEXIBLE = "flexible", _("flexibly employed")
    STUDENT = "student", _("student")
    OUT_OF_LABOUR_FORCE = "out_of_labour_force", _("not in the labour force")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class JobSeeker(Coordinates, TimeStampedModel):
    Household = Household
    EmploymentStatus = EmploymentStatus
    Language = Language

    full_name = models.CharField(_("full name"), max_length=100)
    phone = models.CharField(
        _("mobile phone"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_mobile_phone],
    )
    household = models.CharField(
        _("household registration"), max_length=5, choices=Household.choices
    )
    residence_region = models.ForeignKey(
        Region,
        verbose_name=_("residence region"),
        on_delete=models.PROTECT,
        related_name="resident_seekers",
    )
    expected_daily_wage = models.DecimalField(
        _("expected daily wage (yuan)"), max_digits=8, decimal_places=2, null=True, blank=True
    )
    max_travel_km = models.PositiveSmallIntegerField(_("will travel up to (km)"), default=10)
    availability = models.PositiveIntegerField(
        _("weekly availability"),
        default=AVAILABILITY_ALL,
        help_text=_("7 days x 3 shifts as a bit mask, Monday morning first."),
    )
    employment_status = models.CharField(
        _("employment status"),
        max_length=20,
        choices=EmploymentStatus.choices,
        default=EmploymentStatus.UNEMPLOYED,
    )
    graduation_year = models.PositiveSmallIntegerField(_("graduation year"), null=True, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=7, choices=Language.choices, default=Language.ZH_HANS
    )
    key_groups = models.ManyToManyField(
        KeyGroup, through="SeekerKeyGroup", related_name="seekers", verbose_name=_("key groups")
    )
    skills = models.ManyToManyField(
        Occupation, through="SeekerSkill", related_name="skilled_seekers", verbose_name=_("skills")
    )

    class Meta:
        verbose_name = _("job seeker")
        verbose_name_plural = _("job seekers")
        constraints = [
            *Coordinates.Meta.constraints,
            choices_constraint("household", Household, name="jobseeker_household_valid"),
            choices_constraint(
                "employment_status", EmploymentStatus, name="jobseeker_employment_status_valid"
            ),
            models.CheckConstraint(
                condition=models.Q(availability__lte=AVAILABILITY_ALL),
                name="jobseeker_availability_mask",
            ),
            models.CheckConstraint(
                condition=models.Q(expected_daily_wage__isnull=True)
                | models.Q(expected_daily_wage__gt=0),
                name="jobseeker_expected_wage_positive",
            ),
        ]

    def __str__(self) -> str:
        return self.full_name


class SeekerKeyGroup(models.Model):
    """A seeker's membership of a key group over a period (open-ended while it lasts)."""

    seeker = models.ForeignKey(JobSeeker, on_delete=models.CASCADE, related_name="key_group_spans")
    key_group = models.ForeignKey(KeyGroup, on_delete=models.PROTECT, related_name="member_spans")
    started_on = models.DateField(_("from"))
    ended_on = models.DateField(_("until"), null=True, blank=True)

    class Meta:
        verbose_name = _("key group membership")
        verbose_name_plural = _("key group memberships")
        constraints = [
            models.UniqueConstraint(
                fields=["seeker", "key_group", "started_on"], name="seekerkeygroup_unique_span"
            ),
            models.CheckConstraint(
                condition=models.Q(ended_on__isnull=True)
                | models.Q(ended_on__gte=models.F("started_on")),
                name="seekerkeygroup_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seeker_id}: {self.key_group_id}"


class SeekerSkill(models.Model):
    class Level(models.IntegerChoices):
        # National vocational qualification levels, from 5 (beginner) to 1 (senior technician);
        # 0 for a skill without a certificate.
        UNCERTIFIED = 0, _("no certificate")
        BEGINNER = 5, _("level 5 (beginner)")
        INTERMEDIATE = 4, _("level 4 (intermediate)")
        ADVANCED = 3, _("level 3 (advanced)")
        TECHNICIAN = 2, _("level 2 (technician)")
        SENIOR_TECHNICIAN = 1, _("level 1 (senior technician)")

    seeker = models.ForeignKey(JobSeeker, on_delete=models.CASCADE, related_name="skill_rows")
    occupation = models.ForeignKey(Occupation, on_delete=models.PROTECT, related_name="skill_rows")
    level = models.PositiveSmallIntegerField(
        _("level"), choices=Level.choices, default=Level.UNCERTIFIED
    )
    years = models.PositiveSmallIntegerField(_("years of experience"), default=0)

    class Meta:
        verbose_name = _("skill")
        verbose_name_plural = _("skills")
        constraints = [
            models.UniqueConstraint(fields=["seeker", "occupation"], name="seekerskill_unique"),
            models.CheckConstraint(condition=models.Q(level__lte=5), name="seekerskill_level"),
            models.CheckConstraint(condition=models.Q(years__lte=60), name="seekerskill_years"),
        ]

    def __str__(self) -> str:
        return f"{self.seeker_id}: {self.occupation_id}"


class EmployerKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("enterprise")
    INDIVIDUAL = "individual", _("individual or household")
    PLATFORM = "platform", _("platform enterprise")
    PUBLIC_INSTITUTION = "public_institution", _("public institution")


class Employer(Coordinates, TimeStampedModel):
    Kind = EmployerKind

    name = models.CharField(_("name"), max_length=200)
    credit_code = models.CharField(
        _("unified social credit code"),
        max_length=18,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_credit_code],
    )
    kind = models.CharField(_("kind"), max_length=20, choices=Kind.choices)
    contact_name = models.CharField(_("contact person"), max_length=100, blank=True)
    contact_phone = models.CharField(
        _("contact phone"), max_length=11, blank=True, validators=[validate_mobile_phone]
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="employers"
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        constraints = [
            *Coordinates.Meta.constraints,
            choices_constraint("kind", EmployerKind, name="employer_kind_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class PostKind(models.TextChoices):
    ODD_JOB = "odd_job", _("odd job")
    REGULAR = "regular", _("regular post")


class WageUnit(models.TextChoices):
    HOUR = "hour", _("per hour")
    DAY = "day", _("per day")
    PIECE = "piece", _("per piece")
    MONTH = "month", _("per month")


class Settlement(models.TextChoices):
    DAILY = "daily", _("daily")
    WEEKLY = "weekly", _("weekly")
    MONTHLY = "monthly", _("monthly")
    ON_COMPLETION = "on_completion", _("on completion")


class PostStatus(models.TextChoices):
    DRAFT = "draft", _("draft")
    OPEN = "open", _("open")
    FILLED = "filled", _("filled")
    CLOSED = "closed", _("closed")
    EXPIRED = "expired", _("expired")
    CANCELLED = "cancelled", _("cancelled")


class JobPost(Coordinates, TimeStampedModel):
    Kind = PostKind
    WageUnit = WageUnit
    Settlement = Settlement
    Status = PostStatus

    reference = models.CharField(
        _("reference"),
        max_length=64,
        unique=True,
        help_text=_("The post's natural key: the same reference is the same post on import."),
    )
    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="posts"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ODD_JOB)
    title = models.CharField(_("title"), max_length=200)
    occupation = models.ForeignKey(
        Occupation, verbose_name=_("occupation"), on_delete=models.PROTECT, related_name="posts"
    )
    openings = models.PositiveIntegerField(_("openings"), default=1)
    wage_amount = models.DecimalField(_("wage (yuan)"), max_digits=10, decimal_places=2)
    wage_unit = models.CharField(_("wage unit"), max_length=5, choices=WageUnit.choices)
    settlement = models.CharField(
        _("wage settlement"), max_length=15, choices=Settlement.choices, default=Settlement.DAILY
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    shift_starts_at = models.TimeField(_("shift starts at"), null=True, blank=True)
    shift_ends_at = models.TimeField(_("shift ends at"), null=True, blank=True)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="posts"
    )
    take_home = models.BooleanField(_("take-home work"), default=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )

    class Meta:
        verbose_name = _("job post")
        verbose_name_plural = _("job posts")
        indexes = [models.Index(fields=["status", "starts_on"], name="jobpost_status_start")]
        constraints = [
            *Coordinates.Meta.constraints,
            models.CheckConstraint(condition=models.Q(openings__gte=1), name="jobpost_openings"),
            models.CheckConstraint(condition=models.Q(wage_amount__gt=0), name="jobpost_wage"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="jobpost_dates"
            ),
            choices_constraint("kind", PostKind, name="jobpost_kind_valid"),
            choices_constraint("wage_unit", WageUnit, name="jobpost_wage_unit_valid"),
            choices_constraint("settlement", Settlement, name="jobpost_settlement_valid"),
            choices_constraint("status", PostStatus, name="jobpost_status_valid"),
        ]

    def __str__(self) -> str:
        return self.title
