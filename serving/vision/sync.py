"""The hook every branch move calls: queue one ``search_index`` job per brand and branch (coalesced)."""

from __future__ import annotations

import hashlib
import json
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.jobs.models import Job
from serving.jobs.schemas import JobStatus
from serving.jobs.service import enqueue_internal

INDEX_JOB_KIND = "search_index"
CUSTOM_TAG_JOB_KIND = "custom_tag"
SYSTEM_PRINCIPAL = "system:search"


def _brief_hash(brief: dict[str, Any]) -> str:
    """The request hash ``enqueue_internal`` stores for a brief (so a queued twin can be found)."""
    return hashlib.sha256(json.dumps(brief, sort_keys=True).encode()).hexdigest()


def enqueue_once(session: Session, brand_id: str, kind: str, brief: dict[str, Any], principal_id: str) -> Job:
    """Queue an internal job unless the same one is already queued (then return that one)."""
    queued = session.scalar(
        select(Job)
        .where(
            Job.brand_id == brand_id,
            Job.kind == kind,
            Job.status == JobStatus.QUEUED.value,
            Job.request_hash == _brief_hash(brief),
        )
        .limit(1)
    )
    if queued is not None:
        return queued
    return enqueue_internal(session, brand_id=brand_id, kind=kind, brief=brief, principal_id=principal_id)


def request_index(session: Session, brand_id: str, branch: str, principal_id: str = SYSTEM_PRINCIPAL) -> Job:
    """Make sure a ``search_index`` job will bring ``branch`` up to date (in the caller's transaction).

    Idempotent: while one is still queued, no second is added; a job already running may have read an
    older head, so a new one is queued then, and it finds only what is left to do."""
    return enqueue_once(session, brand_id, INDEX_JOB_KIND, {"branch": branch}, principal_id)
