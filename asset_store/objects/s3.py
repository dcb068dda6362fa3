"""S3/MinIO object store on the ``minio`` SDK: versioned bucket, multipart puts, presigned URLs.

Every S3 and network error is translated in one place, :meth:`S3ObjectStore._errors`: a missing key,
version or bucket becomes ``ObjectNotFound``; anything else (connection refused, timeouts, 5xx, access
denied) becomes ``StorageUnavailable``.
"""

from __future__ import annotations

import contextlib
import io
import os
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import certifi
import urllib3
from minio import Minio
from minio.commonconfig import ENABLED
from minio.error import MinioException, S3Error
from minio.versioningconfig import VersioningConfig
from urllib3.response import BaseHTTPResponse

from asset_store.errors import AssetStoreError, InvalidAsset, ObjectNotFound, StorageUnavailable
from asset_store.objects.keys import validate_key, validate_prefix, validate_range
from asset_store.objects.protocol import ObjectStat, PresignedRequest
from asset_store.objects.signing import check_expiry, content_disposition

MIN_PART_SIZE = 5 << 20
DEFAULT_PART_SIZE = 16 << 20
_NOT_FOUND_CODES = frozenset({"NoSuchKey", "NoSuchBucket", "NoSuchVersion", "ResourceNotFound"})
_BUCKET_RACE_CODES = frozenset({"BucketAlreadyOwnedByYou", "BucketAlreadyExists"})


def _http_client(secure: bool, timeout_s: float, retries: int) -> urllib3.PoolManager:
    """A pool that fails fast on a dead endpoint (minio's default waits 5 minutes and retries 5 times)."""
    retry = urllib3.Retry(
        total=retries,
        backoff_factor=0.2,
        status_forcelist=[500, 502, 503, 504],
        allowed_methods=None,  # S3 puts are idempotent: retry every method
    )
    timeout = urllib3.Timeout(connect=min(timeout_s, 5.0), read=timeout_s)
    if not secure:
        return urllib3.PoolManager(timeout=timeout, retries=retry, maxsize=10)
    # Same trust store as minio's own default client.
    ca_certs = os.environ.get("SSL_CERT_FILE") or certifi.where()
    return urllib3.PoolManager(
        timeout=timeout, retries=retry, maxsize=10, cert_reqs="CERT_REQUIRED", ca_certs=ca_certs
    )


