"""The asset API on the S3 backend (moto's server over HTTP): content, presigned links and uploads that go
straight to the bucket, versioning, and bytes stored once across brands."""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from minio import Minio
from PIL import Image
from sqlalchemy import select

from asset_store.blobs import blob_key
from asset_store.models import BlobGrant
from serving.api import create_app
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.s3server import ACCESS_KEY, REGION, SECRET_KEY, fresh_bucket, minio_client
from tests.world import World, build_world


@dataclass
class S3App:
    app: FastAPI
    client: TestClient
    world: World
    bucket: str
    endpoint: str
    minio: Minio

    def call(self, method: str, actor: str, brand: str, path: str, **kw: Any) -> httpx.Response:
        headers = {**self.world.auth(actor), **kw.pop("headers", {})}
        url = f"/v1/brands/{self.world.ids[brand]}{path}"
        response: httpx.Response = self.client.request(method, url, headers=headers, **kw)
        return response

    def ok(self, method: str, path: str, actor: str = "creative_a", brand: str = "brand_a", **kw: Any) -> Any:
        response = self.call(method, actor, brand, path, **kw)
        assert response.status_code < 300, response.text
        return response.json()

    def versions(self, key: str) -> list[Any]:
        """Every version and delete marker stored under exactly ``key``."""
        found = self.minio.list_objects(self.bucket, prefix=key, include_version=True)
        return [item for item in found if item.object_name == key]

    def current_keys(self, prefix: str) -> list[str]:
        return [
            o.object_name or "" for o in self.minio.list_objects(self.bucket, prefix=prefix, recursive=True)
        ]


@pytest.fixture
def s3(sqlite_url: str, tmp_path: Path, s3_endpoint: str) -> Iterator[S3App]:
    bucket = fresh_bucket()
    store = {
        "backend": "s3",
        "endpoint": s3_endpoint,
        "bucket": bucket,
        "access_key": ACCESS_KEY,
        "secret_key": SECRET_KEY,
        "secure": False,
        "region": REGION,
    }
    settings = make_settings(sqlite_url, tmp_path / "var", object_store=store)
    app = create_app(settings, FakeGateway())
    with TestClient(app, raise_server_exceptions=False) as client:
        world = build_world(app.state.session_factory, settings)
        yield S3App(app, client, world, bucket, s3_endpoint, minio_client(s3_endpoint))


