"""Who takes part in a brand's reviews, by display name: the studio shows names, not user ids, for
submitters, reviewers and commenters.

Agency staff see the brand's own people and their own agency's, never another agency's (agencies of one
brand are often competitors); emails are not exposed.
"""

from __future__ import annotations

from collections import defaultdict

from fastapi import APIRouter
from pydantic import BaseModel, Field
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.deps import CallerDep, SessionDep
from serving.errors import NotFound
from serving.tenancy.models import Brand, Membership, User

router = APIRouter(prefix="/v1/brands/{brand_id}", tags=["reviews"])


class ReviewPersonPublic(BaseModel):
    """A member of the brand as the review pages name them."""

    id: str
    display_name: str
    agency_id: str | None = Field(description="The agency the person works for; null for the brand's staff.")
    roles: list[str] = Field(description="The person's roles at this brand, sorted.")
    is_active: bool


def review_people(session: Session, caller: Caller, brand_id: str) -> list[ReviewPersonPublic]:
    """Members of ``brand_id`` the caller may name: everyone for brand staff, the brand's own people and
    the caller's agency for agency staff. Ordered by display name."""
    caller.require(Permission.BRAND_READ, brand_id)
    if session.get(Brand, brand_id) is None:
        raise NotFound("brand not found")
    stmt = (
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.brand_id == brand_id)
    )
    agency_id = caller.agency_id or caller.scope(brand_id).agency_id
    if agency_id is not None:
        stmt = stmt.where(or_(User.agency_id.is_(None), User.agency_id == agency_id))
    users: dict[str, User] = {}
    roles: dict[str, set[str]] = defaultdict(set)
    for user, role in session.execute(stmt):
        users[user.id] = user
        roles[user.id].add(role)
    people = [
        ReviewPersonPublic(
            id=user.id,
            display_name=user.display_name,
            agency_id=user.agency_id,
            roles=sorted(roles[user.id]),
            is_active=user.is_active,
        )
        for user in users.values()
    ]
    return sorted(people, key=lambda person: (person.display_name.casefold(), person.id))


@router.get("/review-people", operation_id="listReviewPeople")
def list_review_people(brand_id: str, caller: CallerDep, session: SessionDep) -> list[ReviewPersonPublic]:
    """Names of the people who submit, review and comment at this brand (no emails)."""
    return review_people(session, caller, brand_id)
