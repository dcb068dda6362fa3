"""The AI level: the compliance engine checks each submitted version and attaches its findings.

Runs as an internal job (``review_check``) so a batch of posters or a long video does not hold the
request; the job is resumable: items already checked are skipped, so a restarted job repeats nothing.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy.orm import Session, sessionmaker

from asset_store.models import Blob, Record
from asset_store.repo.repository import AssetVersion
from asset_store.repo.tree import Entry
from asset_store.sql import utcnow
from compliance_rules.checker import Checker
from compliance_rules.models import CheckResult, Severity
from serving.db import read_only_factory, transaction
from serving.errors import AtelierError
from serving.jobs.kinds import JobContext, JobKind
from serving.reviews import workflow as wf
from serving.reviews.models import ReviewItem
from serving.reviews.service import ReviewEnv, enter_level
from serving.reviews.steps import AI_CHECKER, cas_update, record_step
from serving.webhooks.asset_events import asset_checked

log = logging.getLogger(__name__)
RESOURCE = "reviews"


@dataclass(frozen=True)
class ReviewRuntime:
    """What the check job needs from the app (shared through the job runner's resources)."""

    factory: sessionmaker[Session]
    env: ReviewEnv
    checker: Checker
    brand_packs: Any
    """serving.compliance.service.BrandPacks (parsed VI packs and logos, cached)."""


def _version(session: Session, item: ReviewItem) -> AssetVersion:
    """The exact version the item was submitted with (not whatever the branch holds now)."""
    blob = session.get(Blob, item.blob)
    record = session.get(Record, item.record_id)
    entry = Entry(item.path, item.blob, item.record_id, item.asset_kind, blob.size if blob else 0)
    return AssetVersion(item.path, item.commit_id, entry, dict(record.body) if record else {})


def _findings_json(result: CheckResult) -> dict[str, Any]:
    findings = [
        {**finding.model_dump(mode="json"), "index": index} for index, finding in enumerate(result.findings)
    ]
    excused = [excused.model_dump(mode="json") for excused in result.excused]
    return {"findings": findings, "excused": excused, "packs": result.packs, "rewrite": result.rewrite}


def check_item(runtime: ReviewRuntime, item_id: str) -> bool:
    """Check one item if it still waits for the AI level; True if this call checked it.

    The check (OCR, vision, rules) runs in a read-only transaction, so on SQLite it never holds the write
    lock while it works; the verdict is then written in a short transaction, only if the item still waits
    (a concurrent withdrawal or another checker wins)."""
    from serving.compliance.service import check_version

    with transaction(read_only_factory(runtime.factory)) as session:
        item = session.get(ReviewItem, item_id)
        if item is None or item.state != wf.State.SUBMITTED.value:
            return False
        error: dict[str, Any] | None = None
        result: CheckResult | None = None
        try:
            result = check_version(
                session,
                runtime.env.assets,
                runtime.checker,
                runtime.brand_packs,
                item.brand_id,
                _version(session, item),
                industry=item.industry,
                platform=item.platform,
            )
        except AtelierError as exc:
            error = {"code": exc.code, "detail": exc.detail}
        except Exception as exc:  # an undecodable file must not wedge the queue: humans decide
            log.exception("AI check of review item %s failed", item_id)
            error = {"code": "check_failed", "detail": f"{type(exc).__name__}: {exc}"}
    with transaction(runtime.factory) as session:
        item = session.get(ReviewItem, item_id)
        if item is None or item.state != wf.State.SUBMITTED.value:
            return False
        if result is not None:
            verdict = result.verdict.value
            blocking = sum(1 for f in result.findings if f.severity == Severity.BLOCK)
            categories = sorted({f.category for f in result.findings})
            stored = _findings_json(result)
        else:
            verdict, blocking, categories = "error", 1, []
            stored = {"findings": [], "excused": [], "error": error}
        level = wf.pending_level(wf.State.AI_CHECKED, item.agency_id is not None)
        assert level is not None
        cas_update(
            session,
            item,
            None,
            state=wf.after_ai_check(wf.State(item.state)).value,
            ai_verdict=verdict,
            ai_findings=stored,
            ai_checked_at=utcnow(),
            open_blocking=blocking,
            **enter_level(session, runtime.env, item, level),
        )
        record_step(
            session,
            item,
            AI_CHECKER,
            level="ai",
            action="ai_check",
            from_state=wf.State.SUBMITTED.value,
            event="ai_checked",
            data={"verdict": verdict, "categories": categories, "blocking": blocking, "error": error},
        )
        asset_checked(
            session,
            brand_id=item.brand_id,
            branch=item.branch,
            entry=Entry(item.path, item.blob, item.record_id, item.asset_kind, 0),
            verdict=verdict,
            categories=categories,
            blocking=blocking,
            review_item_id=item.id,
            region_id=item.region_id,
            agency_id=item.agency_id,
        )
    return True


class ReviewCheckBrief(BaseModel):
    model_config = ConfigDict(extra="forbid")

    item_ids: list[str] = Field(min_length=1, max_length=1000)


class ReviewCheckJob(JobKind):
    """Runs the AI level for a batch of submitted items."""

    name: ClassVar[str] = "review_check"
    brief_model: ClassVar[type[BaseModel]] = ReviewCheckBrief
    internal: ClassVar[bool] = True

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, ReviewCheckBrief)
        runtime = ctx.resources.get(RESOURCE)
        if not isinstance(runtime, ReviewRuntime):
            raise RuntimeError("the review runtime is not available to this job runner")
        checked = 0
        total = len(brief.item_ids)
        for index, item_id in enumerate(brief.item_ids):
            ctx.raise_if_cancelled()
            if await asyncio.to_thread(check_item, runtime, item_id):
                checked += 1
            await ctx.progress((index + 1) / total, f"checked {index + 1}/{total}", {"item_id": item_id})
        return {"items": total, "checked": checked}
