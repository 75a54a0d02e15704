"""Domain errors: raised by services with a message a user can read, mapped to 4xx by the API."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError


class DomainError(Exception):
    """A request that the domain refuses; never a bug. The API answers 400 by default."""

    status_code = 400
    code = "invalid"

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}

    @classmethod
    def from_validation_error(cls, error: ValidationError, *, field: str) -> DomainError:
        """A domain error carrying a Django validation error's messages under ``field``."""
        return cls(error.messages[0], field_errors={field: list(error.messages)})

    @classmethod
    def from_validation_errors(cls, error: ValidationError, message: str) -> DomainError:
        """A domain error carrying every field's messages of a model's ``full_clean``."""
        if hasattr(error, "error_dict"):
            errors = dict(error.message_dict)
            # Model-wide checks (constraints, clean()) under DRF's name for them.
            if NON_FIELD_ERRORS in errors:
                errors["non_field_errors"] = errors.pop(NON_FIELD_ERRORS)
            return cls(message, field_errors=errors)
        return cls(message, field_errors={"non_field_errors": list(error.messages)})

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"detail": str(self.message), "code": self.code}
        if self.field_errors:
            body["errors"] = self.field_errors
        return body


class NotFound(DomainError):
    status_code = 404
    code = "not_found"


class Conflict(DomainError):
    """The record changed meanwhile, or the scarce thing (an opening) is gone."""

    status_code = 409
    code = "conflict"


class IllegalTransition(Conflict):
    code = "illegal_transition"
