"""Uploads: spool and hash the bytes, validate them, store blob and previews once, grant them to a brand."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from asset_store.blobs import Spool, Spooled, blob_key, preview_key
from asset_store.errors import InvalidAsset
from asset_store.media import AssetKind, MediaInfo, inspect_file, make_previews
from asset_store.models import Blob, BlobGrant
from asset_store.repo.sqlutil import insert_ignore
from serving.assets.services import AssetServices


@dataclass(frozen=True)
class Ingested:
    blob: Blob
    grant: BlobGrant
    created: bool
    """True when this brand did not have these bytes before."""


def parse_kind(value: str | None) -> AssetKind | None:
    if value is None or value == "":
        return None
    try:
        return AssetKind(value)
    except ValueError as exc:
        kinds = ", ".join(k.value for k in AssetKind)
        raise InvalidAsset(f"unknown kind {value!r}; use one of {kinds}", code="invalid_kind") from exc


async def spool_stream(chunks: AsyncIterator[bytes], services: AssetServices, max_bytes: int) -> Spool:
    """Copy a request body to a temp file; the caller closes the returned spool (context manager)."""
    spool = Spool(services.tmp_dir, max_bytes)
    try:
        async for chunk in chunks:
            spool.write(chunk)
    except BaseException:
        spool.__exit__(None, None, None)
        raise
    return spool


def _info_json(info: MediaInfo) -> dict[str, Any]:
    fields = ("extension", "fps", "video_codec", "audio_codec", "has_audio", "page_count", "char_count")
    data = {name: getattr(info, name) for name in fields if getattr(info, name) is not None}
    data.update(info.extra)
    return data


def ingest(
    session: Session,
    services: AssetServices,
    brand_id: str,
    spooled: Spooled,
    *,
    declared_kind: AssetKind | None,
    declared_content_type: str | None,
    filename: str | None,
    actor_id: str | None,
) -> Ingested:
    """Validate the spooled bytes, store them (once, by sha256) with previews, and grant them to the brand."""
    info = inspect_file(
        spooled.path,
        declared_kind=declared_kind,
        declared_content_type=declared_content_type,
        limits=services.limits,
    )
    blob = session.get(Blob, spooled.sha256)
    if blob is None:
        objects = services.objects
        key = blob_key(spooled.sha256)
        if not objects.exists(key):
            objects.put_file(key, spooled.path, info.content_type)
        previews: dict[str, Any] = {}
        for preview in make_previews(spooled.path, info):
            objects.put_bytes(preview_key(spooled.sha256, preview.role), preview.data, preview.content_type)
            previews[preview.role] = {
                "content_type": preview.content_type,
                "width": preview.width,
                "height": preview.height,
            }
        row = {
            "sha256": spooled.sha256,
            "size": spooled.size,
            "kind": info.kind.value,
            "content_type": info.content_type,
            "width": info.width,
            "height": info.height,
            "duration_s": info.duration_s,
            "info": _info_json(info),
            "previews": previews,
        }
        insert_ignore(session, Blob, [row])
        blob = session.get(Blob, spooled.sha256)
        assert blob is not None
    grant = session.get(BlobGrant, (brand_id, spooled.sha256))
    created = grant is None
    if grant is None:
        insert_ignore(
            session,
            BlobGrant,
            [
                {
                    "brand_id": brand_id,
                    "sha256": spooled.sha256,
                    "kind": info.kind.value,
                    "content_type": info.content_type,
                    "filename": filename,
                    "created_by": actor_id,
                }
            ],
        )
        grant = session.get(BlobGrant, (brand_id, spooled.sha256))
        assert grant is not None
    else:  # the same brand uploads the same bytes again, maybe declared as another valid kind
        grant.kind, grant.content_type = info.kind.value, info.content_type
        if filename and not grant.filename:
            grant.filename = filename
    return Ingested(blob, grant, created)
