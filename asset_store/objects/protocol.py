"""The object store contract: keys to immutable-ish bytes, with streaming, presigning and atomic puts."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Protocol, runtime_checkable


@dataclass(frozen=True)
class ObjectStat:
    """What the store knows about one object."""

    key: str
    size: int
    content_type: str
    etag: str | None = None
    version_id: str | None = None
    last_modified: datetime | None = None


@dataclass(frozen=True)
class PresignedRequest:
    """A URL a client may call without credentials until it expires."""

    url: str
    method: str
    headers: dict[str, str] = field(default_factory=dict)
    expires_in_s: int = 0


@runtime_checkable
class ObjectStore(Protocol):
    """Bytes under keys. Backends: local filesystem (embedded default) and S3/MinIO.

    Keys are relative, '/'-separated, without '..' or a leading '/' (see ``keys.validate_key``; a bad key
    raises ``InvalidAsset(code="invalid_key")``); ``a`` and ``a/b`` may both exist. A put is atomic: a reader
    sees the whole object or nothing, and an interrupted put leaves no visible object.
    """

    name: str

    def ensure_ready(self) -> None:
        """Create the bucket/root if missing (with versioning on S3); idempotent."""

    def put_file(self, key: str, path: Path, content_type: str) -> ObjectStat:
        """Store a local file under ``key`` (multipart on S3 for large files)."""

    def put_bytes(self, key: str, data: bytes, content_type: str) -> ObjectStat:
        """Store small bytes under ``key``."""

    def stat(self, key: str) -> ObjectStat:
        """Describe ``key``; raise ``ObjectNotFound`` if absent."""

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists."""

    def iter_bytes(
        self, key: str, *, offset: int = 0, length: int | None = None, chunk_size: int = 1 << 20
    ) -> Iterator[bytes]:
        """Stream the object (or a byte range) in chunks; raise ``ObjectNotFound`` before the first chunk.

        Backends raise it from the call itself. A range past the end is clipped (possibly to nothing); a
        negative offset or length raises ``InvalidAsset(code="invalid_range")``.
        """

    def read_bytes(self, key: str) -> bytes:
        """The whole object in memory (small objects only)."""

    def download(self, key: str, path: Path) -> None:
        """Copy the object to a local file."""

    def delete(self, key: str) -> None:
        """Remove ``key`` (a delete marker on a versioned bucket); no error if absent."""

    def purge(self, key: str) -> None:
        """Remove ``key`` with every older version (for scratch data such as staging uploads)."""

    def list_keys(self, prefix: str) -> Iterator[str]:
        """Keys under ``prefix``, in lexicographic order."""

    def presign_get(
        self, key: str, expires: timedelta, *, filename: str | None = None, content_type: str | None = None
    ) -> PresignedRequest:
        """A URL that downloads ``key`` (as ``filename`` if given) until ``expires``."""

    def presign_put(self, key: str, expires: timedelta, content_type: str) -> PresignedRequest:
        """A URL that uploads one object to ``key``; the client must send ``headers``."""
