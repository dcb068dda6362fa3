"""Job runner: claims queued jobs with a lease, runs them, heartbeats, resumes or fails the orphans.

A job whose worker died keeps ``running`` only until its lease expires; then any runner takes it
over (a new attempt that continues from the last checkpoint) or, after ``max_attempts``, fails it
with ``error.code = "interrupted"``. Nothing is left running forever.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import uuid
from collections.abc import Mapping
from datetime import timedelta
from typing import Any

from sqlalchemy import CursorResult, Update, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from asset_store.errors import AssetStoreError
from asset_store.sql import utcnow
from serving.db import transaction
from serving.errors import AtelierError
from serving.gateway.protocol import ModelGateway
from serving.jobs.bus import JobEventBus
from serving.jobs.kinds import JobCancelled, resolve_kind
from serving.jobs.models import Job
from serving.jobs.schemas import JobStatus
from serving.jobs.service import append_event
from serving.settings import JobSettings
from serving.webhooks.job_events import job_finished

log = logging.getLogger(__name__)


def _rowcount(session: Session, statement: Update) -> int:
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


class LeaseLost(Exception):
    """Another runner took the job over (our lease expired)."""


class _Context:
    def __init__(self, runner: JobRunner, job: Job) -> None:
        self.runner = runner
        self.job_id = job.id
        self.brand_id = job.brand_id
        self.gateway: ModelGateway = runner.gateway
        self.checkpoint: dict[str, Any] = dict(job.checkpoint or {})
        self.resources: Mapping[str, Any] = runner.resources
        self.cancel_requested = job.cancel_requested

    async def progress(self, fraction: float, message: str, data: dict[str, Any] | None = None) -> None:
        fraction = min(max(fraction, 0.0), 1.0)
        payload = {"progress": fraction, "message": message, **(data or {})}
        await asyncio.to_thread(
            self.runner._owned_update, self.job_id, {"progress": fraction}, "progress", payload
        )

    async def save_checkpoint(self, checkpoint: dict[str, Any]) -> None:
        self.checkpoint = dict(checkpoint)
        await asyncio.to_thread(
            self.runner._owned_update, self.job_id, {"checkpoint": self.checkpoint}, None, None
        )

    def raise_if_cancelled(self) -> None:
        if self.cancel_requested:
            raise JobCancelled()


class JobRunner:
    """Runs up to ``settings.workers`` jobs at once in this process."""

    def __init__(
        self,
        factory: sessionmaker[Session],
        gateway: ModelGateway,
        settings: JobSettings,
        bus: JobEventBus,
        resources: Mapping[str, Any] | None = None,
    ) -> None:
        self.factory = factory
        self.resources: Mapping[str, Any] = dict(resources or {})
        self.gateway = gateway
        self.settings = settings
        self.bus = bus
        self.worker_id = f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._contexts: dict[str, _Context] = {}
        self._loop_task: asyncio.Task[None] | None = None
        self._stopping = False

    # lifecycle --------------------------------------------------------------------------------
    def start(self) -> None:
        if self.settings.workers > 0 and self._loop_task is None:
            self._loop_task = asyncio.create_task(self._poll_loop(), name="atelier-job-runner")

    async def stop(self) -> None:
        """Stop claiming; interrupt running jobs and hand them back to the queue at once."""
        self._stopping = True
        if self._loop_task is not None:
            # Wake the loop and let a claim in flight finish (the loop hands it back): cancelling
            # the await would abandon a job the claim thread still marks running under our lease.
            self.bus.job_submitted()
            await asyncio.wait({self._loop_task}, timeout=self.settings.lease_seconds)
            self._loop_task.cancel()
            await asyncio.gather(self._loop_task, return_exceptions=True)
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _forget(self, task: asyncio.Task[None]) -> None:
        for job_id, known in list(self._tasks.items()):
            if known is task:
                del self._tasks[job_id]
        # A worker slot is free: look for queued work now, not after the next idle poll.
        self.bus.job_submitted()

    def notify_cancel(self, job_id: str) -> None:
        """Cancellation was requested through this process: tell the running job now."""
        ctx = self._contexts.get(job_id)
        if ctx is not None:
            ctx.cancel_requested = True

    @property
    def active_jobs(self) -> list[str]:
        return sorted(self._tasks)

    # claiming ---------------------------------------------------------------------------------
    async def _poll_loop(self) -> None:
        while not self._stopping:
            try:
                claimed = None
                if len(self._tasks) < self.settings.workers:
                    claimed = await asyncio.to_thread(self.claim_next, frozenset(self._tasks))
                if claimed is not None and self._stopping:
                    await asyncio.to_thread(self._release, claimed.id)
                    return
                if claimed is not None:
                    task = asyncio.create_task(self._run(claimed), name=f"job-{claimed.id}")
                    self._tasks[claimed.id] = task
                    task.add_done_callback(self._forget)
                    continue
            except Exception:  # keep the loop alive through transient DB errors
                log.exception("job runner poll failed")
            await self.bus.wait_for_submission(self.settings.poll_seconds)

    def claim_next(self, running_here: frozenset[str] = frozenset()) -> Job | None:
        """Claim one queued or orphaned job (compare-and-set), failing orphans out of attempts.

        A job in ``running_here`` is still running in this process (its heartbeat is only late, e.g. on
        a busy machine): it is never taken over or failed by this runner."""
        now = utcnow()
        lease_until = now + timedelta(seconds=self.settings.lease_seconds)
        orphaned = (Job.status == JobStatus.RUNNING.value) & (Job.lease_expires_at < now)
        claimable = or_(Job.status == JobStatus.QUEUED.value, orphaned)
        with transaction(self.factory) as session:
            candidates = session.scalars(select(Job).where(claimable).order_by(Job.id).limit(10)).all()
            for job in candidates:
                was_orphan = job.status == JobStatus.RUNNING.value
                if was_orphan and job.id in running_here:
                    continue
                if was_orphan and job.attempts >= self.settings.max_attempts:
                    self._fail_orphan(session, job, now)
                    continue
                won = _rowcount(
                    session,
                    update(Job)
                    .where(Job.id == job.id, Job.status == job.status, Job.attempts == job.attempts)
                    .values(
                        status=JobStatus.RUNNING.value,
                        lease_owner=self.worker_id,
                        lease_expires_at=lease_until,
                        attempts=job.attempts + 1,
                        started_at=job.started_at or now,
                    )
                    .execution_options(synchronize_session=False),
                )
                if won != 1:
                    continue
                event = "resumed" if was_orphan else "status"
                append_event(session, job.id, event, {"status": "running", "attempt": job.attempts + 1})
                session.refresh(job)
                claimed = job
                break
            else:
                return None
        self.bus.publish(claimed.id)
        return claimed

    def _fail_orphan(self, session: Session, job: Job, now: Any) -> None:
        done = _rowcount(
            session,
            update(Job)
            .where(Job.id == job.id, Job.status == JobStatus.RUNNING.value, Job.lease_expires_at < now)
            .values(
                status=JobStatus.FAILED.value,
                error_code="interrupted",
                finished_at=now,
                lease_owner=None,
                error_detail=f"the worker stopped during each of {job.attempts} attempts",
            )
            .execution_options(synchronize_session=False),
        )
        if done == 1:
            append_event(session, job.id, "status", {"status": "failed", "error": "interrupted"})
            session.refresh(job)
            job_finished(session, job)

    # running ----------------------------------------------------------------------------------
    async def _run(self, job: Job) -> None:
        ctx = _Context(self, job)
        self._contexts[job.id] = ctx
        heartbeat = asyncio.create_task(self._heartbeat(ctx, asyncio.current_task()))
        try:
            kind = resolve_kind(job.kind)
            brief = kind.brief_model.model_validate(job.brief)
            result = await kind.run(ctx, brief)
            await asyncio.to_thread(self._finish, job.id, JobStatus.SUCCEEDED, result=result)
        except JobCancelled:
            await asyncio.to_thread(self._finish, job.id, JobStatus.CANCELLED)
        except LeaseLost:
            log.warning("job %s: lease lost, another runner owns it now", job.id)
        except asyncio.CancelledError:
            if ctx.cancel_requested:
                await asyncio.to_thread(self._finish, job.id, JobStatus.CANCELLED)
            else:
                await asyncio.to_thread(self._release, job.id)
            raise
        except AtelierError as exc:
            await asyncio.to_thread(self._finish, job.id, JobStatus.FAILED, error=(exc.code, exc.detail))
        except AssetStoreError as exc:  # e.g. a brief names an asset that is not there: its own code
            await asyncio.to_thread(self._finish, job.id, JobStatus.FAILED, error=(exc.code, str(exc)))
        except Exception as exc:
            log.exception("job %s failed", job.id)
            await asyncio.to_thread(
                self._finish, job.id, JobStatus.FAILED, error=("job_failed", f"{type(exc).__name__}: {exc}")
            )
        finally:
            self._contexts.pop(job.id, None)
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)

    async def _heartbeat(self, ctx: _Context, job_task: asyncio.Task[Any] | None) -> None:
        interval = self.settings.lease_seconds / 3
        while True:
            await asyncio.sleep(interval)
            alive, cancel = await asyncio.to_thread(self._renew, ctx.job_id)
            if not alive and job_task is not None:
                job_task.cancel(msg="lease lost")
                return
            ctx.cancel_requested = cancel

    def _update_owned(self, session: Session, job_id: str, values: dict[str, Any]) -> int:
        """Update a job only while this runner holds its lease; returns the rows changed (0 or 1)."""
        return _rowcount(
            session,
            update(Job)
            .where(Job.id == job_id, Job.lease_owner == self.worker_id, Job.status == JobStatus.RUNNING.value)
            .values(**values)
            .execution_options(synchronize_session=False),
        )

    def _renew(self, job_id: str) -> tuple[bool, bool]:
        with transaction(self.factory) as session:
            renewed = self._update_owned(
                session,
                job_id,
                {"lease_expires_at": utcnow() + timedelta(seconds=self.settings.lease_seconds)},
            )
            cancel = bool(session.scalar(select(Job.cancel_requested).where(Job.id == job_id)))
        return renewed == 1, cancel

    def _owned_update(
        self, job_id: str, values: dict[str, Any], event: str | None, data: dict[str, Any] | None
    ) -> None:
        with transaction(self.factory) as session:
            changed = self._update_owned(session, job_id, values)
            if changed != 1:
                raise LeaseLost(job_id)
            if event is not None:
                append_event(session, job_id, event, data)
        if event is not None:
            self.bus.publish(job_id)

    def _finish(
        self,
        job_id: str,
        status: JobStatus,
        *,
        result: dict[str, Any] | None = None,
        error: tuple[str, str] | None = None,
    ) -> None:
        values: dict[str, Any] = {
            "status": status.value,
            "finished_at": utcnow(),
            "lease_owner": None,
            "lease_expires_at": None,
        }
        if status is JobStatus.SUCCEEDED:
            values.update(result=result, progress=1.0)
        if error is not None:
            values.update(error_code=error[0], error_detail=error[1])
        with transaction(self.factory) as session:
            changed = self._update_owned(session, job_id, values)
            if changed == 1:
                data: dict[str, Any] = {"status": status.value}
                if error is not None:
                    data["error"] = error[0]
                append_event(session, job_id, "status", data)
                finished = session.get(Job, job_id)
                if finished is not None:
                    job_finished(session, finished)
        self.bus.publish(job_id)

    def _release(self, job_id: str) -> None:
        """Hand an interrupted job back to the queue (graceful shutdown)."""
        with transaction(self.factory) as session:
            changed = self._update_owned(
                session,
                job_id,
                {"status": JobStatus.QUEUED.value, "lease_owner": None, "lease_expires_at": None},
            )
            if changed == 1:
                append_event(
                    session, job_id, "status", {"status": "queued", "reason": "worker shutting down"}
                )
        self.bus.publish(job_id)
