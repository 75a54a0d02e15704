from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import translation
from django.utils.translation import gettext_lazy as _


class TimeStampedModel(models.Model):
    """Base for the suite's records: when each was created and last changed."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    class Meta:
        abstract = True


class WorkerProbe(models.Model):
    """A row written by a Celery worker on request: proof that a worker reaches the database.

    ``python manage.py probe_worker`` sends the task and waits for its row; deployments run it
    after start-up to check that the workers see the same database as the web processes.
    """

    token = models.CharField(_("token"), max_length=64, unique=True)
    worker_hostname = models.CharField(_("worker hostname"), max_length=255)
    written_at = models.DateTimeField(_("written at"), auto_now_add=True)

    class Meta:
        verbose_name = _("worker probe")
        verbose_name_plural = _("worker probes")

    def __str__(self) -> str:
        return f"{self.token} @ {self.worker_hostname}"


class BilingualNamed(models.Model):
    """A record named in Simplified Chinese and English; ``name`` follows the active language."""

    name_zh_hans = models.CharField(_("name (Chinese)"), max_length=100)
    name_en = models.CharField(_("name (English)"), max_length=150)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        language = translation.get_language() or settings.LANGUAGE_CODE
        return self.name_en if language.startswith("en") else self.name_zh_hans


class CodedTree(BilingualNamed):
    """A node of a coded hierarchy (regions, occupations) with its materialised path.

    ``path`` is the codes from the root down to this node, each followed by "/", e.g.
    "620000/620100/620102/" for Chengguan district. Everything under a node is one prefix
    query on an indexed column at any depth: ``path__startswith=node.path``.
    """

    code = models.CharField(_("code"), max_length=20, unique=True)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=255, editable=False)

    class Meta:
        abstract = True
        ordering = ["path"]
        indexes = [
            # varchar_pattern_ops lets PostgreSQL serve LIKE 'prefix%' from the index under any
            # collation; other databases ignore the operator class.
            models.Index(
                fields=["path"],
                name="%(app_label)s_%(class)s_path",
                opclasses=["varchar_pattern_ops"],
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(path__endswith="/"), name="%(app_label)s_%(class)s_path_form"
            ),
        ]

    @staticmethod
    def path_for(*, code: str, parent_path: str | None) -> str:
        return f"{parent_path or ''}{code}/"

    @property
    def depth(self) -> int:
        return self.path.count("/")


def choices_constraint(
    field: str, choices: type[models.Choices], *, name: str
) -> models.CheckConstraint:
    """A database check that ``field`` holds one of ``choices``, not only a form check."""
    return models.CheckConstraint(condition=models.Q(**{f"{field}__in": choices.values}), name=name)


class AuditAction(models.TextChoices):
    REVEAL = "reveal", _("revealed personal data")
    EXPORT = "export", _("exported records")
    MERGE = "merge", _("merged records")
    IMPORT = "import", _("imported records")
    PUSH = "push", _("pushed a post to job seekers")


class AuditLogImmutable(Exception):
    """An audit entry was to be changed or deleted: the log only grows."""


class AuditLogQuerySet(models.QuerySet["AuditLog"]):
    def update(self, **kwargs: object) -> int:
        raise AuditLogImmutable("audit entries are never changed")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise AuditLogImmutable("audit entries are never deleted")


class AuditLog(models.Model):
    """Append-only record of sensitive acts: every reveal of an ID number or phone, every
    export, every merge. Nobody edits or deletes it: the admin offers neither, the model and
    its querysets refuse both, and on PostgreSQL a trigger refuses UPDATE and DELETE from
    any client (migration core 0004)."""

    Action = AuditAction

    at = models.DateTimeField(_("at"), auto_now_add=True, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("by"),
        on_delete=models.PROTECT,
        null=True,
        related_name="+",
    )
    action = models.CharField(_("action"), max_length=10, choices=AuditAction.choices)
    object_type = models.CharField(_("record type"), max_length=100)
    object_id = models.CharField(_("record"), max_length=64, blank=True)
    detail = models.JSONField(_("detail"), default=dict, blank=True)
    ip_address = models.GenericIPAddressField(_("IP address"), null=True, blank=True)

    objects = AuditLogQuerySet.as_manager()

    class Meta:
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit log")
        ordering = ["-at", "-id"]
        constraints = [choices_constraint("action", AuditAction, name="auditlog_action_valid")]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if not self._state.adding:
            raise AuditLogImmutable("audit entries are never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise AuditLogImmutable("audit entries are never deleted")
