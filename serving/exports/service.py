"""Submitting an export through the API: the sources are resolved and their approval checked at once (a
409 ``not_approved`` now rather than a failed job later), then the ``export`` job is queued. The job reads
the ref again when it starts and checks approval again at the version it reads; pass a commit id as
``ref`` to export exactly what was checked."""

from __future__ import annotations

from sqlalchemy.orm import Session

from compliance_rules.placements import Placements, Resolved
from serving.assets.service import require_brand
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import NotFound
from serving.exports.approval import require_approved
from serving.exports.errors import ExportNotReady
from serving.exports.manifest import resigned
from serving.exports.schemas import ExportAccepted, ExportCreate, Manifest, PlacementPublic, SourcePublic
from serving.exports.sources import find_versions
from serving.jobs import service as jobs
from serving.jobs.schemas import GenerationCreate, JobStatus


def submit(
    session: Session,
    services: AssetServices,
    caller: Caller,
    brand_id: str,
    body: ExportCreate,
    idempotency_key: str | None,
    request_id: str | None,
) -> tuple[ExportAccepted, bool]:
    """Check the sources and queue the job; the second value is False for an Idempotency-Key replay."""
    require_brand(session, caller, brand_id, Permission.ASSETS_WRITE)
    repo = services.repository(session, brand_id)
    commit = repo.resolve(body.ref)
    versions = find_versions(repo, commit.id, body)
    require_approved(session, brand_id, versions)
    chosen = Placements.builtin().select(body.placements, body.platforms)
    request = GenerationCreate(brand_id=brand_id, kind="export", brief=body.model_dump(mode="json"))
    job, created = jobs.create_job(session, caller, request, idempotency_key, request_id)
    kinds = [v.entry.kind for v in versions]
    planned = sum(
        (kinds.count(p.kind) if body.pick == "each" else min(1, kinds.count(p.kind))) for p in chosen
    )
    accepted = ExportAccepted(
        job=jobs.to_public(job),
        commit_id=commit.id,
        sources=[
            SourcePublic(path=v.path, kind=v.entry.kind, blob=v.entry.blob, commit=commit.id)
            for v in versions
        ],
        placements=[p.id for p in chosen],
        renditions_planned=planned,
    )
    return accepted, created


def manifest_of(
    session: Session, services: AssetServices, caller: Caller, brand_id: str, job_id: str
) -> Manifest:
    """A finished export's manifest with fresh presigned URLs."""
    job = jobs.get_job(session, caller, job_id)
    if job.brand_id != brand_id or job.kind != "export":
        raise NotFound("export not found")
    if job.status != JobStatus.SUCCEEDED.value or not job.result or "manifest" not in job.result:
        raise ExportNotReady(
            f"the export job is {job.status}: no manifest yet", extra={"job_status": job.status}
        )
    return resigned(Manifest.model_validate(job.result["manifest"]), services)


def placement_public(p: Resolved) -> PlacementPublic:
    """A placement as the API shows it."""
    return PlacementPublic(
        id=p.id,
        platform=p.platform,
        rules=p.rules,
        label=p.label,
        kind=p.kind,
        width=p.width,
        height=p.height,
        aspect=f"{p.aspect[0]}:{p.aspect[1]}",
        min_width=p.min_width,
        max_width=p.max_width,
        format=p.format,
        max_bytes=p.max_bytes,
        min_duration_s=p.min_duration_s,
        max_duration_s=p.max_duration_s,
        fps=p.fps if p.kind == "video" else None,
        title_max_chars=p.title_max_chars,
        caption_max_chars=p.caption_max_chars,
        hashtags_max=p.hashtags_max,
        safe_zone=p.safe.model_dump(),
    )


__all__ = ["manifest_of", "placement_public", "submit"]
