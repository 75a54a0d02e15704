"""The "311" duty owed to every key-group member each year (three job-information pushes, one
vocational-training recommendation, one vocational-guidance session), the training
catalogue and referrals, guidance sessions, the rules that flag overdue follow-ups, and the
zero-employment families bureaus must clear ("dynamic zeroing")."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, choices_constraint
from stations.models.organisation import Station
from stations.models.placements import Placement
from stations.models.posts import JobPost
from stations.models.seekers import JobSeeker
from stations.models.taxonomies import Occupation, Region


class PlanStatus(models.TextChoices):
    OPEN = "open", _("open")
    MET = "met", _("duty met")
    EMPLOYED = "employed", _("closed: employed")
    LAPSED = "lapsed", _("ended with the duty unmet")


class ServicePlan(TimeStampedModel):
    """One key-group member's 311 plan for a year, from the day they were registered or
    tagged. The duty is the largest any of their key groups owes."""

    Status = PlanStatus

    seeker = models.ForeignKey(
        JobSeeker, verbose_name=_("seeker"), on_delete=models.PROTECT, related_name="plans"
    )
    opened_on = models.DateField(_("opened on"))
    ends_on = models.DateField(_("ends on"))
    duty_job_pushes = models.PositiveSmallIntegerField(_("job pushes owed"))
    duty_training = models.PositiveSmallIntegerField(_("training recommendations owed"))
    duty_guidance = models.PositiveSmallIntegerField(_("guidance sessions owed"))
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.OPEN
    )
    closed_on = models.DateField(_("closed on"), null=True, blank=True)
    outcome = models.ForeignKey(
        Placement,
        verbose_name=_("employment"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text=_("The placement that closed the plan, when the person found work."),
    )
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("followed up by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="plans_followed",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("311 service plan")
        verbose_name_plural = _("311 service plans")
        indexes = [models.Index(fields=["status", "ends_on"], name="plan_status_end")]
        constraints = [
            # One open plan per person at a time; a new one opens when the last has ended.
            models.UniqueConstraint(
                fields=["seeker"],
                condition=models.Q(status="open"),
                name="plan_one_open_per_seeker",
            ),
            models.UniqueConstraint(fields=["seeker", "opened_on"], name="plan_once_a_day"),
            models.CheckConstraint(
                condition=models.Q(ends_on__gt=models.F("opened_on")), name="plan_dates"
            ),
            choices_constraint("status", PlanStatus, name="plan_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.seeker} {self.opened_on:%Y-%m-%d}"


class ServiceKind(models.TextChoices):
    JOB_PUSH = "job_push", _("job information pushed")
    TRAINING = "training", _("training recommended")
    GUIDANCE = "guidance", _("guidance session")


class ServiceRecord(models.Model):
    """One service delivered under a plan. A push counts once per delivered notification
    (unique), however often its sending was retried."""

    Kind = ServiceKind

    plan = models.ForeignKey(ServicePlan, on_delete=models.CASCADE, related_name="services")
    kind = models.CharField(_("kind"), max_length=8, choices=Kind.choices)
    at = models.DateTimeField(_("at"))
    notification = models.OneToOneField(
        "matching.Notification",
        verbose_name=_("notification"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_record",
    )
    posts = models.ManyToManyField(JobPost, verbose_name=_("posts pushed"), blank=True)
    referral = models.OneToOneField(
        "TrainingReferral",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_record",
    )
    guidance = models.OneToOneField(
        "GuidanceSession",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="service_record",
    )
    reference = models.CharField(
        _("reference"),
        max_length=64,
        blank=True,
        help_text=_("The natural key of an imported record."),
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("311 service")
        verbose_name_plural = _("311 services")
        ordering = ["at", "pk"]
        constraints = [
            choices_constraint("kind", ServiceKind, name="service_kind_valid"),
            models.UniqueConstraint(
                fields=["reference"],
                condition=~models.Q(reference=""),
                name="service_reference_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.at:%Y-%m-%d}"


class TrainingCourse(TimeStampedModel):
    """A vocational training course in the catalogue."""

    reference = models.CharField(_("reference"), max_length=64, unique=True)
    name = models.CharField(_("name"), max_length=200)
    provider = models.CharField(_("provider"), max_length=200)
    occupation = models.ForeignKey(
        Occupation,
        verbose_name=_("occupation"),
        on_delete=models.PROTECT,
        related_name="training_courses",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="training_courses"
    )
    subsidised = models.BooleanField(_("subsidised"), default=False)
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"))
    places = models.PositiveIntegerField(_("places"))

    class Meta:
        verbose_name = _("training course")
        verbose_name_plural = _("training courses")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_on__gte=models.F("starts_on")), name="course_dates"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.provider})"


class ReferralStatus(models.TextChoices):
    REFERRED = "referred", _("referred")
    ENROLLED = "enrolled", _("enrolled")
    COMPLETED = "completed", _("completed")
    CERTIFIED = "certified", _("certified")
    EMPLOYED = "employed", _("employed")
    DROPPED = "dropped", _("dropped out")


class TrainingReferral(TimeStampedModel):
    Status = ReferralStatus

    course = models.ForeignKey(
        TrainingCourse, verbose_name=_("course"), on_delete=models.PROTECT, related_name="referrals"
    )
    seeker = models.ForeignKey(
        JobSeeker,
        verbose_name=_("seeker"),
        on_delete=models.PROTECT,
        related_name="training_referrals",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.REFERRED
    )
    referred_at = models.DateTimeField(_("referred at"))
    status_changed_at = models.DateTimeField(_("status changed at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("training referral")
        verbose_name_plural = _("training referrals")
        constraints = [
            models.UniqueConstraint(fields=["course", "seeker"], name="referral_once_per_course"),
            choices_constraint("status", ReferralStatus, name="referral_status_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.seeker} → {self.course}"


class GuidanceSession(TimeStampedModel):
    """A vocational-guidance session staff held with a seeker, and the next step agreed."""

    seeker = models.ForeignKey(
        JobSeeker,
        verbose_name=_("seeker"),
        on_delete=models.PROTECT,
        related_name="guidance_sessions",
    )
    held_at = models.DateTimeField(_("held at"))
    station = models.ForeignKey(
        Station,
        verbose_name=_("station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="guidance_sessions",
    )
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("counsellor"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    notes = models.TextField(_("notes"), blank=True)
    next_step = models.CharField(_("next step"), max_length=300, blank=True)
    next_step_by = models.DateField(_("next step by"), null=True, blank=True)

    class Meta:
        verbose_name = _("guidance session")
        verbose_name_plural = _("guidance sessions")

    def __str__(self) -> str:
        return f"{self.seeker} {self.held_at:%Y-%m-%d}"


class OverdueKind(models.TextChoices):
    NO_FIRST_PUSH = "no_first_push", _("no job push within N days of the plan opening")
    DUTY_UNMET = "duty_unmet", _("duty unmet N days before the plan ends")
    NO_GUIDANCE = "no_guidance", _("no guidance session within N days of the plan opening")
    INTENTION_IDLE = "intention_idle", _("a fair's intention not followed up within N days")
    NEXT_STEP_DUE = "next_step_due", _("a guidance session's next step N days past due")


class OverdueRule(models.Model):
    """A configurable rule that puts a follow-up on staff's lists when it is late."""

    Kind = OverdueKind

    kind = models.CharField(_("rule"), max_length=16, choices=Kind.choices, unique=True)
    days = models.PositiveSmallIntegerField(_("days"))
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("overdue rule")
        verbose_name_plural = _("overdue rules")
        constraints = [choices_constraint("kind", OverdueKind, name="overdue_kind_valid")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} (N = {self.days})"


