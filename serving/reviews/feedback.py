"""The feedback loop: brand reviewers mark findings as false alarms; the engine then excuses that rule
on that text for the brand (reviewed exceptions), and the marks export as eval data."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.sql import utcnow
from compliance_rules.exceptions import ExceptionSet, Excuse, matched_key
from serving.audit.service import record
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import Conflict, Forbidden, InvalidInput, NotFound
from serving.events.service import emit
from serving.reviews import workflow as wf
from serving.reviews.models import ReviewedException, ReviewItem
from serving.reviews.steps import cas_update, record_step

CONTEXT_CHARS = 60


def brand_exceptions(session: Session, brand_id: str) -> ExceptionSet:
    """The brand's active reviewed exceptions, as the engine applies them."""
    stmt = select(ReviewedException.id, ReviewedException.rule_id, ReviewedException.matched).where(
        ReviewedException.brand_id == brand_id, ReviewedException.active.is_(True)
    )
    return ExceptionSet(Excuse(id_, rule_id, matched) for id_, rule_id, matched in session.execute(stmt))


def _require_brand_reviewer(caller: Caller, brand_id: str) -> None:
    if caller.kind != "user" or caller.user_id is None:
        raise Forbidden("false alarms are marked by people, not keys", code="reviewer_required")
    caller.require(Permission.REVIEW_BRAND, brand_id, what="review item")
    if caller.agency_id is not None:
        raise Forbidden("only the brand's reviewers mark false alarms", code="wrong_review_level")


def _context(text: str | None, span: Any) -> str | None:
    if not text or not isinstance(span, list) or len(span) != 2:
        return None
    start, end = int(span[0]), int(span[1])
    return text[max(0, start - CONTEXT_CHARS) : end + CONTEXT_CHARS]


def mark_false_alarm(
    session: Session,
    caller: Caller,
    item: ReviewItem,
    finding_index: int,
    reason: str,
    expected_revision: int | None,
    text: str | None,
    request_id: str | None,
) -> ReviewedException:
    """Excuse one AI finding of ``item`` for the brand from now on, and stop it blocking this item."""
    _require_brand_reviewer(caller, item.brand_id)
    if wf.State(item.state) not in wf.OPEN_STATES - {wf.State.SUBMITTED}:
        raise wf.InvalidTransition(
            f"the item is {item.state}: false alarms are marked while it is in review",
            extra={"state": item.state},
        )
    stored = dict(item.ai_findings or {})
    findings: list[dict[str, Any]] = [dict(f) for f in stored.get("findings", [])]
    if not 0 <= finding_index < len(findings):
        raise InvalidInput(
            f"the item has {len(findings)} finding(s); no finding {finding_index}", code="finding_not_found"
        )
    finding = findings[finding_index]
    if finding.get("excused_by"):
        raise Conflict("that finding is already marked as a false alarm", code="already_excused")
    matched = matched_key(str(finding.get("matched") or ""))
    if not matched:
        raise InvalidInput(
            "this finding matched no text (a format or pixel check): it cannot become an exception",
            code="finding_not_excusable",
        )
    exception = session.scalar(
        select(ReviewedException).where(
            ReviewedException.brand_id == item.brand_id,
            ReviewedException.rule_id == finding["rule_id"],
            ReviewedException.matched == matched,
        )
    )
    if exception is None:
        exception = ReviewedException(
            brand_id=item.brand_id,
            rule_id=str(finding["rule_id"]),
            category=str(finding.get("category", "")),
            matched=matched,
            context=_context(text, finding.get("span")),
            reason=reason,
            source_item_id=item.id,
            created_by=caller.principal_id,
        )
        session.add(exception)
    else:  # revoked before, or active already (another item with the same text): (re)activate
        exception.active, exception.revoked_at, exception.revoked_by = True, None, None
        exception.reason = reason
    session.flush()
    finding["excused_by"] = exception.id
    findings[finding_index] = finding
    stored["findings"] = findings
    blocking = sum(1 for f in findings if f.get("severity") == "block" and not f.get("excused_by"))
    if item.ai_verdict == "error":
        blocking = max(blocking, 1)
    cas_update(session, item, expected_revision, ai_findings=stored, open_blocking=blocking)
    data = {
        "finding_index": finding_index,
        "rule_id": exception.rule_id,
        "category": exception.category,
        "exception_id": exception.id,
    }
    record_step(
        session,
        item,
        caller,
        level="brand",
        action="false_alarm",
        from_state=item.state,
        event="false_alarm",
        reason=reason,
        data=data,
        request_id=request_id,
    )
    return exception


def list_exceptions(
    session: Session, caller: Caller, brand_id: str, active: bool | None
) -> list[ReviewedException]:
    """The brand's reviewed exceptions, for its own staff (they quote in-house copy: not for agencies)."""
    caller.require(Permission.BRAND_READ, brand_id)
    if not caller.is_operator and (
        caller.agency_id is not None or caller.scope(brand_id).agency_id is not None
    ):
        raise Forbidden("reviewed exceptions are for the brand's own staff", code="forbidden")
    stmt = select(ReviewedException).where(ReviewedException.brand_id == brand_id)
    if active is not None:
        stmt = stmt.where(ReviewedException.active.is_(active))
    return list(session.scalars(stmt.order_by(ReviewedException.id)))


def revoke_exception(
    session: Session, caller: Caller, exception_id: str, request_id: str | None
) -> ReviewedException:
    """Stop excusing: the rule fires on that text again for the brand."""
    exception = session.get(ReviewedException, exception_id)
    if exception is None or not caller.can(Permission.BRAND_READ, exception.brand_id):
        raise NotFound("exception not found")
    _require_brand_reviewer(caller, exception.brand_id)
    if not exception.active:
        raise Conflict("the exception is already revoked", code="already_revoked")
    exception.active, exception.revoked_at, exception.revoked_by = False, utcnow(), caller.principal_id
    session.flush()
    record(
        session,
        caller,
        "review.exception_revoke",
        brand_id=exception.brand_id,
        target_type="reviewed_exception",
        target_id=exception.id,
        request_id=request_id,
        details={"rule_id": exception.rule_id, "matched": exception.matched},
    )
    emit(
        session,
        "review.exception_revoked",
        brand_id=exception.brand_id,
        subject_type="reviewed_exception",
        subject_id=exception.id,
        data={"rule_id": exception.rule_id, "matched": exception.matched},
    )
    return exception


def eval_lines(exceptions: list[ReviewedException]) -> list[dict[str, Any]]:
    """The marks as eval data: clean lines the rules wrongly flagged (hard negatives for rule authors)."""
    return [
        {
            "id": e.id,
            "text": e.context or e.matched,
            "violating": False,
            "categories": [],
            "false_alarm": {"rule_id": e.rule_id, "category": e.category, "matched": e.matched},
            "note": f"Reviewed false alarm: {e.reason}",
        }
        for e in exceptions
    ]
