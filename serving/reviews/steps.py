"""The write primitives every review step shares: compare-and-swap on the item, history, audit, event."""

from __future__ import annotations

from typing import Any

from sqlalchemy import CursorResult, update
from sqlalchemy.orm import Session

from asset_store.sql import utcnow
from serving.audit.service import record
from serving.auth.caller import Caller
from serving.errors import Conflict
from serving.events.service import emit
from serving.reviews.models import ReviewDecision, ReviewItem

AI_CHECKER = Caller(principal_id="system:ai-check", kind="system")
"""The actor recorded for the AI level."""


def cas_update(session: Session, item: ReviewItem, expected_revision: int | None, **values: Any) -> None:
    """Change ``item`` only if nobody changed it since it was read (and it is at ``expected_revision``).

    Two reviewers deciding at once: the first write wins, the second gets 409 ``review_conflict``.
    """
    if expected_revision is not None and expected_revision != item.revision:
        raise Conflict(
            f"the item is at revision {item.revision}, not {expected_revision}: reload it",
            code="stale_revision",
            extra={"revision": item.revision},
        )
    statement = (
        update(ReviewItem)
        .where(ReviewItem.id == item.id, ReviewItem.revision == item.revision)
        .values(revision=item.revision + 1, updated_at=utcnow(), **values)
        .execution_options(synchronize_session=False)
    )
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    if result.rowcount != 1:
        raise Conflict("somebody else changed this item at the same time: reload it", code="review_conflict")
    session.refresh(item)


def event_data(item: ReviewItem, **extra: Any) -> dict[str, Any]:
    """What every review event says about its item."""
    return {
        "item_id": item.id,
        "thread_id": item.thread_id,
        "version_no": item.version_no,
        "brand_id": item.brand_id,
        "branch": item.branch,
        "path": item.path,
        "blob": item.blob,
        "record_id": item.record_id,
        "asset_kind": item.asset_kind,
        "state": item.state,
        **extra,
    }


def record_step(
    session: Session,
    item: ReviewItem,
    caller: Caller,
    *,
    level: str,
    action: str,
    from_state: str | None,
    event: str | None,
    reason: str | None = None,
    data: dict[str, Any] | None = None,
    request_id: str | None = None,
) -> ReviewDecision:
    """Append the step to the item's history and the audit log, and emit ``review.<event>``."""
    step = ReviewDecision(
        item_id=item.id,
        thread_id=item.thread_id,
        brand_id=item.brand_id,
        agency_id=item.agency_id,
        level=level,
        action=action,
        from_state=from_state,
        to_state=item.state,
        actor_id=caller.principal_id,
        actor_user_id=caller.user_id,
        reason=reason,
        data=data or {},
    )
    session.add(step)
    details: dict[str, Any] = {"level": level, "from": from_state, "to": item.state, **(data or {})}
    if reason:
        details["reason"] = reason
    record(
        session,
        caller,
        f"review.{action}",
        brand_id=item.brand_id,
        target_type="review_item",
        target_id=item.id,
        request_id=request_id,
        details=details,
    )
    if event is not None:
        emit(
            session,
            f"review.{event}",
            brand_id=item.brand_id,
            subject_type="review_item",
            subject_id=item.id,
            region_id=item.region_id,
            agency_id=item.agency_id,
            data=event_data(item, level=level, actor_id=caller.principal_id, reason=reason, **(data or {})),
        )
    return step