class Family(TimeStampedModel):
    """A household as its registration book groups people; a family with members able to
    work and none employed is a zero-employment family."""

    reference = models.CharField(
        _("household number"),
        max_length=64,
        unique=True,
        help_text=_("The household registration (户口簿) number or the community's own."),
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="families"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("family")
        verbose_name_plural = _("families")

    def __str__(self) -> str:
        return self.reference


class AlertClearedBecause(models.TextChoices):
    PLACED = "placed", _("a member was placed")
    EMPLOYED = "employed", _("a member is employed")
    NOBODY_ABLE = "nobody_able", _("no member is able to work any more")


class ZeroEmploymentAlert(TimeStampedModel):
    """A family found with no member employed, until one is placed (cleared)."""

    ClearedBecause = AlertClearedBecause

    family = models.ForeignKey(
        Family, verbose_name=_("family"), on_delete=models.PROTECT, related_name="alerts"
    )
    found_on = models.DateField(_("found on"))
    cleared_on = models.DateField(_("cleared on"), null=True, blank=True)
    cleared_by = models.ForeignKey(
        Placement,
        verbose_name=_("cleared by the placement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    cleared_because = models.CharField(
        _("cleared because"), max_length=12, choices=ClearedBecause.choices, blank=True
    )

    class Meta:
        verbose_name = _("zero-employment family alert")
        verbose_name_plural = _("zero-employment family alerts")
        constraints = [
            models.UniqueConstraint(
                fields=["family"],
                condition=models.Q(cleared_on__isnull=True),
                name="zero_employment_one_open_alert",
            ),
            models.CheckConstraint(
                condition=models.Q(cleared_because="")
                | models.Q(cleared_because__in=AlertClearedBecause.values),
                name="zero_employment_cleared_because_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.family} {self.found_on}"
