"""Routes of the review queue: submit, queue, claim, assign, decide, withdraw, resubmit, comments,
history, false alarms and reviewed exceptions."""

from __future__ import annotations

import json
from datetime import datetime, timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key
from asset_store.sql import utcnow
from serving.assets.service import services_of
from serving.deps import CallerDep, PageDep, RequestIdDep, SessionDep, SettingsDep
from serving.pagination import Page, page_of
from serving.reviews import feedback, reports, service
from serving.reviews import workflow as wf
from serving.reviews.models import ReviewComment, ReviewDecision, ReviewedException, ReviewItem
from serving.reviews.schemas import (
    AssignRequest,
    ClaimRequest,
    CommentCreate,
    CommentPublic,
    DecisionPublic,
    DecisionRequest,
    ExceptionPublic,
    FalseAlarmRequest,
    ResubmitRequest,
    ReviewItemPublic,
    ScorecardPublic,
    SubmitRequest,
    SubmitResponse,
    WithdrawRequest,
)
from serving.reviews.scorecard import scorecard_csv as build_csv

router = APIRouter(prefix="/v1/reviews", tags=["reviews"])


def env_of(request: Request) -> service.ReviewEnv:
    env: service.ReviewEnv = request.app.state.review_env
    return env


def to_public(item: ReviewItem) -> ReviewItemPublic:
    stored: dict[str, Any] = dict(item.ai_findings or {})
    return ReviewItemPublic(
        id=item.id,
        brand_id=item.brand_id,
        region_id=item.region_id,
        agency_id=item.agency_id,
        thread_id=item.thread_id,
        version_no=item.version_no,
        previous_id=item.previous_id,
        superseded_by=item.superseded_by,
        branch=item.branch,
        path=item.path,
        commit_id=item.commit_id,
        blob=item.blob,
        record_id=item.record_id,
        asset_kind=item.asset_kind,
        industry=item.industry,
        platform=item.platform,
        note=item.note,
        state=wf.State(item.state),
        pending_level=wf.pending_level(wf.State(item.state), item.agency_id is not None),
        revision=item.revision,
        submitted_by=item.submitted_by,
        submitter_user_id=item.submitter_user_id,
        assignee_id=item.assignee_id,
        due_at=item.due_at,
        overdue=service.is_overdue(item),
        check_job_id=item.check_job_id,
        ai_verdict=item.ai_verdict,
        ai_findings=list(stored.get("findings", [])),
        ai_excused=list(stored.get("excused", [])),
        ai_error=stored.get("error"),
        open_blocking=item.open_blocking,
        override_reason=item.override_reason,
        created_at=item.created_at,
        updated_at=item.updated_at,
        decided_at=item.decided_at,
    )


def _decision(row: ReviewDecision) -> DecisionPublic:
    return DecisionPublic(
        id=row.id,
        item_id=row.item_id,
        thread_id=row.thread_id,
        level=row.level,
        action=row.action,
        from_state=row.from_state,
        to_state=row.to_state,
        actor_id=row.actor_id,
        actor_user_id=row.actor_user_id,
        reason=row.reason,
        data=dict(row.data or {}),
        at=row.at,
    )


def _comment(row: ReviewComment) -> CommentPublic:
    return CommentPublic(
        id=row.id,
        item_id=row.item_id,
        thread_id=row.thread_id,
        author_id=row.author_id,
        author_user_id=row.author_user_id,
        body=row.body,
        anchor=row.anchor,
        created_at=row.created_at,
    )


def _exception(row: ReviewedException) -> ExceptionPublic:
    return ExceptionPublic(
        id=row.id,
        brand_id=row.brand_id,
        rule_id=row.rule_id,
        category=row.category,
        matched=row.matched,
        context=row.context,
        reason=row.reason,
        source_item_id=row.source_item_id,
        created_by=row.created_by,
        active=row.active,
        created_at=row.created_at,
        revoked_at=row.revoked_at,
    )


def _wake_runner(request: Request, session: Session) -> None:
    session.commit()
    request.app.state.bus.job_submitted()


