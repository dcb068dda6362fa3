"""One contract for every object store backend: the local filesystem and S3 (moto's server over HTTP)."""

from __future__ import annotations

import hashlib
import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest

from asset_store.errors import InvalidAsset, ObjectNotFound, StorageUnavailable
from asset_store.objects import (
    LocalObjectStore,
    ObjectStore,
    S3ObjectStore,
    SignedGrant,
    UrlSigner,
    open_object_store,
)
from tests.s3server import fresh_bucket, minio_client, open_s3_store

SECRET = b"contract-test-secret-0123456789"
BASE_URL = "http://atelier.test"
PART = 5 << 20  # S3's minimum part size, so the large-file test really goes multipart


class Clock:
    """A settable clock for the signer."""

    def __init__(self) -> None:
        self.now = datetime(2030, 1, 1, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def local_store(tmp_path: Path, clock: Clock) -> LocalObjectStore:
    store = open_object_store(
        "local", root=tmp_path / "objects", signer=UrlSigner(SECRET, BASE_URL, clock=clock)
    )
    assert isinstance(store, LocalObjectStore)
    store.ensure_ready()
    return store


@pytest.fixture
def s3_store(s3_endpoint: str) -> S3ObjectStore:
    store = open_s3_store(s3_endpoint, fresh_bucket(), part_size=PART)
    store.ensure_ready()
    return store


@pytest.fixture(params=["local", "s3"])
def store(request: pytest.FixtureRequest) -> ObjectStore:
    backend: ObjectStore = request.getfixturevalue(f"{request.param}_store")
    return backend


def _read(chunks: Iterator[bytes]) -> bytes:
    return b"".join(chunks)


# -- the contract, on both backends ----------------------------------------------------------------------


def test_store_follows_the_protocol_and_ensure_ready_is_idempotent(store: ObjectStore) -> None:
    assert isinstance(store, ObjectStore)
    assert store.name in {"local", "s3"}
    store.ensure_ready()
    store.ensure_ready()


def test_put_stat_read_round_trip(store: ObjectStore) -> None:
    data = b"hello, atelier"
    put = store.put_bytes("brands/acme/note.txt", data, "text/plain; charset=utf-8")
    assert (put.key, put.size, put.content_type) == (
        "brands/acme/note.txt",
        len(data),
        "text/plain; charset=utf-8",
    )
    assert put.etag is not None and put.etag.strip('"') == hashlib.md5(data).hexdigest()
    stat = store.stat("brands/acme/note.txt")
    assert (stat.size, stat.content_type, stat.etag) == (len(data), "text/plain; charset=utf-8", put.etag)
    assert store.exists("brands/acme/note.txt")
    assert store.read_bytes("brands/acme/note.txt") == data


def test_put_file_and_download(store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "in.png"
    source.write_bytes(os.urandom(300_000))
    put = store.put_file("img/in.png", source, "image/png")
    assert put.size == 300_000
    assert store.stat("img/in.png").content_type == "image/png"
    target = tmp_path / "out" / "copy.png"
    target.parent.mkdir()
    store.download("img/in.png", target)
    assert target.read_bytes() == source.read_bytes()
    assert sorted(p.name for p in target.parent.iterdir()) == ["copy.png"]  # no temp files left


def test_overwrite_replaces_bytes_and_type(store: ObjectStore) -> None:
    store.put_bytes("k", b"first", "text/plain")
    store.put_bytes("k", b"second!", "application/json")
    stat = store.stat("k")
    assert (stat.size, stat.content_type) == (7, "application/json")
    assert store.read_bytes("k") == b"second!"


def test_empty_object(store: ObjectStore) -> None:
    assert store.put_bytes("empty", b"", "application/octet-stream").size == 0
    assert store.stat("empty").size == 0
    assert store.read_bytes("empty") == b""
    assert _read(store.iter_bytes("empty", offset=0, length=10)) == b""


def test_purge_removes_the_object_and_is_idempotent(store: ObjectStore) -> None:
    store.put_bytes("staging/upl_1", b"one", "image/png")
    store.put_bytes("staging/upl_1", b"two", "image/png")
    store.purge("staging/upl_1")
    store.purge("staging/upl_1")
    assert not store.exists("staging/upl_1")
    assert list(store.list_keys("staging/")) == []


def test_delete_is_idempotent(store: ObjectStore) -> None:
    store.put_bytes("gone/soon", b"x", "text/plain")
    store.delete("gone/soon")
    assert not store.exists("gone/soon")
    with pytest.raises(ObjectNotFound):
        store.stat("gone/soon")
    store.delete("gone/soon")
    store.delete("never/existed")
    assert list(store.list_keys("")) == []


def test_missing_key_raises_object_not_found(store: ObjectStore, tmp_path: Path) -> None:
    with pytest.raises(ObjectNotFound) as stat_error:
        store.stat("no/such/key")
    assert stat_error.value.code == "object_not_found"
    assert isinstance(stat_error.value, FileNotFoundError)
    with pytest.raises(ObjectNotFound):
        store.iter_bytes("no/such/key")  # raised by the call, before any chunk is requested
    with pytest.raises(ObjectNotFound):
        store.iter_bytes("no/such/key", offset=3, length=0)
    with pytest.raises(ObjectNotFound):
        store.read_bytes("no/such/key")
    with pytest.raises(ObjectNotFound):
        store.download("no/such/key", tmp_path / "nothing")
    assert not (tmp_path / "nothing").exists()
    assert not store.exists("no/such/key")


@pytest.mark.parametrize(
    ("offset", "length"),
    [(0, None), (10, None), (10, 20), (0, 1), (2555, None), (2555, 100), (2560, None), (2600, 5), (7, 0)],
)
def test_range_reads(store: ObjectStore, offset: int, length: int | None) -> None:
    data = bytes(range(256)) * 10  # 2560 bytes
    store.put_bytes("ranged", data, "application/octet-stream")
    end = None if length is None else offset + length
    chunks = list(store.iter_bytes("ranged", offset=offset, length=length, chunk_size=7))
    assert b"".join(chunks) == data[offset:end]
    assert all(0 < len(chunk) <= 7 for chunk in chunks)


def test_negative_range_is_invalid(store: ObjectStore) -> None:
    store.put_bytes("ranged", b"abc", "text/plain")
    for offset, length in ((-1, None), (0, -1)):
        with pytest.raises(InvalidAsset) as error:
            store.iter_bytes("ranged", offset=offset, length=length)
        assert error.value.code == "invalid_range"


def _multipart_etag(path: Path, part: int) -> str:
    digests, count = b"", 0
    with path.open("rb") as handle:
        while chunk := handle.read(part):
            digests += hashlib.md5(chunk).digest()
            count += 1
    return f"{hashlib.md5(digests).hexdigest()}-{count}"


def test_large_file_put(store: ObjectStore, tmp_path: Path) -> None:
    source = tmp_path / "big.bin"
    source.write_bytes(os.urandom(40 << 20))
    put = store.put_file("video/big.bin", source, "video/mp4")
    expected = hashlib.md5(source.read_bytes()).hexdigest()
    if store.name == "s3":
        expected = _multipart_etag(source, PART)  # 8 parts of 5 MiB: the upload was multipart
        assert expected.endswith("-8")
    assert put.etag is not None and put.etag.strip('"') == expected
    assert store.stat("video/big.bin").size == 40 << 20
    digest = hashlib.sha256()
    for chunk in store.iter_bytes("video/big.bin"):
        digest.update(chunk)
    assert digest.hexdigest() == hashlib.sha256(source.read_bytes()).hexdigest()


def test_list_keys_by_prefix_in_order(store: ObjectStore) -> None:
    # "a" and "a/b" and "a/b/c" coexist, as S3 allows; "@" names exercise the local layout's escaping.
    keys = ["a", "a/b", "a/b/c", "a-c", "a/ b", "ä/z", "x/@data", "x/@meta.json", "@top", "b/a.txt"]
    for key in reversed(keys):
        store.put_bytes(key, key.encode(), "text/plain")
    assert list(store.list_keys("")) == sorted(keys)
    assert list(store.list_keys("a/")) == ["a/ b", "a/b", "a/b/c"]
    assert list(store.list_keys("a/b")) == ["a/b", "a/b/c"]
    assert list(store.list_keys("a/b/")) == ["a/b/c"]
    assert list(store.list_keys("a")) == ["a", "a-c", "a/ b", "a/b", "a/b/c"]
    assert list(store.list_keys("x/@")) == ["x/@data", "x/@meta.json"]
    assert list(store.list_keys("@")) == ["@top"]
    assert list(store.list_keys("zzz/")) == []
    for key in keys:
        assert store.read_bytes(key) == key.encode()


BAD_KEYS = ["../x", "/abs", "a//b", "a\\b", "", "a/../b", "a/./b", "a/", "a\x00b", "a\nb", "é" * 513]


@pytest.mark.parametrize("key", BAD_KEYS)
def test_invalid_keys_are_rejected(store: ObjectStore, key: str, tmp_path: Path) -> None:
    source = tmp_path / "f"
    source.write_bytes(b"x")
    calls: list[Any] = [
        lambda: store.put_bytes(key, b"x", "text/plain"),
        lambda: store.put_file(key, source, "text/plain"),
        lambda: store.stat(key),
        lambda: store.exists(key),
        lambda: store.iter_bytes(key),
        lambda: store.delete(key),
        lambda: store.presign_get(key, timedelta(minutes=1)),
        lambda: store.presign_put(key, timedelta(minutes=1), "text/plain"),
    ]
    for call in calls:
        with pytest.raises(InvalidAsset) as error:
            call()
        assert error.value.code == "invalid_key"
    assert list(store.list_keys("")) == []


def test_invalid_prefix_and_expiry_are_rejected(store: ObjectStore) -> None:
    for prefix in ("/a", "../", "a//", "a\\"):
        with pytest.raises(InvalidAsset):
            store.list_keys(prefix)
    for expires in (timedelta(0), timedelta(seconds=-5), timedelta(days=8)):
        with pytest.raises(InvalidAsset) as error:
            store.presign_get("k", expires)
        assert error.value.code == "invalid_expiry"


# -- local backend ------------------------------------------------------------------------------------------


def test_local_presigned_urls_carry_verifiable_tokens(local_store: LocalObjectStore, clock: Clock) -> None:
    signer = local_store.signer
    get = local_store.presign_get("docs/r.pdf", timedelta(minutes=10), filename="r.pdf", content_type="x/y")
    assert get.url.startswith(f"{BASE_URL}/v1/objects/signed/")
    assert (get.method, get.headers, get.expires_in_s) == ("GET", {}, 600)
    token = get.url.rsplit("/", 1)[1]
    expires_at = clock.now + timedelta(minutes=10)
    assert signer.verify(token, "GET") == SignedGrant("docs/r.pdf", "GET", expires_at, "r.pdf", "x/y")

    put = local_store.presign_put("up/new.png", timedelta(seconds=90), "image/png")
    assert (put.method, put.headers, put.expires_in_s) == ("PUT", {"Content-Type": "image/png"}, 90)
    put_token = put.url.rsplit("/", 1)[1]
    put_expiry = clock.now + timedelta(seconds=90)
    assert signer.verify(put_token, "PUT") == SignedGrant("up/new.png", "PUT", put_expiry, None, "image/png")
    body, _, signature = token.partition(".")
    # wrong method, another grant's payload under this signature, a flipped signature, a truncated token
    forged = [(put_token, "GET"), (f"{put_token.partition('.')[0]}.{signature}", "PUT")]
    flipped = ("B" if signature[0] == "A" else "A") + signature[1:]  # the first char has no padding bits
    forged += [(f"{body}.{flipped}", "GET"), (token[:-1], "GET")]
    for bad, method in forged:
        with pytest.raises(InvalidAsset) as tampered:
            signer.verify(bad, method)
        assert tampered.value.code == "invalid_signature"
    clock.now += timedelta(minutes=10)
    with pytest.raises(InvalidAsset) as expired:
        signer.verify(token, "GET")
    assert expired.value.code == "signature_expired"


def _visible(store: LocalObjectStore, key: str) -> bool:
    return store.exists(key) or key in list(store.list_keys(""))


def test_local_interrupted_put_leaves_no_object(
    local_store: LocalObjectStore, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    source = tmp_path / "src.bin"
    source.write_bytes(os.urandom(3 << 20))
    local_store.put_bytes("kept", b"old bytes", "text/plain")

    def copy_half_then_die(src: Any, dst: Any, length: int = 0) -> None:
        dst.write(src.read(1 << 20))
        raise RuntimeError("process killed mid-copy")

    monkeypatch.setattr(shutil, "copyfileobj", copy_half_then_die)
    with pytest.raises(RuntimeError):
        local_store.put_file("fresh", source, "application/octet-stream")
    with pytest.raises(RuntimeError):
        local_store.put_file("kept", source, "application/octet-stream")
    monkeypatch.undo()

    assert not _visible(local_store, "fresh")
    with pytest.raises(ObjectNotFound):
        local_store.stat("fresh")
    assert local_store.read_bytes("kept") == b"old bytes"
    assert local_store.stat("kept").content_type == "text/plain"
    assert list(local_store.list_keys("")) == ["kept"]
    assert list((local_store.root / ".tmp").iterdir()) == []


def test_local_put_failing_between_metadata_and_data_leaves_no_object(
    local_store: LocalObjectStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    real_replace = os.replace

    def fail_on_data(src: Any, dst: Any) -> None:
        if Path(dst).name == "@data":
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", fail_on_data)
    with pytest.raises(StorageUnavailable):
        local_store.put_bytes("half", b"data", "text/plain")
    monkeypatch.undo()
    assert not _visible(local_store, "half")
    assert list((local_store.root / ".tmp").iterdir()) == []
    local_store.put_bytes("half", b"data", "text/plain")  # a retry succeeds over the orphan metadata
    assert local_store.stat("half").content_type == "text/plain"


def test_local_readers_never_see_an_object_without_its_type(local_store: LocalObjectStore) -> None:
    stop = threading.Event()
    seen: set[str] = set()

    def churn() -> None:
        while not stop.is_set():
            local_store.put_bytes("hot/key", b"v", "image/webp")
            local_store.delete("hot/key")

    writer = threading.Thread(target=churn)
    writer.start()
    try:
        deadline = time.monotonic() + 0.5
        while time.monotonic() < deadline:
            try:
                seen.add(local_store.stat("hot/key").content_type)
            except ObjectNotFound:
                seen.add("absent")
    finally:
        stop.set()
        writer.join()
    assert seen <= {"image/webp", "absent"}
    assert not list((local_store.root / "objects").iterdir())  # deletes prune empty folders


# -- S3 backend ---------------------------------------------------------------------------------------------


def test_s3_bucket_is_versioned_and_overwrites_keep_old_versions(
    s3_store: S3ObjectStore, s3_endpoint: str
) -> None:
    client = minio_client(s3_endpoint)
    assert client.get_bucket_versioning(s3_store.bucket).status == "Enabled"
    first = s3_store.put_bytes("brand/logo.svg", b"<svg>1</svg>", "image/svg+xml")
    second = s3_store.put_bytes("brand/logo.svg", b"<svg>2</svg>", "image/svg+xml")
    assert first.version_id and second.version_id and first.version_id != second.version_id
    assert s3_store.stat("brand/logo.svg").version_id == second.version_id

    def versions() -> list[tuple[str | None, bool]]:
        listed = client.list_objects(s3_store.bucket, prefix="brand/logo.svg", include_version=True)
        return [(o.version_id, bool(o.is_delete_marker)) for o in listed if o.object_name == "brand/logo.svg"]

    assert sorted(versions()) == sorted([(first.version_id, False), (second.version_id, False)])
    s3_store.delete("brand/logo.svg")
    assert not s3_store.exists("brand/logo.svg")
    assert len(versions()) == 3 and sum(marker for _, marker in versions()) == 1
    s3_store.put_bytes("brand/logo.svg.bak", b"neighbour", "text/plain")
    s3_store.purge("brand/logo.svg")  # scratch data: every version and marker goes
    assert versions() == [] and s3_store.exists("brand/logo.svg.bak")


def test_s3_presigned_get_over_http(s3_store: S3ObjectStore) -> None:
    s3_store.put_bytes("docs/report.pdf", b"%PDF-1.7 ...", "application/pdf")
    plain = s3_store.presign_get("docs/report.pdf", timedelta(minutes=5))
    assert (plain.method, plain.expires_in_s) == ("GET", 300)
    response = httpx.get(plain.url)
    assert response.status_code == 200
    assert response.content == b"%PDF-1.7 ..."
    assert response.headers["content-type"] == "application/pdf"

    named = s3_store.presign_get(
        "docs/report.pdf", timedelta(minutes=5), filename="Rapport été.pdf", content_type="application/x-pdf"
    )
    response = httpx.get(named.url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/x-pdf"
    disposition = response.headers["content-disposition"]
    assert disposition.startswith('attachment; filename="Rapport _t_.pdf"')
    assert "filename*=UTF-8''Rapport%20%C3%A9t%C3%A9.pdf" in disposition


def test_s3_presigned_put_over_http(s3_store: S3ObjectStore) -> None:
    request = s3_store.presign_put("uploads/photo.jpg", timedelta(minutes=5), "image/jpeg")
    assert request.headers == {"Content-Type": "image/jpeg"}
    response = httpx.put(request.url, content=b"\xff\xd8\xff jpeg", headers=request.headers)
    assert response.status_code == 200
    stat = s3_store.stat("uploads/photo.jpg")
    assert (stat.size, stat.content_type) == (len(b"\xff\xd8\xff jpeg"), "image/jpeg")
    assert s3_store.read_bytes("uploads/photo.jpg") == b"\xff\xd8\xff jpeg"


def test_s3_unreachable_endpoint_fails_fast() -> None:
    dead = open_s3_store("127.0.0.1:1", fresh_bucket())
    for call in (dead.ensure_ready, lambda: dead.stat("k"), lambda: dead.put_bytes("k", b"x", "text/plain")):
        started = time.monotonic()
        with pytest.raises(StorageUnavailable) as error:
            call()
        assert time.monotonic() - started < 5
        assert error.value.code == "storage_unavailable"
    with pytest.raises(StorageUnavailable):
        list(dead.list_keys(""))


# -- factory ------------------------------------------------------------------------------------------------


def test_factory_refuses_incomplete_configuration(tmp_path: Path) -> None:
    with pytest.raises(InvalidAsset, match="needs access_key, secret_key") as s3_error:
        open_object_store("s3", endpoint="minio:9000", bucket="atelier")
    with pytest.raises(InvalidAsset) as local_error:
        open_object_store("local", root=tmp_path)
    with pytest.raises(ValueError, match="host\\[:port\\]") as scheme_error:
        open_object_store("s3", endpoint="http://minio:9000", bucket="b", access_key="a", secret_key="s")
    for error in (s3_error, local_error, scheme_error):
        assert isinstance(error.value, InvalidAsset) and error.value.code == "object_store_misconfigured"
