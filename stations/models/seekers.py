"""Job seekers: real-name registration, key groups, skills, certificates."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, choices_constraint
from stations.models.common import AVAILABILITY_ALL, Coordinates, ProtectedNationalId
from stations.models.organisation import Station
from stations.models.taxonomies import CertificateKind, KeyGroup, Occupation, Region
from stations.validators import Sex, validate_mobile_phone


class Household(models.TextChoices):
    RURAL = "rural", _("rural")
    URBAN = "urban", _("urban")
    # Self-registered in the app: staff record it when they verify the real name.
    UNSTATED = "unstated", _("not stated yet")


class EmploymentStatus(models.TextChoices):
    UNEMPLOYED = "unemployed", _("unemployed")
    EMPLOYED = "employed", _("employed")
    FLEXIBLE = "flexible", _("flexibly employed")
    STUDENT = "student", _("student")
    OUT_OF_LABOUR_FORCE = "out_of_labour_force", _("not in the labour force")


class Language(models.TextChoices):
    ZH_HANS = "zh-hans", _("Simplified Chinese")
    EN = "en", _("English")


class JobSeeker(ProtectedNationalId, Coordinates, TimeStampedModel):
    """A person looking for work, registered by real name at a station or through the app.

    Birth date and sex come from the ID number, never typed; sex is kept because the ID
    number states it, and matching never reads it.
    """

    Household = Household
    EmploymentStatus = EmploymentStatus
    Language = Language

    # Blank only for people who registered themselves by phone and await verification.
    full_name = models.CharField(_("full name"), max_length=100, blank=True)
    birth_date = models.DateField(_("birth date"), null=True, blank=True, editable=False)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, blank=True, editable=False)
    phone = models.CharField(
        _("mobile phone"),
        max_length=11,
        unique=True,
        null=True,
        blank=True,
        validators=[validate_mobile_phone],
    )
    household = models.CharField(
        _("household registration"), max_length=8, choices=Household.choices
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
    consent_sms = models.BooleanField(_("agrees to SMS"), default=True)
    consent_push = models.BooleanField(_("agrees to app notifications"), default=True)
    consent_wechat = models.BooleanField(_("agrees to WeChat messages"), default=False)
    registering_station = models.ForeignKey(
        Station,
        verbose_name=_("registering station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registered_seekers",
    )
    verified_at = models.DateTimeField(
        _("real name verified at"), null=True, blank=True, editable=False
    )
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("app account"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="job_seeker",
        help_text=_("The account the seeker logs in to the app with (by phone)."),
    )
    family = models.ForeignKey(
        "stations.Family",
        verbose_name=_("family"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="members",
    )
    merged_into = models.ForeignKey(
        "self",
        verbose_name=_("merged into"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="merged_records",
        help_text=_("A duplicate record whose history now belongs to this seeker."),
    )
    key_groups = models.ManyToManyField(
        KeyGroup, through="SeekerKeyGroup", related_name="seekers", verbose_name=_("key groups")
    )
    skills = models.ManyToManyField(
        Occupation, through="SeekerSkill", related_name="skilled_seekers", verbose_name=_("skills")
    )

    history = HistoricalRecords(excluded_fields=["id_number_encrypted", "id_number_hash"])

    class Meta:
        verbose_name = _("job seeker")
        permissions = [
            ("reveal_personal_data", _("Can reveal ID numbers and phone numbers")),
            ("merge_jobseeker", _("Can merge duplicate job seekers")),
        ]
        verbose_name_plural = _("job seekers")
        constraints = [
            *Coordinates.Meta.constraints,
            choices_constraint("household", Household, name="jobseeker_household_valid"),
            models.CheckConstraint(
                condition=models.Q(sex="") | models.Q(sex__in=Sex.values),
                name="jobseeker_sex_valid",
            ),
            models.CheckConstraint(
                condition=~models.Q(merged_into=models.F("pk")),
                name="jobseeker_not_merged_into_self",
            ),
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
        return self.full_name or str(_("(self-registered, not yet verified)"))


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


class SeekerCertificate(models.Model):
    """A certificate a seeker holds; an expired one counts as missing."""

    seeker = models.ForeignKey(JobSeeker, on_delete=models.CASCADE, related_name="certificates")
    kind = models.ForeignKey(
        CertificateKind, verbose_name=_("kind"), on_delete=models.PROTECT, related_name="held"
    )
    number = models.CharField(_("certificate number"), max_length=64, blank=True)
    issued_on = models.DateField(_("issued on"), null=True, blank=True)
    expires_on = models.DateField(_("expires on"), null=True, blank=True)

    class Meta:
        verbose_name = _("certificate")
        verbose_name_plural = _("certificates")
        constraints = [
            models.UniqueConstraint(fields=["seeker", "kind"], name="seekercertificate_unique"),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True)
                | models.Q(issued_on__isnull=True)
                | models.Q(expires_on__gte=models.F("issued_on")),
                name="seekercertificate_expires_after_issue",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kind} ({self.expires_on or '-'})"
