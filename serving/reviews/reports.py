"""Load what an agency scorecard is computed from, scoped to what the caller may see."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import Forbidden, InvalidInput, NotFound
from serving.reviews.models import ReviewDecision, ReviewItem
from serving.reviews.scorecard import Period, Scorecard, build_scorecard
from serving.tenancy.models import Agency, Brand

MAX_WINDOW_DAYS = 400
_BRAND_WIDE = (Permission.REVIEW_BRAND, Permission.AUDIT_READ, Permission.BRAND_MANAGE)


def scorecard_scope(session: Session, caller: Caller, brand_id: str) -> str | None:
    """The agency the caller is limited to (None: every agency). Brand reviewers and admins see all;
    an agency's reviewers see their own agency's card; creatives see none."""
    caller.require(Permission.BRAND_READ, brand_id)
    if session.get(Brand, brand_id) is None:
        raise NotFound("brand not found")
    if caller.is_operator or (caller.agency_id is None and any(caller.can(p, brand_id) for p in _BRAND_WIDE)):
        return None
    if caller.agency_id is not None and caller.can(Permission.REVIEW_AGENCY, brand_id):
        return caller.agency_id
    raise Forbidden("scorecards are for reviewers and brand admins", code="forbidden")


def load_scorecard(
    session: Session, caller: Caller, brand_id: str, period: Period, start: datetime, end: datetime
) -> tuple[Scorecard, dict[str, str]]:
    """The brand's scorecard over threads first submitted in [start, end), and agency names."""
    if start.tzinfo is None or end.tzinfo is None:
        raise InvalidInput("start and end need a time zone, e.g. 2026-11-01T00:00:00Z", code="invalid_window")
    if not start < end:
        raise InvalidInput("start must be before end", code="invalid_window")
    if (end - start).days > MAX_WINDOW_DAYS:
        raise InvalidInput(f"the window may span at most {MAX_WINDOW_DAYS} days", code="invalid_window")
    agency = scorecard_scope(session, caller, brand_id)
    regions = None if caller.is_operator else caller.scope(brand_id).region_ids
    threads = select(ReviewItem.thread_id).where(
        ReviewItem.brand_id == brand_id,
        ReviewItem.version_no == 1,
        ReviewItem.created_at >= start,
        ReviewItem.created_at < end,
    )
    if agency is not None:
        threads = threads.where(ReviewItem.agency_id == agency)
    if regions is not None:  # a region-limited reviewer sees its regions' work only
        threads = threads.where(ReviewItem.region_id.in_(sorted(regions)))
    items = list(session.scalars(select(ReviewItem).where(ReviewItem.thread_id.in_(threads))))
    decisions = list(session.scalars(select(ReviewDecision).where(ReviewDecision.thread_id.in_(threads))))
    card = build_scorecard(items, decisions, period=period, start=start, end=end)
    ids = {i.agency_id for i in items if i.agency_id is not None}
    names = {a.id: a.name for a in session.scalars(select(Agency).where(Agency.id.in_(ids)))} if ids else {}
    return card, names
