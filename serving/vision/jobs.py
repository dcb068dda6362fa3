"""Internal job kinds of search: ``search_index`` (bring one branch's index up to its head) and
``custom_tag`` (apply or withdraw one brand custom tag)."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import select

from serving.db import transaction
from serving.jobs.kinds import JobContext, JobKind
from serving.jobs.models import Job
from serving.jobs.schemas import JobStatus
from serving.vision.custom_tags import apply_tag
from serving.vision.indexer import BranchIndexer
from serving.vision.runtime import RESOURCE, VisionRuntime
from serving.vision.sync import CUSTOM_TAG_JOB_KIND, INDEX_JOB_KIND

WAIT_S = 0.25


def runtime_of(ctx: JobContext) -> VisionRuntime:
    runtime = ctx.resources.get(RESOURCE)
    if not isinstance(runtime, VisionRuntime):
        raise RuntimeError("the vision runtime is not available to this job runner")
    return runtime


def _earlier_running(
    runtime: VisionRuntime, job_id: str, brand_id: str, kind: str, request_hash: str
) -> bool:
    with transaction(runtime.readers) as session:
        found = session.scalar(
            select(Job.id)
            .where(
                Job.brand_id == brand_id,
                Job.kind == kind,
                Job.status == JobStatus.RUNNING.value,
                Job.request_hash == request_hash,
                Job.id < job_id,
            )
            .limit(1)
        )
    return found is not None


def _hash_of(runtime: VisionRuntime, job_id: str) -> str:
    with transaction(runtime.readers) as session:
        return str(session.scalar(select(Job.request_hash).where(Job.id == job_id)))


async def one_at_a_time(ctx: JobContext, runtime: VisionRuntime, kind: str) -> None:
    """Wait while an earlier job of this kind works on the same brief (the same branch or tag)."""
    request_hash = await asyncio.to_thread(_hash_of, runtime, ctx.job_id)
    while await asyncio.to_thread(_earlier_running, runtime, ctx.job_id, ctx.brand_id, kind, request_hash):
        ctx.raise_if_cancelled()
        await asyncio.sleep(WAIT_S)


class IndexBrief(BaseModel):
    model_config = ConfigDict(extra="forbid")

    branch: str = Field(min_length=1, max_length=100, description="Branch whose index catches up.")
    full: bool = Field(default=False, description="Reindex every asset, not only the changes.")


class SearchIndexJob(JobKind):
    name: ClassVar[str] = INDEX_JOB_KIND
    brief_model: ClassVar[type[BaseModel]] = IndexBrief
    internal: ClassVar[bool] = True

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, IndexBrief)
        runtime = runtime_of(ctx)
        await one_at_a_time(ctx, runtime, self.name)
        indexer = BranchIndexer(runtime, ctx.gateway, ctx.brand_id, brief.branch)
        return await indexer.run(
            lambda fraction, message: ctx.progress(fraction, message),
            ctx.checkpoint,
            ctx.save_checkpoint,
            full=brief.full,
        )


class CustomTagBrief(BaseModel):
    model_config = ConfigDict(extra="forbid")

    tag_id: str = Field(min_length=1, max_length=80, description="The brand custom tag to (re)apply.")


class CustomTagJob(JobKind):
    name: ClassVar[str] = CUSTOM_TAG_JOB_KIND
    brief_model: ClassVar[type[BaseModel]] = CustomTagBrief
    internal: ClassVar[bool] = True

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, CustomTagBrief)
        runtime = runtime_of(ctx)
        await one_at_a_time(ctx, runtime, self.name)
        return await asyncio.to_thread(apply_tag, runtime, ctx.brand_id, brief.tag_id)