# -- submit and queue ------------------------------------------------------------------------------
@router.post("", status_code=status.HTTP_201_CREATED, operation_id="submitForReview")
def submit(
    body: SubmitRequest,
    request: Request,
    response: Response,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> SubmitResponse:
    """Submit the current versions of assets on a branch. The AI check runs at once (as a job); then
    the agency's reviewer (for agency work) and the brand's reviewer decide. Versions already under
    review come back as they are (200 when nothing new was created)."""
    items, created = service.submit(session, env_of(request), caller, body, rid)
    if created:
        _wake_runner(request, session)
    else:
        response.status_code = status.HTTP_200_OK
    return SubmitResponse(items=[to_public(i) for i in items], created=created)


@router.get("", operation_id="listReviews")
def list_reviews(
    caller: CallerDep,
    session: SessionDep,
    page: PageDep,
    settings: SettingsDep,
    brand_id: Annotated[str | None, Query(max_length=40)] = None,
    state: Annotated[list[wf.State] | None, Query()] = None,
    level: Annotated[wf.Level | None, Query(description="Items waiting for this level.")] = None,
    assignee: Annotated[str | None, Query(max_length=40, description="A user id, 'me' or 'none'.")] = None,
    agency_id: Annotated[str | None, Query(max_length=40)] = None,
    region_id: Annotated[str | None, Query(max_length=40)] = None,
    overdue: Annotated[bool | None, Query()] = None,
    thread_id: Annotated[str | None, Query(max_length=40)] = None,
    branch: Annotated[str | None, Query(max_length=200)] = None,
    path_prefix: Annotated[str | None, Query(max_length=1024)] = None,
    order: Annotated[
        Literal["oldest", "newest"], Query(description="By submission time; the cursor keeps the order.")
    ] = "oldest",
) -> Page[ReviewItemPublic]:
    """The review queue as the caller may see it (agency staff: their agency's work only), oldest
    submission first (a queue) or newest first (a history)."""
    filters = service.QueueFilter(
        brand_id=brand_id,
        states=tuple(state or ()),
        level=level,
        assignee=assignee,
        agency_id=agency_id,
        region_id=region_id,
        overdue=overdue,
        thread_id=thread_id,
        branch=branch,
        path_prefix=path_prefix,
    )
    stmt = service.queue_stmt(caller, filters)
    return page_of(
        session,
        stmt,
        ReviewItem.id,
        page,
        settings.api.max_page_size,
        to_public,
        newest_first=order == "newest",
    )


# -- reviewed exceptions (declared before /{item_id}) ---------------------------------------------
@router.get("/exceptions", operation_id="listReviewedExceptions")
def list_exceptions(
    caller: CallerDep,
    session: SessionDep,
    brand_id: Annotated[str, Query(max_length=40)],
    active: Annotated[bool | None, Query()] = None,
) -> list[ExceptionPublic]:
    """False alarms the brand's reviewers marked; active ones are excused by the engine for the brand."""
    return [_exception(e) for e in feedback.list_exceptions(session, caller, brand_id, active)]


@router.get("/exceptions/export", operation_id="exportReviewedExceptions")
def export_exceptions(
    caller: CallerDep, session: SessionDep, brand_id: Annotated[str, Query(max_length=40)]
) -> Response:
    """Every mark as eval JSONL (clean lines the rules flagged), for rule authors and `atelier eval`."""
    lines = feedback.eval_lines(feedback.list_exceptions(session, caller, brand_id, None))
    body = "".join(json.dumps(line, ensure_ascii=False) + "\n" for line in lines)
    return Response(body, media_type="application/x-ndjson")


@router.post("/exceptions/{exception_id}/revoke", operation_id="revokeReviewedException")
def revoke_exception(
    exception_id: str, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> ExceptionPublic:
    return _exception(feedback.revoke_exception(session, caller, exception_id, rid))


# -- agency scorecard ----------------------------------------------------------------------------
def _window(start: datetime | None, end: datetime | None) -> tuple[datetime, datetime]:
    end = end or utcnow()
    return start or end - timedelta(days=90), end


@router.get("/scorecard", operation_id="getAgencyScorecard")
def scorecard(
    caller: CallerDep,
    session: SessionDep,
    brand_id: Annotated[str, Query(max_length=40)],
    period: Annotated[Literal["week", "month", "all"], Query()] = "month",
    start: Annotated[datetime | None, Query(description="Default: 90 days before end.")] = None,
    end: Annotated[datetime | None, Query(description="Default: now.")] = None,
) -> ScorecardPublic:
    """Per agency and period: first-pass pass rate, AI block rate, violations by category, rejections,
    overrides, false alarms and review turnaround (the basis for charging violations back)."""
    card, names = reports.load_scorecard(session, caller, brand_id, period, *_window(start, end))
    return ScorecardPublic.model_validate({**card.as_dict(), "agency_names": names})


@router.get("/scorecard.csv", operation_id="exportAgencyScorecard", response_class=Response)
def scorecard_csv(
    caller: CallerDep,
    session: SessionDep,
    brand_id: Annotated[str, Query(max_length=40)],
    period: Annotated[Literal["week", "month", "all"], Query()] = "month",
    start: Annotated[datetime | None, Query()] = None,
    end: Annotated[datetime | None, Query()] = None,
) -> Response:
    """The scorecard as CSV (one row per agency and period), for finance and agency reviews."""
    card, names = reports.load_scorecard(session, caller, brand_id, period, *_window(start, end))
    return Response(
        build_csv(card.rows, names),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="scorecard-{brand_id}.csv"'},
    )


# -- one item --------------------------------------------------------------------------------------
@router.get("/{item_id}", operation_id="getReview")
def get_review(item_id: str, caller: CallerDep, session: SessionDep) -> ReviewItemPublic:
    return to_public(service.get_item(session, caller, item_id))


@router.post("/{item_id}/claim", operation_id="claimReview")
def claim(
    item_id: str, body: ClaimRequest, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> ReviewItemPublic:
    """Take the item at its pending level (someone else's claim stands unless the item is overdue)."""
    return to_public(service.claim(session, caller, item_id, body, rid))


@router.post("/{item_id}/assign", operation_id="assignReview")
def assign(
    item_id: str, body: AssignRequest, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> ReviewItemPublic:
    """Brand admins: assign the item to an eligible reviewer, or release it with null."""
    return to_public(service.assign(session, caller, item_id, body, rid))


@router.post("/{item_id}/decisions", operation_id="decideReview")
def decide(
    item_id: str,
    body: DecisionRequest,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> ReviewItemPublic:
    """Approve, reject or request changes at the level the item waits for. Two reviewers at once:
    one wins, the other gets 409. Blocking AI findings need a brand-level override with a reason."""
    return to_public(service.decide(session, env_of(request), caller, item_id, body, rid))


@router.post("/{item_id}/withdraw", operation_id="withdrawReview")
def withdraw(
    item_id: str, body: WithdrawRequest, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> ReviewItemPublic:
    return to_public(service.withdraw(session, caller, item_id, body, rid))


@router.post("/{item_id}/resubmit", status_code=status.HTTP_201_CREATED, operation_id="resubmitReview")
def resubmit(
    item_id: str,
    body: ResubmitRequest,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> ReviewItemPublic:
    """Send the asset's new version in the same thread (its comments and history stay with it)."""
    item = service.resubmit(session, env_of(request), caller, item_id, body, rid)
    _wake_runner(request, session)
    return to_public(item)


@router.get("/{item_id}/history", operation_id="getReviewHistory")
def history(item_id: str, caller: CallerDep, session: SessionDep) -> list[DecisionPublic]:
    """Every step of the item's thread (all its versions), oldest first."""
    return [_decision(d) for d in service.thread_history(session, caller, item_id)]


@router.get("/{item_id}/comments", operation_id="listReviewComments")
def list_comments(item_id: str, caller: CallerDep, session: SessionDep) -> list[CommentPublic]:
    return [_comment(c) for c in service.thread_comments(session, caller, item_id)]


@router.post("/{item_id}/comments", status_code=status.HTTP_201_CREATED, operation_id="addReviewComment")
def add_comment(
    item_id: str, body: CommentCreate, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> CommentPublic:
    """Comment in the item's thread, anchored to a finding, a text span, an image region or a time."""
    return _comment(service.comment(session, caller, item_id, body, rid))


@router.post("/{item_id}/false-alarms", status_code=status.HTTP_201_CREATED, operation_id="markFalseAlarm")
def mark_false_alarm(
    item_id: str,
    body: FalseAlarmRequest,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> ExceptionPublic:
    """Brand reviewers: this finding is a false alarm. It stops blocking the item, and the engine
    excuses that rule on that text for the brand from now on (revocable; exported as eval data)."""
    item = service.get_item(session, caller, item_id)
    text = _copy_text(request, item)
    exception = feedback.mark_false_alarm(
        session, caller, item, body.finding_index, body.reason, body.expected_revision, text, rid
    )
    return _exception(exception)


def _copy_text(request: Request, item: ReviewItem) -> str | None:
    if item.asset_kind != "copy":
        return None
    data = services_of(request).objects.read_bytes(blob_key(item.blob))
    return data.decode("utf-8", errors="replace")
