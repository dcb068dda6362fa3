"""The ``export`` job: approved creative → platform renditions, a manifest and an ``asset.exported`` event.

Flow: pin the ref to its commit and read the sources there → refuse (``not_approved``) unless every
source is brand-approved at exactly that version → plan source × placement → render in a thread pool
(``workers`` at once; equal video plans share one encode) with progress per rendition → judge each
rendition and its copy (SPEC_* findings; a blocking finding keeps it out of the store) → one commit on
``exports/<job id>`` with the manifest and the event (:mod:`serving.exports.commit`).
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any, ClassVar

from pydantic import BaseModel

from compliance_rules.placements import Placements
from serving.db import read_only_factory, transaction
from serving.exports.approval import require_approved
from serving.exports.brief import ExportBrief
from serving.exports.commit import ExportRun, commit_export
from serving.exports.manifest import assess
from serving.exports.plan import Work, plan_work
from serving.exports.render import Rendered, Renderer
from serving.exports.resume import CHECKPOINT_FIELD, EncodeStore
from serving.exports.sources import SourceAsset, find_versions, load_sources
from serving.generation.store import GenerationStore
from serving.jobs.kinds import JobCancelled, JobContext, JobKind
from serving.jobs.runner import LeaseLost

RESOURCE = "generation"


def workers() -> int:
    """Renditions rendered at once: one per CPU (at most 8); x264 threads itself inside each encode."""
    return max(1, min(8, os.cpu_count() or 1))


class ExportJob(JobKind):
    name: ClassVar[str] = "export"
    brief_model: ClassVar[type[BaseModel]] = ExportBrief

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, ExportBrief)
        store = ctx.resources.get(RESOURCE)
        if not isinstance(store, GenerationStore):
            raise RuntimeError("the generation store is not available to this job runner")
        began = time.perf_counter()
        placements = Placements.builtin(store.checker.engine.specs)
        chosen = placements.select(brief.placements, brief.platforms)
        store.assets.tmp_dir.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix="export-job-", dir=store.assets.tmp_dir))
        encodes = EncodeStore(store.assets.objects, ctx.job_id, ctx.checkpoint.get(CHECKPOINT_FIELD))
        # Kept encodes go when the job ends: done, failed or cancelled. An interrupted attempt (shutdown,
        # lease lost) keeps them: the next attempt restores them instead of encoding again.
        try:
            commit_id, sources = await asyncio.to_thread(_read, store, ctx.brand_id, brief, tmp)
            works, skipped = plan_work(ctx.job_id, sources, chosen, brief.pick)
            await ctx.progress(0.05, f"rendering {len(works)} renditions for {len(chosen)} placements")
            rendered, videos = await _render(ctx, works, tmp / "out", brief.x264_preset, encodes)
            render_s = time.perf_counter() - began
            ctx.raise_if_cancelled()
            await ctx.progress(0.9, "checking and storing the renditions")
            run = ExportRun(
                job_id=ctx.job_id,
                brand_id=ctx.brand_id,
                ref=brief.ref,
                source_commit=commit_id,
                branch=brief.branch or f"exports/{ctx.job_id.lower()}",
                placements_version=placements.version,
            )
            assessed = [assess(r, tuple(brief.hashtags)) for r in rendered]
            manifest, assets = await asyncio.to_thread(commit_export, store, run, assessed, skipped, videos)
        except LeaseLost:
            raise
        except Exception:
            await asyncio.to_thread(encodes.drop)
            raise
        finally:
            shutil.rmtree(tmp, ignore_errors=True)
        await asyncio.to_thread(encodes.drop)
        return {
            "manifest": manifest.model_dump(mode="json"),
            "assets": assets,
            "summary": manifest.summary.model_dump(),
            "seconds": {"render": round(render_s, 2), "total": round(time.perf_counter() - began, 2)},
            "timings": timings(rendered),
            "restored_encodes": encodes.restored,
        }


def timings(rendered: list[Rendered]) -> dict[str, dict[str, float]]:
    """Per kind: renditions, distinct encodes made by this attempt, seconds spent encoding them (summed
    over the pool's threads, so more than the wall time when they overlap) and bytes."""
    out: dict[str, dict[str, float]] = {}
    for r in rendered:
        kind = r.work.placement.kind
        row = out.setdefault(kind, {"renditions": 0, "encodes": 0, "seconds": 0.0, "bytes": 0})
        row["renditions"] += 1
        made = r.image or r.video
        if made is not None and not r.shared and not r.restored:
            row["encodes"] += 1
            row["seconds"] = round(row["seconds"] + made.seconds, 3)
            row["bytes"] += made.bytes
    return out


def _read(
    store: GenerationStore, brand_id: str, brief: ExportBrief, folder: Path
) -> tuple[str, list[SourceAsset]]:
    """Pin the ref, refuse unapproved sources, copy the sources to ``folder`` (a read-only transaction:
    on SQLite it never holds the write lock)."""
    with transaction(read_only_factory(store.factory)) as session:
        repo = store.assets.repository(session, brand_id)
        commit_id = repo.resolve(brief.ref).id
        versions = find_versions(repo, commit_id, brief)
        require_approved(session, brand_id, versions)
        return commit_id, load_sources(session, store.assets, repo, versions, brief, folder)


async def _render(
    ctx: JobContext, works: list[Work], folder: Path, preset: str, encodes: EncodeStore
) -> tuple[list[Rendered], int]:
    """Every rendition, ``workers()`` at a time, progress after each; cancel stops the encodes; each new
    video encode is recorded in the checkpoint as it lands (a retried attempt restores it)."""

    def cancelled() -> bool:
        try:
            ctx.raise_if_cancelled()
        except JobCancelled:
            return True
        return False

    tasks = Renderer(works, folder, x264_preset=preset, cancelled=cancelled, encodes=encodes).tasks()
    saved = encodes.entries
    loop = asyncio.get_running_loop()
    done: list[Rendered] = []
    with ThreadPoolExecutor(max_workers=workers(), thread_name_prefix="export") as pool:
        pending = [loop.run_in_executor(pool, task) for task in tasks]
        for finished in asyncio.as_completed(pending):
            done += await finished
            if (entries := encodes.entries) != saved:
                await ctx.save_checkpoint({**ctx.checkpoint, CHECKPOINT_FIELD: entries})
                saved = entries
            ctx.raise_if_cancelled()
            await ctx.progress(
                0.05 + 0.85 * len(done) / max(1, len(works)), f"{len(done)}/{len(works)} rendered"
            )
    order = {id(w): i for i, w in enumerate(works)}
    videos = sum(1 for r in done if r.video is not None and not r.shared)  # an earlier attempt's too
    return sorted(done, key=lambda r: order[id(r.work)]), videos
