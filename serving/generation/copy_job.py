"""The ``copy`` generation job: brief → N compliant, distinct variants, committed as copy assets.

The pipeline runs in a worker thread and reaches the LLM and the text encoder through the model
gateway (Ray Serve batches requests from every job there). Each variant becomes a ``copy`` asset on a
branch of its own, ``generations/<job id>``, with its lineage (model, prompt template version, seed),
ready for review (``POST /v1/reviews``) and merging.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from serving.generation.copy_run import run_copywriting
from serving.generation.copywriting.brief import CopyBrief, parse_brief
from serving.generation.copywriting.result import CopyResult
from serving.generation.store import GenerationStore
from serving.jobs.kinds import JobContext, JobKind

RESOURCE = "generation"


class CopyJobBrief(CopyBrief):
    """A copy brief plus where the variants go."""

    model_config = ConfigDict(extra="forbid")

    branch: str | None = Field(
        default=None, max_length=200, description="Branch for the variants; default generations/<job id>."
    )
    commit: bool = Field(
        default=True, description="Store the variants as copy assets (else only the result)."
    )
    use_brand_kit: bool = Field(
        default=True,
        description="Apply the brand's VI pack (brand/vi.yaml on main): its voice, required and forbidden "
        "words, with the kit's suggested replacements as deterministic fixes.",
    )


class CopyJob(JobKind):
    name: ClassVar[str] = "copy"
    brief_model: ClassVar[type[BaseModel]] = CopyJobBrief

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, CopyJobBrief)
        store = ctx.resources.get(RESOURCE)
        if not isinstance(store, GenerationStore):
            raise RuntimeError("the generation store is not available to this job runner")
        copy_brief = parse_brief(brief.model_dump(exclude={"branch", "commit", "use_brand_kit"}))
        await ctx.progress(0.0, f"generating {copy_brief.num_variants} variants")
        brand = await asyncio.to_thread(store.brand_kit, ctx.brand_id) if brief.use_brand_kit else None
        result: CopyResult = await run_copywriting(ctx, store, copy_brief, brand, span=(0.0, 0.9))
        ctx.raise_if_cancelled()
        out: dict[str, Any] = json.loads(result.model_dump_json())
        if brief.commit and result.variants:
            await ctx.progress(0.95, "storing variants as copy assets")
            stored = await asyncio.to_thread(
                store.commit_variants, ctx.brand_id, ctx.job_id, brief.branch, copy_brief, result
            )
            out["assets"] = stored
        return out
