"""The one way to write the audit log (reveals, exports, imports, merges)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User

from core.models import AuditAction, AuditLog


def audit_record(
    *,
    actor: User | None,
    action: AuditAction,
    object_type: str,
    object_id: str = "",
    detail: dict[str, Any] | None = None,
    ip_address: str | None = None,
) -> AuditLog:
    return AuditLog.objects.create(
        actor=actor,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail or {},
        ip_address=ip_address,
    )
