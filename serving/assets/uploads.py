"""Upload sessions: presigned PUT to a staging key, then complete = validate, content-address, grant."""

from __future__ import annotations

from typing import Literal

from sqlalchemy.orm import Session, sessionmaker

from asset_store.blobs import Spool, Spooled, staging_key
from asset_store.errors import AssetStoreError, InvalidAsset, ObjectNotFound
from asset_store.media import AssetKind
from asset_store.models import Blob, BlobGrant, UploadSession
from asset_store.sql import new_id, utcnow
from serving.assets import service
from serving.assets.ingest import ingest, parse_kind
from serving.assets.schemas import BlobPublic, PresignedPublic, UploadCreate, UploadPublic
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.db import transaction
from serving.errors import Conflict

_STATUSES: dict[str, Literal["pending", "complete", "failed", "expired"]] = {
    "pending": "pending",
    "complete": "complete",
    "failed": "failed",
    "expired": "expired",
}


def ingest_in_transaction(
    factory: sessionmaker[Session],
    services: AssetServices,
    brand_id: str,
    spooled: Spooled,
    declared_kind: AssetKind | None,
    declared_content_type: str | None,
    filename: str | None,
    actor_id: str | None,
) -> BlobPublic:
    """Validate and store spooled bytes in one transaction; return the blob as the API shows it."""
    with transaction(factory) as session:
        result = ingest(
            session,
            services,
            brand_id,
            spooled,
            declared_kind=declared_kind,
            declared_content_type=declared_content_type,
            filename=filename,
            actor_id=actor_id,
        )
        return service.to_blob(result.blob, result.grant, result.created)


def create(
    session: Session, services: AssetServices, caller: Caller, brand_id: str, body: UploadCreate
) -> UploadPublic:
    kind = parse_kind(body.kind)
    assert kind is not None
    upload_id = new_id("upl")
    row = UploadSession(
        id=upload_id,
        brand_id=brand_id,
        kind=kind.value,
        content_type=body.content_type.split(";")[0].strip().lower(),
        filename=body.filename,
        staging_key=staging_key(upload_id),
        status="pending",
        created_by=caller.principal_id,
        expires_at=utcnow() + services.presign_ttl,
    )
    session.add(row)
    session.flush()
    return public(session, services, row, presign=True)


def load(session: Session, brand_id: str, upload_id: str, caller: Caller | None = None) -> UploadSession:
    """The brand's upload; with ``caller``, only its creator (or a brand admin) may see it."""
    row = session.get(UploadSession, upload_id)
    if row is None or row.brand_id != brand_id:
        raise ObjectNotFound("upload not found", code="upload_not_found")
    if (
        caller is not None
        and row.created_by != caller.principal_id
        and not caller.can(Permission.BRAND_MANAGE, brand_id)
    ):
        raise ObjectNotFound("upload not found", code="upload_not_found")
    return row


def public(session: Session, services: AssetServices, row: UploadSession, *, presign: bool) -> UploadPublic:
    upload = None
    if presign and row.status == "pending" and row.expires_at > utcnow():
        remaining = row.expires_at - utcnow()
        request = services.objects.presign_put(row.staging_key, remaining, row.content_type)
        upload = PresignedPublic(
            url=request.url, method=request.method, headers=request.headers, expires_at=row.expires_at
        )
    blob = session.get(Blob, row.sha256) if row.sha256 else None
    grant = session.get(BlobGrant, (row.brand_id, row.sha256)) if row.sha256 else None
    return UploadPublic(
        id=row.id,
        status=_STATUSES.get(row.status, "pending"),
        kind=row.kind,
        content_type=row.content_type,
        filename=row.filename,
        expires_at=row.expires_at,
        upload=upload,
        blob=service.to_blob(blob, grant, created=False) if blob and grant else None,
    )


def pending_kind(factory: sessionmaker[Session], upload_id: str) -> AssetKind:
    """The kind of a pending, unexpired upload (a signed PUT writes only into one of those)."""
    with transaction(factory) as session:
        row = session.get(UploadSession, upload_id)
        if row is None:
            raise ObjectNotFound("upload not found", code="upload_not_found")
        if row.status != "pending":
            raise Conflict(f"upload is already {row.status}", code="upload_not_pending")
        if row.expires_at <= utcnow():
            raise Conflict("the upload URL has expired; start a new upload", code="upload_expired")
        return AssetKind(row.kind)


def complete(
    factory: sessionmaker[Session], services: AssetServices, caller: Caller, brand_id: str, upload_id: str
) -> UploadPublic:
    """Check the staged bytes like a direct upload; on bad bytes the upload is marked failed and removed."""
    with transaction(factory) as session:
        row = load(session, brand_id, upload_id, caller)
        if row.status != "pending":
            raise Conflict(f"upload is already {row.status}", code="upload_not_pending")
        kind, content_type, key, filename = (
            AssetKind(row.kind),
            row.content_type,
            row.staging_key,
            row.filename,
        )
        expired = (
            row.expires_at + services.presign_ttl <= utcnow()
        )  # PUT by the deadline, complete soon after
        if expired:
            row.status = "expired"
    if expired:
        services.objects.purge(key)
        raise Conflict(
            "the upload expired before it was completed; start a new upload", code="upload_expired"
        )
    try:
        with Spool(services.tmp_dir, services.limits.limit_for(kind)) as spool:
            try:
                for chunk in services.objects.iter_bytes(key):
                    spool.write(chunk)
            except ObjectNotFound as exc:
                raise InvalidAsset("nothing was uploaded to the URL yet", code="upload_not_received") from exc
            spooled = spool.finish()
            with transaction(factory) as session:
                result = ingest(
                    session,
                    services,
                    brand_id,
                    spooled,
                    declared_kind=kind,
                    declared_content_type=content_type,
                    filename=filename,
                    actor_id=caller.principal_id,
                )
                row = load(session, brand_id, upload_id)
                row.status, row.sha256 = "complete", result.blob.sha256
                session.flush()
                out = public(session, services, row, presign=False)
    except AssetStoreError as exc:
        if getattr(exc, "code", "") != "upload_not_received":
            _fail(factory, brand_id, upload_id)
            services.objects.purge(key)
        raise
    services.objects.purge(key)
    return out


def _fail(factory: sessionmaker[Session], brand_id: str, upload_id: str) -> None:
    with transaction(factory) as session:
        load(session, brand_id, upload_id).status = "failed"
