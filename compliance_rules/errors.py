"""Errors of the compliance engine; ``serving`` maps them to HTTP 4xx with their ``code``."""

from __future__ import annotations

from typing import Any


class ComplianceError(Exception):
    """Base error with a stable machine-readable ``code``."""

    code = "compliance_error"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details or {}


class InvalidCheckInput(ComplianceError, ValueError):
    """The request cannot be checked: empty or oversized text, unknown platform or industry (HTTP 422)."""

    code = "invalid_check_input"


class RulePackError(ComplianceError, ValueError):
    """A rule pack is malformed; ``details`` names the file, line and field."""

    code = "invalid_rule_pack"
