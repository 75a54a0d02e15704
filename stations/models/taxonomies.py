"""Regions, key groups and occupations: the reference data every record points at."""

from __future__ import annotations

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import BilingualNamed, CodedTree, choices_constraint


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("province")
    CITY = "city", _("city")
    COUNTY = "county", _("county or district")
    TOWNSHIP = "township", _("township or street")
    COMMUNITY = "community", _("community or village")
    GRID = "grid", _("grid")


class OccupationLevel(models.TextChoices):
    MAJOR = "major", _("major group")
    MIDDLE = "middle", _("middle group")
    MINOR = "minor", _("minor group")
    TRADE = "trade", _("trade")


class Region(CodedTree):
    """An administrative division (GB/T 2260), down to the community grids of a street.

    Codes: six digits for province, city and county (620000, 620100, 620102); three more
    digits per level below (township or street 620102001, community 620102001001, grid
    620102001001001).
    """

    Level = RegionLevel

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)
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

    class Meta(CodedTree.Meta):
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        constraints = [
            *CodedTree.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[0-9]{6}([0-9]{3}){0,3}$"),
                name="region_code_form",
            ),
            choices_constraint("level", RegionLevel, name="region_level_valid"),
            # Only provinces are roots.
            models.CheckConstraint(
                condition=models.Q(level="province", parent__isnull=True)
                | (~models.Q(level="province") & models.Q(parent__isnull=False)),
                name="region_root_is_province",
            ),
            models.CheckConstraint(
                condition=models.Q(latitude__isnull=True)
                | models.Q(latitude__gte=-90, latitude__lte=90),
                name="region_latitude_range",
            ),
            models.CheckConstraint(
                condition=models.Q(longitude__isnull=True)
                | models.Q(longitude__gte=-180, longitude__lte=180),
                name="region_longitude_range",
            ),
        ]


class KeyGroup(BilingualNamed):
    """A group the bureaus give priority to, with the yearly "311" duty owed to each member:
    three job-information pushes, one training recommendation, one guidance session."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    description = models.TextField(_("description"), blank=True)
    duty_job_pushes = models.PositiveSmallIntegerField(_("job pushes owed per year"), default=3)
    duty_training_recommendations = models.PositiveSmallIntegerField(
        _("training recommendations owed per year"), default=1
    )
    duty_guidance_sessions = models.PositiveSmallIntegerField(
        _("guidance sessions owed per year"), default=1
    )
    sort_order = models.PositiveSmallIntegerField(_("sort order"), default=0)

    class Meta:
        verbose_name = _("key group")
        verbose_name_plural = _("key groups")
        ordering = ["sort_order", "code"]


class Occupation(CodedTree):
    """The occupation taxonomy: major, middle and minor groups of the Chinese Occupational
    Classification, and the trades (细类) that seekers hold as skills and posts ask for."""

    Level = OccupationLevel

    level = models.CharField(_("level"), max_length=10, choices=Level.choices)

    class Meta(CodedTree.Meta):
        verbose_name = _("occupation")
        verbose_name_plural = _("occupations")
        constraints = [
            *CodedTree.Meta.constraints,
            models.CheckConstraint(
                condition=models.Q(code__regex=r"^[1-8](-[0-9]{2}){0,3}$"),
                name="occupation_code_form",
            ),
            choices_constraint("level", OccupationLevel, name="occupation_level_valid"),
            models.CheckConstraint(
                condition=models.Q(level="major", parent__isnull=True)
                | (~models.Q(level="major") & models.Q(parent__isnull=False)),
                name="occupation_root_is_major",
            ),
        ]


class CertificateKind(BilingualNamed):
    """A certificate a post may require: special-operations permits (electrician, welder,
    work at height), health certificates for food and care work, and the like."""

    code = models.SlugField(_("code"), max_length=40, unique=True)
    occupations = models.ManyToManyField(
        Occupation,
        blank=True,
        related_name="usual_certificates",
        verbose_name=_("usually needed by"),
    )

    class Meta:
        verbose_name = _("certificate kind")
        verbose_name_plural = _("certificate kinds")
        ordering = ["code"]
