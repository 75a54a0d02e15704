"""REST framework glue shared by every app: one error shape. (Pagination and throttles,
which DRF imports while defining its views, are in ``core.rest``.)"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils.translation import gettext as _
from rest_framework import exceptions, serializers
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import DomainError


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    """DRF's nested error details as ``{"field": [...], "items.0.field": [...]}``."""
    if isinstance(detail, dict):
        items: Any = detail.items()
    elif isinstance(detail, list) and any(isinstance(value, dict | list) for value in detail):
        items = enumerate(detail)
    else:
        leaves = detail if isinstance(detail, list) else [detail]
        return {prefix.rstrip(".") or "non_field_errors": [str(leaf) for leaf in leaves]}
    errors: dict[str, list[str]] = {}
    for key, value in items:
        errors.update(_flatten(value, f"{prefix}{key}."))
    return errors


class ErrorSerializer(serializers.Serializer):
    """Every error the API answers: a message in the request's language, a stable code, and
    per-field messages where a field is at fault."""

    detail = serializers.CharField()
    code = serializers.CharField()

    def get_fields(self) -> dict[str, Any]:
        # "errors" is also the name of a Serializer property: added here, not declared.
        fields = dict(super().get_fields())
        fields["errors"] = serializers.DictField(
            child=serializers.ListField(child=serializers.CharField()), required=False
        )
        return fields


def exception_handler(exc: Exception, context: dict[str, Any]) -> Response | None:
    """Domain errors and DRF's own, in the one shape of ``ErrorSerializer``."""
    if isinstance(exc, DomainError):
        return Response(exc.as_dict(), status=exc.status_code)
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, PermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        errors = _flatten(exc.detail)
        body = {"detail": _("The request is not valid."), "code": "invalid", "errors": errors}
    else:
        codes = exc.get_codes()
        code = codes if isinstance(codes, str) else exc.default_code
        body = {"detail": str(exc.detail), "code": str(code)}
    response.data = body
    return response
