"""Job fairs: on site, online and by live broadcast, with their booths, the seekers who
register and check in, and the preliminary employment intentions (意向) reached there."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, choices_constraint
from stations.models.common import Coordinates
from stations.models.employers import Employer
from stations.models.organisation import Station
from stations.models.placements import Placement
from stations.models.posts import JobPost
from stations.models.seekers import JobSeeker
from stations.models.taxonomies import Region


class FairFormat(models.TextChoices):
    ON_SITE = "on_site", _("on site")
    ONLINE = "online", _("online")
    LIVE = "live", _("live broadcast")


class FairSeries(models.TextChoices):
    """The special campaigns fairs are held under (the bulletins' "10+N" series)."""

    NONE = "none", _("none")
    GRADUATES = "graduates", _("college graduates")
    RETIRED_MILITARY = "retired_military", _("retired military and their families")
    SPRING_BREEZE = "spring_breeze", _("Spring Breeze Action")
    ASSISTANCE_MONTH = "assistance_month", _("Employment Assistance Month")
    YOUTH_100_DAYS = "youth_100_days", _("100-day action for youth")
    JOBS_TO_VILLAGES = "jobs_to_villages", _("sending jobs to the countryside")
    CAMPUS = "campus", _("public employment service on campus")
    OTHER = "other", _("other special series")


class FairStatus(models.TextChoices):
    PLANNED = "planned", _("planned")
    UNDER_WAY = "under_way", _("under way")
    HELD = "held", _("held")
    CANCELLED = "cancelled", _("cancelled")


class JobFair(Coordinates, TimeStampedModel):
    Format = FairFormat
    Series = FairSeries
    Status = FairStatus

    reference = models.CharField(
        _("reference"),
        max_length=64,
        unique=True,
        help_text=_("The fair's natural key: the same reference is the same fair on import."),
    )
    name = models.CharField(_("name"), max_length=200)
    format = models.CharField(_("format"), max_length=8, choices=Format.choices)
    series = models.CharField(
        _("series"), max_length=20, choices=Series.choices, default=Series.NONE
    )
    region = models.ForeignKey(
        Region, verbose_name=_("organising region"), on_delete=models.PROTECT, related_name="fairs"
    )
    station = models.ForeignKey(
        Station,
        verbose_name=_("organising station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="fairs",
    )
    venue = models.CharField(_("venue"), max_length=300, blank=True)
    stream_url = models.URLField(_("stream address"), blank=True)
    starts_at = models.DateTimeField(_("starts at"))
    ends_at = models.DateTimeField(_("ends at"))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PLANNED
    )
    viewers = models.PositiveIntegerField(
        _("viewers"), default=0, help_text=_("For a live broadcast: people who watched.")
    )
    description = models.TextField(_("description"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("job fair")
        verbose_name_plural = _("job fairs")
        indexes = [models.Index(fields=["status", "starts_at"], name="fair_status_start")]
        constraints = [
            *Coordinates.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="fair_times"
            ),
            choices_constraint("format", FairFormat, name="fair_format_valid"),
            choices_constraint("series", FairSeries, name="fair_series_valid"),
            choices_constraint("status", FairStatus, name="fair_status_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class Booth(TimeStampedModel):
    """An employer at a fair, with the posts and the number of jobs it brings."""

    fair = models.ForeignKey(
        JobFair, verbose_name=_("fair"), on_delete=models.CASCADE, related_name="booths"
    )
    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="booths"
    )
    label = models.CharField(_("booth"), max_length=20, blank=True)
    jobs_offered = models.PositiveIntegerField(_("jobs offered"), default=0)
    posts = models.ManyToManyField(
        JobPost, verbose_name=_("posts"), blank=True, related_name="booths"
    )

    class Meta:
        verbose_name = _("booth")
        verbose_name_plural = _("booths")
        constraints = [
            models.UniqueConstraint(fields=["fair", "employer"], name="booth_one_per_employer")
        ]

    def __str__(self) -> str:
        return f"{self.label or '-'} {self.employer}"


class RegistrationSource(models.TextChoices):
    APP = "app", _("seeker's app")
    COUNTER = "counter", _("station counter")
    GATE = "gate", _("at the gate")
    STREAM = "stream", _("from the live broadcast")
    IMPORT = "import", _("imported")


class FairRegistration(TimeStampedModel):
    """A seeker registered for a fair; checked in at the gate (QR) when they came."""

    Source = RegistrationSource

    fair = models.ForeignKey(
        JobFair, verbose_name=_("fair"), on_delete=models.CASCADE, related_name="registrations"
    )
    seeker = models.ForeignKey(
        JobSeeker,
        verbose_name=_("seeker"),
        on_delete=models.PROTECT,
        related_name="fair_registrations",
    )
    source = models.CharField(_("source"), max_length=8, choices=Source.choices)
    registered_at = models.DateTimeField(_("registered at"))
    checked_in_at = models.DateTimeField(_("checked in at"), null=True, blank=True)

    class Meta:
        verbose_name = _("fair registration")
        verbose_name_plural = _("fair registrations")
        constraints = [
            models.UniqueConstraint(fields=["fair", "seeker"], name="fair_registration_once"),
            choices_constraint("source", RegistrationSource, name="fair_registration_source"),
        ]

    def __str__(self) -> str:
        return f"{self.fair} · {self.seeker}"


class IntentionStatus(models.TextChoices):
    OPEN = "open", _("being followed up")
    HIRED = "hired", _("became a hire")
    LAPSED = "lapsed", _("lapsed")


class Intention(TimeStampedModel):
    """A preliminary employment intention reached at a fair: a seeker and an employer (for
    one of its posts, when known) agree to go on. Staff follow it up until it becomes a
    placement or lapses."""

    Status = IntentionStatus

    fair = models.ForeignKey(
        JobFair, verbose_name=_("fair"), on_delete=models.PROTECT, related_name="intentions"
    )
    seeker = models.ForeignKey(
        JobSeeker, verbose_name=_("seeker"), on_delete=models.PROTECT, related_name="intentions"
    )
    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="intentions"
    )
    post = models.ForeignKey(
        JobPost,
        verbose_name=_("post"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intentions",
    )
    reached_at = models.DateTimeField(_("reached at"))
    status = models.CharField(
        _("status"), max_length=6, choices=Status.choices, default=Status.OPEN
    )
    follow_up_by = models.DateField(_("follow up by"), null=True, blank=True)
    assigned_to = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("followed up by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="intentions_followed",
    )
    placement = models.OneToOneField(
        Placement,
        verbose_name=_("placement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="intention",
    )
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    note = models.TextField(_("note"), blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("employment intention")
        verbose_name_plural = _("employment intentions")
        constraints = [
            models.UniqueConstraint(
                fields=["fair", "seeker", "employer"], name="intention_once_per_employer"
            ),
            choices_constraint("status", IntentionStatus, name="intention_status_valid"),
            models.CheckConstraint(
                condition=~models.Q(status=IntentionStatus.HIRED)
                | models.Q(placement__isnull=False),
                name="intention_hire_has_placement",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seeker} → {self.employer}"
