"""The echo job: round-trips a message through the model deployment, step by step, resumable."""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field

from pipelines.diagnostics import EchoRequest
from serving.jobs.kinds import JobContext, JobKind


class EchoBrief(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(min_length=1, max_length=10_000, description="Text sent to the model deployment.")
    steps: int = Field(default=3, ge=1, le=100, description="How many round trips to make.")
    delay_s: float = Field(default=0.0, ge=0, le=30, description="Pause between steps (to watch progress).")


class EchoJob(JobKind):
    name: ClassVar[str] = "echo"
    brief_model: ClassVar[type[BaseModel]] = EchoBrief

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, EchoBrief)
        results: list[dict[str, Any]] = list(ctx.checkpoint.get("results", []))
        if results:
            await ctx.progress(len(results) / brief.steps, f"resuming after step {len(results)}")
        for step in range(len(results), brief.steps):
            ctx.raise_if_cancelled()
            echoed = await ctx.gateway.echo(EchoRequest(message=brief.message, step=step))
            results.append(echoed.model_dump())
            await ctx.save_checkpoint({"results": results})
            await ctx.progress(
                (step + 1) / brief.steps,
                f"step {step + 1}/{brief.steps}",
                {"sha256": echoed.sha256, "worker_pid": echoed.worker_pid},
            )
            if brief.delay_s and step + 1 < brief.steps:
                await asyncio.sleep(brief.delay_s)
        return {"gateway": ctx.gateway.name, "steps": results}
