"""Glue between the routes and the repository: access checks, conversions, audit."""

from __future__ import annotations

from fastapi import Request
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key, preview_key
from asset_store.models import Blob, BlobGrant
from asset_store.repo.commits import CommitInfo
from asset_store.repo.refs import RefInfo
from asset_store.repo.repository import DEFAULT_BRANCH, AssetVersion, Repository
from asset_store.repo.tree import Change, Entry
from asset_store.sql import utcnow
from serving.assets.schemas import (
    AssetPublic,
    BlobPublic,
    ChangePublic,
    CommitPublic,
    EntryPublic,
    PreviewPublic,
    RefPublic,
)
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import NotFound
from serving.tenancy.models import Brand


def services_of(request: Request) -> AssetServices:
    services: AssetServices = request.app.state.assets
    return services


def require_brand(session: Session, caller: Caller, brand_id: str, permission: Permission) -> None:
    """The caller holds ``permission`` at an existing brand (404 hides brands the caller cannot see)."""
    caller.require(permission, brand_id)
    if session.get(Brand, brand_id) is None:
        raise NotFound("brand not found")


def open_repo(
    session: Session, services: AssetServices, caller: Caller, brand_id: str, permission: Permission
) -> Repository:
    require_brand(session, caller, brand_id, permission)
    return services.repository(session, brand_id)


def merge_permission(target: str) -> Permission:
    """Landing on the default branch publishes; other branches are work in progress."""
    return Permission.ASSETS_PUBLISH if target == DEFAULT_BRANCH else Permission.ASSETS_WRITE


def to_commit(commit: CommitInfo) -> CommitPublic:
    return CommitPublic(
        id=commit.id,
        parents=list(commit.parents),
        tree_id=commit.tree_id,
        generation=commit.generation,
        author_id=commit.author_id,
        message=commit.message,
        meta=commit.meta,
        created_at=commit.created_at,
    )


def to_ref(ref: RefInfo) -> RefPublic:
    return RefPublic(
        name=ref.name,
        kind=ref.kind,
        commit_id=ref.commit_id,
        created_by=ref.created_by,
        message=ref.message,
        created_at=ref.created_at,
        updated_at=ref.updated_at,
    )


def to_entry(entry: Entry | None) -> EntryPublic | None:
    if entry is None:
        return None
    return EntryPublic(path=entry.path, kind=entry.kind, size=entry.size, blob=entry.blob)


def to_change(change: Change) -> ChangePublic:
    return ChangePublic(
        path=change.path, status=change.status, before=to_entry(change.before), after=to_entry(change.after)
    )


def previews_of(blob: Blob | None) -> list[PreviewPublic]:
    if blob is None:
        return []
    return [PreviewPublic(role=role, **value) for role, value in sorted((blob.previews or {}).items())]


def to_blob(blob: Blob, grant: BlobGrant, created: bool = True) -> BlobPublic:
    """The blob as one brand sees it: kind and type are the ones that brand uploaded it as."""
    return BlobPublic(
        sha256=blob.sha256,
        size=blob.size,
        kind=grant.kind,
        content_type=grant.content_type,
        width=blob.width,
        height=blob.height,
        duration_s=blob.duration_s,
        info=dict(blob.info or {}),
        previews=previews_of(blob),
        created=created,
    )


def asset_links(services: AssetServices, version: AssetVersion, blob: Blob | None) -> dict[str, str]:
    """Presigned download URLs for the asset's bytes and previews (computed locally, no round trip)."""
    sha, ttl = version.entry.blob, services.presign_ttl
    filename = version.path.rsplit("/", 1)[-1]
    links = {
        "content": services.objects.presign_get(
            blob_key(sha), ttl, filename=filename, content_type=version.content_type
        ).url
    }
    for preview in previews_of(blob):
        url = services.objects.presign_get(
            preview_key(sha, preview.role), ttl, content_type=preview.content_type
        )
        links[preview.role] = url.url
    return links


def to_asset(session: Session, services: AssetServices, version: AssetVersion) -> AssetPublic:
    blob = session.get(Blob, version.entry.blob)
    return AssetPublic(
        links=asset_links(services, version, blob),
        links_expire_at=utcnow() + services.presign_ttl,
        path=version.path,
        commit_id=version.commit_id,
        kind=version.entry.kind,
        size=version.entry.size,
        blob=version.entry.blob,
        content_type=version.content_type,
        width=blob.width if blob else None,
        height=blob.height if blob else None,
        duration_s=blob.duration_s if blob else None,
        metadata=version.metadata,
        previews=previews_of(blob),
    )
