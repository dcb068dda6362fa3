"""Routes the studio's brief → variants page needs beyond the job and asset APIs: edit a generated
poster through its layered spec (re-render, re-check, commit), and a brand's recent generation jobs
newest first (``listJobs`` pages oldest first and carries every result body)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query, Request
from sqlalchemy.orm import Session

from serving.assets.service import merge_permission, open_repo, require_brand, services_of
from serving.audit.service import record
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.compliance.service import brand_packs_of, checker_of
from serving.deps import CallerDep, RequestIdDep, SessionDep
from serving.generation.poster_edit import EditEnv, edit_poster
from serving.generation.studio_schemas import PosterEditCreate, PosterEditPublic, RecentJobPublic
from serving.jobs import service as jobs
from serving.jobs.models import Job
from serving.jobs.schemas import JobError, JobStatus

router = APIRouter(prefix="/v1/brands/{brand_id}", tags=["studio"])
GENERATION_KINDS = ("copy", "creative", "poster", "image", "video")


@router.post("/poster-edits", operation_id="editPoster")
def edit_poster_route(
    brand_id: str,
    body: PosterEditCreate,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> PosterEditPublic:
    """Change a generated poster's words, sizes or alignment (or hide a text layer) in its layered spec;
    the rendition is re-rendered, checked and committed over its PNG and spec on ``branch``."""
    services = services_of(request)
    repo = open_repo(session, services, caller, brand_id, merge_permission(body.branch or body.ref))
    env = EditEnv(services, checker_of(request), brand_packs_of(request))
    edited = edit_poster(session, repo, env, brand_id, caller.principal_id, body)
    record(
        session,
        caller,
        "asset.poster.edit",
        brand_id=brand_id,
        target_type="asset",
        target_id=edited.path,
        request_id=rid,
        details={"branch": edited.branch, "commit": edited.commit_id, "verdict": edited.verdict.value},
    )
    return edited


@router.get("/recent-jobs", operation_id="listRecentJobs")
def list_recent_jobs(
    brand_id: str,
    caller: CallerDep,
    session: SessionDep,
    kind: Annotated[list[str] | None, Query(max_length=8, description="Only these kinds.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> list[RecentJobPublic]:
    """The brand's generation jobs the caller may see, newest first, without their result bodies."""
    require_brand(session, caller, brand_id, Permission.JOBS_READ)
    return recent_jobs(session, caller, brand_id, tuple(kind or GENERATION_KINDS), limit)


def recent_jobs(
    session: Session, caller: Caller, brand_id: str, kinds: tuple[str, ...], limit: int
) -> list[RecentJobPublic]:
    """Newest ``limit`` visible jobs of ``kinds`` at the brand, summarised."""
    stmt = (
        jobs.visible_jobs_stmt(caller)
        .where(Job.brand_id == brand_id, Job.kind.in_(kinds))
        .order_by(Job.id.desc())
        .limit(limit)
    )
    return [summarise(job) for job in session.scalars(stmt)]


def _text(value: Any) -> str | None:
    return value[:200] if isinstance(value, str) and value else None


def summarise(job: Job) -> RecentJobPublic:
    """A job as the recent list shows it: what it was for, how many, where its results went."""
    brief: dict[str, Any] = job.brief if isinstance(job.brief, dict) else {}
    assets = (job.result or {}).get("assets") if isinstance(job.result, dict) else None
    count = brief.get("num_variants", brief.get("n"))
    return RecentJobPublic(
        id=job.id,
        kind=job.kind,
        status=JobStatus(job.status),
        progress=job.progress,
        created_at=job.created_at,
        finished_at=job.finished_at,
        error=JobError(code=job.error_code, detail=job.error_detail) if job.error_code else None,
        product=_text(brief.get("product")) or _text(brief.get("hook_text")),
        platform=_text(brief.get("platform")) or _text(brief.get("preset")),
        count=count if isinstance(count, int) else None,
        branch=_text(assets.get("branch")) if isinstance(assets, dict) else None,
    )
