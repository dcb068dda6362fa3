"""Export errors: problem+json with a stable ``code``."""

from __future__ import annotations

from serving.errors import AtelierError, Conflict


class NotApproved(Conflict):
    """A source version is not brand-approved; ``violations`` name each path and why (409)."""

    code, title = "not_approved", "Not brand-approved"


class ExportNotReady(Conflict):
    """The export job has not succeeded (yet): there is no manifest (409)."""

    code, title = "export_not_ready", "Export not ready"


class NothingExported(AtelierError):
    """No rendition met its placement: nothing was stored (422)."""

    status, code, title = 422, "nothing_exported", "Nothing exported"
