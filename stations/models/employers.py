"""Employers: enterprises, individual businesses and households, platforms, institutions."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from core.models import TimeStampedModel, choices_constraint
from stations.models.common import Coordinates, ProtectedNationalId
from stations.models.organisation import Station
from stations.models.taxonomies import Region
from stations.validators import validate_credit_code, validate_mobile_phone


class EmployerKind(models.TextChoices):
    ENTERPRISE = "enterprise", _("enterprise")
    INDIVIDUAL = "individual", _("individual or household")
    PLATFORM = "platform", _("platform enterprise")
    PUBLIC_INSTITUTION = "public_institution", _("public institution")


class Employer(ProtectedNationalId, Coordinates, TimeStampedModel):
    """Identified by a unified social credit code, or, for an individual or household
    employer without one, by the owner's national ID number (kept encrypted)."""

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
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True, editable=False)
    registering_station = models.ForeignKey(
        Station,
        verbose_name=_("registering station"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="registered_employers",
    )
    history = HistoricalRecords(excluded_fields=["id_number_encrypted", "id_number_hash"])

    class Meta:
        verbose_name = _("employer")
        verbose_name_plural = _("employers")
        constraints = [
            *Coordinates.Meta.constraints,
            choices_constraint("kind", EmployerKind, name="employer_kind_valid"),
            models.CheckConstraint(
                condition=models.Q(credit_code__isnull=False)
                | models.Q(id_number_hash__isnull=False),
                name="employer_identified",
            ),
        ]

    def __str__(self) -> str:
        return self.name
