"""Local filesystem object store: the embedded default backend.

Layout under ``root``::

    objects/<segment>/.../<last segment>/@data        the bytes of one object
    objects/<segment>/.../<last segment>/@meta.json   {"content_type", "etag", "size"}
    .tmp/                                             in-flight puts, never listed
    .lock                                             flock taken while publishing or deleting

Every key segment is a directory, so ``a`` and ``a/b`` can both exist (as on S3). Names starting with one
``@`` are reserved; a key segment that starts with ``@`` is stored with one more ``@`` (``@x`` → ``@@x``).

A put copies into ``.tmp/`` (same filesystem) and fsyncs; then, holding the store's lock, it publishes the
metadata and then the data, each with ``os.replace``. A delete removes the data, then the metadata, under
the same lock. So an object is visible exactly when ``@data`` exists, it always has its metadata, and an
interrupted put leaves nothing visible. A reader racing an overwrite may briefly see the new metadata with
the old bytes. Not supported: case-insensitive filesystems (``A`` and ``a`` collide).
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import io
import json
import os
import shutil
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any, BinaryIO

from asset_store.errors import InvalidAsset, ObjectNotFound, StorageUnavailable
from asset_store.objects.keys import validate_key, validate_prefix, validate_range
from asset_store.objects.protocol import ObjectStat, PresignedRequest
from asset_store.objects.signing import UrlSigner, check_expiry

DATA_NAME = "@data"
META_NAME = "@meta.json"
DEFAULT_CONTENT_TYPE = "application/octet-stream"
_COPY_CHUNK = 1 << 20
_MAX_NAME_BYTES = 255


def _escape(segment: str) -> str:
    return "@" + segment if segment.startswith("@") else segment


def _unescape(name: str) -> str | None:
    """The key segment stored as directory ``name``, or None for a reserved name."""
    if name.startswith("@@"):
        return name[1:]
    return None if name.startswith("@") else name


class _HashingWriter:
    """A write-only file wrapper that hashes what passes through."""

    def __init__(self, target: IO[bytes]) -> None:
        self._target = target
        self.digest = hashlib.md5(usedforsecurity=False)
        self.size = 0

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        self.size += len(data)
        return self._target.write(data)


class LocalObjectStore:
    """Objects as files under ``root``; presigned URLs signed by ``signer`` and served by the API."""

    name = "local"

    def __init__(self, root: Path, signer: UrlSigner) -> None:
        self.root = Path(root)
        self.signer = signer
        self._objects = self.root / "objects"
        self._tmp = self.root / ".tmp"

    def ensure_ready(self) -> None:
        """Create the root, ``objects/`` and ``.tmp/`` directories; idempotent."""
        with self._storage_errors():
            self._objects.mkdir(parents=True, exist_ok=True)
            self._tmp.mkdir(parents=True, exist_ok=True)

    def put_file(self, key: str, path: Path, content_type: str) -> ObjectStat:
        """Copy the local file at ``path`` into the store under ``key``, atomically."""
        validate_key(key)
        with open(path, "rb") as source:
            return self._put(key, source, content_type)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> ObjectStat:
        """Store ``data`` under ``key``, atomically."""
        validate_key(key)
        return self._put(key, io.BytesIO(data), content_type)

    def stat(self, key: str) -> ObjectStat:
        """Size, content type and md5 etag of ``key``; ``ObjectNotFound`` if absent."""
        folder = self._folder(key)
        try:
            info = (folder / DATA_NAME).stat()
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise self._not_found(key) from exc
        meta = self._read_meta(folder)
        if not meta and not (folder / DATA_NAME).exists():  # deleted while we looked
            raise self._not_found(key)
        content_type = meta.get("content_type")
        etag = meta.get("etag")
        return ObjectStat(
            key=key,
            size=info.st_size,
            last_modified=datetime.fromtimestamp(info.st_mtime, UTC),
            content_type=content_type if isinstance(content_type, str) else DEFAULT_CONTENT_TYPE,
            etag=etag if isinstance(etag, str) else None,
        )

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists."""
        return (self._folder(key) / DATA_NAME).is_file()

    def iter_bytes(
        self, key: str, *, offset: int = 0, length: int | None = None, chunk_size: int = 1 << 20
    ) -> Iterator[bytes]:
        """Stream ``length`` bytes (all if None) from ``offset``; ``ObjectNotFound`` is raised by this call.

        A range past the end is clipped (it may yield nothing).
        """
        validate_range(offset, length)
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        try:
            handle = open(self._folder(key) / DATA_NAME, "rb")  # closed by _stream_file
        except (FileNotFoundError, NotADirectoryError) as exc:
            raise self._not_found(key) from exc
        return _stream_file(handle, offset, length, chunk_size)

    def read_bytes(self, key: str) -> bytes:
        """The whole object in memory."""
        return b"".join(self.iter_bytes(key))

    def download(self, key: str, path: Path) -> None:
        """Copy ``key`` to the local file ``path`` (written beside it, then renamed into place)."""
        chunks = self.iter_bytes(key)
        path = Path(path)
        tmp = path.with_name(f".{path.name}.{uuid.uuid4().hex}.part")
        try:
            with open(tmp, "wb") as out:
                for chunk in chunks:
                    out.write(chunk)
            os.replace(tmp, path)
        finally:
            tmp.unlink(missing_ok=True)

    def purge(self, key: str) -> None:
        """Same as ``delete``: the local store keeps no older versions."""
        self.delete(key)

    def delete(self, key: str) -> None:
        """Remove ``key`` and prune its now-empty directories; no error if absent."""
        folder = self._folder(key)
        with self._storage_errors(), self._locked():
            for name in (DATA_NAME, META_NAME):
                with contextlib.suppress(FileNotFoundError, NotADirectoryError):
                    (folder / name).unlink()
            while folder != self._objects:
                try:
                    folder.rmdir()
                except OSError:  # not empty, or already gone
                    break
                folder = folder.parent

    def list_keys(self, prefix: str) -> Iterator[str]:
        """Keys starting with ``prefix``, in lexicographic (code point = UTF-8 byte) order."""
        validate_prefix(prefix)
        complete = prefix.split("/")[:-1]
        start = self._objects.joinpath(*(_escape(segment) for segment in complete))
        return iter(sorted(key for key in self._walk(start, complete) if key.startswith(prefix)))

    def presign_get(
        self, key: str, expires: timedelta, *, filename: str | None = None, content_type: str | None = None
    ) -> PresignedRequest:
        """A signed URL for the API's ``/v1/objects/signed/{token}`` route (GET)."""
        token = self.signer.sign(key, "GET", expires, filename=filename, content_type=content_type)
        return PresignedRequest(self.signer.url(token), "GET", {}, check_expiry(expires))

    def presign_put(self, key: str, expires: timedelta, content_type: str) -> PresignedRequest:
        """A signed URL for the API's ``/v1/objects/signed/{token}`` route (PUT with ``Content-Type``)."""
        token = self.signer.sign(key, "PUT", expires, content_type=content_type)
        headers = {"Content-Type": content_type}
        return PresignedRequest(self.signer.url(token), "PUT", headers, check_expiry(expires))

    # -- internals -------------------------------------------------------------------------------------

    def _folder(self, key: str) -> Path:
        names = [_escape(segment) for segment in validate_key(key).split("/")]
        if any(len(name.encode("utf-8")) > _MAX_NAME_BYTES for name in names):
            raise InvalidAsset(
                f"invalid object key {key!r}: a segment is longer than the local filesystem allows",
                code="invalid_key",
                details={"key": key},
            )
        return self._objects.joinpath(*names)

    def _put(self, key: str, source: BinaryIO, content_type: str) -> ObjectStat:
        folder = self._folder(key)
        with self._storage_errors():
            self._tmp.mkdir(parents=True, exist_ok=True)
            data_tmp = self._tmp / f"{uuid.uuid4().hex}.data"
            meta_tmp = self._tmp / f"{uuid.uuid4().hex}.meta"
            try:
                with open(data_tmp, "xb") as out:
                    writer = _HashingWriter(out)
                    shutil.copyfileobj(source, writer, _COPY_CHUNK)
                    out.flush()
                    os.fsync(out.fileno())
                etag = writer.digest.hexdigest()
                meta = {"content_type": content_type, "etag": etag, "size": writer.size}
                with open(meta_tmp, "x", encoding="utf-8") as out_meta:
                    json.dump(meta, out_meta)
                    out_meta.flush()
                    os.fsync(out_meta.fileno())
                with self._locked():
                    folder.mkdir(parents=True, exist_ok=True)
                    os.replace(meta_tmp, folder / META_NAME)
                    os.replace(data_tmp, folder / DATA_NAME)
            finally:
                data_tmp.unlink(missing_ok=True)
                meta_tmp.unlink(missing_ok=True)
        return ObjectStat(key=key, size=writer.size, content_type=content_type, etag=etag)

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        """Serialise publishes and deletes (and their mkdir/prune) across threads and processes."""
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / ".lock", "a+b") as lock:
            fcntl.flock(lock.fileno(), fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(lock.fileno(), fcntl.LOCK_UN)

    def _read_meta(self, folder: Path) -> dict[str, Any]:
        try:
            with open(folder / META_NAME, encoding="utf-8") as handle:
                meta = json.load(handle)
        except (OSError, ValueError):
            return {}
        return meta if isinstance(meta, dict) else {}

    def _walk(self, start: Path, segments: list[str]) -> Iterator[str]:
        try:
            entries = list(os.scandir(start))
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as exc:
            raise StorageUnavailable(f"cannot list local objects: {exc}") from exc
        for entry in entries:
            if entry.name == DATA_NAME and segments and entry.is_file(follow_symlinks=False):
                yield "/".join(segments)
            elif entry.is_dir(follow_symlinks=False):
                segment = _unescape(entry.name)
                if segment is not None:
                    yield from self._walk(Path(entry.path), [*segments, segment])

    @contextlib.contextmanager
    def _storage_errors(self) -> Iterator[None]:
        """Translate filesystem failures (disk full, permissions, …) into ``StorageUnavailable``."""
        try:
            yield
        except OSError as exc:
            raise StorageUnavailable(
                f"local object store failed: {exc}", details={"root": str(self.root)}
            ) from exc

    @staticmethod
    def _not_found(key: str) -> ObjectNotFound:
        return ObjectNotFound(f"no object under key {key!r}", details={"key": key})


def _stream_file(handle: BinaryIO, offset: int, length: int | None, chunk_size: int) -> Iterator[bytes]:
    with handle:
        handle.seek(offset)
        remaining = length
        while remaining is None or remaining > 0:
            chunk = handle.read(chunk_size if remaining is None else min(chunk_size, remaining))
            if not chunk:
                return
            if remaining is not None:
                remaining -= len(chunk)
            yield chunk
