"""Where content-addressed bytes live in the object store, and how they are hashed on the way in."""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from asset_store.errors import AssetTooLarge, InvalidAsset

_SHA_RE = re.compile(r"^[0-9a-f]{64}$")


def check_sha(sha: str) -> str:
    """A lowercase hex sha256, or InvalidAsset."""
    if not _SHA_RE.match(sha):
        raise InvalidAsset("not a sha256 hex digest", code="invalid_sha256", details={"sha256": sha})
    return sha


def blob_key(sha: str) -> str:
    """Object key of the bytes with this sha256 (fanned out so no prefix holds millions of keys)."""
    check_sha(sha)
    return f"blobs/sha256/{sha[:2]}/{sha[2:4]}/{sha}"


def preview_key(sha: str, role: str) -> str:
    """Object key of a preview (thumbnail, poster) rendered from the blob ``sha``."""
    check_sha(sha)
    return f"previews/{sha[:2]}/{sha}/{role}"


def staging_key(upload_id: str) -> str:
    """Object key where a presigned upload lands before it is checked and content-addressed."""
    return f"staging/{upload_id}"


@dataclass(frozen=True)
class Spooled:
    """A local temporary copy of uploaded bytes with their sha256 and size."""

    path: Path
    sha256: str
    size: int


class Spool:
    """Write a stream to a temporary file while hashing it and enforcing a byte limit.

    Use as a context manager: the file is removed on exit, whatever happened.
    """

    def __init__(self, directory: Path, max_bytes: int) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        fd, name = tempfile.mkstemp(prefix="upload-", dir=directory)
        self._file = os.fdopen(fd, "wb")
        self.path = Path(name)
        self.max_bytes = max_bytes
        self._hash = hashlib.sha256()
        self._size = 0

    def write(self, chunk: bytes) -> None:
        self._size += len(chunk)
        if self._size > self.max_bytes:
            raise AssetTooLarge(
                f"the upload exceeds {self.max_bytes} bytes",
                code="asset_too_large",
                details={"limit": self.max_bytes},
            )
        self._hash.update(chunk)
        self._file.write(chunk)

    def finish(self) -> Spooled:
        self._file.close()
        return Spooled(self.path, self._hash.hexdigest(), self._size)

    def __enter__(self) -> Spool:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self._file.close()
        self.path.unlink(missing_ok=True)
