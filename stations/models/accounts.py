"""Seekers' app logins: one-time codes sent by SMS."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class LoginCode(models.Model):
    """A 6-digit code sent to a phone. Only its keyed hash is kept; it expires after a few
    minutes and allows a few attempts; a used code is consumed."""

    phone = models.CharField(_("mobile phone"), max_length=11, db_index=True)
    code_hash = models.CharField(_("code (hashed)"), max_length=64)
    created_at = models.DateTimeField(_("created at"))
    expires_at = models.DateTimeField(_("expires at"))
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    consumed_at = models.DateTimeField(_("consumed at"), null=True, blank=True)
    client_ip = models.GenericIPAddressField(_("client IP"), null=True, blank=True)

    class Meta:
        verbose_name = _("login code")
        verbose_name_plural = _("login codes")
        indexes = [models.Index(fields=["client_ip", "created_at"], name="logincode_by_ip")]

    def __str__(self) -> str:
        return f"{self.phone[:3]}****{self.phone[-4:]} @ {self.created_at:%Y-%m-%d %H:%M}"
