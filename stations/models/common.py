"""Pieces shared by the station records."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

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


class ProtectedNationalId(models.Model):
    """A national ID number kept only encrypted, with a keyed hash for uniqueness and exact
    lookup and a masked copy for display; written through ``stations.services``."""

    id_number_encrypted = models.TextField(_("ID number (encrypted)"), blank=True, editable=False)
    id_number_hash = models.CharField(
        _("ID number (keyed hash)"),
        max_length=64,
        unique=True,
        null=True,
        blank=True,
        editable=False,
    )
    id_number_masked = models.CharField(_("ID number"), max_length=18, blank=True, editable=False)

    class Meta:
        abstract = True

    @property
    def has_id_number(self) -> bool:
        return bool(self.id_number_hash)


DAYS = (_("Mon"), _("Tue"), _("Wed"), _("Thu"), _("Fri"), _("Sat"), _("Sun"))
SHIFTS = (_("morning"), _("afternoon"), _("evening"))


def availability_choices() -> list[tuple[str, str]]:
    """The 21 weekly slots as form choices: ("0", "Mon morning"), ..."""
    return [
        (str(day * 3 + shift), f"{DAYS[day]} {SHIFTS[shift]}")
        for day in range(7)
        for shift in range(3)
    ]


def availability_mask(slots: Iterable[str | int]) -> int:
    return sum(1 << int(slot) for slot in set(slots))


def availability_slots(mask: int) -> list[str]:
    return [str(slot) for slot in range(AVAILABILITY_SLOTS) if mask >> slot & 1]
