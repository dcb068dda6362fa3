"""An in-process moto S3 server for tests, and helpers to point the minio SDK at it."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

from minio import Minio
from moto.server import ThreadedMotoServer

from asset_store.objects import S3ObjectStore, open_object_store

ACCESS_KEY = "testing"
SECRET_KEY = "testing"
# moto accepts any credentials; us-east-1 keeps minio from sending a LocationConstraint on make_bucket
# and, being given explicitly, from asking the server for the bucket's region first.
REGION = "us-east-1"


@contextmanager
def moto_s3_server() -> Iterator[str]:
    """Run moto's S3 server on a free local port; yield its ``host:port`` endpoint."""
    access_log = logging.getLogger("werkzeug")  # one line per request otherwise
    level = access_log.level
    access_log.setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        yield f"{host}:{port}"
    finally:
        server.stop()
        access_log.setLevel(level)


def fresh_bucket() -> str:
    """A bucket name no other test uses."""
    return f"atelier-test-{uuid.uuid4().hex[:16]}"


def minio_client(endpoint: str) -> Minio:
    """A plain minio client on the moto server, for inspecting what a store did."""
    return Minio(endpoint, access_key=ACCESS_KEY, secret_key=SECRET_KEY, secure=False, region=REGION)


def open_s3_store(endpoint: str, bucket: str, *, part_size: int | None = None) -> S3ObjectStore:
    """An ``S3ObjectStore`` on the moto server, built through the factory (``ensure_ready`` not called)."""
    store = open_object_store(
        "s3",
        endpoint=endpoint,
        bucket=bucket,
        access_key=ACCESS_KEY,
        secret_key=SECRET_KEY,
        secure=False,
        region=REGION,
        part_size=part_size,
    )
    assert isinstance(store, S3ObjectStore)
    return store
