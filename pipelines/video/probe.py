"""Probe footage with ffprobe into a :class:`FootageInfo`, refusing what cannot be edited with a
:class:`FootageError` and a machine code. Variable frame rate, odd sizes, rotation and missing audio are
reported, not refused: the render normalises them (constant fps, even preset size, audio optional).

MP4/MOV files are also checked box by box (a few reads, no decode): a top-level box running past the end
of the file, or no ``moov`` box at all, means the upload was cut short (``truncated_file``)."""

from __future__ import annotations

import json
import struct
from fractions import Fraction
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipelines.video.errors import FootageError, FootageNotFound, RenderError
from pipelines.video.runner import ffprobe_exe, run_tool

PROBE_TIMEOUT_S = 30.0
VFR_TOLERANCE = 0.02
"""A stream is variable-frame-rate when its average rate and its base rate differ by more than this share."""
_STILL_CODECS = {"png", "mjpeg", "bmp", "gif", "webp", "tiff", "jpegls"}
_ISO_BRANDS = (b"ftyp", b"moov", b"mdat", b"free", b"wide", b"skip")


class FootageInfo(BaseModel):
    """What the remix needs to know about one footage file. ``width``/``height`` are as displayed
    (``rotation`` already applied, as ffmpeg's autorotate decodes it)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str
    duration: float = Field(gt=0, description="Seconds.")
    width: int = Field(ge=1, description="Displayed width (after rotation).")
    height: int = Field(ge=1, description="Displayed height (after rotation).")
    fps: float = Field(gt=0, description="Average frame rate.")
    variable_frame_rate: bool = Field(description="Average and base frame rates differ (VFR).")
    rotation: int = Field(
        description="Display rotation in degrees as ffprobe reports it (display matrix, else the 'rotate' "
        "tag), folded into 0..359; 90 and 270 swap width and height."
    )
    has_audio: bool
    codec: str = Field(description="Video codec name as ffprobe spells it, e.g. 'h264'.")
    audio_codec: str | None = None

    @property
    def aspect(self) -> float:
        """Displayed width / height."""
        return self.width / self.height


def probe_footage(path: Path | str) -> FootageInfo:
    """Probe ``path``; FootageError (codes ``not_found``, ``empty_file``, ``corrupt_file``,
    ``truncated_file``, ``no_video_stream``, ``zero_duration``) when it cannot be used."""
    path = Path(path)
    if not path.is_file():
        raise FootageNotFound(f"no such footage file: {path}")
    size = path.stat().st_size
    if size == 0:
        raise FootageError(f"{path.name} is empty (0 bytes)", "empty_file")
    _check_iso_boxes(path, size)
    try:
        out = run_tool(
            [
                ffprobe_exe(),
                "-v",
                "error",
                "-print_format",
                "json",
                "-show_format",
                "-show_streams",
                str(path),
            ],
            what=f"ffprobe {path.name}",
            timeout=PROBE_TIMEOUT_S,
        )
    except RenderError as exc:
        raise FootageError(f"{path.name} is not readable media: {exc.message}", "corrupt_file") from None
    return footage_info(path, json.loads(out or b"{}"))


def footage_info(path: Path, data: dict[str, Any]) -> FootageInfo:
    """FootageInfo from ffprobe's JSON (``-show_format -show_streams``) of ``path``."""
    streams: list[dict[str, Any]] = data.get("streams", [])
    videos = [
        s
        for s in streams
        if s.get("codec_type") == "video" and not s.get("disposition", {}).get("attached_pic")
    ]
    if not videos:
        raise FootageError(f"{path.name} has no video stream", "no_video_stream")
    video = videos[0]
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    codec = str(video.get("codec_name", "unknown"))
    duration = _duration(data, video)
    if duration is None or duration <= 0 or (codec in _STILL_CODECS and _frames(video) <= 1):
        raise FootageError(f"{path.name} has no duration (a still image or an empty stream)", "zero_duration")
    base, average = _rate(video.get("r_frame_rate")), _rate(video.get("avg_frame_rate"))
    fps = average or base or 30.0
    vfr = bool(base and average and abs(base - average) > VFR_TOLERANCE * base)
    rotation = _rotation(video)
    width, height = int(video.get("width") or 0), int(video.get("height") or 0)
    if width <= 0 or height <= 0:
        raise FootageError(f"{path.name}: video stream has no frame size", "corrupt_file")
    if rotation in (90, 270):
        width, height = height, width
    return FootageInfo(
        path=str(path),
        duration=round(duration, 3),
        width=width,
        height=height,
        fps=round(fps, 3),
        variable_frame_rate=vfr,
        rotation=rotation,
        has_audio=audio is not None,
        codec=codec,
        audio_codec=None if audio is None else str(audio.get("codec_name", "unknown")),
    )


def _duration(data: dict[str, Any], video: dict[str, Any]) -> float | None:
    for value in (video.get("duration"), data.get("format", {}).get("duration")):
        try:
            seconds = float(str(value))
        except (TypeError, ValueError):
            continue
        if seconds > 0:
            return seconds
    return None


def _frames(video: dict[str, Any]) -> int:
    try:
        return int(video.get("nb_frames") or 1)
    except ValueError:
        return 1


def _rate(value: Any) -> float | None:
    try:
        rate = float(Fraction(str(value)))
    except (ValueError, ZeroDivisionError):
        return None
    return rate if 0 < rate < 1000 else None


def _rotation(video: dict[str, Any]) -> int:
    for side in video.get("side_data_list", []) or []:
        if "rotation" in side:
            return int(round(float(side["rotation"]))) % 360
    tag = video.get("tags", {}).get("rotate")
    return int(round(float(tag))) % 360 if tag not in (None, "") else 0


def _check_iso_boxes(path: Path, size: int) -> None:
    """MP4/MOV: every top-level box must end inside the file and a ``moov`` box must exist."""
    with path.open("rb") as handle:
        head = handle.read(8)
        if len(head) < 8 or head[4:8] not in _ISO_BRANDS:
            return  # not ISO base media: ffprobe judges it
        at, seen_moov = 0, False
        while at + 8 <= size:
            handle.seek(at)
            box_size, kind = struct.unpack(">I4s", handle.read(8))
            if box_size == 1:
                box_size = struct.unpack(">Q", handle.read(8))[0]
            elif box_size == 0:
                box_size = size - at  # runs to the end of the file
            if box_size < 8:
                raise FootageError(f"{path.name}: malformed MP4 box at byte {at}", "corrupt_file")
            if at + box_size > size:
                raise FootageError(
                    f"{path.name} is truncated: box {kind.decode('latin-1')!r} needs {at + box_size} bytes, "
                    f"the file has {size}",
                    "truncated_file",
                )
            seen_moov = seen_moov or kind == b"moov"
            at += box_size
    if not seen_moov:
        raise FootageError(f"{path.name} is truncated: no 'moov' box (index) in the file", "truncated_file")
