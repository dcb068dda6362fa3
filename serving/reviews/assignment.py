"""Routing: which reviewers may take an item at a level, who gets it (least loaded), and when it is due."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from serving.auth.roles import Role
from serving.reviews.models import ReviewItem
from serving.reviews.workflow import OPEN_STATES, Level
from serving.settings import ReviewSettings
from serving.tenancy.models import Membership, User


def eligible_reviewers(session: Session, item: ReviewItem, level: Level) -> list[str]:
    """Active users who may decide ``item`` at ``level`` (never its submitter), by user id.

    Agency level: the item's agency's reviewers at this brand. Brand level: brand reviewers, or brand
    admins where the brand has no reviewer covering the item's region.
    """
    region_ok = or_(Membership.region_id.is_(None), Membership.region_id == item.region_id)
    base = (
        select(User.id)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.brand_id == item.brand_id, User.is_active.is_(True), region_ok)
    )
    if item.submitter_user_id is not None:
        base = base.where(User.id != item.submitter_user_id)
    if level is Level.AGENCY:
        if item.agency_id is None:
            return []
        stmt = base.where(Membership.role == Role.AGENCY_REVIEWER.value, User.agency_id == item.agency_id)
        return sorted(set(session.scalars(stmt)))
    in_house = base.where(User.agency_id.is_(None))
    for role in (Role.BRAND_REVIEWER, Role.BRAND_ADMIN):
        found = sorted(set(session.scalars(in_house.where(Membership.role == role.value))))
        if found:
            return found
    return []


def least_loaded(session: Session, candidates: list[str]) -> str | None:
    """The candidate with the fewest open items assigned (ties: smallest user id)."""
    if not candidates:
        return None
    stmt = (
        select(ReviewItem.assignee_id, func.count())
        .where(
            ReviewItem.assignee_id.in_(candidates),
            ReviewItem.state.in_([s.value for s in OPEN_STATES]),
        )
        .group_by(ReviewItem.assignee_id)
    )
    load: dict[str | None, int] = {row[0]: int(row[1]) for row in session.execute(stmt).all()}
    return min(candidates, key=lambda user_id: (load.get(user_id, 0), user_id))


def due_at(settings: ReviewSettings, level: Level, now: datetime) -> datetime | None:
    """When an item entering ``level`` is due (the level's SLA); None for the AI check."""
    hours = {Level.AGENCY: settings.agency_sla_hours, Level.BRAND: settings.brand_sla_hours}.get(level)
    return None if hours is None else now + timedelta(hours=hours)
