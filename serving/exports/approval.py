"""Only brand-approved versions are exported: the review queue's merge gate decides, version by version
(the same path, bytes and metadata a brand reviewer approved; a later tag edit keeps the approval, as it
does on ``main``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.repo.gate import GateRequest
from asset_store.repo.repository import DEFAULT_BRANCH, AssetVersion
from asset_store.repo.tree import Change, Entry
from serving.exports.errors import NotApproved
from serving.reviews import workflow as wf
from serving.reviews.gate import ReviewGate, tag_only_changes
from serving.reviews.models import ReviewItem


def unapproved(session: Session, brand_id: str, versions: Sequence[AssetVersion]) -> list[dict[str, str]]:
    """Violations (path, code, message) for the versions that are not brand-approved; codes as the
    merge gate's: ``not_reviewed``, ``review_pending``, ``not_approved``."""
    changes = tuple(Change(v.path, None, v.entry) for v in versions)
    request = GateRequest(brand_id, "export", DEFAULT_BRANCH, changes, {})
    violations = list(ReviewGate().check(session, request))
    forgiven = _tag_edits(session, brand_id, [v for v in versions if v.path in {x.path for x in violations}])
    return [v.as_dict() for v in violations if v.path not in forgiven]


def require_approved(session: Session, brand_id: str, versions: Sequence[AssetVersion]) -> None:
    """Raise NotApproved (409 ``not_approved``) naming every version that is not brand-approved."""
    violations = unapproved(session, brand_id, versions)
    if violations:
        paths = ", ".join(v["path"] for v in violations[:5])
        raise NotApproved(
            f"{len(violations)} source(s) are not brand-approved at this version: {paths}",
            extra={"violations": violations},
        )


def _tag_edits(session: Session, brand_id: str, versions: Sequence[AssetVersion]) -> set[str]:
    """Paths whose current version differs from a brand-approved one only in its tags."""
    if not versions:
        return set()
    rows = session.execute(
        select(ReviewItem.path, ReviewItem.blob, ReviewItem.record_id).where(
            ReviewItem.brand_id == brand_id,
            ReviewItem.state == wf.State.BRAND_APPROVED.value,
            ReviewItem.path.in_([v.path for v in versions]),
        )
    )
    by_path = {v.path: v for v in versions}
    changes: list[Change] = []
    records: dict[str, dict[str, Any]] = {}
    for path, blob, record_id in rows:
        version = by_path[path]
        entry = version.entry
        if blob != entry.blob or record_id == entry.record:
            continue
        approved = Entry(path, blob, record_id, entry.kind, entry.size)
        changes.append(Change(path, approved, entry))
        records[entry.record] = version.record
    if not changes:
        return set()
    return tag_only_changes(session, GateRequest(brand_id, "export", DEFAULT_BRANCH, tuple(changes), records))
