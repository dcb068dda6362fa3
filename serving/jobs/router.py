"""Routes: submit generations, read and list jobs, follow progress over SSE, cancel."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from serving.db import transaction
from serving.deps import CallerDep, PageDep, RequestIdDep, SessionDep, SettingsDep, get_session_factory
from serving.jobs import service
from serving.jobs.bus import JobEventBus
from serving.jobs.models import Job
from serving.jobs.schemas import TERMINAL, GenerationCreate, JobEventPublic, JobPublic, JobStatus
from serving.pagination import Page, page_of

router = APIRouter(prefix="/v1", tags=["jobs"])
KEEPALIVE_S = 15.0


@router.post(
    "/generations",
    status_code=status.HTTP_201_CREATED,
    operation_id="createGeneration",
    responses={200: {"description": "Replayed: this Idempotency-Key already created the job."}},
)
def create_generation(
    body: GenerationCreate,
    request: Request,
    response: Response,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
    idempotency_key: Annotated[str | None, Header(max_length=255, min_length=1)] = None,
) -> JobPublic:
    """Submit a generation job. Repeat with the same Idempotency-Key to get the same job back."""
    job, created = service.create_job(session, caller, body, idempotency_key, rid)
    if not created:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    else:
        session.commit()
        request.app.state.bus.job_submitted()
    response.headers["Location"] = f"/v1/jobs/{job.id}"
    return service.to_public(job)


@router.get("/jobs", operation_id="listJobs")
def list_jobs(
    caller: CallerDep,
    session: SessionDep,
    page: PageDep,
    settings: SettingsDep,
    brand_id: Annotated[str | None, Query(max_length=40)] = None,
    status_filter: Annotated[JobStatus | None, Query(alias="status")] = None,
    kind: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[JobPublic]:
    stmt = service.visible_jobs_stmt(caller)
    if brand_id is not None:
        stmt = stmt.where(Job.brand_id == brand_id)
    if status_filter is not None:
        stmt = stmt.where(Job.status == status_filter.value)
    if kind is not None:
        stmt = stmt.where(Job.kind == kind)
    return page_of(session, stmt, Job.id, page, settings.api.max_page_size, service.to_public)


@router.get("/jobs/{job_id}", operation_id="getJob")
def get_job(job_id: str, caller: CallerDep, session: SessionDep) -> JobPublic:
    return service.to_public(service.get_job(session, caller, job_id))


@router.post("/jobs/{job_id}/cancel", operation_id="cancelJob")
def cancel_job(
    job_id: str, request: Request, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> JobPublic:
    """Cancel a queued job at once; a running job stops at its next step."""
    job = service.cancel_job(session, caller, job_id, rid)
    session.commit()
    request.app.state.runner.notify_cancel(job_id)
    request.app.state.bus.publish(job_id)
    return service.to_public(job)


@router.get(
    "/jobs/{job_id}/events",
    operation_id="streamJobEvents",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/event-stream": {}}, "description": "Server-sent events."}},
)
async def stream_job_events(
    job_id: str,
    request: Request,
    caller: CallerDep,
    last_event_id: Annotated[str | None, Header(max_length=20)] = None,
) -> StreamingResponse:
    """Progress and status events as SSE (`id` = event seq; reconnect with Last-Event-ID)."""
    factory = get_session_factory(request)
    await asyncio.to_thread(_check_visible, factory, caller, job_id)
    after = int(last_event_id) if last_event_id and last_event_id.isdigit() else 0
    bus: JobEventBus = request.app.state.bus
    poll = request.app.state.settings.jobs.poll_seconds
    return StreamingResponse(
        _event_stream(request, factory, bus, job_id, after, poll),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _check_visible(factory: sessionmaker[Session], caller: CallerDep, job_id: str) -> None:
    with transaction(factory) as session:
        service.get_job(session, caller, job_id)


def _read_new(factory: sessionmaker[Session], job_id: str, after: int) -> tuple[list[JobEventPublic], bool]:
    with transaction(factory) as session:
        # Status first: a terminal status commits together with its last event, so events read
        # afterwards include it (reading events first could miss it and end the stream early).
        job = session.get(Job, job_id)
        finished = job is None or JobStatus(job.status) in TERMINAL
        events = [JobEventPublic.model_validate(e) for e in service.events_after(session, job_id, after)]
    return events, finished


async def _event_stream(
    request: Request, factory: sessionmaker[Session], bus: JobEventBus, job_id: str, after: int, poll: float
) -> AsyncIterator[str]:
    idle = 0.0
    while True:
        events, finished = await asyncio.to_thread(_read_new, factory, job_id, after)
        for event in events:
            after = event.seq
            payload = json.dumps(
                {"seq": event.seq, "at": event.at.isoformat(), **event.data}, ensure_ascii=False
            )
            yield f"id: {event.seq}\nevent: {event.type}\ndata: {payload}\n\n"
        if events:
            idle = 0.0
            continue
        if finished:
            yield "event: end\ndata: {}\n\n"
            return
        if await request.is_disconnected():
            return
        if idle >= KEEPALIVE_S:
            yield ": keep-alive\n\n"
            idle = 0.0
        await bus.wait(job_id, poll)
        idle += poll
