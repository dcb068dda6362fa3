"""The ``video`` generation job: footage, a script (or a copy variant), a voice, music and a logo → N
differentiated short-video remixes for one platform preset, rendered on the video deployment and
committed as ``videos/<job id>/<nn>.mp4`` (video) with ``<nn>.jpg`` covers (image), in one commit.

Flow: read the assets at ``ref`` → probe and analyse the footage (coded errors fail the job) → voice-over
and cue timing → ASS subtitles → a music section per variant → ``plan_variants`` → one render call per
variant (inputs by object-store key; finished variants are kept in the job checkpoint, so a retried
attempt does not render them again; a renderer lost in transit is retried and resumes the variant's
finished steps) → one commit with lineage (source shots and their in/out points, script and where it
came from, subtitle cues, voice, music offset, preset, plan digest, seed).
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import tempfile
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from pipelines.video.errors import VideoError
from serving.errors import AtelierError, InvalidInput, ServiceUnavailable
from serving.gateway.video_models import VideoCall, VideoReply
from serving.generation.store import GenerationStore
from serving.generation.video_brief import VideoJobBrief
from serving.generation.video_commit import _commit, _drop_temp, _summary
from serving.generation.video_prepare import Inputs, Prepared, _coded, _prepare, _read_inputs, temp_prefix
from serving.jobs.kinds import JobCancelled, JobContext, JobKind
from serving.jobs.runner import LeaseLost

RESOURCE = "generation"
POLL_S = 0.2
RETRY_DELAYS_S = (1.0, 5.0, 15.0)
"""Waits before each retry of a variant whose renderer failed in transit (then the job fails)."""
STEP_WEIGHTS = {"cards": 0.05, "audio": 0.15, "video": 0.7, "mux": 0.05, "cover": 0.05}
_STEP_BEFORE = {k: sum(list(STEP_WEIGHTS.values())[:i]) for i, k in enumerate(STEP_WEIGHTS)}
log = logging.getLogger(__name__)


class VideoJob(JobKind):
    name: ClassVar[str] = "video"
    brief_model: ClassVar[type[BaseModel]] = VideoJobBrief

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, VideoJobBrief)
        store = ctx.resources.get(RESOURCE)
        if not isinstance(store, GenerationStore):
            raise RuntimeError("the generation store is not available to this job runner")
        # The temporary files (voice, subtitles, rendered variants) go when the job ends: done, failed or
        # cancelled. An interrupted attempt (shutdown, lease lost) keeps them: the next one resumes.
        try:
            out = await _run(ctx, store, brief)
        except LeaseLost:
            raise
        except Exception:
            await asyncio.to_thread(_drop_temp, store, ctx.job_id)
            raise
        await asyncio.to_thread(_drop_temp, store, ctx.job_id)
        return out


async def _run(ctx: JobContext, store: GenerationStore, brief: VideoJobBrief) -> dict[str, Any]:
    store.assets.tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix="video-job-", dir=store.assets.tmp_dir))
    try:
        inputs = await asyncio.to_thread(_read_inputs, store, ctx.brand_id, brief, tmp)
        await ctx.progress(0.05, f"analysing {len(inputs.footage)} footage files")
        try:
            prepared = await asyncio.to_thread(_prepare, store, ctx.job_id, brief, inputs, tmp)
        except VideoError as exc:
            raise _coded(exc, "footage") from exc
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    ctx.raise_if_cancelled()
    await ctx.progress(0.2, f"rendering {len(prepared.plans)} variants")
    replies, reused = await _render_all(ctx, store, brief, inputs, prepared)
    out: dict[str, Any] = {
        "videos": [_summary(p, r, p.variant in reused) for p, r in zip(prepared.plans, replies, strict=True)]
    }
    if brief.commit:
        await ctx.progress(0.92, "storing the videos as assets")
        out["assets"] = await asyncio.to_thread(
            _commit, store, ctx.brand_id, ctx.job_id, brief, inputs, prepared, replies
        )
    return out


async def _render_all(
    ctx: JobContext, store: GenerationStore, brief: VideoJobBrief, inputs: Inputs, prepared: Prepared
) -> tuple[list[VideoReply], set[int]]:
    """Render every variant not already in the checkpoint (by plan digest, its files still there);
    the replies in plan order and the variants taken from the checkpoint."""
    done: dict[str, Any] = dict(ctx.checkpoint.get("variants") or {})
    replies: list[VideoReply] = []
    reused: set[int] = set()
    options: dict[str, object] = {
        "hook_text": brief.hook_text,
        "cta_text": brief.cta_text,
        "cta_line": brief.cta_line,
    }
    if prepared.voice_key and inputs.music is not None:
        from pipelines.video.music import ducking

        options["ducking"] = ducking("normal").filter_args()
    for plan in prepared.plans:
        ctx.raise_if_cancelled()
        digest, number = plan.digest(), plan.variant + 1
        prior = done.get(str(plan.variant))
        if prior and prior["digest"] == digest and await asyncio.to_thread(_exists, store, prior["reply"]):
            replies.append(VideoReply.model_validate(prior["reply"]))
            reused.add(plan.variant)
            continue
        stem = f"{temp_prefix(ctx.job_id)}{number:02d}-{digest[:16]}"
        call = VideoCall(
            job_id=ctx.job_id.lower(),
            variant=plan.variant,
            plan=plan,
            voice=prepared.voice_key,
            music=inputs.music.key if inputs.music else None,
            logo=inputs.logo.key if inputs.logo else None,
            subtitles=prepared.subtitles_key,
            options={k: v for k, v in options.items() if v is not None},
            video_key=f"{stem}.mp4",
            cover_key=f"{stem}.jpg",
        )
        reply = await _render_one(ctx, call, len(prepared.plans))
        replies.append(reply)
        done[str(plan.variant)] = {"digest": digest, "reply": reply.model_dump(mode="json")}
        await ctx.save_checkpoint({**ctx.checkpoint, "variants": done})
    return replies, reused


def _exists(store: GenerationStore, reply: dict[str, Any]) -> bool:
    objects = store.assets.objects
    return all(objects.exists(reply[k]) for k in ("video_key", "cover_key") if reply.get(k))


async def _render_one(ctx: JobContext, call: VideoCall, total: int) -> VideoReply:
    """Render one variant; a transient failure of the renderer (its replica died, the connection
    broke) is retried after ``RETRY_DELAYS_S``, and the retry resumes the variant's finished steps."""
    for delay in (*RETRY_DELAYS_S, None):
        try:
            reply = await _watch(ctx, call, total)
        except Exception as exc:
            if delay is None or not _transient(exc):
                raise
            log.warning("job %s variant %d: renderer failed (%r), retrying", ctx.job_id, call.variant, exc)
            await ctx.progress(
                0.2 + 0.7 * call.variant / total,
                f"variant {call.variant + 1}/{total}: renderer lost ({type(exc).__name__}), "
                f"retrying in {delay:.0f} s",
                {"variant": call.variant, "retry_in": delay},
            )
            await _sleep(ctx, delay)
            continue
        return _checked(ctx, call, reply)
    raise AssertionError("unreachable")  # pragma: no cover - the last try returns or raises