def png(width: int = 96, height: int = 64, color: tuple[int, int, int] = (220, 20, 60)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def upload(s3: S3App, data: bytes, actor: str = "creative_a", brand: str = "brand_a") -> httpx.Response:
    return s3.call("POST", actor, brand, "/blobs", content=data, headers={"Content-Type": "image/png"})


def test_bucket_is_versioned_after_startup(s3: S3App) -> None:
    assert s3.minio.bucket_exists(s3.bucket)
    assert s3.minio.get_bucket_versioning(s3.bucket).status == "Enabled"


def test_upload_commit_and_read_back_through_the_api_and_presigned_links(s3: S3App) -> None:
    data = png(700, 300)
    response = upload(s3, data)
    assert response.status_code == 201, response.text
    sha = response.json()["sha256"]
    assert s3.minio.stat_object(s3.bucket, blob_key(sha)).size == len(data)
    change = {"op": "put", "path": "kv/hero.png", "blob": sha, "metadata": {"title": "Hero"}}
    s3.ok("POST", "/commits", "admin_a", json={"branch": "main", "message": "hero", "changes": [change]})

    raw = s3.call("GET", "creative_a", "brand_a", "/raw/kv/hero.png")
    assert raw.status_code == 200 and raw.content == data
    part = s3.call("GET", "creative_a", "brand_a", "/raw/kv/hero.png", headers={"Range": "bytes=0-9"})
    assert (part.status_code, part.content) == (206, data[:10])

    asset = s3.ok("GET", "/tree/kv/hero.png")
    assert asset["metadata"] == {"title": "Hero"}
    assert set(asset["links"]) == {"content", "thumbnail"}
    for link in asset["links"].values():
        assert link.startswith(f"http://{s3.endpoint}/{s3.bucket}/"), link
    content = httpx.get(asset["links"]["content"], timeout=10)
    assert content.status_code == 200, content.text
    assert content.content == data
    assert content.headers["content-type"] == "image/png"
    assert "hero.png" in content.headers["content-disposition"]
    thumbnail = httpx.get(asset["links"]["thumbnail"], timeout=10)
    assert thumbnail.status_code == 200, thumbnail.text
    with Image.open(io.BytesIO(thumbnail.content)) as image:
        assert image.format == "WEBP" and image.size == (512, 219)

    redirect = s3.call(
        "GET",
        "creative_a",
        "brand_a",
        "/raw/kv/hero.png",
        params={"redirect": "true"},
        follow_redirects=False,
    )
    assert redirect.status_code == 307, redirect.text
    assert redirect.headers["location"].startswith(f"http://{s3.endpoint}/{s3.bucket}/")
    assert httpx.get(redirect.headers["location"], timeout=10).content == data


def test_presigned_upload_goes_straight_to_the_bucket(s3: S3App) -> None:
    data = png(128, 128, (0, 128, 255))
    body = {"kind": "image", "content_type": "image/png", "filename": "direct.png"}
    created = s3.call("POST", "creative_a", "brand_a", "/uploads", json=body)
    assert created.status_code == 201, created.text
    upload_id, target = created.json()["id"], created.json()["upload"]
    assert target["url"].startswith(f"http://{s3.endpoint}/{s3.bucket}/staging/"), target["url"]
    assert target["headers"] == {"Content-Type": "image/png"}

    put = httpx.put(target["url"], content=data, headers=target["headers"], timeout=10)
    assert put.status_code == 200, put.text
    assert s3.current_keys("staging/") == [f"staging/{upload_id}"]

    done = s3.ok("POST", f"/uploads/{upload_id}/complete")
    assert done["status"] == "complete"
    sha = done["blob"]["sha256"]
    assert (done["blob"]["size"], done["blob"]["width"]) == (len(data), 128)
    stat = s3.minio.stat_object(s3.bucket, blob_key(sha))
    assert (stat.size, stat.content_type) == (len(data), "image/png")
    assert blob_key(sha).startswith(f"blobs/sha256/{sha[:2]}/{sha[2:4]}/")
    assert s3.current_keys("staging/") == []
    assert s3.ok("GET", f"/uploads/{upload_id}")["status"] == "complete"


def test_failed_presigned_upload_is_marked_failed_and_its_staging_object_removed(s3: S3App) -> None:
    body = {"kind": "image", "content_type": "image/png"}
    created = s3.ok("POST", "/uploads", json=body)
    target = created["upload"]
    truncated = png(300, 300, (1, 1, 1))[:200]
    assert (
        httpx.put(target["url"], content=truncated, headers=target["headers"], timeout=10).status_code == 200
    )
    refused = s3.call("POST", "creative_a", "brand_a", f"/uploads/{created['id']}/complete")
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "corrupt_file"
    assert s3.ok("GET", f"/uploads/{created['id']}")["status"] == "failed"
    assert s3.current_keys("staging/") == []
    assert s3.current_keys("blobs/") == []


def test_staging_bytes_do_not_linger_as_noncurrent_versions(s3: S3App) -> None:
    """Staging copies are transient: removing one must not keep its bytes as an old version forever."""
    created = s3.ok("POST", "/uploads", json={"kind": "image", "content_type": "image/png"})
    target = created["upload"]
    assert httpx.put(target["url"], content=png(), headers=target["headers"], timeout=10).status_code == 200
    s3.ok("POST", f"/uploads/{created['id']}/complete")
    leftovers = [v for v in s3.versions(f"staging/{created['id']}") if not v.is_delete_marker]
    assert leftovers == [], [(v.object_name, v.version_id, v.size) for v in leftovers]


def test_same_bytes_from_two_brands_are_stored_once_and_granted_to_each(s3: S3App) -> None:
    data = png(64, 64, (12, 34, 56))
    first = upload(s3, data, "creative_a", "brand_a")
    second = upload(s3, data, "creative_b", "brand_b")
    assert (first.status_code, second.status_code) == (201, 201), (first.text, second.text)
    sha = first.json()["sha256"]
    assert second.json()["sha256"] == sha
    assert first.json()["created"] is True and second.json()["created"] is True

    versions = s3.versions(blob_key(sha))
    assert len(versions) == 1 and not versions[0].is_delete_marker
    assert len([k for k in s3.current_keys("previews/") if sha in k]) == 1

    with s3.app.state.session_factory() as session:
        grants = session.scalars(select(BlobGrant.brand_id).where(BlobGrant.sha256 == sha)).all()
    assert sorted(grants) == sorted([s3.world.ids["brand_a"], s3.world.ids["brand_b"]])
    assert s3.ok("GET", f"/blobs/{sha}", "creative_b", "brand_b")["sha256"] == sha
    again = upload(s3, data, "creative_b", "brand_b")
    assert (again.status_code, again.json()["created"]) == (200, False)
    assert len(s3.versions(blob_key(sha))) == 1
