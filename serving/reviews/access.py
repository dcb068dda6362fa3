"""Who may see and act on review items: the rules of the road, as checks that raise."""

from __future__ import annotations

from sqlalchemy import ColumnElement

from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import Forbidden, NotFound
from serving.reviews.models import ReviewItem
from serving.reviews.workflow import Level

LEVEL_PERMISSION = {Level.AGENCY: Permission.REVIEW_AGENCY, Level.BRAND: Permission.REVIEW_BRAND}


def visible_filter(caller: Caller) -> ColumnElement[bool]:
    """Items the caller may see: its brands, its regions there, and only its own agency's work."""
    return caller.row_filter(
        Permission.BRAND_READ, ReviewItem.brand_id, ReviewItem.region_id, ReviewItem.agency_id
    )


def sees(caller: Caller, item: ReviewItem) -> bool:
    return caller.sees(Permission.BRAND_READ, item.brand_id, item.region_id, item.agency_id)


def require_reviewer(caller: Caller, item: ReviewItem, level: Level) -> None:
    """The caller may decide ``item`` at ``level``; never on their own submission."""
    if caller.kind != "user" or caller.user_id is None:
        raise Forbidden("reviews are decided by people, not keys or operators", code="reviewer_required")
    if not sees(caller, item):
        raise NotFound("review item not found")
    permission = LEVEL_PERMISSION[level]
    if not caller.can(permission, item.brand_id) or not caller.sees(
        permission, item.brand_id, item.region_id, item.agency_id
    ):
        raise Forbidden(
            f"the item waits for {level.value} review; your role here does not allow {permission.value}",
            code="wrong_review_level",
            extra={"pending_level": level.value},
        )
    if level is Level.AGENCY and caller.agency_id != item.agency_id:
        raise Forbidden("only the agency's own reviewers review its work", code="other_agency")
    if level is Level.BRAND and caller.agency_id is not None:
        raise Forbidden("brand review is done by the brand's own staff", code="wrong_review_level")
    if caller.user_id == item.submitter_user_id or caller.principal_id == item.submitted_by:
        raise Forbidden("nobody reviews their own submission", code="self_review")


def require_submitter_side(caller: Caller, item: ReviewItem) -> None:
    """Withdraw and resubmit: the submitter, a colleague at the same agency (or in-house), or an admin."""
    if not sees(caller, item):
        raise NotFound("review item not found")
    if caller.principal_id == item.submitted_by or caller.can(Permission.BRAND_MANAGE, item.brand_id):
        return
    if not caller.can(Permission.ASSETS_WRITE, item.brand_id):
        raise Forbidden("only the submitting side may do this", code="not_submitter")
    if caller.agency_id != item.agency_id:
        raise Forbidden("only the submitting side may do this", code="not_submitter")
