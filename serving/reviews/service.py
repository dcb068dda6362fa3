"""Submit, claim, assign, decide, withdraw and resubmit review items; read the queue and a thread.

Every step compares-and-swaps the item's revision, appends to its history and the audit log, and emits
an outbox event, all in the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from asset_store.repo.names import validate_asset_path
from asset_store.repo.repository import Repository
from asset_store.repo.tree import Entry
from asset_store.sql import new_id, utcnow
from compliance_rules.taxonomy import resolve_industry, resolve_platform
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import Conflict, InvalidInput, NotFound
from serving.events.service import emit
from serving.jobs.service import enqueue_internal
from serving.reviews import access
from serving.reviews import workflow as wf
from serving.reviews.assignment import due_at, eligible_reviewers, least_loaded
from serving.reviews.models import ReviewComment, ReviewDecision, ReviewItem
from serving.reviews.schemas import (
    AssignRequest,
    ClaimRequest,
    CommentCreate,
    DecisionRequest,
    ResubmitRequest,
    SubmitRequest,
    WithdrawRequest,
)
from serving.reviews.steps import cas_update, event_data, record_step
from serving.settings import ReviewSettings
from serving.tenancy.models import Brand, Region

CHECK_JOB_KIND = "review_check"


@dataclass(frozen=True)
class ReviewEnv:
    """What review steps need beyond the session: the asset store and the queue's settings."""

    assets: AssetServices
    settings: ReviewSettings


@dataclass(frozen=True)
class QueueFilter:
    """Filters of the review queue (all optional)."""

    brand_id: str | None = None
    states: tuple[wf.State, ...] = ()
    level: wf.Level | None = None
    assignee: str | None = None
    """A user id, ``me`` or ``none``."""
    agency_id: str | None = None
    region_id: str | None = None
    overdue: bool | None = None
    thread_id: str | None = None
    branch: str | None = None
    path_prefix: str | None = None


# -- reading ---------------------------------------------------------------------------------------
def get_item(session: Session, caller: Caller, item_id: str) -> ReviewItem:
    item = session.get(ReviewItem, item_id)
    if item is None or not access.sees(caller, item):
        raise NotFound("review item not found")
    return item


def is_overdue(item: ReviewItem) -> bool:
    return item.due_at is not None and wf.State(item.state) in wf.OPEN_STATES and item.due_at < utcnow()


def queue_stmt(caller: Caller, filters: QueueFilter) -> Select[Any]:
    """The caller's view of the queue with ``filters`` applied (ordered by the paginator)."""
    stmt = select(ReviewItem).where(access.visible_filter(caller))
    if filters.brand_id is not None:
        stmt = stmt.where(ReviewItem.brand_id == filters.brand_id)
    if filters.states:
        stmt = stmt.where(ReviewItem.state.in_([s.value for s in filters.states]))
    if filters.level is wf.Level.AI:
        stmt = stmt.where(ReviewItem.state == wf.State.SUBMITTED.value)
    elif filters.level is wf.Level.AGENCY:
        stmt = stmt.where(ReviewItem.state == wf.State.AI_CHECKED.value, ReviewItem.agency_id.is_not(None))
    elif filters.level is wf.Level.BRAND:
        stmt = stmt.where(
            or_(
                ReviewItem.state == wf.State.AGENCY_APPROVED.value,
                and_(ReviewItem.state == wf.State.AI_CHECKED.value, ReviewItem.agency_id.is_(None)),
            )
        )
    if filters.assignee == "none":
        stmt = stmt.where(ReviewItem.assignee_id.is_(None))
    elif filters.assignee == "me":
        stmt = stmt.where(ReviewItem.assignee_id == (caller.user_id or "-"))
    elif filters.assignee is not None:
        stmt = stmt.where(ReviewItem.assignee_id == filters.assignee)
    if filters.agency_id is not None:
        stmt = stmt.where(ReviewItem.agency_id == filters.agency_id)
    if filters.region_id is not None:
        stmt = stmt.where(ReviewItem.region_id == filters.region_id)
    if filters.overdue is not None:
        late = and_(
            ReviewItem.due_at.is_not(None),
            ReviewItem.due_at < utcnow(),
            ReviewItem.state.in_([s.value for s in wf.OPEN_STATES]),
        )
        stmt = stmt.where(late if filters.overdue else ~late)
    if filters.thread_id is not None:
        stmt = stmt.where(ReviewItem.thread_id == filters.thread_id)
    if filters.branch is not None:
        stmt = stmt.where(ReviewItem.branch == filters.branch)
    if filters.path_prefix:
        stmt = stmt.where(ReviewItem.path.startswith(filters.path_prefix, autoescape=True))
    return stmt


