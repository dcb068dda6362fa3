"""Housekeeping: expire abandoned presigned uploads and remove stored bytes no database row refers to."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from asset_store.models import Blob, UploadSession
from asset_store.sql import utcnow
from serving.assets.services import AssetServices
from serving.db import transaction

STAGING_PREFIX = "staging/"
BLOB_PREFIX = "blobs/sha256/"
PREVIEW_PREFIX = "previews/"


@dataclass
class GcReport:
    expired_uploads: list[str] = field(default_factory=list)
    orphan_objects: list[str] = field(default_factory=list)


def expire_uploads(
    factory: sessionmaker[Session], services: AssetServices, *, dry_run: bool = False
) -> list[str]:
    """Mark pending uploads past their deadline ``expired`` and delete their staging bytes."""
    with transaction(factory) as session:
        rows = session.scalars(
            select(UploadSession).where(
                UploadSession.status == "pending", UploadSession.expires_at < utcnow()
            )
        ).all()
        keys = [row.staging_key for row in rows]
        if not dry_run:
            for row in rows:
                row.status = "expired"
    if not dry_run:
        for key in keys:
            services.objects.purge(key)
    return keys


def _known_shas(session: Session, shas: list[str]) -> set[str]:
    found: set[str] = set()
    for start in range(0, len(shas), 500):
        found.update(session.scalars(select(Blob.sha256).where(Blob.sha256.in_(shas[start : start + 500]))))
    return found


def orphan_objects(factory: sessionmaker[Session], services: AssetServices) -> list[str]:
    """Blob and preview objects whose sha256 has no blob row (left by a crash between store and commit)."""
    by_sha: dict[str, list[str]] = {}
    for prefix in (BLOB_PREFIX, PREVIEW_PREFIX):
        for key in services.objects.list_keys(prefix):
            parts = key.split("/")
            sha = parts[-1] if prefix == BLOB_PREFIX else parts[2] if len(parts) > 2 else ""
            by_sha.setdefault(sha, []).append(key)
    with transaction(factory) as session:
        known = _known_shas(session, sorted(by_sha))
    return sorted(key for sha, keys in by_sha.items() if sha not in known for key in keys)


def collect(
    factory: sessionmaker[Session],
    services: AssetServices,
    *,
    dry_run: bool = False,
    grace: timedelta = timedelta(hours=1),
) -> GcReport:
    """Expire uploads, then delete orphan objects older than ``grace`` (an upload may be mid-flight)."""
    report = GcReport(expired_uploads=expire_uploads(factory, services, dry_run=dry_run))
    cutoff = utcnow() - grace
    for key in orphan_objects(factory, services):
        modified = services.objects.stat(key).last_modified
        if modified is not None and modified > cutoff:
            continue
        report.orphan_objects.append(key)
        if not dry_run:
            services.objects.purge(key)
    return report
