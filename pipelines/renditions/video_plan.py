"""What a video rendition will be, decided before any encode (pure): the output length (trimmed to the
longest allowed, held on its last frame up to the shortest), the fit, the audio and the bitrate ceiling
that keeps the file under its byte limit.

The ceiling is the lower of the target's ``max_kbps`` (default 0.12 bits per pixel per frame, about
7.5 Mbit/s at 1080×1920 30 fps) and what the byte limit allows: x264 runs at CRF 23 capped by a VBV of
``maxrate = bufsize = ceiling``, so the file is at most ``ceiling × (duration + 1 s)`` plus audio, which
is kept under 97 % of the limit (the rest is MP4 overhead). Two placements whose plans are equal share
one encode (:meth:`VideoPlan.key`)."""

from __future__ import annotations

import json
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines.renditions.errors import RenditionError
from pipelines.renditions.fit import plan_fit
from pipelines.renditions.types import Placed, Target
from pipelines.video.probe import FootageInfo
from pipelines.video.types import Box

BITS_PER_PIXEL = 0.12
CONTAINER_SHARE = 0.97
VBV_SECONDS = 1.0
MIN_KBPS = 100
KBPS_STEP = 50
FADE_S = 0.3
AudioMode = Literal["source", "silent", "none"]


class VideoPlan(BaseModel):
    """The effective parameters of one encode."""

    model_config = ConfigDict(frozen=True)

    width: int
    height: int
    fps: int
    take_s: float = Field(description="Source seconds used (from the start).")
    duration_s: float = Field(description="Output length: take_s + pad_s.")
    trimmed_s: float
    pad_s: float
    placed: Placed
    audio: AudioMode
    audio_kbps: int
    kbps_cap: int
    max_bytes: int

    def key(self) -> str:
        """Equal keys, equal files: placements sharing a key share one encode (rendered against the
        smallest of their byte limits; the bitrate ceiling in the key already reflects each limit). The
        key holds what shapes the pixels: size, rate, length, fit and window, sound, ceiling."""
        fields = self.model_dump(mode="json", exclude={"max_bytes", "placed"})
        fields["frame"] = [self.placed.fit, list(self.placed.crop)]  # what the focus was does not show
        return json.dumps(fields, sort_keys=True)


def kbps_cap(target: Target, duration_s: float) -> int:
    """The video bitrate ceiling (kbit/s, a multiple of 50) for ``duration_s`` seconds of ``target``."""
    audio = target.audio_kbps if target.audio else 0
    budget = target.max_bytes * 8 * CONTAINER_SHARE / 1000 / (duration_s + VBV_SECONDS) - audio
    ceiling = target.max_kbps or target.width * target.height * target.fps * BITS_PER_PIXEL / 1000
    cap = int(min(budget, ceiling) // KBPS_STEP * KBPS_STEP)
    if cap < MIN_KBPS:
        raise RenditionError(
            f"{target.name}: {target.max_bytes:,} bytes leave {max(0, int(budget))} kbit/s for "
            f"{duration_s:.1f} s of video, under the {MIN_KBPS} kbit/s floor",
            "over_byte_limit",
        )
    return cap


def plan_video(info: FootageInfo, target: Target, focus: Box | None = None) -> VideoPlan:
    """The plan for rendering footage ``info`` to ``target`` (``focus``: fractions of the frame to keep)."""
    if target.kind != "video":
        raise ValueError(f"target {target.name} is not a video")
    take = min(info.duration, target.max_duration_s or info.duration)
    pad = max(0.0, (target.min_duration_s or 0.0) - take)
    placed = plan_fit(info.width, info.height, target, focus, "given")
    if placed.fit == "pad" and target.safe.model_dump() != dict.fromkeys(
        ("top", "bottom", "left", "right"), 0
    ):
        placed = placed.model_copy(update={"focus_in_safe": None})  # video pads centre the whole frame
    duration = round(take + pad, 3)
    audio: AudioMode = "none" if not target.audio else "source" if info.has_audio else "silent"
    return VideoPlan(
        width=target.width,
        height=target.height,
        fps=target.fps,
        take_s=round(take, 3),
        duration_s=duration,
        trimmed_s=round(info.duration - take, 3),
        pad_s=round(pad, 3),
        placed=placed,
        audio=audio,
        audio_kbps=target.audio_kbps,
        kbps_cap=kbps_cap(target, duration),
        max_bytes=target.max_bytes,
    )
