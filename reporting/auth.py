"""Who may read the reports API: a bureau's report key (``Authorization: Report <key>``) for
its region's subtree, staff with a region for theirs, superusers for everything.

A key authenticates as a ``ReportKeyHolder``, not as the user who made it: the key reads
reports and nothing else, whatever its maker may do.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import User
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.plumbing import build_bearer_security_scheme_object
from rest_framework import exceptions, permissions
from rest_framework.authentication import BaseAuthentication, get_authorization_header
from rest_framework.request import Request

from reporting.models import ReportToken
from reporting.services.tokens import report_key_digest
from stations.selectors.scope import scope_for

KEYWORD = "Report"
# A key's last use is written at most this often, not on every request.
LAST_USED_RESOLUTION = dt.timedelta(minutes=1)


class ReportKeyHolder:
    """``request.user`` of a request made with a report key."""

    is_authenticated = True
    is_anonymous = False
    is_active = True
    is_staff = False
    is_superuser = False

    def __init__(self, token: ReportToken) -> None:
        self.token = token
        # Throttles count requests by ``user.pk``: one count per key.
        self.pk = f"report-key-{token.pk}"

    def __str__(self) -> str:
        return str(self.token)


class ReportKeyAuthentication(BaseAuthentication):
    """``Authorization: Report <key>``: a live (neither expired nor revoked) report key."""

    def authenticate(self, request: Request) -> tuple[ReportKeyHolder, ReportToken] | None:
        words = get_authorization_header(request).split()
        if not words or words[0].lower() != KEYWORD.lower().encode():
            return None
        if len(words) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid report key."))
        key = words[1].decode("ascii", errors="replace")
        token = (
            ReportToken.objects.select_related("region")
            .filter(digest=report_key_digest(key))
            .first()
        )
        now = timezone.now()
        if token is None or token.revoked_at is not None or token.expires_at <= now:
            # One answer for a wrong, an expired and a revoked key.
            raise exceptions.AuthenticationFailed(_("Invalid report key."))
        if token.last_used_at is None or now - token.last_used_at >= LAST_USED_RESOLUTION:
            ReportToken.objects.filter(pk=token.pk).update(last_used_at=now)
            token.last_used_at = now
        return ReportKeyHolder(token), token

    def authenticate_header(self, request: Request) -> str:
        return KEYWORD


class ReportKeyScheme(OpenApiAuthenticationExtension):
    target_class = "reporting.auth.ReportKeyAuthentication"
    name = "reportKey"

    def get_security_definition(self, auto_schema: Any) -> dict[str, Any]:
        definition: dict[str, Any] = build_bearer_security_scheme_object(
            header_name="Authorization", token_prefix=KEYWORD
        )
        return definition


@dataclass(frozen=True)
class ReportReader:
    """What one request may read: the regions (``region_path``'s subtree, or every region),
    and whether the records behind a figure."""

    region_path: str | None
    everything: bool = False
    records: bool = False

    def covers(self, region_path: str) -> bool:
        return self.everything or (
            self.region_path is not None and region_path.startswith(self.region_path)
        )


def report_reader(request: Request) -> ReportReader | None:
    """The request's reader, or None for somebody who reads no reports (a seeker, staff
    without a region)."""
    if isinstance(request.auth, ReportToken):
        return ReportReader(region_path=request.auth.region.path)
    user = request.user
    if not isinstance(user, User) or not user.is_active:
        return None
    if user.is_superuser:
        return ReportReader(region_path=None, everything=True, records=True)
    if not user.is_staff:
        return None
    scope = scope_for(user)
    if scope.region_path is None:
        return None
    return ReportReader(region_path=scope.region_path, records=scope.personal_records)


class ReadsReports(permissions.BasePermission):
    message = _("Only bureau report keys and staff with a region may read reports.")

    def has_permission(self, request: Request, view: Any) -> bool:
        return report_reader(request) is not None


class OpensRecords(permissions.BasePermission):
    """The records behind a figure: staff who may see personal records, never a key."""

    message = _("Only staff who may see the records can open them.")

    def has_permission(self, request: Request, view: Any) -> bool:
        reader = report_reader(request)
        return reader is not None and reader.records
