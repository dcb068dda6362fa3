"""Video renditions with ffmpeg: crop or blur-pad to the target frame at a constant frame rate, trim to
the longest allowed (a short fade of the sound), hold the last frame up to the shortest, H.264 High
yuv420p + AAC 48 kHz stereo, ``+faststart``, under the byte limit (CRF 23 capped by a VBV at the plan's
ceiling; should the file still be over, the ceiling drops in proportion and the encode runs again, at
most ``MAX_ATTEMPTS`` times); then a cover JPEG from the output, and a self-check by ffprobe.

CPU only (libx264): renditions are many small encodes that run side by side."""

from __future__ import annotations

import io
import os
import struct
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import ffmpeg
from PIL import Image

from pipelines.renditions.encode import encode_to_limit
from pipelines.renditions.errors import RenditionError
from pipelines.renditions.types import Target, VideoRendition
from pipelines.renditions.video_plan import FADE_S, VideoPlan, plan_video
from pipelines.video.errors import RenderCancelled, RenderError, VideoError
from pipelines.video.graph import blur_fill
from pipelines.video.probe import FootageInfo, probe_footage
from pipelines.video.runner import ffmpeg_exe, run_ffmpeg, run_tool
from pipelines.video.types import Box

MAX_ATTEMPTS = 3
CRF = 23
COVER_AT = 0.1
"""The cover is the frame at this share of the output, at most ``COVER_MAX_S`` in."""
COVER_MAX_S = 3.0
DURATION_SLACK_S = 0.1
ENCODE_TIMEOUT_S = 600.0


def render_video(
    source: Path | str,
    target: Target,
    out_dir: Path | str,
    *,
    info: FootageInfo | None = None,
    focus: Box | None = None,
    plan: VideoPlan | None = None,
    x264_preset: str = "veryfast",
    threads: int | None = None,
    progress: Callable[[float], None] | None = None,
    cancel: Callable[[], bool] | None = None,
) -> VideoRendition:
    """Render ``source`` to ``target`` as ``<out_dir>/<target.name>.mp4`` and ``.jpg`` (the cover)."""
    began = time.perf_counter()
    try:
        info = info or probe_footage(source)
    except VideoError as exc:
        raise RenditionError(f"the source video cannot be used: {exc.message}", "source_unreadable") from exc
    plan = plan or plan_video(info, target, focus)
    folder = Path(out_dir)
    folder.mkdir(parents=True, exist_ok=True)
    out, cover = folder / f"{target.name}.mp4", folder / f"{target.name}.jpg"
    encode = _Encode(Path(source), plan, out, x264_preset, threads, progress, cancel)
    cap, attempts = _within_limit(encode, target)
    probed = _self_check(out, target, plan)
    width, height, cover_bytes = _cover(out, cover, plan, target)
    return VideoRendition(
        target=target.name,
        path=str(out),
        cover_path=str(cover),
        width=probed.width,
        height=probed.height,
        duration_s=probed.duration,
        bytes=out.stat().st_size,
        video_codec=probed.codec,
        audio_codec=probed.audio_codec,
        fps=probed.fps,
        kbps_cap=cap,
        attempts=attempts,
        trimmed_s=plan.trimmed_s,
        padded_s=plan.pad_s,
        faststart=True,
        placed=plan.placed,
        cover_width=width,
        cover_height=height,
        cover_bytes=cover_bytes,
        seconds=round(time.perf_counter() - began, 3),
    )


@dataclass(frozen=True)
class _Encode:
    """One encode's fixed inputs; called with the bitrate ceiling to try."""

    source: Path
    plan: VideoPlan
    out: Path
    preset: str
    threads: int | None
    progress: Callable[[float], None] | None
    cancel: Callable[[], bool] | None

    def __call__(self, cap: int) -> int:
        """Encode at ``cap`` kbit/s; the file's size."""
        _encode(self, cap)
        return self.out.stat().st_size


def _within_limit(encode: _Encode, target: Target) -> tuple[int, int]:
    """Encode at the plan's ceiling; while the file is over the limit, lower the ceiling in proportion
    (with a 10 % margin) and encode again. Returns (the ceiling that fitted, encodes run)."""
    cap = encode.plan.kbps_cap
    for attempt in range(1, MAX_ATTEMPTS + 1):
        size = encode(cap)
        if size <= target.max_bytes:
            return cap, attempt
        if attempt < MAX_ATTEMPTS:
            cap = max(50, int(cap * 0.9 * target.max_bytes / size))
    raise RenditionError(
        f"{target.name}: {size:,} bytes after {MAX_ATTEMPTS} encodes, over {target.max_bytes:,}",
        "over_byte_limit",
    )


