"""Object store: bytes under keys, on the local filesystem (embedded default) or S3/MinIO.

``S3ObjectStore`` is imported on first use so that importing the package does not load the minio SDK.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from asset_store.objects.factory import open_object_store
from asset_store.objects.keys import MAX_KEY_BYTES, validate_key, validate_prefix, validate_range
from asset_store.objects.local import LocalObjectStore
from asset_store.objects.protocol import ObjectStat, ObjectStore, PresignedRequest
from asset_store.objects.signing import MAX_PRESIGN_EXPIRY, SignedGrant, UrlSigner, content_disposition

if TYPE_CHECKING:
    from asset_store.objects.s3 import S3ObjectStore

__all__ = [
    "MAX_KEY_BYTES",
    "MAX_PRESIGN_EXPIRY",
    "LocalObjectStore",
    "ObjectStat",
    "ObjectStore",
    "PresignedRequest",
    "S3ObjectStore",
    "SignedGrant",
    "UrlSigner",
    "content_disposition",
    "open_object_store",
    "validate_key",
    "validate_prefix",
    "validate_range",
]


def __getattr__(name: str) -> object:
    if name == "S3ObjectStore":
        from asset_store.objects.s3 import S3ObjectStore

        return S3ObjectStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
