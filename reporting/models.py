"""Reporting: the indicator catalogue, the outcome records derived from stations' records,
the monthly facts rolled up over the region tree, targets, programme ledgers and month
closes.

The flow: database triggers (reporting/capture.py) note every change of a record a figure
depends on in ``PendingSource``; applying the pending sources re-derives their ``Outcome``
rows (reporting/sources.py) and moves the ``Fact`` rows by the difference
(reporting/services/rollups.py). ``rebuild_rollups`` recomputes both from scratch.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BilingualNamed, TimeStampedModel, choices_constraint
from stations.models import Region


class Unit(models.TextChoices):
    PERSONS = "persons", _("persons")
    PERSON_TIMES = "person_times", _("person-times")
    HOUSEHOLDS = "households", _("households")
    YUAN = "yuan", _("yuan")
    COUNT = "count", _("count")
    PERCENT = "percent", _("percent")


class Measure(models.TextChoices):
    """How an indicator's matching outcome records make a figure."""

    COUNT = "count", _("number of records")
    SUM = "sum", _("sum of the amounts")
    # Persons (or households, or employers) counted once a calendar year, in the month of
    # their first matching record in the region: a month's figure is the increase of the
    # year-to-date figure, as the bulletins' cumulative figures are.
    DISTINCT = "distinct", _("distinct subjects within the year")
    # A stock (stations in operation) kept as its monthly changes: the figure of a period is
    # the running total at its end.
    BALANCE = "balance", _("running total at the end of the period")
    # The quotient of two other indicators over the same period, in percent.
    RATIO = "ratio", _("ratio of two indicators")


class Indicator(BilingualNamed):
    """One figure the bulletins state. Its definition lives in versions."""

    code = models.SlugField(_("code"), max_length=60, unique=True)
    unit = models.CharField(_("unit"), max_length=12, choices=Unit.choices)
    sort_order = models.PositiveSmallIntegerField(_("order in the bulletin"), default=0)
    section = models.CharField(_("bulletin section"), max_length=30)
    # A share that cannot exceed 100% (a rate of people among people): plausibility checks
    # flag anything above.
    at_most_100 = models.BooleanField(_("cannot exceed 100%"), default=False)

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["sort_order", "code"]
        constraints = [choices_constraint("unit", Unit, name="indicator_unit_valid")]

    def current_version(self) -> IndicatorVersion:
        return self.versions.get(superseded_at__isnull=True)


class IndicatorVersion(models.Model):
    """An exact definition of an indicator. A changed definition is a new version; the old
    one keeps the facts it produced, frozen, so a report can say which version it used."""

    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    measure = models.CharField(_("measure"), max_length=10, choices=Measure.choices)
    definition = models.JSONField(
        _("definition"),
        help_text=_(
            "Which outcome records count (kinds, categories, tags); see docs/reporting.md."
        ),
    )
    description_en = models.TextField(_("description (English)"))
    description_zh_hans = models.TextField(_("description (Chinese)"))
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    superseded_at = models.DateTimeField(_("superseded at"), null=True, blank=True)

    class Meta:
        verbose_name = _("indicator version")
        verbose_name_plural = _("indicator versions")
        ordering = ["indicator__sort_order", "number"]
        constraints = [
            models.UniqueConstraint(fields=["indicator", "number"], name="indicatorversion_unique"),
            models.UniqueConstraint(
                fields=["indicator"],
                condition=models.Q(superseded_at__isnull=True),
                name="indicatorversion_one_current",
            ),
            choices_constraint("measure", Measure, name="indicatorversion_measure_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} v{self.number}"


class RegionLink(models.Model):
    """The region tree's closure: one row for every region and each of its ancestors (and
    itself, depth 0), so a rollup joins outcome records to every level in one step."""

    descendant = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="ancestor_links")
    ancestor = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="descendant_links")
    depth = models.PositiveSmallIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["descendant", "ancestor"], name="regionlink_unique")
        ]
        indexes = [models.Index(fields=["ancestor", "depth"], name="regionlink_ancestor")]

    def __str__(self) -> str:
        return f"{self.descendant_id} under {self.ancestor_id} ({self.depth})"


