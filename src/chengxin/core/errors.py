"""Domain errors: each carries a stable machine code, an HTTP status, the
field it is about (if any) and a message in the user's language.

One handler renders them for the API (JSON) and one for pages.
"""

from __future__ import annotations

from typing import Any

from django.utils.functional import Promise


class ChengxinError(Exception):
    code = "error"
    status = 400

    def __init__(
        self,
        message: str | Promise,
        *,
        field: str | None = None,
        code: str | None = None,
        details: dict[str, Any] | None = None,
        errors: list[dict[str, Any]] | None = None,
    ) -> None:
        super().__init__(str(message))
        self.message = message
        self.field = field
        if code:
            self.code = code
        self.details = details or {}
        self.errors = errors or []

    def as_dict(self) -> dict[str, Any]:
        body: dict[str, Any] = {"code": self.code, "message": str(self.message)}
        if self.field:
            body["field"] = self.field
        if self.details:
            body["details"] = self.details
        if self.errors:
            body["errors"] = self.errors
        return body


class ValidationFailed(ChengxinError):
    code = "invalid"
    status = 422


class NotFound(ChengxinError):
    code = "not_found"
    status = 404


class PermissionDenied(ChengxinError):
    code = "forbidden"
    status = 403


class NotAuthenticated(ChengxinError):
    code = "not_authenticated"
    status = 401


class Conflict(ChengxinError):
    code = "conflict"
    status = 409


class Throttled(ChengxinError):
    code = "throttled"
    status = 429
