"""The station day: morning sign-ins form the queue that dispatch works through."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from core.models import TimeStampedModel, choices_constraint
from stations.models.organisation import Station
from stations.models.placements import Application
from stations.models.seekers import JobSeeker


class SignInMethod(models.TextChoices):
    QR = "qr", _("QR code from the app")
    ID_CARD = "id_card", _("ID card at the counter")
    COUNTER = "counter", _("looked up by staff")


class NotDispatchedReason(models.TextChoices):
    NO_SUITABLE_POST = "no_suitable_post", _("no suitable post")
    NO_OPENINGS = "no_openings", _("openings all taken")
    DECLINED = "declined", _("declined the work offered")
    LEFT = "left", _("left before dispatch")
    # Set by closing the day (services/dispatch.py) on everyone still waiting then.
    DAY_CLOSED = "day_closed", _("still waiting when the day closed")
    OTHER = "other", _("other")


class SignIn(TimeStampedModel):
    """A seeker present at a station on a day; ``position`` is their place in the day's queue
    (first come, unless staff moved them: each move is a ``QueueMove``)."""

    Method = SignInMethod
    NotDispatched = NotDispatchedReason

    station = models.ForeignKey(
        Station, verbose_name=_("station"), on_delete=models.PROTECT, related_name="sign_ins"
    )
    seeker = models.ForeignKey(
        JobSeeker, verbose_name=_("seeker"), on_delete=models.PROTECT, related_name="sign_ins"
    )
    day = models.DateField(_("day"))
    signed_in_at = models.DateTimeField(_("signed in at"))
    method = models.CharField(_("signed in by"), max_length=8, choices=Method.choices)
    position = models.PositiveIntegerField(_("place in the queue"))
    application = models.OneToOneField(
        Application,
        verbose_name=_("dispatched to"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="sign_in",
    )
    not_dispatched_reason = models.CharField(
        _("not dispatched because"), max_length=16, choices=NotDispatched.choices, blank=True
    )
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("sign-in")
        verbose_name_plural = _("sign-ins")
        ordering = ["day", "station", "position"]
        # Positions are renumbered under the station's row lock (services/dispatch.py).
        indexes = [
            models.Index(fields=["station", "day", "position"], name="signin_queue"),
            # The nightly close finds the people still waiting on any station's day: few rows
            # once the days are closed, so a partial index keeps it from reading them all.
            models.Index(
                fields=["day"],
                condition=models.Q(application__isnull=True, not_dispatched_reason=""),
                name="signin_waiting",
            ),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["station", "seeker", "day"], name="signin_once_a_day_per_station"
            ),
            choices_constraint("method", SignInMethod, name="signin_method_valid"),
            models.CheckConstraint(
                condition=models.Q(not_dispatched_reason="")
                | models.Q(not_dispatched_reason__in=NotDispatchedReason.values),
                name="signin_reason_valid",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.day} #{self.position} {self.seeker}"


class QueueMove(models.Model):
    """Staff moved someone in the day's queue, and why."""

    sign_in = models.ForeignKey(SignIn, on_delete=models.CASCADE, related_name="moves")
    from_position = models.PositiveIntegerField(_("from"))
    to_position = models.PositiveIntegerField(_("to"))
    reason = models.CharField(_("reason"), max_length=300)
    at = models.DateTimeField(_("at"))
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )

    class Meta:
        verbose_name = _("queue move")
        verbose_name_plural = _("queue moves")
        ordering = ["at", "pk"]

    def __str__(self) -> str:
        return f"{self.from_position} → {self.to_position}"
