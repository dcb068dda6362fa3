"""Request and response bodies of the review routes."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from serving.reviews.workflow import Action, Level, State

MAX_PATHS_PER_SUBMISSION = 500


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SubmitRequest(_Body):
    """Submit the current versions of assets on a branch for review."""

    brand_id: str
    branch: str = Field(min_length=1, max_length=200, description="Branch holding the versions to review.")
    paths: list[str] = Field(min_length=1, max_length=MAX_PATHS_PER_SUBMISSION)
    region_id: str | None = Field(default=None, description="Region the work is for (required if yours is).")
    industry: str | None = Field(default=None, description="Industry whose rules the AI check applies.")
    platform: str | None = Field(default=None, description="Target platform whose rules apply.")
    note: str | None = Field(default=None, max_length=4000, description="A word to the reviewers.")


class ResubmitRequest(_Body):
    """Send a new version of a rejected, changed-requested or withdrawn item (same thread)."""

    branch: str | None = Field(default=None, description="Where the new version is; default the item's.")
    path: str | None = Field(default=None, description="Its path; default the item's.")
    note: str | None = Field(default=None, max_length=4000)


class Override(_Body):
    reason: str = Field(
        min_length=10, max_length=4000, description="Why blocking findings may be published anyway."
    )


class DecisionRequest(_Body):
    action: Action
    reason: str | None = Field(
        default=None, max_length=4000, description="Required to reject or request changes."
    )
    override: Override | None = Field(
        default=None, description="Brand level only: approve despite blocking findings."
    )
    expected_revision: int | None = Field(
        default=None, ge=1, description="Refuse with 409 if the item changed since you read it."
    )

    @model_validator(mode="after")
    def _reason_for_refusals(self) -> DecisionRequest:
        if self.action is not Action.APPROVE and not (self.reason and self.reason.strip()):
            raise ValueError(f"a reason is required to {self.action.value.replace('_', ' ')}")
        if self.override is not None and self.action is not Action.APPROVE:
            raise ValueError("an override goes only with approve")
        return self


class ClaimRequest(_Body):
    expected_revision: int | None = Field(default=None, ge=1)


class AssignRequest(_Body):
    user_id: str | None = Field(description="Reviewer to assign; null releases the item.")
    expected_revision: int | None = Field(default=None, ge=1)


class WithdrawRequest(_Body):
    reason: str | None = Field(default=None, max_length=4000)
    expected_revision: int | None = Field(default=None, ge=1)


class Anchor(_Body):
    """Where a comment points: a finding of the AI check, a text span, an image region, a video time."""

    finding_index: int | None = Field(default=None, ge=0)
    span: tuple[int, int] | None = Field(default=None, description="[start, end) in the copy's characters.")
    region: tuple[float, float, float, float] | None = Field(
        default=None, description="x, y, width, height in image pixels."
    )
    time_s: float | None = Field(default=None, ge=0)

    @model_validator(mode="after")
    def _valid(self) -> Anchor:
        if self.span is not None and not 0 <= self.span[0] < self.span[1]:
            raise ValueError("span must be [start, end) with 0 <= start < end")
        if self.region is not None and (self.region[2] <= 0 or self.region[3] <= 0):
            raise ValueError("region width and height must be positive")
        if all(v is None for v in (self.finding_index, self.span, self.region, self.time_s)):
            raise ValueError("an anchor needs a finding_index, span, region or time_s")
        return self


class CommentCreate(_Body):
    body: str = Field(min_length=1, max_length=10_000)
    anchor: Anchor | None = None


class FalseAlarmRequest(_Body):
    finding_index: int = Field(ge=0, description="Index of the AI finding (its `index`).")
    reason: str = Field(min_length=5, max_length=4000)
    expected_revision: int | None = Field(default=None, ge=1)


class ReviewItemPublic(BaseModel):
    id: str
    brand_id: str
    region_id: str | None
    agency_id: str | None
    thread_id: str
    version_no: int
    previous_id: str | None
    superseded_by: str | None
    branch: str
    path: str
    commit_id: str
    blob: str
    record_id: str
    asset_kind: str
    industry: str | None
    platform: str | None
    note: str | None
    state: State
    pending_level: Level | None
    revision: int
    submitted_by: str
    submitter_user_id: str | None
    assignee_id: str | None
    due_at: datetime | None
    overdue: bool
    check_job_id: str | None
    ai_verdict: str | None
    ai_findings: list[dict[str, Any]] = Field(default_factory=list)
    ai_excused: list[dict[str, Any]] = Field(default_factory=list)
    ai_error: dict[str, Any] | None = None
    open_blocking: int
    override_reason: str | None
    created_at: datetime
    updated_at: datetime
    decided_at: datetime | None


class SubmitResponse(BaseModel):
    items: list[ReviewItemPublic] = Field(description="One item per path, in the order given.")
    created: int = Field(description="How many items are new (the rest were already in review).")


class DecisionPublic(BaseModel):
    id: str
    item_id: str
    thread_id: str
    level: str
    action: str
    from_state: str | None
    to_state: str | None
    actor_id: str | None
    actor_user_id: str | None
    reason: str | None
    data: dict[str, Any]
    at: datetime


class CommentPublic(BaseModel):
    id: str
    item_id: str
    thread_id: str
    author_id: str
    author_user_id: str | None
    body: str
    anchor: dict[str, Any] | None
    created_at: datetime


class ExceptionPublic(BaseModel):
    id: str
    brand_id: str
    rule_id: str
    category: str
    matched: str
    context: str | None
    reason: str
    source_item_id: str | None
    created_by: str
    active: bool
    created_at: datetime
    revoked_at: datetime | None


class TurnaroundPublic(BaseModel):
    """How long one review step took, over the decisions counted."""

    count: int = Field(description="Decisions measured.")
    median_hours: float | None
    p90_hours: float | None


class ScorecardRowPublic(BaseModel):
    """One agency's numbers for one period (``period == "all"``: the totals over the window)."""

    agency_id: str | None = Field(description="Null for in-house work.")
    period: Literal["week", "month", "all"]
    period_start: datetime
    submissions: int
    threads: int
    first_pass_pass_rate: float | None = Field(description="Share of threads approved without a rejection.")
    ai_block_rate: float | None = Field(description="Share of submissions the AI check blocked.")
    violations_by_category: dict[str, int]
    agency_rejections: int
    brand_rejections: int
    changes_requested: int
    overrides: int
    false_alarms: int
    agency_turnaround: TurnaroundPublic
    brand_turnaround: TurnaroundPublic
    end_to_end_turnaround: TurnaroundPublic


class ScorecardPublic(BaseModel):
    """The agency scorecard of a brand over ``[start, end)``, bucketed by ``period``."""

    period: Literal["week", "month", "all"]
    start: datetime
    end: datetime
    rows: list[ScorecardRowPublic]
    totals: list[ScorecardRowPublic]
    agency_names: dict[str, str] = Field(description="Agency id → display name, for the agencies listed.")
