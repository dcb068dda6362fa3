"""Errors of the copywriting pipeline; each carries a stable machine-readable ``code``."""

from __future__ import annotations

from typing import Any


class CopywritingError(Exception):
    """Base error; ``serving`` maps it to problem+json with ``code`` and ``details``."""

    code = "copywriting_error"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details or {}


class InvalidBrief(CopywritingError, ValueError):
    """The brief cannot be written to (HTTP 422). Codes: ``empty_brief``, ``contradictory_words``,
    ``unknown_platform``, ``unknown_industry``, ``too_many_variants``, ``must_say_not_compliant``,
    ``invalid_brief`` (any other field error; ``details.errors`` lists them)."""

    code = "invalid_brief"


class GenerationFailed(CopywritingError, RuntimeError):
    """The model backend failed for every request of a round (HTTP 503)."""

    code = "generation_failed"