def _transient(exc: Exception) -> bool:
    """A failure worth a retry: the connection or the remote replica (Ray's errors, but not
    ``RayTaskError``: the replica's own code raised), not the job or its inputs."""
    if isinstance(exc, JobCancelled | AtelierError):
        return False
    classes = type(exc).__mro__
    if any(c.__name__ == "RayTaskError" for c in classes):
        return False
    return isinstance(exc, OSError) or any(c.__module__.split(".")[0] == "ray" for c in classes)


async def _sleep(ctx: JobContext, seconds: float) -> None:
    """Wait ``seconds``, honouring a cancel within ``POLL_S``."""
    deadline = asyncio.get_running_loop().time() + seconds
    while (left := deadline - asyncio.get_running_loop().time()) > 0:
        ctx.raise_if_cancelled()
        await asyncio.sleep(min(POLL_S, left))
    ctx.raise_if_cancelled()


async def _watch(ctx: JobContext, call: VideoCall, total: int) -> VideoReply:
    """One gateway call, watched: progress events per step, cancel honoured inside the render."""
    latest: list[tuple[str, float]] = []
    task = asyncio.ensure_future(ctx.gateway.render_video(call, lambda step, f: latest.append((step, f))))
    reported: tuple[str, float] | None = None
    try:
        while True:
            finished, _ = await asyncio.wait({task}, timeout=POLL_S)
            ctx.raise_if_cancelled()
            if latest and latest[-1] != reported:
                reported = step, fraction = latest[-1]
                within = _STEP_BEFORE.get(step, 0.0) + STEP_WEIGHTS.get(step, 0.0) * fraction
                await ctx.progress(
                    0.2 + 0.7 * (call.variant + within) / total,
                    f"variant {call.variant + 1}/{total}: {step}",
                    {"variant": call.variant, "step": step, "step_progress": round(fraction, 3)},
                )
            if finished:
                break
    except BaseException:
        task.cancel()
        await asyncio.gather(task, return_exceptions=True)
        raise
    return task.result()


def _checked(ctx: JobContext, call: VideoCall, reply: VideoReply) -> VideoReply:
    """The reply of a finished render, or its error raised with a code."""
    if reply.error is None:
        return reply
    if reply.error == "cancelled":
        ctx.raise_if_cancelled()
        raise JobCancelled()
    where = f"variant {call.variant + 1}: {reply.message or reply.error}"
    if reply.kind == "unavailable":
        raise ServiceUnavailable(where, code="video_renderer_unavailable")
    if reply.kind == "input":
        raise InvalidInput(where, code=reply.error)
    raise RenderFailed(where, code=reply.error)


class RenderFailed(AtelierError):
    status, code, title = 502, "render_failed", "Render failed"
