"""Frames and soft subtitles out of a video, through the ``ffmpeg`` / ``ffprobe`` binaries (Debian package
``ffmpeg``; override their paths with ``ATELIER_FFMPEG`` / ``ATELIER_FFPROBE``).

Frames are scaled inside ffmpeg to ``max_side``. Videos up to 3 minutes (ads) are decoded in one pass
with an ``fps`` filter; sparse samples of longer ones seek to each timestamp (``-ss t -i file -frames:v 1``,
two at a time), which decodes at most a GOP per frame. Measured on a 2-core CPU: 20 frames of a 20 s
1080p H.264 video in ~1.4 s (one pass; seeking took 5.8 s with its 10 s GOPs), 20 frames of a 160x90
clip in ~0.3 s.
"""

from __future__ import annotations

import io
import json
import os
import re
import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from pathlib import Path
from typing import Any

from PIL import Image

from pipelines.base import MissingDependency

PROBE_TIMEOUT_S = 30.0
FRAME_TIMEOUT_S = 30.0
SUBTITLE_TIMEOUT_S = 120.0
_WORKERS = 2
_ONE_PASS_MAX_S = 180.0  # videos up to this long are decoded once, start to end
_ONE_PASS_MAX_INTERVAL_S = 5.0  # and longer ones too when samples are this close
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_BITMAP_SUBTITLES = {"dvd_subtitle", "hdmv_pgs_subtitle", "dvb_subtitle", "dvb_teletext", "xsub"}
_SRT_TIME = re.compile(r"(\d+):(\d{2}):(\d{2})[,.](\d{1,3})")
_TAGS = re.compile(r"<[^>]*>|\{\\[^}]*\}")


def _binary(name: str) -> str:
    override = os.environ.get(f"ATELIER_{name.upper()}")
    found = shutil.which(override or name)
    if found is None:
        where = f"ATELIER_{name.upper()}={override!r}" if override else f"{name!r} on PATH"
        raise MissingDependency(f"{name} not found ({where}): install the Debian package 'ffmpeg'")
    return found


def _run(args: list[str], *, timeout: float, what: str) -> bytes:
    try:
        done = subprocess.run(args, capture_output=True, timeout=timeout, check=False)
    except subprocess.TimeoutExpired:
        raise TimeoutError(f"{what} took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        tail = done.stderr.decode("utf-8", "replace").strip().splitlines()[-3:]
        raise ValueError(f"{what} failed (exit {done.returncode}): {' | '.join(tail) or 'no message'}")
    return done.stdout


def _checked(path: Path) -> Path:
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"no such video file: {path}")
    return path


def probe(path: Path) -> dict[str, Any]:
    """``ffprobe`` JSON (format and streams) of a media file; ValueError if it is not one."""
    path = _checked(path)
    out = _run(
        [
            _binary("ffprobe"),
            "-v",
            "error",
            "-print_format",
            "json",
            "-show_format",
            "-show_streams",
            str(path),
        ],
        timeout=PROBE_TIMEOUT_S,
        what=f"ffprobe {path.name}",
    )
    info: dict[str, Any] = json.loads(out or b"{}")
    return info


def _duration(info: dict[str, Any]) -> float | None:
    candidates = [info.get("format", {}).get("duration")]
    candidates += [s.get("duration") for s in info.get("streams", []) if s.get("codec_type") == "video"]
    for value in candidates:
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if seconds > 0:
            return seconds
    return None


def frame_times(duration: float | None, *, every_s: float, max_frames: int) -> list[float]:
    """Every ``every_s`` from 0, or ``max_frames`` evenly spaced over a longer video. With the duration
    unknown: every ``every_s``, up to ``max_frames`` (the decoder stops at the end of the video)."""
    step = float(every_s)
    count = max_frames if duration is None else max(1, int(duration / step - 1e-9) + 1)
    if count > max_frames:
        count, step = max_frames, float(duration or 0) / max_frames
    return [round(i * step, 3) for i in range(count)]


def _split_pngs(stream: bytes) -> list[bytes]:
    """Cut ffmpeg's image2pipe output into PNG files by walking the chunks to each IEND."""
    images, at = [], 0
    while stream.startswith(_PNG_SIGNATURE, at):
        end = at + len(_PNG_SIGNATURE)
        while end + 8 <= len(stream):
            length, kind = int.from_bytes(stream[end : end + 4], "big"), stream[end + 4 : end + 8]
            end += 12 + length
            if kind == b"IEND":
                break
        images.append(stream[at:end])
        at = end
    return images


def _decode(png: bytes) -> Image.Image:
    with Image.open(io.BytesIO(png)) as frame:
        return frame.convert("RGB")


