"""Applications and placements (one lifecycle), wage payments and unpaid-wage claims."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, choices_constraint
from stations.models.employers import Employer
from stations.models.posts import JobPost, WageUnit
from stations.models.seekers import JobSeeker


class ApplicationStatus(models.TextChoices):
    APPLIED = "applied", _("applied")
    REFERRED = "referred", _("referred by staff")
    CONTACTED = "contacted", _("contacted")
    INTERVIEWED = "interviewed", _("interviewed")
    HIRED = "hired", _("hired")
    STARTED = "started", _("started (checked in)")
    COMPLETED = "completed", _("completed")
    NO_SHOW = "no_show", _("no-show")
    WITHDRAWN = "withdrawn", _("withdrawn")
    REJECTED = "rejected", _("rejected")


# A hire holds one of the post's openings from hiring on, also once the work is done.
HOLDS_OPENING = (ApplicationStatus.HIRED, ApplicationStatus.STARTED, ApplicationStatus.COMPLETED)
CLOSED_STATUSES = (
    ApplicationStatus.COMPLETED,
    ApplicationStatus.NO_SHOW,
    ApplicationStatus.WITHDRAWN,
    ApplicationStatus.REJECTED,
)


class ApplicationSource(models.TextChoices):
    APP = "app", _("seeker's app")
    COUNTER = "counter", _("station counter")
    REFERRAL = "referral", _("staff referral")
    DISPATCH = "dispatch", _("morning dispatch")
    FAIR = "fair", _("job fair")


class Application(TimeStampedModel):
    """A seeker's candidacy for a post, from applying or being referred to the end of the
    work; the hire's terms live in its ``Placement``."""

    Status = ApplicationStatus
    Source = ApplicationSource

    post = models.ForeignKey(
        JobPost, verbose_name=_("post"), on_delete=models.PROTECT, related_name="applications"
    )
    seeker = models.ForeignKey(
        JobSeeker,
        verbose_name=_("seeker"),
        on_delete=models.PROTECT,
        related_name="applications",
    )
    status = models.CharField(_("status"), max_length=12, choices=ApplicationStatus.choices)
    source = models.CharField(_("source"), max_length=10, choices=ApplicationSource.choices)
    fair = models.ForeignKey(
        "stations.JobFair",
        verbose_name=_("fair"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="applications",
        help_text=_("The fair (on site, online or its live broadcast) the application came from."),
    )
    status_changed_at = models.DateTimeField(_("status changed at"))

    class Meta:
        verbose_name = _("application")
        verbose_name_plural = _("applications")
        indexes = [models.Index(fields=["post", "status"], name="application_post_status")]
        constraints = [
            choices_constraint("status", ApplicationStatus, name="application_status_valid"),
            choices_constraint("source", ApplicationSource, name="application_source_valid"),
            # One live candidacy per seeker and post; once it has ended (done, no-show,
            # withdrawn, rejected) the seeker may apply again.
            models.UniqueConstraint(
                fields=["post", "seeker"],
                condition=~models.Q(status__in=["completed", "no_show", "withdrawn", "rejected"]),
                name="application_one_live_per_post",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.seeker_id} → {self.post_id} ({self.status})"


class ApplicationEvent(models.Model):
    """Append-only: each step of an application, who took it and when. Reporting counts
    hires, starts and completions from these rows."""

    application = models.ForeignKey(Application, on_delete=models.PROTECT, related_name="events")
    from_status = models.CharField(
        _("from"), max_length=12, choices=ApplicationStatus.choices, blank=True
    )
    to_status = models.CharField(_("to"), max_length=12, choices=ApplicationStatus.choices)
    at = models.DateTimeField(_("at"))
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("application step")
        verbose_name_plural = _("application steps")
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["to_status", "at"], name="applicationevent_to_at")]

    def __str__(self) -> str:
        return f"{self.from_status or '-'} → {self.to_status} at {self.at:%Y-%m-%d %H:%M}"


class EmploymentOutcome(models.TextChoices):
    """What a placement counts as in the bulletins."""

    NEW_URBAN_JOB = "new_urban_job", _("new urban job")
    REEMPLOYMENT = "reemployment", _("re-employment of an unemployed person")
    DIFFICULTY = "difficulty", _("employment of a person with employment difficulties")
    TRANSFER_WITHIN_PROVINCE = "transfer_within", _("labour transfer within the province")
    TRANSFER_OUT_OF_PROVINCE = "transfer_out", _("labour transfer out of the province")
    PUBLIC_WELFARE_POST = "public_welfare", _("public welfare post")
    FLEXIBLE = "flexible", _("flexible employment")


