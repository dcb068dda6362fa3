"""Build the configured object store; the caller (the app factory) passes plain values, not settings."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from asset_store.errors import InvalidAsset
from asset_store.objects.local import LocalObjectStore
from asset_store.objects.protocol import ObjectStore
from asset_store.objects.signing import UrlSigner


def _misconfigured(message: str) -> InvalidAsset:
    return InvalidAsset(message, code="object_store_misconfigured")


def open_object_store(
    backend: Literal["local", "s3"],
    *,
    root: Path | None = None,
    signer: UrlSigner | None = None,
    endpoint: str | None = None,
    bucket: str | None = None,
    access_key: str | None = None,
    secret_key: str | None = None,
    secure: bool = True,
    region: str | None = None,
    part_size: int | None = None,
) -> ObjectStore:
    """The object store for ``backend``; raise ``InvalidAsset(code="object_store_misconfigured")``.

    ``local`` needs ``root`` and ``signer``; ``s3`` needs ``endpoint``, ``bucket``, ``access_key`` and
    ``secret_key``. Nothing is contacted here: call ``ensure_ready()`` at startup.
    """
    if backend == "local":
        if root is None or signer is None:
            raise _misconfigured("the local object store needs a root directory and a URL signer")
        return LocalObjectStore(root, signer)
    if backend == "s3":
        if not (endpoint and bucket and access_key and secret_key):
            given = {
                "endpoint": endpoint,
                "bucket": bucket,
                "access_key": access_key,
                "secret_key": secret_key,
            }
            missing = ", ".join(name for name, value in given.items() if not value)
            raise _misconfigured(f"the s3 object store needs {missing}")
        from asset_store.objects.s3 import DEFAULT_PART_SIZE, S3ObjectStore  # loads minio only for S3

        return S3ObjectStore(
            endpoint,
            bucket,
            access_key,
            secret_key,
            secure=secure,
            region=region,
            part_size=DEFAULT_PART_SIZE if part_size is None else part_size,
        )
    raise _misconfigured(f"unknown object store backend {backend!r}; expected 'local' or 's3'")
