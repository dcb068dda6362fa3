"""Placement errors (``serving`` maps them to HTTP 422 with their ``code``)."""

from __future__ import annotations

from compliance_rules.errors import ComplianceError


class PlacementError(ComplianceError, ValueError):
    """The placement data is inconsistent (a reference that does not resolve, a missing limit)."""

    code = "invalid_placement"


class UnknownPlacement(PlacementError, LookupError):
    """A placement id or platform name that is not in the catalog; ``details["known"]`` lists them."""

    code = "unknown_placement"
