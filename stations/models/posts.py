"""Job posts: odd jobs and regular posts, with their status machine."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, choices_constraint
from stations.models.common import Coordinates
from stations.models.employers import Employer
from stations.models.organisation import Station
from stations.models.taxonomies import CertificateKind, Occupation, Region


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
    required_skills = models.ManyToManyField(
        Occupation,
        verbose_name=_("other skills required"),
        blank=True,
        related_name="posts_requiring",
    )
    required_certificates = models.ManyToManyField(
        CertificateKind,
        verbose_name=_("certificates required"),
        blank=True,
        related_name="posts_requiring",
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
    station = models.ForeignKey(
        Station,
        verbose_name=_("posting station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts",
    )
    work_at_station = models.ForeignKey(
        Station,
        verbose_name=_("work at station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="posts_worked_at",
        help_text=_("Where the work happens, when it is at a station (e.g. a micro-factory)."),
    )
    take_home = models.BooleanField(_("take-home work"), default=False)
    expires_at = models.DateTimeField(
        _("expires at"),
        null=True,
        blank=True,
        help_text=_("An open post expires by itself then; by default at the end of its last day."),
    )
    opened_at = models.DateTimeField(_("opened at"), null=True, blank=True, editable=False)
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("job post")
        verbose_name_plural = _("job posts")
        indexes = [
            models.Index(fields=["status", "starts_on"], name="jobpost_status_start"),
            models.Index(fields=["status", "latitude", "longitude"], name="jobpost_status_place"),
        ]
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
            # Work happens somewhere: at a station or at given coordinates.
            models.CheckConstraint(
                condition=models.Q(work_at_station__isnull=False)
                | models.Q(latitude__isnull=False),
                name="jobpost_has_place",
            ),
        ]

    def __str__(self) -> str:
        return self.title