class Outcome(models.Model):
    """One countable event derived from a station record: a hire, a wage payment, a fair
    held, an intention, a 311 service, ... No personal data: the subject is a record id
    (seeker, family or employer) used only to count distinct subjects."""

    source = models.CharField(_("source"), max_length=16)
    source_id = models.BigIntegerField(_("source record"))
    kind = models.CharField(_("kind"), max_length=24)
    # Distinguishes several rows of one kind from one source (the wage payments of a hire).
    item = models.BigIntegerField(_("item"), default=0)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"))
    subject = models.BigIntegerField(_("subject"), null=True, blank=True)
    category = models.CharField(_("category"), max_length=40, blank=True)
    # Comma-delimited on both sides (",veteran,youth,") so that one LIKE finds a tag.
    tags = models.CharField(_("tags"), max_length=300, blank=True)
    amount = models.DecimalField(_("amount"), max_digits=16, decimal_places=2, default=1)

    class Meta:
        verbose_name = _("outcome record")
        verbose_name_plural = _("outcome records")
        constraints = [
            models.UniqueConstraint(
                fields=["source", "source_id", "kind", "item"], name="outcome_unique"
            )
        ]
        indexes = [
            models.Index(fields=["kind", "month"], name="outcome_kind_month"),
            models.Index(fields=["kind", "subject", "month"], name="outcome_kind_subject"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} {self.source}#{self.source_id} {self.month:%Y-%m}"


class PendingSource(models.Model):
    """A record whose outcome rows must be derived again: written by the capture triggers in
    the transaction that changed the record, consumed by ``rollups_apply``."""

    source = models.CharField(max_length=16)
    source_id = models.BigIntegerField()

    class Meta:
        indexes = [models.Index(fields=["source", "source_id"], name="pendingsource_key")]

    def __str__(self) -> str:
        return f"{self.source}#{self.source_id}"


class Fact(models.Model):
    """The figure of one indicator version, region (any level) and month."""

    version = models.ForeignKey(IndicatorVersion, on_delete=models.CASCADE, related_name="facts")
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()
    value = models.DecimalField(max_digits=18, decimal_places=2)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["version", "region", "month"], name="fact_unique")
        ]

    def __str__(self) -> str:
        return f"{self.version_id} {self.region_id} {self.month:%Y-%m}: {self.value}"


class AnnualTarget(TimeStampedModel):
    """What a region is to reach on an indicator in a year (the Sanmenxia bulletin's 33.26%
    is 11,641 of a target of 35,000)."""

    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    indicator = models.ForeignKey(
        Indicator, verbose_name=_("indicator"), on_delete=models.PROTECT, related_name="targets"
    )
    year = models.PositiveSmallIntegerField(_("year"))
    value = models.DecimalField(_("target"), max_digits=16, decimal_places=2)

    class Meta:
        verbose_name = _("annual target")
        verbose_name_plural = _("annual targets")
        constraints = [
            models.UniqueConstraint(
                fields=["region", "indicator", "year"], name="annualtarget_unique"
            ),
            models.CheckConstraint(condition=models.Q(value__gt=0), name="annualtarget_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.region.code} {self.year}: {self.value}"


class ProgrammeLedger(TimeStampedModel):
    """A programme figure the records do not hold (subsidies paid, premiums reduced,
    guarantee loans), entered by bureau staff for a region and month."""

    indicator = models.ForeignKey(
        Indicator,
        verbose_name=_("indicator"),
        on_delete=models.PROTECT,
        related_name="ledger_entries",
    )
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month."))
    value = models.DecimalField(_("value"), max_digits=16, decimal_places=2)
    note = models.CharField(_("note"), max_length=300, blank=True)
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("entered by"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("programme ledger entry")
        verbose_name_plural = _("programme ledger")
        ordering = ["-month", "indicator__sort_order"]
        constraints = [
            models.UniqueConstraint(
                fields=["indicator", "region", "month"], name="programmeledger_unique"
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0), name="programmeledger_not_negative"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.indicator.code} {self.region.code} {self.month:%Y-%m}: {self.value}"


class MonthClose(models.Model):
    """A month whose figures were finalised, with the warnings found at the time."""

    month = models.DateField(_("month"), unique=True)
    closed_at = models.DateTimeField(_("closed at"))
    warnings = models.JSONField(_("plausibility warnings"), default=list)

    class Meta:
        verbose_name = _("month close")
        verbose_name_plural = _("month closes")
        ordering = ["-month"]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}"


class ReportToken(models.Model):
    """A bureau's read-only key to the reports API for one region and everything under it.
    Only a digest is stored; the key is shown once, when made."""

    name = models.CharField(_("name"), max_length=100)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="+"
    )
    prefix = models.CharField(_("key prefix"), max_length=12, editable=False)
    digest = models.CharField(max_length=64, unique=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        on_delete=models.PROTECT,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    last_used_at = models.DateTimeField(_("last used at"), null=True, blank=True, editable=False)

    class Meta:
        verbose_name = _("report token")
        verbose_name_plural = _("report tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"