class S3ObjectStore:
    """Objects in one S3 bucket (AWS, MinIO, or moto in tests), with versioning enabled.

    ``endpoint`` is ``host[:port]``; pass ``region`` so that requests and presigning need no extra
    bucket-location lookup. ``timeout_s`` and ``retries`` bound how long a dead endpoint takes to fail.
    """

    name = "s3"

    def __init__(
        self,
        endpoint: str,
        bucket: str,
        access_key: str | None,
        secret_key: str | None,
        *,
        secure: bool,
        region: str | None,
        part_size: int = DEFAULT_PART_SIZE,
        timeout_s: float = 30.0,
        retries: int = 2,
    ) -> None:
        if "://" in endpoint or "/" in endpoint:
            raise InvalidAsset(
                f"S3 endpoint must be host[:port] without scheme or path (use secure=...), got {endpoint!r}",
                code="object_store_misconfigured",
            )
        if part_size < MIN_PART_SIZE:
            raise ValueError(f"part_size must be at least {MIN_PART_SIZE} bytes (S3's minimum part size)")
        self.bucket = bucket
        self.part_size = part_size
        # With region=None the SDK asks the server for the bucket's location before the first request;
        # pass the region (moto and MinIO: "us-east-1") to skip that round trip.
        self._client = Minio(
            endpoint,
            access_key=access_key,
            secret_key=secret_key,
            secure=secure,
            region=region,
            http_client=_http_client(secure, timeout_s, retries),
        )
        self._region = region

    def ensure_ready(self) -> None:
        """Create the bucket if missing and turn versioning on; idempotent."""
        with self._errors():
            if not self._client.bucket_exists(self.bucket):
                try:
                    self._client.make_bucket(self.bucket, location=self._region)
                except S3Error as exc:
                    if exc.code not in _BUCKET_RACE_CODES:
                        raise
            if self._client.get_bucket_versioning(self.bucket).status != ENABLED:
                self._client.set_bucket_versioning(self.bucket, VersioningConfig(ENABLED))

    def put_file(self, key: str, path: Path, content_type: str) -> ObjectStat:
        """Upload ``path``; files larger than ``part_size`` go multipart."""
        validate_key(key)
        size = Path(path).stat().st_size
        with self._errors(key):
            result = self._client.fput_object(
                self.bucket, key, str(path), content_type=content_type, part_size=self.part_size
            )
        return ObjectStat(key, size, content_type, result.etag, result.version_id)

    def put_bytes(self, key: str, data: bytes, content_type: str) -> ObjectStat:
        """Upload ``data`` with one PUT (multipart above ``part_size``)."""
        validate_key(key)
        with self._errors(key):
            result = self._client.put_object(
                self.bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                part_size=self.part_size,
            )
        return ObjectStat(key, len(data), content_type, result.etag, result.version_id)

    def stat(self, key: str) -> ObjectStat:
        """HEAD the object; ``ObjectNotFound`` if absent."""
        validate_key(key)
        with self._errors(key):
            info = self._client.stat_object(self.bucket, key)
        return ObjectStat(
            key=key,
            size=info.size or 0,
            content_type=info.content_type or "application/octet-stream",
            etag=info.etag,
            version_id=info.version_id,
            last_modified=info.last_modified,
        )

    def exists(self, key: str) -> bool:
        """Whether ``key`` exists (a delete marker counts as absent)."""
        try:
            self.stat(key)
        except ObjectNotFound:
            return False
        return True

    def iter_bytes(
        self, key: str, *, offset: int = 0, length: int | None = None, chunk_size: int = 1 << 20
    ) -> Iterator[bytes]:
        """Stream ``length`` bytes (all if None) from ``offset``; ``ObjectNotFound`` is raised by this call.

        A range past the end is clipped (it may yield nothing), as on the local backend.
        """
        validate_key(key)
        validate_range(offset, length)
        if chunk_size <= 0:
            raise ValueError("chunk_size must be positive")
        if length == 0:  # the SDK reads length=0 as "to the end"
            self.stat(key)
            return iter(())
        with self._errors(key):
            try:
                response = self._client.get_object(self.bucket, key, offset=offset, length=length or 0)
            except S3Error as exc:
                if exc.code != "InvalidRange":  # offset at or past the end: nothing to read
                    raise
                return iter(())
        return self._stream(key, response, chunk_size)

    def read_bytes(self, key: str) -> bytes:
        """The whole object in memory."""
        return b"".join(self.iter_bytes(key))

    def download(self, key: str, path: Path) -> None:
        """Download to ``path`` via a temporary file renamed into place."""
        validate_key(key)
        with self._errors(key):
            self._client.fget_object(self.bucket, key, str(path))

    def delete(self, key: str) -> None:
        """Add a delete marker (older versions stay); no error if absent."""
        validate_key(key)
        with self._errors(key):
            self._client.remove_object(self.bucket, key)

    def purge(self, key: str) -> None:
        """Delete every version and delete marker of ``key``: nothing of it stays in the bucket."""
        validate_key(key)
        with self._errors(key):
            versions = [
                item.version_id
                for item in self._client.list_objects(self.bucket, prefix=key, include_version=True)
                if item.object_name == key
            ]
            for version_id in versions:
                self._client.remove_object(self.bucket, key, version_id=version_id)

    def list_keys(self, prefix: str) -> Iterator[str]:
        """Keys starting with ``prefix``, in S3's lexicographic (UTF-8 byte) order."""
        validate_prefix(prefix)
        return self._list(prefix)

    def presign_get(
        self, key: str, expires: timedelta, *, filename: str | None = None, content_type: str | None = None
    ) -> PresignedRequest:
        """A presigned GET; ``filename``/``content_type`` override the response headers."""
        validate_key(key)
        seconds = check_expiry(expires)
        overrides: dict[str, str | list[str] | tuple[str]] = {}
        if filename is not None:
            overrides["response-content-disposition"] = content_disposition(filename)
        if content_type is not None:
            overrides["response-content-type"] = content_type
        with self._errors(key):
            url = self._client.presigned_get_object(
                self.bucket, key, timedelta(seconds=seconds), response_headers=overrides or None
            )
        return PresignedRequest(url, "GET", {}, seconds)

    def presign_put(self, key: str, expires: timedelta, content_type: str) -> PresignedRequest:
        """A presigned PUT; the client must send ``Content-Type`` (stored as the object's type)."""
        validate_key(key)
        seconds = check_expiry(expires)
        with self._errors(key):
            url = self._client.presigned_put_object(self.bucket, key, timedelta(seconds=seconds))
        return PresignedRequest(url, "PUT", {"Content-Type": content_type}, seconds)

    # -- internals -------------------------------------------------------------------------------------

    def _list(self, prefix: str) -> Iterator[str]:
        with self._errors():
            for item in self._client.list_objects(self.bucket, prefix=prefix or None, recursive=True):
                if item.object_name is not None:
                    yield item.object_name

    def _stream(self, key: str, response: BaseHTTPResponse, chunk_size: int) -> Iterator[bytes]:
        try:
            with self._errors(key):
                for chunk in response.stream(chunk_size):
                    if chunk:
                        yield chunk
        finally:
            response.close()
            response.release_conn()

    @contextlib.contextmanager
    def _errors(self, key: str | None = None) -> Iterator[None]:
        """The one place S3 and network errors become asset-store errors."""
        where = {"bucket": self.bucket} if key is None else {"bucket": self.bucket, "key": key}
        try:
            yield
        except AssetStoreError:
            raise
        except S3Error as exc:
            details = {**where, "s3_code": exc.code}
            if exc.code in _NOT_FOUND_CODES:
                what = f"key {key!r}" if key is not None else "bucket"
                raise ObjectNotFound(f"no object: {what} in bucket {self.bucket!r}", details=details) from exc
            raise StorageUnavailable(
                f"S3 request failed: {exc.code}: {exc.message}", details=details
            ) from exc
        except (MinioException, urllib3.exceptions.HTTPError, OSError) as exc:
            message = f"S3 endpoint unavailable: {type(exc).__name__}: {exc}"
            raise StorageUnavailable(message, details=where) from exc