def thread_history(session: Session, caller: Caller, item_id: str) -> list[ReviewDecision]:
    """Every step of the item's thread, on the versions the caller may see."""
    item = get_item(session, caller, item_id)
    stmt = (
        select(ReviewDecision)
        .join(ReviewItem, ReviewItem.id == ReviewDecision.item_id)
        .where(ReviewDecision.thread_id == item.thread_id, access.visible_filter(caller))
        .order_by(ReviewDecision.id)
    )
    return list(session.scalars(stmt))


def thread_comments(session: Session, caller: Caller, item_id: str) -> list[ReviewComment]:
    """Comments of the item's thread, on the versions the caller may see."""
    item = get_item(session, caller, item_id)
    stmt = (
        select(ReviewComment)
        .join(ReviewItem, ReviewItem.id == ReviewComment.item_id)
        .where(ReviewComment.thread_id == item.thread_id, access.visible_filter(caller))
        .order_by(ReviewComment.id)
    )
    return list(session.scalars(stmt))


# -- submitting ------------------------------------------------------------------------------------
def _region_of(session: Session, caller: Caller, brand_id: str, region_id: str | None) -> str | None:
    scope = caller.scope(brand_id, Permission.ASSETS_WRITE)
    if region_id is not None:
        region = session.get(Region, region_id)
        if region is None or region.brand_id != brand_id:
            raise NotFound("region not found", code="region_not_found")
        if scope.region_ids is not None and region_id not in scope.region_ids:
            raise NotFound("region not found", code="region_not_found")
    elif scope.region_ids is not None:
        raise InvalidInput("your grant is limited to regions: give region_id", code="region_required")
    return region_id


def _entries(
    repo: Repository, session: Session, branch: str, paths: Sequence[str]
) -> tuple[str, list[Entry]]:
    """The branch head and the entries at ``paths`` there (all or nothing)."""
    clean = [validate_asset_path(p) for p in paths]
    if len(set(clean)) != len(clean):
        raise InvalidInput("a path appears twice in one submission", code="duplicate_path")
    commit = repo.resolve(repo.branch(branch).commit_id)
    tree = repo.tree_at(commit)
    found: list[Entry] = []
    missing: list[str] = []
    for path in clean:
        entry = repo.trees.lookup(session, tree, path)
        if entry is None:
            missing.append(path)
        else:
            found.append(entry)
    if missing:
        raise NotFound(
            f"{len(missing)} path(s) have no asset on branch {branch!r}",
            code="asset_not_found",
            extra={"missing": missing[:50]},
        )
    return commit.id, found


