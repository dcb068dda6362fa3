"""Run the copywriting pipeline inside a job: through the gateway (LLM and text encoder), in a worker
thread, with its progress mapped onto a span of the job's progress and its errors onto job error codes."""

from __future__ import annotations

import asyncio

from compliance_rules.brand import BrandVI
from serving.errors import InvalidInput, ServiceUnavailable
from serving.generation.adapters import GatewayEncoder, GatewayLLM
from serving.generation.copywriting.brief import CopyBrief
from serving.generation.copywriting.errors import CopywritingError, GenerationFailed
from serving.generation.copywriting.pipeline import CopywritingPipeline
from serving.generation.copywriting.result import CopyProgress, CopyResult
from serving.generation.store import GenerationStore
from serving.jobs.kinds import JobContext


async def run_copywriting(
    ctx: JobContext,
    store: GenerationStore,
    brief: CopyBrief,
    brand: BrandVI | None,
    span: tuple[float, float],
) -> CopyResult:
    """``brief.num_variants`` variants (``brand``: the VI pack's words applied), progress within ``span``."""
    loop = asyncio.get_running_loop()
    pipeline = CopywritingPipeline(
        GatewayLLM(ctx.gateway, loop, store.model_id, store.concurrent_requests),
        GatewayEncoder(ctx.gateway, loop),
        store.checker,
        store.copywriting,
    )
    low, high = span

    def progress(update: CopyProgress) -> None:
        fraction = low + (high - low) * update.accepted / max(update.target, 1)
        message = f"{update.accepted}/{update.target} copy variants after round {update.round}"
        asyncio.run_coroutine_threadsafe(ctx.progress(fraction, message, update.model_dump()), loop)

    try:
        return await asyncio.to_thread(
            lambda: pipeline.run(brief, progress, brand=brand, check_cancelled=ctx.raise_if_cancelled)
        )
    except GenerationFailed as exc:  # the model backend is down: not the brief's fault
        raise ServiceUnavailable(str(exc), code=exc.code) from exc
    except CopywritingError as exc:
        raise InvalidInput(str(exc), code=exc.code) from exc
