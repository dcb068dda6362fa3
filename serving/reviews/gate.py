"""The pre-merge gate of the review queue: nothing lands on the default branch unless brand-approved."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select, tuple_
from sqlalchemy.orm import Session

from asset_store.repo.gate import GateRequest, GateViolation
from asset_store.repo.repository import DEFAULT_BRANCH
from serving.reviews import workflow as wf
from serving.reviews.models import ReviewItem

_CHUNK = 300


class ReviewGate:
    """Refuses any change to ``main`` whose new version (path, blob, record) is not brand-approved.

    Deletions pass (unpublishing needs no review); paths under ``exempt_prefixes`` (the brand kit) pass.
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
