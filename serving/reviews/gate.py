"""The pre-merge gate of the review queue: nothing lands on the default branch unless brand-approved."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from asset_store.models import Record
from asset_store.repo.gate import GateRequest, GateViolation
from asset_store.repo.repository import DEFAULT_BRANCH
from serving.reviews import workflow as wf
from serving.reviews.models import ReviewItem

_CHUNK = 300


TAG_FIELDS = frozenset({"tags", "rejected_tags"})
"""Metadata a tag edit changes: search labels, never what is published."""


def _without_tags(body: dict[str, Any]) -> dict[str, Any]:
    metadata = body.get("metadata")
    kept = (
        {k: v for k, v in metadata.items() if k not in TAG_FIELDS} if isinstance(metadata, dict) else metadata
    )
    return {**body, "metadata": kept}


def tag_only_changes(session: Session, request: GateRequest) -> set[str]:
    """Paths whose change keeps the bytes and every metadata field but the tags (a tag edit)."""
    candidates = [
        c
        for c in request.changes
        if c.before is not None and c.after is not None and c.before.blob == c.after.blob
    ]
    if not candidates:
        return set()
    ids = sorted({c.before.record for c in candidates if c.before is not None})
    before: dict[str, dict[str, Any]] = {}
    for start in range(0, len(ids), _CHUNK):
        rows = session.execute(
            select(Record.id, Record.body).where(Record.id.in_(ids[start : start + _CHUNK]))
        )
        before.update({record_id: dict(body) for record_id, body in rows})
    same: set[str] = set()
    for change in candidates:
        assert change.before is not None and change.after is not None
        old, new = before.get(change.before.record), request.records.get(change.after.record)
        if old is not None and new is not None and _without_tags(old) == _without_tags(new):
            same.add(change.path)
    return same


class ReviewGate:
    """Refuses any change to ``main`` whose new version (path, blob, record) is not brand-approved.

    Deletions pass (unpublishing needs no review); paths under ``exempt_prefixes`` (the brand kit) pass;
    so do tag edits of an asset already on ``main`` (same bytes, same metadata but for the tags).
    """

    def __init__(self, exempt_prefixes: Sequence[str] = (), branch: str = DEFAULT_BRANCH) -> None:
        self.exempt_prefixes = tuple(exempt_prefixes)
        self.branch = branch

    def check(self, session: Session, request: GateRequest) -> Sequence[GateViolation]:
        if request.target != self.branch:
            return ()
        wanted = [
            (c.path, c.after.blob, c.after.record)
            for c in request.changes
            if c.after is not None and not c.path.startswith(self.exempt_prefixes)
        ]
        if not wanted:
            return ()
        tag_edits = tag_only_changes(session, request)
        wanted = [key for key in wanted if key[0] not in tag_edits]
        if not wanted:
            return ()
        states: dict[tuple[str, str, str], set[str]] = {}
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            stmt = select(ReviewItem.path, ReviewItem.blob, ReviewItem.record_id, ReviewItem.state).where(
                ReviewItem.brand_id == request.brand_id,
                tuple_(ReviewItem.path, ReviewItem.blob, ReviewItem.record_id).in_(chunk),
            )
            for path, blob, record_id, state in session.execute(stmt):
                states.setdefault((path, blob, record_id), set()).add(state)
        violations: list[GateViolation] = []
        for key in wanted:
            seen = states.get(key, set())
            if wf.State.BRAND_APPROVED.value in seen:
                continue
            pending = seen & {s.value for s in wf.OPEN_STATES}
            if pending:
                message = f"this version is still in review ({', '.join(sorted(pending))})"
                code = "review_pending"
            elif seen:
                message = f"this version was not approved ({', '.join(sorted(seen))})"
                code = "not_approved"
            else:
                message = "this version was never submitted for review"
                code = "not_reviewed"
            violations.append(GateViolation(key[0], code, message))
        return violations
