"""Stations and the staff who work at them or over a region."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, choices_constraint
from stations.models.common import Coordinates
from stations.models.taxonomies import Region


class StationKind(models.TextChoices):
    # The kinds the Dingxi bulletin counts: each county built ten odd-job markets or post
    # stations, some as service zones in public institutions, some co-built with the unions
    # or the women's federation; Binzhou and Lanzhou add community micro-factories and rural
    # employment workshops.
    ODD_JOB_MARKET = "market", _("odd-job market")
    POST_STATION = "post_station", _("post station")
    INSTITUTION_ZONE = "institution_zone", _("odd-job service zone in a public institution")
    MICRO_FACTORY = "micro_factory", _("community micro-factory or rural employment workshop")
    CO_BUILT = "co_built", _("station co-built with the unions or the women's federation")


class StationOperator(models.TextChoices):
    PUBLIC = "public", _("public employment service")
    ENTRUSTED = "entrusted", _("entrusted human-resources service agency")
    CO_BUILT = "co_built", _("co-built")


class Station(Coordinates, TimeStampedModel):
    Kind = StationKind
    Operator = StationOperator

    code = models.SlugField(_("code"), max_length=40, unique=True)
    name = models.CharField(_("name"), max_length=200)
    kind = models.CharField(_("kind"), max_length=20, choices=StationKind.choices)
    operator = models.CharField(_("operator"), max_length=12, choices=StationOperator.choices)
    region = models.ForeignKey(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="stations"
    )
    address = models.CharField(_("address"), max_length=300, blank=True)
    opening_hours = models.CharField(
        _("opening hours"), max_length=200, blank=True, help_text=_("e.g. Mon-Sat 06:30-12:00")
    )
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("station")
        verbose_name_plural = _("stations")
        ordering = ["code"]
        constraints = [
            *Coordinates.Meta.constraints,
            choices_constraint("kind", StationKind, name="station_kind_valid"),
            choices_constraint("operator", StationOperator, name="station_operator_valid"),
        ]

    def __str__(self) -> str:
        return self.name


class StaffRole(models.TextChoices):
    STATION_STAFF = "station_staff", _("station staff")
    GRID_STAFF = "grid_staff", _("grid staff")
    EMPLOYMENT_PROFESSIONAL = "employment_professional", _("employment professional")
    BUREAU_ANALYST = "bureau_analyst", _("bureau analyst")
    BUREAU_ADMIN = "bureau_admin", _("bureau administrator")


class Staff(TimeStampedModel):
    """A user's role and scope: some stations, or everything under a region, or both."""

    Role = StaffRole

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="staff",
    )
    role = models.CharField(_("role"), max_length=24, choices=StaffRole.choices)
    stations = models.ManyToManyField(
        Station, verbose_name=_("stations"), blank=True, related_name="staff"
    )
    region = models.ForeignKey(
        Region,
        verbose_name=_("region"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text=_("Everything under this region is in scope."),
    )

    class Meta:
        verbose_name = _("staff member")
        verbose_name_plural = _("staff")
        constraints = [choices_constraint("role", StaffRole, name="staff_role_valid")]

    def __str__(self) -> str:
        return f"{self.user} ({self.get_role_display()})"
