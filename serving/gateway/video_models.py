"""Video renders as the gateway carries them: a call naming its inputs by object-store key (never bytes),
the edit plan and render options; a reply naming the MP4 and cover it wrote back to the object store; and
the worker that answers it with :func:`pipelines.video.render.render_plan` (in process, in a Ray Serve
replica, or in the test fake).

The worker renders in ``<work root>/<job id>/<nn>/`` so a retried call resumes its finished steps; inputs
are downloaded once per job into ``<work root>/<job id>/inputs/`` (content-addressed keys, kept files: the
render's resume keys include their mtimes).
"""

from __future__ import annotations

import asyncio
import contextlib
import re
import shutil
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines.video.plan import EditPlan

if TYPE_CHECKING:
    from asset_store.objects.protocol import ObjectStore
    from pipelines.video.render import RenderInputs, RenderResult

StepProgress = Callable[[str, float], None]
"""(render step, fraction of it done)."""
KEEP_WORK_S = 24 * 3600.0
"""A job's work folder older than this is removed on the next call (the job finished or was abandoned)."""
_SAFE = re.compile(r"[^A-Za-z0-9._-]")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class VideoCall(_Model):
    """One variant to render: clip sources and media inputs are object-store keys."""

    job_id: str = Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")
    variant: int = Field(ge=0, description="The variant's number (its work folder).")
    plan: EditPlan = Field(description="The edit; each clip's source is the footage's object key.")
    voice: str | None = Field(default=None, description="Object key of the voice-over.")
    music: str | None = Field(default=None, description="Object key of the music track.")
    logo: str | None = Field(default=None, description="Object key of the logo picture.")
    subtitles: str | None = Field(default=None, description="Object key of the ASS subtitles.")
    options: dict[str, object] = Field(
        default_factory=dict,
        description="Other RenderInputs fields (hook_text, cta_text, cta_line, ducking, x264_preset, ...).",
    )
    video_key: str = Field(description="Where the worker writes the MP4.")
    cover_key: str = Field(description="Where the worker writes the cover JPEG.")


class VideoReply(_Model):
    """What the render produced (in the object store), or why it did not."""

    video_key: str | None = None
    cover_key: str | None = None
    duration: float = 0.0
    width: int = 0
    height: int = 0
    encoder: str = ""
    seconds: dict[str, float] = Field(default_factory=dict, description="Wall seconds per render step.")
    skipped: list[str] = Field(default_factory=list, description="Steps reused from an earlier attempt.")
    error: str | None = Field(default=None, description="A machine code ('cancelled', 'render_failed', ...).")
    message: str | None = None
    kind: Literal["input", "render", "unavailable"] | None = Field(
        default=None, description="Whether the inputs were wrong, the render failed, or no renderer."
    )


def _local_name(key: str) -> str:
    return _SAFE.sub("_", key)[-150:]