def sample_frames(
    path: Path, *, every_s: float = 1.0, max_frames: int = 60, max_side: int = 1280
) -> list[tuple[float, Image.Image]]:
    """(timestamp in seconds, RGB frame) pairs, frames scaled down to fit ``max_side``.

    Every ``every_s`` seconds from 0, or ``max_frames`` evenly spaced over a longer video. Raises
    FileNotFoundError, ValueError (not a video, no video stream, nothing decodable), TimeoutError,
    or MissingDependency when ffmpeg/ffprobe are not installed.
    """
    if every_s <= 0:
        raise ValueError(f"every_s must be > 0, got {every_s}")
    if max_frames < 1:
        raise ValueError(f"max_frames must be >= 1, got {max_frames}")
    if max_side < 16:
        raise ValueError(f"max_side must be >= 16, got {max_side}")
    info = probe(path)
    if not any(s.get("codec_type") == "video" for s in info.get("streams", [])):
        raise ValueError(f"{Path(path).name} has no video stream")
    duration = _duration(info)
    times = frame_times(duration, every_s=every_s, max_frames=max_frames)
    interval = times[1] - times[0] if len(times) > 1 else every_s
    scale = f"scale=w='min(iw,{max_side})':h='min(ih,{max_side})':force_original_aspect_ratio=decrease"
    base = [_binary("ffmpeg"), "-v", "error", "-nostdin"]
    out = ["-map", "0:v:0", "-f", "image2pipe", "-vcodec", "png", "-"]
    name = Path(path).name

    if duration is None or duration <= _ONE_PASS_MAX_S or interval <= _ONE_PASS_MAX_INTERVAL_S:
        # One decode of the whole video; the fps filter takes the frame at each multiple of interval.
        rate = Fraction(1 / interval).limit_denominator(10_000)
        args = [*base, "-i", str(path), "-vf", f"fps={rate.numerator}/{rate.denominator},{scale}"]
        timeout = FRAME_TIMEOUT_S + (duration or 600.0)
        data = _run(
            [*args, "-frames:v", str(len(times)), *out], timeout=timeout, what=f"ffmpeg frames of {name}"
        )
        frames = list(zip(times, (_decode(png) for png in _split_pngs(data)), strict=False))
    else:
        # Sparse samples of a long video: seek to each (decodes at most a GOP per frame).
        def grab(t: float) -> tuple[float, Image.Image] | None:
            args = [*base, "-ss", f"{t:.3f}", "-i", str(path), "-frames:v", "1", "-vf", scale, *out]
            data = _run(args, timeout=FRAME_TIMEOUT_S, what=f"ffmpeg frame at {t:.3f} s of {name}")
            return (t, _decode(data)) if data else None  # a seek past the last frame decodes nothing

        with ThreadPoolExecutor(max_workers=_WORKERS) as pool:
            frames = [f for f in pool.map(grab, times) if f is not None]
    if not frames:
        raise ValueError(f"no frame could be decoded from {name}")
    return frames


def _seconds(stamp: str) -> float:
    match = _SRT_TIME.fullmatch(stamp.strip())
    if match is None:
        raise ValueError(f"bad SRT timestamp {stamp!r}")
    h, m, s, frac = match.groups()
    return int(h) * 3600 + int(m) * 60 + int(s) + int(frac.ljust(3, "0")) / 1000


def parse_srt(text: str) -> list[tuple[float, float, str]]:
    """SRT → (start, end, text) cues; styling tags dropped, lines of a cue joined with newlines."""
    cues: list[tuple[float, float, str]] = []
    for block in re.split(r"\r?\n\s*\r?\n", text.replace("\ufeff", "").strip()):
        lines = block.strip().splitlines()
        at = next((i for i, line in enumerate(lines) if "-->" in line), None)
        if at is None:
            continue
        start, _, end = lines[at].partition("-->")
        body = "\n".join(_TAGS.sub("", line).strip() for line in lines[at + 1 :]).strip()
        if body:
            cues.append((_seconds(start), _seconds(end.split()[0]), body))
    return cues


def extract_subtitles(path: Path) -> list[tuple[float, float, str]]:
    """Cues of the first text subtitle stream as (start, end, text); [] when there is none.

    Bitmap subtitles (DVD, PGS, DVB) have no text and are skipped; OCR the frames for those.
    """
    info = probe(path)
    streams = [s for s in info.get("streams", []) if s.get("codec_type") == "subtitle"]
    text_streams = [i for i, s in enumerate(streams) if s.get("codec_name") not in _BITMAP_SUBTITLES]
    if not text_streams:
        return []
    args = [_binary("ffmpeg"), "-v", "error", "-nostdin", "-i", str(path), "-map", f"0:s:{text_streams[0]}"]
    out = _run([*args, "-f", "srt", "-"], timeout=SUBTITLE_TIMEOUT_S, what=f"subtitles of {Path(path).name}")
    return parse_srt(out.decode("utf-8", "replace"))
