"""``job.finished``: written in the transaction that moves a job to a final state."""

from __future__ import annotations

from sqlalchemy.orm import Session

from serving.events.service import emit
from serving.jobs.models import Job


def job_finished(session: Session, job: Job) -> None:
    """Emit ``job.finished`` for ``job`` (succeeded, failed or cancelled); ``GET /v1/jobs/{id}`` has the
    result."""
    emit(
        session,
        "job.finished",
        brand_id=job.brand_id,
        subject_type="job",
        subject_id=job.id,
        region_id=job.region_id,
        agency_id=job.agency_id,
        data={
            "job_id": job.id,
            "kind": job.kind,
            "status": job.status,
            "error_code": job.error_code,
            "attempts": job.attempts,
            "principal_id": job.principal_id,
        },
    )