class VideoWorker:
    """Renders calls; the object store and work root are built from ``Settings()`` on first use unless
    given (one per process or replica)."""

    def __init__(self, objects: ObjectStore | None = None, work_root: Path | None = None) -> None:
        self._objects = objects
        self._work_root = work_root
        self._lock = threading.Lock()

    def _store(self) -> tuple[ObjectStore, Path]:
        with self._lock:
            if self._objects is None or self._work_root is None:
                from serving.assets.services import build_asset_services
                from serving.settings import Settings

                settings = Settings()
                if self._objects is None:
                    self._objects = build_asset_services(settings).objects
                if self._work_root is None:
                    self._work_root = settings.data_dir / "video-work"
            return self._objects, self._work_root

    def render(
        self, call: VideoCall, progress: StepProgress | None = None, cancel: Callable[[], bool] | None = None
    ) -> VideoReply:
        """Render ``call`` (blocking: run it in a worker thread); errors come back in the reply."""
        from asset_store.errors import ObjectNotFound
        from pipelines.video.errors import RenderCancelled, RenderError, VideoError

        objects, root = self._store()
        _prune(root, keep=call.job_id)
        job_dir = root / call.job_id
        work = job_dir / f"{call.variant:02d}"
        try:
            inputs = self._inputs(objects, job_dir / "inputs", call)
            plan = self._local_plan(objects, job_dir / "inputs", call.plan)
            result = _render(plan, inputs, work, progress, cancel)
            objects.put_file(call.video_key, Path(result.video), "video/mp4")
            if result.cover is not None:
                objects.put_file(call.cover_key, Path(result.cover), "image/jpeg")
        except RenderCancelled as exc:
            return VideoReply(error=exc.code, message=str(exc), kind="render")
        except RenderError as exc:
            return VideoReply(error=exc.code, message=str(exc), kind="render")
        except VideoError as exc:
            return VideoReply(error=exc.code, message=exc.message, kind="input")
        except ObjectNotFound as exc:
            return VideoReply(error="input_not_found", message=str(exc), kind="input")
        shutil.rmtree(work, ignore_errors=True)
        return VideoReply(
            video_key=call.video_key,
            cover_key=call.cover_key if result.cover is not None else None,
            duration=result.duration,
            width=result.width,
            height=result.height,
            encoder=result.encoder,
            seconds=result.seconds,
            skipped=result.skipped,
        )

    def _fetch(self, objects: ObjectStore, folder: Path, key: str) -> str:
        """The object's local copy, downloaded once (keys are content-addressed: a kept copy is current)."""
        path = folder / _local_name(key)
        if not path.is_file():
            folder.mkdir(parents=True, exist_ok=True)
            part = path.with_name(f".{path.name}.{threading.get_ident()}.part")
            try:
                objects.download(key, part)
                part.replace(path)
            finally:
                part.unlink(missing_ok=True)
        return str(path)

    def _inputs(self, objects: ObjectStore, folder: Path, call: VideoCall) -> RenderInputs:
        from pipelines.video.render import RenderInputs

        files = {
            name: self._fetch(objects, folder, key) if key else None
            for name, key in (
                ("voice", call.voice),
                ("music", call.music),
                ("logo", call.logo),
                ("subtitles", call.subtitles),
            )
        }
        if files["subtitles"] is not None:
            from pipelines.video.subtitles import SubtitleStyle, fonts_dir_for

            files["fonts_dir"] = str(fonts_dir_for(SubtitleStyle(), folder))
        return RenderInputs.model_validate({**call.options, **files})

    def _local_plan(self, objects: ObjectStore, folder: Path, plan: EditPlan) -> EditPlan:
        clips = [c.model_copy(update={"source": self._fetch(objects, folder, c.source)}) for c in plan.clips]
        return plan.model_copy(update={"clips": clips})


def _render(
    plan: EditPlan,
    inputs: RenderInputs,
    work: Path,
    progress: StepProgress | None,
    cancel: Callable[[], bool] | None,
) -> RenderResult:
    from pipelines.video.render import render_plan

    return render_plan(
        plan,
        inputs,
        work / "out.mp4",
        work_dir=work / "steps",
        cover_path=work / "cover.jpg",
        progress=progress,
        cancel=cancel,
    )


def _prune(root: Path, keep: str) -> None:
    """Remove job work folders untouched for ``KEEP_WORK_S`` (not ``keep``'s)."""
    if not root.is_dir():
        return
    cutoff = time.time() - KEEP_WORK_S
    for child in root.iterdir():
        try:
            if child.name != keep and child.is_dir() and child.stat().st_mtime < cutoff:
                shutil.rmtree(child, ignore_errors=True)
        except OSError:
            continue


async def render_in_thread(
    worker: VideoWorker, call: VideoCall, progress: StepProgress | None = None
) -> VideoReply:
    """``worker.render`` in a worker thread, ``progress`` called on this event loop; cancelling the
    awaiting task stops the render (ffmpeg is killed between progress reports) and waits for it to end."""
    loop = asyncio.get_running_loop()
    stop = threading.Event()

    def report(step: str, fraction: float) -> None:
        if progress is not None:
            with contextlib.suppress(RuntimeError):  # the loop closed under a cancelled render
                loop.call_soon_threadsafe(progress, step, fraction)

    task = asyncio.ensure_future(asyncio.to_thread(worker.render, call, report, stop.is_set))
    try:
        return await asyncio.shield(task)
    except asyncio.CancelledError:
        stop.set()
        await asyncio.wait({task})
        raise