def _open_or_approved(session: Session, brand_id: str, entry: Entry) -> ReviewItem | None:
    """An item already reviewing (or having approved) exactly this version."""
    live = [s.value for s in wf.OPEN_STATES] + [wf.State.BRAND_APPROVED.value]
    stmt = (
        select(ReviewItem)
        .where(
            ReviewItem.brand_id == brand_id,
            ReviewItem.path == entry.path,
            ReviewItem.blob == entry.blob,
            ReviewItem.record_id == entry.record,
            ReviewItem.state.in_(live),
        )
        .order_by(ReviewItem.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


def _latest_for_path(
    session: Session, caller: Caller, brand_id: str, path: str, agency_id: str | None, region_id: str | None
) -> ReviewItem | None:
    """The newest unsuperseded item of this path from the same submitting side (agency and region),
    and only one the caller may see: a submission never touches work outside the caller's scope."""
    side = ReviewItem.agency_id.is_(None) if agency_id is None else ReviewItem.agency_id == agency_id
    region = ReviewItem.region_id.is_(None) if region_id is None else ReviewItem.region_id == region_id
    stmt = (
        select(ReviewItem)
        .where(
            ReviewItem.brand_id == brand_id,
            ReviewItem.path == path,
            ReviewItem.superseded_by.is_(None),
            side,
            region,
            access.visible_filter(caller),
        )
        .order_by(ReviewItem.id.desc())
        .limit(1)
    )
    return session.scalar(stmt)


@dataclass(frozen=True)
class _Submission:
    brand_id: str
    region_id: str | None
    agency_id: str | None
    branch: str
    commit_id: str
    industry: str | None
    platform: str | None
    note: str | None


def _new_item(
    session: Session,
    caller: Caller,
    sub: _Submission,
    entry: Entry,
    previous: ReviewItem | None,
    request_id: str | None,
) -> ReviewItem:
    item_id = new_id("rev")
    item = ReviewItem(
        id=item_id,
        brand_id=sub.brand_id,
        region_id=sub.region_id,
        agency_id=sub.agency_id,
        thread_id=previous.thread_id if previous else item_id,
        version_no=previous.version_no + 1 if previous else 1,
        previous_id=previous.id if previous else None,
        branch=sub.branch,
        path=entry.path,
        commit_id=sub.commit_id,
        blob=entry.blob,
        record_id=entry.record,
        asset_kind=entry.kind,
        industry=sub.industry,
        platform=sub.platform,
        note=sub.note,
        state=wf.State.SUBMITTED.value,
        revision=1,
        submitted_by=caller.principal_id,
        submitter_user_id=caller.user_id,
    )
    session.add(item)
    session.flush()
    if previous is not None:
        if wf.State(previous.state) in wf.OPEN_STATES:
            from_state = previous.state
            cas_update(
                session,
                previous,
                None,
                state=wf.State.WITHDRAWN.value,
                superseded_by=item.id,
                due_at=None,
                decided_at=utcnow(),
            )
            record_step(
                session,
                previous,
                caller,
                level="submitter",
                action="withdraw",
                from_state=from_state,
                event="withdrawn",
                reason="superseded by a newer version",
                data={"superseded_by": item.id},
                request_id=request_id,
            )
        else:
            cas_update(session, previous, None, superseded_by=item.id)
    record_step(
        session,
        item,
        caller,
        level="submitter",
        action="submit",
        from_state=None,
        event="submitted",
        data={"version_no": item.version_no, "previous_id": item.previous_id},
        request_id=request_id,
    )
    return item


def _enqueue_check(session: Session, caller: Caller, items: Sequence[ReviewItem]) -> None:
    if not items:
        return
    first = items[0]
    job = enqueue_internal(
        session,
        brand_id=first.brand_id,
        kind=CHECK_JOB_KIND,
        brief={"item_ids": [i.id for i in items]},
        principal_id=caller.principal_id,
        region_id=first.region_id,
        agency_id=first.agency_id,
    )
    for item in items:
        item.check_job_id = job.id
    session.flush()


def submit(
    session: Session, env: ReviewEnv, caller: Caller, body: SubmitRequest, request_id: str | None
) -> tuple[list[ReviewItem], int]:
    """Submit the current versions at ``body.paths`` on ``body.branch``; returns (items, how many are new).

    A version already under review (or approved) is returned as it is. A newer version of a path
    continues that path's thread; an older version still open is withdrawn as superseded.
    """
    caller.require(Permission.ASSETS_WRITE, body.brand_id)
    if session.get(Brand, body.brand_id) is None:
        raise NotFound("brand not found")
    region_id = _region_of(session, caller, body.brand_id, body.region_id)
    scope = caller.scope(body.brand_id, Permission.ASSETS_WRITE)
    agency_id = scope.agency_id or caller.agency_id
    repo = env.assets.repository(session, body.brand_id)
    commit_id, entries = _entries(repo, session, body.branch, body.paths)
    sub = _Submission(
        body.brand_id,
        region_id,
        agency_id,
        body.branch,
        commit_id,
        resolve_industry(body.industry),
        resolve_platform(body.platform),
        body.note,
    )
    items: list[ReviewItem] = []
    created: list[ReviewItem] = []
    for entry in entries:
        existing = _open_or_approved(session, body.brand_id, entry)
        if existing is not None:
            items.append(existing)
            continue
        previous = _latest_for_path(session, caller, body.brand_id, entry.path, agency_id, region_id)
        item = _new_item(session, caller, sub, entry, previous, request_id)
        items.append(item)
        created.append(item)
    _enqueue_check(session, caller, created)
    return items, len(created)


def resubmit(
    session: Session,
    env: ReviewEnv,
    caller: Caller,
    item_id: str,
    body: ResubmitRequest,
    request_id: str | None,
) -> ReviewItem:
    """A new version of a rejected, change-requested or withdrawn item, in the same thread."""
    item = get_item(session, caller, item_id)
    access.require_submitter_side(caller, item)
    wf.check_resubmittable(wf.State(item.state))
    if item.superseded_by is not None:
        raise Conflict(
            "this version was already followed by a newer one",
            code="already_resubmitted",
            extra={"superseded_by": item.superseded_by},
        )
    caller.require(Permission.ASSETS_WRITE, item.brand_id)
    branch = body.branch or item.branch
    repo = env.assets.repository(session, item.brand_id)
    commit_id, (entry,) = _entries(repo, session, branch, [body.path or item.path])
    if entry.blob == item.blob and entry.record == item.record_id and entry.path == item.path:
        raise Conflict(
            f"{entry.path} on {branch!r} is still the version that was reviewed: commit the changes first",
            code="unchanged_version",
        )
    sub = _Submission(
        item.brand_id,
        item.region_id,
        item.agency_id,
        branch,
        commit_id,
        item.industry,
        item.platform,
        body.note if body.note is not None else item.note,
    )
    new = _new_item(session, caller, sub, entry, item, request_id)
    _enqueue_check(session, caller, [new])
    return new


# -- deciding --------------------------------------------------------------------------------------
def enter_level(session: Session, env: ReviewEnv, item: ReviewItem, level: wf.Level) -> dict[str, Any]:
    """Assignment and due time for an item entering ``level``."""
    now = utcnow()
    assignee = None
    if env.settings.auto_assign:
        assignee = least_loaded(session, eligible_reviewers(session, item, level))
    return {
        "assignee_id": assignee,
        "assigned_at": now if assignee else None,
        "due_at": due_at(env.settings, level, now),
    }


def decide(
    session: Session,
    env: ReviewEnv,
    caller: Caller,
    item_id: str,
    body: DecisionRequest,
    request_id: str | None,
) -> ReviewItem:
    """Approve, reject or request changes at the level the item waits for."""
    item = get_item(session, caller, item_id)
    state = wf.State(item.state)
    level, to_state = wf.decide(state, item.agency_id is not None, body.action)
    access.require_reviewer(caller, item, level)
    data: dict[str, Any] = {}
    values: dict[str, Any] = {"state": to_state.value}
    if body.override is not None and level is not wf.Level.BRAND:
        raise InvalidInput("only the brand level may override blocking findings", code="override_not_allowed")
    if level is wf.Level.BRAND and body.action is wf.Action.APPROVE and item.open_blocking > 0:
        if body.override is None:
            raise Conflict(
                f"the AI check left {item.open_blocking} blocking finding(s): approve with an override and "
                "a reason, mark false alarms, or request changes",
                code="override_required",
                extra={"open_blocking": item.open_blocking},
            )
        data["override"] = True
        values["override_reason"] = body.override.reason
    if to_state is wf.State.AGENCY_APPROVED:
        values.update(enter_level(session, env, item, wf.Level.BRAND))
    else:
        values.update(due_at=None, decided_at=utcnow())
    cas_update(session, item, body.expected_revision, **values)
    reason = body.override.reason if body.override is not None else body.reason
    record_step(
        session,
        item,
        caller,
        level=level.value,
        action=body.action.value,
        from_state=state.value,
        event=to_state.value,
        reason=reason,
        data=data,
        request_id=request_id,
    )
    return item


def _pending(item: ReviewItem) -> wf.Level:
    level = wf.pending_level(wf.State(item.state), item.agency_id is not None)
    if level is None or level is wf.Level.AI:
        raise wf.InvalidTransition(
            f"the item is {item.state}: it waits for no reviewer", extra={"state": item.state}
        )
    return level


def claim(
    session: Session, caller: Caller, item_id: str, body: ClaimRequest, request_id: str | None
) -> ReviewItem:
    """Take the item at its pending level; someone else's claim stands unless the item is overdue."""
    item = get_item(session, caller, item_id)
    level = _pending(item)
    access.require_reviewer(caller, item, level)
    if item.assignee_id == caller.user_id:
        return item
    if item.assignee_id is not None and not is_overdue(item):
        raise Conflict(
            "another reviewer has this item; a brand admin can reassign it",
            code="already_assigned",
            extra={"assignee_id": item.assignee_id},
        )
    previous = item.assignee_id
    cas_update(session, item, body.expected_revision, assignee_id=caller.user_id, assigned_at=utcnow())
    record_step(
        session,
        item,
        caller,
        level=level.value,
        action="claim",
        from_state=item.state,
        event="assigned",
        data={"assignee_id": caller.user_id, "previous_assignee_id": previous},
        request_id=request_id,
    )
    return item


def assign(
    session: Session, caller: Caller, item_id: str, body: AssignRequest, request_id: str | None
) -> ReviewItem:
    """A brand admin assigns (or, with null, releases) the item to an eligible reviewer."""
    item = get_item(session, caller, item_id)
    caller.require(Permission.BRAND_MANAGE, item.brand_id, what="review item")
    level = _pending(item)
    if body.user_id is not None and body.user_id not in eligible_reviewers(session, item, level):
        raise InvalidInput(
            f"that user may not review this item at the {level.value} level", code="not_eligible"
        )
    previous = item.assignee_id
    cas_update(
        session,
        item,
        body.expected_revision,
        assignee_id=body.user_id,
        assigned_at=utcnow() if body.user_id else None,
    )
    record_step(
        session,
        item,
        caller,
        level=level.value,
        action="assign" if body.user_id else "release",
        from_state=item.state,
        event="assigned",
        data={"assignee_id": body.user_id, "previous_assignee_id": previous},
        request_id=request_id,
    )
    return item


def withdraw(
    session: Session, caller: Caller, item_id: str, body: WithdrawRequest, request_id: str | None
) -> ReviewItem:
    item = get_item(session, caller, item_id)
    access.require_submitter_side(caller, item)
    from_state = wf.State(item.state)
    to_state = wf.withdraw(from_state)
    cas_update(session, item, body.expected_revision, state=to_state.value, due_at=None, decided_at=utcnow())
    record_step(
        session,
        item,
        caller,
        level="submitter",
        action="withdraw",
        from_state=from_state.value,
        event="withdrawn",
        reason=body.reason,
        request_id=request_id,
    )
    return item


def comment(
    session: Session, caller: Caller, item_id: str, body: CommentCreate, request_id: str | None
) -> ReviewComment:
    """Add a comment to the item's thread, anchored to a finding, span, region or time if given."""
    item = get_item(session, caller, item_id)
    anchor = body.anchor.model_dump(exclude_none=True) if body.anchor is not None else None
    if body.anchor is not None and body.anchor.finding_index is not None:
        findings = (item.ai_findings or {}).get("findings", [])
        if body.anchor.finding_index >= len(findings):
            raise InvalidInput(
                f"the item has {len(findings)} finding(s); no finding {body.anchor.finding_index}",
                code="finding_not_found",
            )
    note = ReviewComment(
        item_id=item.id,
        thread_id=item.thread_id,
        brand_id=item.brand_id,
        author_id=caller.principal_id,
        author_user_id=caller.user_id,
        body=body.body,
        anchor=anchor,
    )
    session.add(note)
    session.flush()
    emit(
        session,
        "review.comment_added",
        brand_id=item.brand_id,
        subject_type="review_item",
        subject_id=item.id,
        region_id=item.region_id,
        agency_id=item.agency_id,
        data=event_data(item, comment_id=note.id, author_id=caller.principal_id, anchor=anchor),
    )
    return note
