"""Render an export's renditions as independent tasks for a thread pool: one per image rendition, one per
distinct video encode (placements whose video plans are equal share one file). Pictures are decoded and
their salient region found once per source; videos are probed once per source."""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from PIL import Image

from compliance_rules.placements import RenditionFacts
from pipelines.renditions import ImageRendition, RenditionError, VideoRendition, plan_video
from pipelines.renditions.image import open_image, render_image
from pipelines.renditions.saliency import salient_box
from pipelines.renditions.video import render_video
from pipelines.video.errors import VideoError
from pipelines.video.probe import FootageInfo, probe_footage
from pipelines.video.types import Box
from serving.exports.plan import Work
from serving.exports.resume import EncodeStore, encode_digest

log = logging.getLogger(__name__)
Task = Callable[[], list["Rendered"]]


@dataclass(frozen=True)
class Rendered:
    """The outcome of one work item: an image, a video, or the error that stopped it."""

    work: Work
    image: ImageRendition | None = None
    video: VideoRendition | None = None
    error_code: str | None = None
    error: str | None = None
    shared: bool = False
    """The video file was encoded for another placement with the same plan."""
    restored: bool = False
    """The video file was encoded by an earlier attempt of the job (see :mod:`serving.exports.resume`)."""

    def facts(self) -> RenditionFacts | None:
        """What the rendition is (None when it failed)."""
        if self.image is not None:
            r = self.image
            return RenditionFacts(r.width, r.height, r.bytes, r.format, focus_in_safe=r.placed.focus_in_safe)
        if self.video is not None:
            v = self.video
            return RenditionFacts(
                v.width,
                v.height,
                v.bytes,
                "mp4",
                duration_s=v.duration_s,
                video_codec=v.video_codec,
                audio_codec=v.audio_codec,
                faststart=v.faststart,
                focus_in_safe=v.placed.focus_in_safe,
            )
        return None


def _failed(work: Work, exc: RenditionError) -> Rendered:
    return Rendered(work, error_code=exc.code, error=exc.message)


def _done(outcome: Rendered) -> Task:
    return lambda: [outcome]


class Renderer:
    """Builds the tasks of one export; ``cancelled`` is polled inside long encodes; ``encodes`` (when
    given) restores video encodes an earlier attempt finished and keeps the new ones."""

    def __init__(
        self,
        works: list[Work],
        folder: Path,
        *,
        x264_preset: str,
        cancelled: Callable[[], bool],
        encodes: EncodeStore | None = None,
    ) -> None:
        self.works, self.folder = works, folder
        self.x264_preset, self.cancelled = x264_preset, cancelled
        self.encodes = encodes
        self._pictures: dict[str, tuple[Image.Image, Box, str]] = {}
        self._footage: dict[str, FootageInfo | RenditionError] = {}
        self._lock = threading.Lock()

    def tasks(self) -> list[Task]:
        """Video encodes first (the long ones), then the pictures."""
        videos = [w for w in self.works if w.placement.kind == "video"]
        images = [w for w in self.works if w.placement.kind == "image"]
        return self._video_tasks(videos) + [self._image_task(w) for w in images]

    # pictures ---------------------------------------------------------------------------------
    def _picture(self, work: Work) -> tuple[Image.Image, Box, str]:
        source = work.source
        with self._lock:
            if source.path not in self._pictures:
                image = open_image(source.file.read_bytes())
                focus, kind = (source.focus, "spec") if source.focus else (salient_box(image), "saliency")
                self._pictures[source.path] = (image, focus, kind)
            return self._pictures[source.path]

    def _image_task(self, work: Work) -> Task:
        def run() -> list[Rendered]:
            if self.cancelled():
                return [Rendered(work, error_code="cancelled", error="cancelled")]
            try:
                image, focus, kind = self._picture(work)
                return [Rendered(work, image=render_image(image, work.target, focus=focus, focus_kind=kind))]
            except RenditionError as exc:
                return [_failed(work, exc)]

        return run

    # videos -----------------------------------------------------------------------------------
    def _info(self, work: Work) -> FootageInfo:
        path = work.source.path
        if path not in self._footage:
            try:
                self._footage[path] = probe_footage(work.source.file)
            except VideoError as exc:
                self._footage[path] = RenditionError(f"{path}: {exc.message}", "source_unreadable")
        found = self._footage[path]
        if isinstance(found, RenditionError):
            raise found
        return found

    def _video_tasks(self, works: list[Work]) -> list[Task]:
        groups: dict[tuple[str, str], list[Work]] = {}
        tasks: list[Task] = []
        for work in works:
            try:
                plan = plan_video(self._info(work), work.target)
            except RenditionError as exc:
                tasks.append(_done(_failed(work, exc)))
                continue
            groups.setdefault((work.source.path, plan.key()), []).append(work)
        for number, ((_, plan_key), members) in enumerate(groups.items()):
            tasks.append(self._video_task(members, plan_key, self.folder / f"v{number:02d}"))
        return tasks

    def _restore(self, digest: str, folder: Path) -> VideoRendition | None:
        """The encode ``digest`` as an earlier attempt left it, if it did (else it is encoded again)."""
        if self.encodes is None:
            return None
        try:
            return self.encodes.restore(digest, folder)
        except Exception as exc:  # a kept encode that cannot be read back is simply made again
            log.warning("export encode %s kept by an earlier attempt not restored: %r", digest[:12], exc)
            return None

    def _video_task(self, members: list[Work], plan_key: str, folder: Path) -> Task:
        def run() -> list[Rendered]:
            first = min(members, key=lambda w: w.target.max_bytes)  # the strictest limit holds for all
            digest = encode_digest(first.source.version.entry.blob, plan_key, first.target, self.x264_preset)
            kept = self._restore(digest, folder)
            if kept is not None:
                return [Rendered(w, video=kept, shared=w is not first, restored=True) for w in members]
            try:
                video = render_video(
                    first.source.file,
                    first.target,
                    folder,
                    info=self._info(first),
                    x264_preset=self.x264_preset,
                    cancel=self.cancelled,
                )
            except RenditionError as exc:
                return [_failed(w, exc) for w in members]
            if self.encodes is not None:
                try:
                    self.encodes.keep(digest, video)
                except Exception as exc:  # keeping is for a retry only: this attempt goes on without it
                    log.warning("export encode %s not kept for a retry: %r", digest[:12], exc)
            return [Rendered(w, video=video, shared=w is not first) for w in members]

        return run
