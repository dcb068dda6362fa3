"""Housekeeping removes abandoned uploads and orphan bytes, and never what a blob row refers to."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from asset_store.blobs import blob_key, preview_key, staging_key
from asset_store.models import Blob, UploadSession
from asset_store.sql import utcnow
from serving.assets.gc import collect
from serving.assets.services import build_asset_services
from serving.db import make_engine, make_session_factory, transaction
from tests.conftest import make_settings
from tests.repohelpers import add_brand, fake_sha, grant_blobs


def test_gc_expires_uploads_and_removes_orphans_only(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path / "var")
    services = build_asset_services(settings)
    services.objects.ensure_ready()
    engine = make_engine(db_url)
    factory = make_session_factory(engine)
    brand = add_brand(factory, "gc")
    (kept,) = grant_blobs(factory, brand, ["kept"])
    orphan = fake_sha("orphan")
    for key in (
        blob_key(kept),
        preview_key(kept, "thumbnail"),
        blob_key(orphan),
        preview_key(orphan, "poster"),
    ):
        services.objects.put_bytes(key, b"bytes", "application/octet-stream")
    with transaction(factory) as session:
        for upload_id, expires in (
            ("upl_old", utcnow() - timedelta(minutes=1)),
            ("upl_new", utcnow() + timedelta(hours=1)),
        ):
            session.add(
                UploadSession(
                    id=upload_id,
                    brand_id=brand,
                    kind="image",
                    content_type="image/png",
                    staging_key=staging_key(upload_id),
                    expires_at=expires,
                )
            )
            services.objects.put_bytes(staging_key(upload_id), b"half", "image/png")

    dry = collect(factory, services, dry_run=True, grace=timedelta(0))
    assert dry.expired_uploads == [staging_key("upl_old")]
    assert dry.orphan_objects == sorted([blob_key(orphan), preview_key(orphan, "poster")])
    assert services.objects.exists(blob_key(orphan))  # a dry run removes nothing

    young = collect(factory, services, grace=timedelta(hours=1))
    assert young.orphan_objects == [] and services.objects.exists(blob_key(orphan))  # may be mid-upload

    report = collect(factory, services, grace=timedelta(0))
    assert report.orphan_objects == sorted([blob_key(orphan), preview_key(orphan, "poster")])
    assert not services.objects.exists(blob_key(orphan))
    assert services.objects.exists(blob_key(kept)) and services.objects.exists(preview_key(kept, "thumbnail"))
    assert not services.objects.exists(staging_key("upl_old"))
    assert services.objects.exists(staging_key("upl_new"))
    with transaction(factory) as session:
        assert session.get(UploadSession, "upl_old").status == "expired"  # type: ignore[union-attr]
        assert session.get(UploadSession, "upl_new").status == "pending"  # type: ignore[union-attr]
        assert session.get(Blob, kept) is not None
    engine.dispose()