class Placement(TimeStampedModel):
    """The terms of a hire."""

    Outcome = EmploymentOutcome

    application = models.OneToOneField(
        Application,
        verbose_name=_("application"),
        on_delete=models.PROTECT,
        related_name="placement",
    )
    agreed_wage_amount = models.DecimalField(
        _("agreed wage (yuan)"), max_digits=10, decimal_places=2
    )
    agreed_wage_unit = models.CharField(
        _("agreed wage unit"), max_length=5, choices=WageUnit.choices
    )
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    written_agreement = models.BooleanField(
        _("written agreement signed"),
        default=False,
        help_text=_("Platform work needs a labour contract or written agreement."),
    )
    outcome = models.CharField(
        _("employment outcome"), max_length=16, choices=EmploymentOutcome.choices
    )
    started_at = models.DateTimeField(_("checked in at"), null=True, blank=True, editable=False)
    completed_at = models.DateTimeField(_("completed at"), null=True, blank=True, editable=False)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("placement")
        verbose_name_plural = _("placements")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(agreed_wage_amount__gt=0), name="placement_wage_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(ends_on__isnull=True)
                | models.Q(ends_on__gte=models.F("starts_on")),
                name="placement_dates",
            ),
            choices_constraint("agreed_wage_unit", WageUnit, name="placement_wage_unit_valid"),
            choices_constraint("outcome", EmploymentOutcome, name="placement_outcome_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.application_id}: {self.agreed_wage_amount}/{self.agreed_wage_unit}"


class WagePayment(TimeStampedModel):
    placement = models.ForeignKey(
        Placement, verbose_name=_("placement"), on_delete=models.PROTECT, related_name="payments"
    )
    amount = models.DecimalField(_("amount (yuan)"), max_digits=10, decimal_places=2)
    paid_on = models.DateField(_("paid on"))
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("wage payment")
        verbose_name_plural = _("wage payments")
        constraints = [
            models.CheckConstraint(condition=models.Q(amount__gt=0), name="wagepayment_positive")
        ]

    def __str__(self) -> str:
        return f"{self.amount} on {self.paid_on}"


class WageClaimStatus(models.TextChoices):
    FILED = "filed", _("filed")
    MEDIATED = "mediated", _("in mediation")
    SETTLED = "settled", _("settled")
    TRANSFERRED = "transferred", _("transferred to labour inspection")


OPEN_CLAIM_STATUSES = (WageClaimStatus.FILED, WageClaimStatus.MEDIATED)


class WageClaim(TimeStampedModel):
    """An unpaid-wage claim by a worker (or by staff for them) against an employer."""

    Status = WageClaimStatus

    seeker = models.ForeignKey(
        JobSeeker, verbose_name=_("worker"), on_delete=models.PROTECT, related_name="wage_claims"
    )
    employer = models.ForeignKey(
        Employer, verbose_name=_("employer"), on_delete=models.PROTECT, related_name="wage_claims"
    )
    placement = models.ForeignKey(
        Placement,
        verbose_name=_("placement"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="wage_claims",
    )
    amount_claimed = models.DecimalField(
        _("amount claimed (yuan)"), max_digits=12, decimal_places=2
    )
    amount_recovered = models.DecimalField(
        _("amount recovered (yuan)"), max_digits=12, decimal_places=2, default=0
    )
    status = models.CharField(
        _("status"), max_length=12, choices=WageClaimStatus.choices, default=WageClaimStatus.FILED
    )
    description = models.TextField(_("description"), blank=True)
    filed_at = models.DateTimeField(_("filed at"))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    history = HistoricalRecords()

    class Meta:
        verbose_name = _("unpaid-wage claim")
        verbose_name_plural = _("unpaid-wage claims")
        indexes = [models.Index(fields=["employer", "status"], name="wageclaim_employer_status")]
        constraints = [
            choices_constraint("status", WageClaimStatus, name="wageclaim_status_valid"),
            models.CheckConstraint(
                condition=models.Q(amount_claimed__gt=0), name="wageclaim_claimed_positive"
            ),
            models.CheckConstraint(
                condition=models.Q(amount_recovered__gte=0), name="wageclaim_recovered_not_negative"
            ),
            # Closed exactly when settled or transferred.
            models.CheckConstraint(
                condition=models.Q(status__in=["filed", "mediated"], closed_at__isnull=True)
                | models.Q(status__in=["settled", "transferred"], closed_at__isnull=False),
                name="wageclaim_closed_when_final",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.employer_id}: {self.amount_claimed} ({self.status})"