def _graph(source: Path, plan: VideoPlan) -> tuple[Any, Any | None]:
    """The video and audio streams of the plan (ffmpeg-python nodes)."""
    src = ffmpeg.input(str(source), t=f"{plan.take_s:.3f}")
    video = src.video.filter("fps", plan.fps)
    if plan.placed.fit == "pad":
        video = blur_fill(video, plan.width, plan.height)
    else:
        x, y, w, h = plan.placed.crop
        video = video.crop(x, y, w, h).filter("scale", plan.width, plan.height, flags="bicubic")
    video = video.filter("setsar", 1)
    if plan.pad_s > 0:
        video = video.filter("tpad", stop_mode="clone", stop_duration=f"{plan.pad_s:.3f}")
    video = video.filter("format", "yuv420p")
    if plan.audio == "none":
        return video, None
    if plan.audio == "silent":
        audio = ffmpeg.input("anullsrc=r=48000:cl=stereo", f="lavfi").audio
    else:
        audio = src.audio.filter("aresample", 48000).filter(
            "aformat", sample_fmts="fltp", channel_layouts="stereo"
        )
        if plan.trimmed_s > 0:
            audio = audio.filter("afade", t="out", st=f"{max(0.0, plan.take_s - FADE_S):.3f}", d=FADE_S)
        audio = audio.filter("apad")
    return video, audio.filter("atrim", duration=f"{plan.duration_s:.3f}")


def _encode(job: _Encode, cap: int) -> None:
    plan, out = job.plan, job.out
    video, audio = _graph(job.source, plan)
    partial = out.with_name(f".{out.stem}.partial.mp4")
    options: dict[str, Any] = {
        "vcodec": "libx264",
        "preset": job.preset,
        "crf": CRF,
        "maxrate": f"{cap}k",
        "bufsize": f"{cap}k",
        "profile:v": "high",
        "pix_fmt": "yuv420p",
        "g": 2 * plan.fps,
        "r": plan.fps,
        "movflags": "+faststart",
        "t": f"{plan.duration_s:.3f}",
    }
    if job.threads is not None:
        options["threads"] = job.threads
    if audio is None:
        stream = ffmpeg.output(video, str(partial), an=None, **options)
    else:
        options.update(acodec="aac", audio_bitrate=f"{plan.audio_kbps}k", ar=48000, ac=2)
        stream = ffmpeg.output(video, audio, str(partial), **options)
    try:
        run_ffmpeg(
            list(stream.compile(cmd="ffmpeg"))[1:],
            what=f"rendition {out.stem}",
            duration=plan.duration_s,
            timeout=ENCODE_TIMEOUT_S,
            progress=job.progress,
            cancel=job.cancel,
        )
    except RenderCancelled as exc:
        partial.unlink(missing_ok=True)
        raise RenditionError(f"{out.stem}: cancelled", "cancelled") from exc
    except RenderError as exc:
        partial.unlink(missing_ok=True)
        raise RenditionError(f"{out.stem}: ffmpeg failed: {exc.message}", "encode_failed") from exc
    os.replace(partial, out)


def _self_check(out: Path, target: Target, plan: VideoPlan) -> FootageInfo:
    """ffprobe the file: H.264 (+ AAC when wanted), the exact frame, the planned length, the byte limit,
    and the index before the media data."""
    probed = probe_footage(out)
    problems = []
    if probed.codec != "h264":
        problems.append(f"video codec {probed.codec}")
    wanted_audio = None if plan.audio == "none" else "aac"
    if probed.audio_codec != wanted_audio:
        problems.append(f"audio codec {probed.audio_codec}, wanted {wanted_audio}")
    if (probed.width, probed.height) != (target.width, target.height):
        problems.append(f"frame {probed.width}×{probed.height}")
    if abs(probed.duration - plan.duration_s) > DURATION_SLACK_S + 1.0 / plan.fps:
        problems.append(f"duration {probed.duration:.3f} s, planned {plan.duration_s:.3f} s")
    if out.stat().st_size > target.max_bytes:
        problems.append(f"{out.stat().st_size:,} bytes")
    if not moov_first(out):
        problems.append("the index (moov) is not at the start")
    if problems:
        raise RenditionError(
            f"{target.name}: the MP4 does not meet its target: {'; '.join(problems)}", "self_check_failed"
        )
    return probed


def moov_first(path: Path) -> bool:
    """The MP4's ``moov`` box comes before its ``mdat`` box (``+faststart``: playable while loading)."""
    with path.open("rb") as handle:
        size, at = path.stat().st_size, 0
        while at + 8 <= size:
            handle.seek(at)
            box_size, kind = struct.unpack(">I4s", handle.read(8))
            if box_size == 1:
                box_size = int(struct.unpack(">Q", handle.read(8))[0])
            if kind in (b"moov", b"mdat"):
                return bool(kind == b"moov")
            if box_size < 8:
                return False
            at += box_size
    return False


def _cover(out: Path, cover: Path, plan: VideoPlan, target: Target) -> tuple[int, int, int]:
    """A frame of the output as a JPEG under the target's cover limit; (width, height, bytes)."""
    at = min(COVER_MAX_S, plan.duration_s * COVER_AT)
    try:
        png = run_tool(
            [
                ffmpeg_exe(),
                "-v",
                "error",
                "-ss",
                f"{at:.3f}",
                "-i",
                str(out),
                "-frames:v",
                "1",
                "-f",
                "image2pipe",
                "-vcodec",
                "png",
                "-",
            ],
            what=f"cover of {out.stem}",
            timeout=60,
        )
        frame = Image.open(io.BytesIO(png)).convert("RGB")
    except (RenderError, OSError) as exc:
        raise RenditionError(f"{target.name}: no cover frame: {exc}", "encode_failed") from exc
    encoded = encode_to_limit(
        frame, "jpeg", target.cover_max_bytes, min_quality=target.min_quality, max_quality=target.max_quality
    )
    cover.write_bytes(encoded.data)
    return frame.width, frame.height, len(encoded.data)
