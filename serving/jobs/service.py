"""Create, read, list and cancel jobs; append job events. Every read is scoped by the caller."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from asset_store.sql import utcnow
from serving.audit.service import record
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import Conflict, InvalidInput, NotFound
from serving.jobs.kinds import resolve_kind, validate_brief
from serving.jobs.models import Job, JobEvent
from serving.jobs.schemas import TERMINAL, GenerationCreate, JobError, JobPublic, JobStatus
from serving.tenancy.models import Brand, Region
from serving.webhooks.job_events import job_finished


def request_fingerprint(body: GenerationCreate) -> str:
    canonical = json.dumps(
        body.model_dump(mode="json"), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def append_event(session: Session, job_id: str, type_: str, data: dict[str, Any] | None = None) -> JobEvent:
    """Append the next event of a job (seq = last + 1), retrying if another writer took that seq."""
    for _ in range(5):
        last = session.scalar(select(func.max(JobEvent.seq)).where(JobEvent.job_id == job_id)) or 0
        event = JobEvent(job_id=job_id, seq=last + 1, type=type_, data=data or {})
        try:
            with session.begin_nested():
                session.add(event)
                session.flush()
            return event
        except IntegrityError:
            continue
    raise Conflict("could not append a job event", code="event_conflict")


def create_job(
    session: Session,
    caller: Caller,
    body: GenerationCreate,
    idempotency_key: str | None,
    request_id: str | None,
) -> tuple[Job, bool]:
    """Create a queued job, or return the one this Idempotency-Key already created (second value False)."""
    caller.require(Permission.JOBS_CREATE, body.brand_id)
    if session.get(Brand, body.brand_id) is None:
        raise NotFound("brand not found")
    fingerprint = request_fingerprint(body)
    if idempotency_key is not None:
        existing = _by_idempotency_key(session, caller, body.brand_id, idempotency_key)
        if existing is not None:
            return _replay(existing, fingerprint), False
    kind = resolve_kind(body.kind, public=True)
    brief = validate_brief(kind, body.brief)
    scope = caller.scope(body.brand_id, Permission.JOBS_CREATE)
    if body.region_id is not None:
        region = session.get(Region, body.region_id)
        if region is None or region.brand_id != body.brand_id:
            raise NotFound("region not found", code="region_not_found")
        if scope.region_ids is not None and body.region_id not in scope.region_ids:
            raise NotFound("region not found", code="region_not_found")
    elif scope.region_ids is not None:
        raise InvalidInput("your grant is limited to regions: give region_id", code="region_required")
    job = Job(
        brand_id=body.brand_id,
        region_id=body.region_id,
        agency_id=scope.agency_id or caller.agency_id,
        kind=kind.name,
        status=JobStatus.QUEUED.value,
        brief=brief.model_dump(mode="json"),
        principal_id=caller.principal_id,
        idempotency_key=idempotency_key,
        request_hash=fingerprint,
    )
    try:
        with session.begin_nested():
            session.add(job)
            session.flush()
    except IntegrityError:
        existing = _by_idempotency_key(session, caller, body.brand_id, idempotency_key)
        if existing is None:
            raise
        return _replay(existing, fingerprint), False
    append_event(session, job.id, "status", {"status": JobStatus.QUEUED.value})
    record(
        session,
        caller,
        "job.create",
        brand_id=job.brand_id,
        target_type="job",
        target_id=job.id,
        request_id=request_id,
        details={"kind": job.kind},
    )
    return job, True


def enqueue_internal(
    session: Session,
    *,
    brand_id: str,
    kind: str,
    brief: dict[str, Any],
    principal_id: str,
    region_id: str | None = None,
    agency_id: str | None = None,
) -> Job:
    """Queue a job the app itself needs (an internal kind), in the caller's transaction."""
    job_kind = resolve_kind(kind)
    validated = validate_brief(job_kind, brief)
    job = Job(
        brand_id=brand_id,
        region_id=region_id,
        agency_id=agency_id,
        kind=job_kind.name,
        status=JobStatus.QUEUED.value,
        brief=validated.model_dump(mode="json"),
        principal_id=principal_id,
        request_hash=hashlib.sha256(json.dumps(brief, sort_keys=True).encode()).hexdigest(),
    )
    session.add(job)
    session.flush()
    append_event(session, job.id, "status", {"status": JobStatus.QUEUED.value})
    return job


def _by_idempotency_key(session: Session, caller: Caller, brand_id: str, key: str | None) -> Job | None:
    if key is None:
        return None
    return session.scalar(
        select(Job).where(
            Job.brand_id == brand_id, Job.principal_id == caller.principal_id, Job.idempotency_key == key
        )
    )


def _replay(job: Job, fingerprint: str) -> Job:
    if job.request_hash != fingerprint:
        raise InvalidInput(
            "this Idempotency-Key was used with a different request", code="idempotency_key_reused"
        )
    return job


def visible_jobs_stmt(caller: Caller) -> Select[Job]:
    return select(Job).where(
        caller.row_filter(Permission.JOBS_READ, Job.brand_id, Job.region_id, Job.agency_id)
    )


def get_job(session: Session, caller: Caller, job_id: str) -> Job:
    job = session.scalar(visible_jobs_stmt(caller).where(Job.id == job_id))
    if job is None:
        raise NotFound("job not found")
    return job


def cancel_job(session: Session, caller: Caller, job_id: str, request_id: str | None) -> Job:
    job = get_job(session, caller, job_id)
    caller.require(Permission.JOBS_CREATE, job.brand_id, what="job")
    if JobStatus(job.status) in TERMINAL:
        raise Conflict(f"the job has already {job.status}", code="job_finished")
    if job.status == JobStatus.QUEUED.value:
        job.status = JobStatus.CANCELLED.value
        job.finished_at = utcnow()
        append_event(session, job.id, "status", {"status": JobStatus.CANCELLED.value})
        job_finished(session, job)
    elif not job.cancel_requested:
        job.cancel_requested = True
        append_event(session, job.id, "cancel_requested", {})
    record(
        session,
        caller,
        "job.cancel",
        brand_id=job.brand_id,
        target_type="job",
        target_id=job.id,
        request_id=request_id,
    )
    return job


def events_after(session: Session, job_id: str, after_seq: int, limit: int = 500) -> list[JobEvent]:
    stmt = (
        select(JobEvent)
        .where(JobEvent.job_id == job_id, JobEvent.seq > after_seq)
        .order_by(JobEvent.seq)
        .limit(limit)
    )
    return list(session.scalars(stmt))


def to_public(job: Job) -> JobPublic:
    error = JobError(code=job.error_code, detail=job.error_detail) if job.error_code else None
    return JobPublic(
        id=job.id,
        brand_id=job.brand_id,
        region_id=job.region_id,
        agency_id=job.agency_id,
        kind=job.kind,
        status=JobStatus(job.status),
        brief=job.brief,
        progress=job.progress,
        result=job.result,
        error=error,
        attempts=job.attempts,
        cancel_requested=job.cancel_requested,
        created_at=job.created_at,
        started_at=job.started_at,
        finished_at=job.finished_at,
    )
