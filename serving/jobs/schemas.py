"""Wire schemas for generation jobs."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from pydantic import Field

from serving.schemas_common import PublicModel, RequestModel


class JobStatus(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


TERMINAL = frozenset({JobStatus.SUCCEEDED, JobStatus.FAILED, JobStatus.CANCELLED})


class GenerationCreate(RequestModel):
    brand_id: str = Field(max_length=40, description="Brand the work is for.")
    kind: str = Field(max_length=64, description="Job kind, e.g. echo.")
    brief: dict[str, Any] = Field(description="Kind-specific brief; validated against the kind's schema.")
    region_id: str | None = Field(
        default=None, max_length=40, description="Region; required for region-limited callers."
    )


class JobError(PublicModel):
    code: str
    detail: str | None


class JobPublic(PublicModel):
    id: str
    brand_id: str
    region_id: str | None
    agency_id: str | None
    kind: str
    status: JobStatus
    brief: dict[str, Any]
    progress: float
    result: dict[str, Any] | None
    error: JobError | None
    attempts: int
    cancel_requested: bool
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobEventPublic(PublicModel):
    seq: int
    type: str
    data: dict[str, Any]
    at: datetime
