"""One exception hierarchy for the serving layer; the API maps each to problem+json with a stable code."""

from __future__ import annotations

from typing import Any


class AtelierError(Exception):
    """Base error: ``code`` is stable and machine-readable, ``status`` is the HTTP status."""

    status: int = 400
    code: str = "bad_request"
    title: str = "Bad request"

    def __init__(self, detail: str, *, code: str | None = None, extra: dict[str, Any] | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        if code is not None:
            self.code = code
        self.extra = extra or {}


class InvalidInput(AtelierError, ValueError):
    status, code, title = 422, "invalid_input", "Invalid input"


class Unauthenticated(AtelierError):
    status, code, title = 401, "unauthenticated", "Authentication required"


class Forbidden(AtelierError, PermissionError):
    status, code, title = 403, "forbidden", "Forbidden"


class NotFound(AtelierError, LookupError):
    status, code, title = 404, "not_found", "Not found"


class Conflict(AtelierError):
    status, code, title = 409, "conflict", "Conflict"


class PayloadTooLarge(AtelierError):
    status, code, title = 413, "payload_too_large", "Payload too large"


class ServiceUnavailable(AtelierError):
    status, code, title = 503, "service_unavailable", "Service unavailable"
