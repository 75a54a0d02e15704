"""What matching keeps: each region's policy, the recommendations it made, the devices it can
reach, and the notification outbox every message goes through."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from core.models import TimeStampedModel, choices_constraint
from matching.engine import FEATURES, MatchConfig
from stations.models import JobPost, JobSeeker, Region

_DEFAULTS = MatchConfig()


def _weight_field(feature: str, label: StrOrPromise) -> models.DecimalField:
    return models.DecimalField(
        label,
        max_digits=3,
        decimal_places=2,
        default=_DEFAULTS.weights[feature],
        validators=[MinValueValidator(0), MaxValueValidator(1)],
    )


def _default_key_group_priority() -> dict[str, float]:
    return dict(_DEFAULTS.key_group_priority)


class MatchingPolicy(TimeStampedModel):
    """A bureau's matching policy for its region and everything under it.

    A post is matched under the policy of its region or of the nearest region above it that
    has one; with none, the engine's documented defaults apply (matching.engine.config).
    """

    region = models.OneToOneField(
        Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="matching_policy"
    )
    weight_skill = _weight_field("skill", _("weight: skill"))
    weight_distance = _weight_field("distance", _("weight: distance"))
    weight_wage = _weight_field("wage", _("weight: wage"))
    weight_availability = _weight_field("availability", _("weight: availability"))
    weight_priority = _weight_field("priority", _("weight: key-group priority"))
    weight_reliability = _weight_field("reliability", _("weight: reliability"))
    weight_activity = _weight_field("activity", _("weight: recent activity"))
    key_group_priority = models.JSONField(
        _("priority by key group"),
        default=_default_key_group_priority,
        blank=True,
        help_text=_("Key-group code to a priority between 0 and 1."),
    )
    distance_scale_km = models.FloatField(
        _("distance scale (km)"),
        default=_DEFAULTS.distance_scale_km,
        validators=[MinValueValidator(0.1)],
        help_text=_("The distance score falls to 37% at this distance."),
    )
    default_post_radius_km = models.FloatField(
        _("default post radius (km)"),
        default=_DEFAULTS.default_post_radius_km,
        validators=[MinValueValidator(0.1), MaxValueValidator(500)],
    )
    require_related_skill = models.BooleanField(
        _("require a related skill"),
        default=_DEFAULTS.require_related_skill,
        help_text=_("Only seekers with a skill in the post's occupation group are candidates."),
    )
    require_verified = models.BooleanField(
        _("require a verified real name"),
        default=_DEFAULTS.require_verified,
        help_text=_("Only seekers whose ID card staff have seen are candidates."),
    )
    near_equal_band = models.FloatField(
        _("near-equal score band"),
        default=_DEFAULTS.near_equal_band,
        validators=[MinValueValidator(0), MaxValueValidator(0.5)],
        help_text=_("Scores this close count as equal; the less pushed go first among them."),
    )
    maximum_age = models.PositiveSmallIntegerField(
        _("maximum age"),
        default=_DEFAULTS.maximum_age,
        validators=[MinValueValidator(_DEFAULTS.minimum_age), MaxValueValidator(80)],
    )
    queue_weight = models.FloatField(
        _("weight of the morning queue"),
        default=_DEFAULTS.queue_weight,
        validators=[MinValueValidator(0), MaxValueValidator(1)],
        help_text=_(
            "How much coming early counts in a station's dispatch: 0 not at all, 1 more than "
            "any difference of fit."
        ),
    )

    class Meta:
        verbose_name = _("matching policy")
        verbose_name_plural = _("matching policies")

    def __str__(self) -> str:
        return str(self.region)

    def as_config(self) -> MatchConfig:
        """The engine configuration this policy stands for (ValueError when inconsistent)."""
        priorities = self.key_group_priority or {}
        return MatchConfig(
            weights={name: float(getattr(self, f"weight_{name}")) for name in FEATURES},
            key_group_priority={str(code): float(value) for code, value in priorities.items()},
            distance_scale_km=self.distance_scale_km,
            default_post_radius_km=self.default_post_radius_km,
            require_related_skill=self.require_related_skill,
            require_verified=self.require_verified,
            near_equal_band=self.near_equal_band,
            maximum_age=self.maximum_age,
            queue_weight=self.queue_weight,
        )

    def clean(self) -> None:
        super().clean()
        priorities = self.key_group_priority
        if not isinstance(priorities, dict) or not all(
            isinstance(value, int | float) and 0 <= value <= 1 for value in priorities.values()
        ):
            raise ValidationError(
                {"key_group_priority": _("Give each key-group code a number between 0 and 1.")}
            )
        total = sum(float(getattr(self, f"weight_{name}") or 0) for name in FEATURES)
        if abs(total - 1) > 1e-6:
            raise ValidationError(
                _("The weights must add up to 1 (they add up to %(total)s).")
                % {"total": f"{total:.2f}"}
            )


class RecommendationDirection(models.TextChoices):
    SEEKERS_FOR_POST = "post", _("seekers for a post")
    POSTS_FOR_SEEKER = "seeker", _("posts for a seeker")


class Recommendation(models.Model):
    """One ranked pair from the engine, with its reasons, as last computed.

    A post's (or a seeker's) recommendations are replaced as a whole when it is matched again;
    ``pushed_at`` keeps when the post was pushed to the seeker.
    """

    Direction = RecommendationDirection

    direction = models.CharField(_("direction"), max_length=6, choices=Direction.choices)
    post = models.ForeignKey(
        JobPost, verbose_name=_("post"), on_delete=models.CASCADE, related_name="recommendations"
    )
    seeker = models.ForeignKey(
        JobSeeker,
        verbose_name=_("job seeker"),
        on_delete=models.CASCADE,
        related_name="recommendations",
    )
    rank = models.PositiveSmallIntegerField(_("rank"))
    score = models.FloatField(_("score"))
    reasons = models.JSONField(_("reasons"), default=list)
    engine_version = models.CharField(_("engine version"), max_length=20)
    computed_at = models.DateTimeField(_("computed at"))
    pushed_at = models.DateTimeField(_("pushed at"), null=True, blank=True)

    class Meta:
        verbose_name = _("recommendation")
        verbose_name_plural = _("recommendations")
        ordering = ["direction", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["direction", "post", "seeker"], name="recommendation_unique_pair"
            ),
            choices_constraint(
                "direction", RecommendationDirection, name="recommendation_direction"
            ),
            models.CheckConstraint(
                condition=models.Q(score__gte=0, score__lte=1), name="recommendation_score_range"
            ),
        ]
        indexes = [
            models.Index(fields=["post", "direction", "rank"], name="recommendation_by_post"),
            models.Index(fields=["seeker", "direction", "rank"], name="recommendation_by_seeker"),
        ]

    def __str__(self) -> str:
        return f"{self.post_id} ↔ {self.seeker_id} #{self.rank}"


class DeviceKind(models.TextChoices):
    FCM = "fcm", _("app push (FCM)")
    WECHAT = "wechat", _("WeChat")


class Device(TimeStampedModel):
    """Where a seeker's app push or WeChat messages go: a device token or an openid."""

    Kind = DeviceKind

    seeker = models.ForeignKey(
        JobSeeker, verbose_name=_("job seeker"), on_delete=models.CASCADE, related_name="devices"
    )
    kind = models.CharField(_("kind"), max_length=6, choices=Kind.choices)
    token = models.CharField(_("token"), max_length=255)
    active = models.BooleanField(_("active"), default=True)

    class Meta:
        verbose_name = _("device")
        verbose_name_plural = _("devices")
        constraints = [
            models.UniqueConstraint(fields=["kind", "token"], name="device_unique_token"),
            choices_constraint("kind", DeviceKind, name="device_kind_valid"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} …{self.token[-6:]}"


class NotificationChannel(models.TextChoices):
    IN_APP = "in_app", _("in-app inbox")
    SMS = "sms", _("SMS")
    PUSH = "push", _("app push")
    WECHAT = "wechat", _("WeChat")


class NotificationStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SENDING = "sending", _("sending")
    SENT = "sent", _("sent")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("skipped by policy")


class Notification(models.Model):
    """The outbox: one message to one person on one channel.

    Written in the same transaction as its cause and dispatched after commit. The unique
    ``dedup_key`` means a cause that runs twice writes one row; the status and the lease mean
    a row is sent by one worker at a time; the sweep takes back rows whose worker died. The
    in-app inbox is these rows themselves (channel ``in_app``, sent when written).
    """

    Channel = NotificationChannel
    Status = NotificationStatus

    seeker = models.ForeignKey(
        JobSeeker,
        verbose_name=_("job seeker"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("staff user"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="notifications",
    )
    post = models.ForeignKey(
        JobPost,
        verbose_name=_("post"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="notifications",
        help_text=_("The post this message is about, if any."),
    )
    channel = models.CharField(_("channel"), max_length=7, choices=Channel.choices)
    address = models.CharField(_("address"), max_length=255, blank=True)
    template = models.CharField(_("template"), max_length=40)
    context = models.JSONField(_("context"), default=dict, blank=True)
    language = models.CharField(_("language"), max_length=7)
    dedup_key = models.CharField(_("deduplication key"), max_length=200, unique=True)
    status = models.CharField(
        _("status"), max_length=8, choices=Status.choices, default=Status.PENDING
    )
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt at"))
    enqueued_at = models.DateTimeField(_("enqueued at"), null=True, blank=True)
    lease_until = models.DateTimeField(_("claimed until"), null=True, blank=True)
    provider_message_id = models.CharField(_("provider message id"), max_length=200, blank=True)
    last_error = models.CharField(_("last error"), max_length=500, blank=True)
    created_at = models.DateTimeField(_("created at"))
    sent_at = models.DateTimeField(_("sent at"), null=True, blank=True)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        constraints = [
            # A seeker or a staff user; or, for a login code to a phone not yet on record,
            # nobody but the address.
            models.CheckConstraint(
                condition=models.Q(seeker__isnull=False, user__isnull=True)
                | models.Q(seeker__isnull=True, user__isnull=False)
                | models.Q(seeker__isnull=True, user__isnull=True, channel="sms")
                & ~models.Q(address=""),
                name="notification_one_recipient",
            ),
            choices_constraint("channel", NotificationChannel, name="notification_channel_valid"),
            choices_constraint("status", NotificationStatus, name="notification_status_valid"),
        ]
        indexes = [
            models.Index(fields=["status", "next_attempt_at"], name="notification_due"),
            models.Index(fields=["seeker", "channel", "created_at"], name="notification_inbox"),
        ]

    def __str__(self) -> str:
        return f"{self.template} → {self.channel} ({self.status})"
