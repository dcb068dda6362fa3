"""One exception hierarchy for the asset store; ``serving`` maps each class to an HTTP status.

Every error carries a stable machine-readable ``code`` and optional ``details`` (JSON-safe), so the API
can answer with problem+json without knowing the subsystem's internals.
"""

from __future__ import annotations

from typing import Any


class AssetStoreError(Exception):
    """Base error of the asset store."""

    code: str = "asset_store_error"

    def __init__(
        self, message: str, *, code: str | None = None, details: dict[str, Any] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.details: dict[str, Any] = details or {}


class InvalidAsset(AssetStoreError, ValueError):
    """Bad input: corrupt, truncated or empty file, a type that lies, an illegal path or name (HTTP 422)."""

    code = "invalid_asset"


class AssetTooLarge(AssetStoreError, ValueError):
    """The bytes exceed the size limit for their kind (HTTP 413)."""

    code = "asset_too_large"


class ObjectNotFound(AssetStoreError, FileNotFoundError):
    """No object, blob, asset or commit under that name (HTTP 404)."""

    code = "object_not_found"


class RefNotFound(AssetStoreError, LookupError):
    """No branch, tag or commit by that name (HTTP 404)."""

    code = "ref_not_found"


class RefConflict(AssetStoreError):
    """A compare-and-swap lost: the ref moved, or already exists (HTTP 409)."""

    code = "ref_conflict"


class MergeConflict(AssetStoreError):
    """Both sides changed the same asset differently; ``details['conflicts']`` lists them (HTTP 409)."""

    code = "merge_conflict"


class MergeBlocked(AssetStoreError):
    """The pre-merge gate refused; ``details['violations']`` says why, per asset (HTTP 409)."""

    code = "merge_blocked"


class StorageUnavailable(AssetStoreError):
    """The object store or vector index cannot be reached or failed (HTTP 503)."""

    code = "storage_unavailable"


class MissingDependency(AssetStoreError, ImportError):
    """An optional package or binary (ffmpeg, qdrant-client) is not installed (HTTP 503)."""

    code = "missing_dependency"
