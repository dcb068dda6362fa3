"""Video and audio: ffprobe for streams and duration, then a bounded decode check against truncation.

Truncation check. A cut file often still probes: an MP4 with its ``moov`` box at the front, or a
Matroska/WebM file, reports its full duration from the header even when the media data stops half-way (an
MP4 with ``moov`` at the end fails in ffprobe already). So after probing we decode the primary stream with
``ffmpeg -xerror -f framecrc`` over two short windows, the first and the last ``WINDOW_S`` seconds (the whole
file when it is short). A window fails when ffmpeg exits non-zero, decodes no frame at all, or reports a
truncation error ("partial file", "File ended prematurely", …). Seeking to the tail keeps the cost at about
two windows' worth of decoding whatever the length, at the price of not seeing damage in the middle.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path
from typing import Any

from asset_store.errors import AssetTooLarge, InvalidAsset
from asset_store.media import ffmpeg
from asset_store.media.kinds import AssetKind, MediaInfo, SizeLimits

WINDOW_S = 2.0
DEMUXERS: dict[str, str] = {
    "video/mp4": "mov",
    "video/quicktime": "mov",
    "video/x-m4v": "mov",
    "video/3gpp": "mov",
    "audio/mp4": "mov",
    "video/webm": "matroska",
    "video/x-matroska": "matroska",
    "video/x-msvideo": "avi",
    "audio/mpeg": "mp3",
    "audio/wav": "wav",
    "audio/ogg": "ogg",
    "audio/flac": "flac",
    "audio/aac": "aac",
}
_TRUNCATION_MARKERS = (
    "partial file",
    "ended prematurely",
    "truncat",
    "invalid data found",
    "corrupt input packet",
    "moov atom not found",
)


def demuxer_for(content_type: str) -> str:
    """The ffmpeg demuxer that reads ``content_type``."""
    try:
        return DEMUXERS[content_type]
    except KeyError:
        raise InvalidAsset(f"{content_type} is not a supported media format", code="unknown_type") from None


def _number(value: Any) -> float | None:
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) and number >= 0 else None


def _rate(value: Any) -> float | None:
    num, _, den = str(value or "").partition("/")
    numerator, denominator = _number(num), _number(den or "1")
    if not numerator or not denominator:
        return None
    return round(numerator / denominator, 3)


def _rotation(stream: dict[str, Any]) -> int:
    values = [data.get("rotation") for data in stream.get("side_data_list") or [] if "rotation" in data]
    for value in [*values, (stream.get("tags") or {}).get("rotate")]:
        try:
            return abs(int(float(value))) % 360
        except (TypeError, ValueError):
            continue
    return 0


def _first(streams: list[dict[str, Any]], codec_type: str) -> dict[str, Any] | None:
    for stream in streams:
        cover_art = (stream.get("disposition") or {}).get("attached_pic") == 1
        if stream.get("codec_type") == codec_type and not cover_art:
            return stream
    return None


def _corrupt(message: str, **details: Any) -> InvalidAsset:
    return InvalidAsset(message, code="corrupt_file", details=details)


def check_decodes(path: Path, demuxer: str, stream: str, duration: float | None) -> None:
    """Decode the head and the tail of ``stream``; corrupt_file if either window fails (see module doc)."""
    if duration is None:
        windows: list[tuple[float | None, float | None]] = [(None, 2 * WINDOW_S)]
    elif duration <= 2 * WINDOW_S:
        windows = [(None, None)]
    else:
        windows = [(None, WINDOW_S), (duration - WINDOW_S, None)]
    for start_s, length_s in windows:
        result, frames = ffmpeg.decode(path, demuxer, stream=stream, start_s=start_s, length_s=length_s)
        errors = result.stderr.strip()
        truncated = any(marker in errors.lower() for marker in _TRUNCATION_MARKERS)
        if result.returncode != 0 or frames == 0 or truncated:
            raise _corrupt(
                "the media file is corrupt or truncated",
                window_start_s=start_s or 0.0,
                frames=frames,
                error=errors[-500:],
            )


def _effective_kind(kind: AssetKind, flexible: bool, video: Any, audio: Any, allows_audio: bool) -> AssetKind:
    if kind is AssetKind.video and video is None and audio is not None and flexible and allows_audio:
        return AssetKind.audio  # an undeclared MP4/WebM/Ogg that holds only sound
    return kind


def _video_fields(video: dict[str, Any]) -> dict[str, Any]:
    """Display size (pixel aspect ratio and rotation applied), frame rate and codec of a video stream."""
    width, height = int(video.get("width") or 0) or None, int(video.get("height") or 0) or None
    pixel_aspect = _rate(str(video.get("sample_aspect_ratio") or "").replace(":", "/"))
    if width is not None and pixel_aspect:
        width = max(1, round(width * pixel_aspect))
    if _rotation(video) % 180 == 90:
        width, height = height, width
    fps = _rate(video.get("avg_frame_rate")) or _rate(video.get("r_frame_rate"))
    return {"width": width, "height": height, "fps": fps, "video_codec": video.get("codec_name")}


def inspect_av(
    path: Path, base: MediaInfo, limits: SizeLimits, *, flexible: bool, allows_audio: bool
) -> MediaInfo:
    """Probe a video or audio file, enforce the duration limit and check that it decodes end to end.

    ``flexible``: the kind was not declared, so a video container holding only audio becomes audio.
    """
    demuxer = demuxer_for(base.content_type)
    report = ffmpeg.probe(path, demuxer)
    streams: list[dict[str, Any]] = report.get("streams") or []
    fmt: dict[str, Any] = report.get("format") or {}
    video, audio = _first(streams, "video"), _first(streams, "audio")
    kind = _effective_kind(base.kind, flexible, video, audio, allows_audio)
    primary = video if kind is AssetKind.video else audio
    if primary is None:
        raise _corrupt(f"the file has no {kind.value} stream", streams=len(streams))
    duration = _number(fmt.get("duration")) or _number(primary.get("duration"))
    if kind is AssetKind.video and duration is not None and duration > limits.max_video_seconds:
        raise AssetTooLarge(
            f"video lasts {duration:.1f} s, more than the limit of {limits.max_video_seconds:g} s",
            code="asset_too_large",
            details={"duration_s": duration, "max_video_seconds": limits.max_video_seconds},
        )
    check_decodes(path, demuxer, "v:0" if kind is AssetKind.video else "a:0", duration)
    fields = _video_fields(video) if video is not None and kind is AssetKind.video else {}
    extra = {
        "container": fmt.get("format_name"),
        "bit_rate": int(_number(fmt.get("bit_rate")) or 0) or None,
        "rotation": _rotation(video) if video is not None else 0,
        "streams": len(streams),
        "sample_rate": int(_number((audio or {}).get("sample_rate")) or 0) or None,
        "channels": (audio or {}).get("channels"),
    }
    return replace(
        base,
        kind=kind,
        duration_s=duration,
        audio_codec=audio.get("codec_name") if audio is not None else None,
        has_audio=audio is not None,
        extra=extra,
        **fields,
    )
