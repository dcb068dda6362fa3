"""Read what indexing needs about changed assets: records, copy text, review status, image bytes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key, preview_key
from asset_store.models import Blob
from asset_store.repo.repository import Repository
from asset_store.repo.tree import Entry
from serving.reviews.models import ReviewItem

MAX_COPY_BYTES = 256 * 1024
_CHUNK = 400


@dataclass(frozen=True)
class Pending:
    """One changed asset as read from the repository (before analysis)."""

    entry: Entry
    metadata: dict[str, object]
    content_type: str
    compliance_status: str | None
    image_key: str | None
    """Object key of the bytes to analyse: the image itself, or a video's poster frame."""


def read_pending(session: Session, repo: Repository, entries: Sequence[Entry]) -> list[Pending]:
    """Records, review status and the bytes to analyse of ``entries`` (one query per kind of thing)."""
    records = repo.records([e.record for e in entries])
    status = review_status(session, repo.brand_id, [(e.path, e.blob) for e in entries])
    posters = _posters(session, [e.blob for e in entries if e.kind == "video"])
    out: list[Pending] = []
    for entry in entries:
        record = records.get(entry.record, {})
        metadata = record.get("metadata")
        key: str | None = None
        if entry.kind == "image":
            key = blob_key(entry.blob)
        elif entry.kind == "video" and entry.blob in posters:
            key = preview_key(entry.blob, "poster")
        out.append(
            Pending(
                entry,
                dict(metadata) if isinstance(metadata, dict) else {},
                str(record.get("content_type", "")),
                status.get((entry.path, entry.blob)),
                key,
            )
        )
    return out


def _posters(session: Session, blobs: Sequence[str]) -> set[str]:
    """The video blobs that have a poster frame preview."""
    found: set[str] = set()
    wanted = sorted(set(blobs))
    for start in range(0, len(wanted), _CHUNK):
        rows = session.execute(
            select(Blob.sha256, Blob.previews).where(Blob.sha256.in_(wanted[start : start + _CHUNK]))
        )
        found.update(sha for sha, previews in rows if isinstance(previews, dict) and "poster" in previews)
    return found


def review_status(
    session: Session, brand_id: str, keys: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], str]:
    """The state of the newest review item of each (path, blob): the bytes' compliance status."""
    out: dict[tuple[str, str], str] = {}
    wanted = set(keys)
    paths = sorted({p for p, _ in wanted})
    for start in range(0, len(paths), _CHUNK):
        stmt = (
            select(ReviewItem.path, ReviewItem.blob, ReviewItem.state)
            .where(ReviewItem.brand_id == brand_id, ReviewItem.path.in_(paths[start : start + _CHUNK]))
            .order_by(ReviewItem.created_at, ReviewItem.id)
        )
        for path, blob, state in session.execute(stmt):
            if (path, blob) in wanted:
                out[(path, blob)] = state
    return out


def copy_text(data: bytes) -> str:
    """A copy asset's text (UTF-8, undecodable bytes replaced), at most ``MAX_COPY_BYTES`` read."""
    return data[:MAX_COPY_BYTES].decode("utf-8", errors="replace")
