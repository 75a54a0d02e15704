"""The OpenAPI schema's view inspector: drf-spectacular's, with the errors every operation
of the API can answer documented in its one error shape, so that a generated client knows
them without each view listing them again."""

from __future__ import annotations

from typing import Any

from drf_spectacular import openapi
from rest_framework.permissions import AllowAny

from core.api import ErrorSerializer

JSON = ("application/json",)


class AutoSchema(openapi.AutoSchema):
    def _get_response_bodies(self, direction: Any = "response") -> dict[str, Any]:
        responses: dict[str, Any] = super()._get_response_bodies(direction)
        for code in self._error_codes():
            if code not in responses:
                responses[code] = self._get_response_for_code(
                    ErrorSerializer, code, JSON, direction
                )
        return responses

    def _error_codes(self) -> list[str]:
        codes = []
        if self.view.get_throttles():
            codes.append("429")
        if not all(isinstance(p, AllowAny) for p in self.view.get_permissions()):
            codes += ["401", "403"]
        if self.method in ("POST", "PUT", "PATCH"):
            codes.append("400")  # a body refused, with its field errors
        if "{" in self.path:
            codes.append("404")  # an id unknown or out of the caller's reach
        if self.method == "GET" and self._is_list_view() and self._get_paginator() is not None:
            # A filter refused, and a page past the last.
            codes += ["400", "404"]
        return list(dict.fromkeys(codes))
