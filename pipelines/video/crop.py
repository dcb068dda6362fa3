"""Fitting footage to a preset's shape: the smart-crop window (the largest window of the preset's aspect,
optionally zoomed, placed to keep the shot's subject box in frame) or a blurred-background fill."""

from __future__ import annotations

import random
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines.video.presets import Preset
from pipelines.video.types import Box

Fit = Literal["crop", "fill"]
MAX_ZOOM = 1.12


class Crop(BaseModel):
    """A crop window in displayed source pixels (even sizes)."""

    model_config = ConfigDict(frozen=True)

    x: int = Field(ge=0)
    y: int = Field(ge=0)
    w: int = Field(ge=2)
    h: int = Field(ge=2)


def crop_keep(width: int, height: int, preset: Preset) -> float:
    """Share of the source frame the largest preset-shaped window keeps (1.0 for the same shape)."""
    ratio = (width / height) / preset.aspect
    return min(ratio, 1.0 / ratio)


def largest_window(width: int, height: int, aspect: float) -> tuple[int, int]:
    """Even (w, h) of the largest window of ``aspect`` inside width×height."""
    if width / height > aspect:
        h = height
        w = min(width, int(round(h * aspect)))
    else:
        w = width
        h = min(height, int(round(w / aspect)))
    return max(2, w // 2 * 2), max(2, h // 2 * 2)


def choose_fit(width: int, height: int, subject: Box, subject_kind: str, preset: Preset) -> Fit:
    """``crop`` or ``fill`` by the preset's policy; ``auto`` crops when enough of the frame stays or a
    face subject fits inside the crop window."""
    if preset.aspect_policy != "auto":
        return "crop" if preset.aspect_policy == "smart_crop" else "fill"
    if crop_keep(width, height, preset) >= preset.min_crop_keep:
        return "crop"
    w, h = largest_window(width, height, preset.aspect)
    fits = subject.w * width <= w and subject.h * height <= h
    return "crop" if subject_kind == "face" and fits else "fill"


def smart_crop(
    width: int, height: int, subject: Box, preset: Preset, rng: random.Random | None = None
) -> Crop:
    """The crop window for one clip: centred on the subject, zoomed up to ``MAX_ZOOM`` and nudged by
    ``rng`` (variants differ) as far as the subject box stays inside; clamped to the frame."""
    w, h = largest_window(width, height, preset.aspect)
    zoom = 1.0 if rng is None else rng.uniform(1.0, MAX_ZOOM)
    sub_w, sub_h = subject.w * width, subject.h * height
    zoom = min(zoom, max(1.0, w / max(sub_w, 1.0)), max(1.0, h / max(sub_h, 1.0)))
    w, h = max(2, int(w / zoom) // 2 * 2), max(2, int(h / zoom) // 2 * 2)
    cx, cy = subject.centre[0] * width, subject.centre[1] * height
    if rng is not None:
        slack_x, slack_y = max(0.0, (w - sub_w) / 2), max(0.0, (h - sub_h) / 2)
        cx += rng.uniform(-0.5, 0.5) * slack_x
        cy += rng.uniform(-0.5, 0.5) * slack_y
    x = int(round(min(max(cx - w / 2, 0), width - w)))
    y = int(round(min(max(cy - h / 2, 0), height - h)))
    return Crop(x=x, y=y, w=w, h=h)
