"""The one error type of the service layer and its HTTP mapping (see docs/api.md).

Every 4xx answer has the shape ``{"code": ..., "message": ..., "details": {...}}``; the
message is a lazy translation so it renders in the language of the request.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

INTERNAL_ERROR_MESSAGE = _("Something went wrong. It has been logged.")


class ApplicationError(Exception):
    """A business rule refused an action. Nothing was changed."""

    status = 400
    default_code = "invalid"
    default_message: Any = _("The request could not be processed.")

    def __init__(
        self,
        code: str | None = None,
        message: Any = None,
        *,
        status: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.code = code or self.default_code
        self.message = message if message is not None else self.default_message
        if status is not None:
            self.status = status
        self.details = details or {}
        super().__init__(f"{self.code}: {self.message}")

    def as_dict(self) -> dict[str, Any]:
        return {"code": self.code, "message": str(self.message), "details": self.details}


class NotFound(ApplicationError):
    """The object does not exist *or* the actor may not see it (no existence oracle)."""

    status = 404
    default_code = "not_found"
    default_message = _("Not found.")


class Forbidden(ApplicationError):
    """The actor can see the object but may not perform this action on it."""

    status = 403
    default_code = "forbidden"
    default_message = _("You are not allowed to do this.")


class Conflict(ApplicationError):
    """The action conflicts with the current state (duplicate, illegal transition)."""

    status = 409
    default_code = "conflict"
    default_message = _("This conflicts with the current state.")


class ValidationFailed(ApplicationError):
    status = 422
    default_code = "validation_error"
    default_message = _("Some fields are not valid.")
