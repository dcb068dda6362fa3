"""Placements as data: the pydantic schema ``placements.yaml`` is validated against.

A placement states only what is its own; what a platform pack, a video preset or a poster canvas already
holds is referenced, not repeated (see :mod:`compliance_rules.placements.catalog` for how it resolves)."""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipelines.renditions.types import Fit, ImageFormat
from pipelines.video.presets import SafeZone

_ID = r"^[a-z0-9_]+\.[a-z0-9_]+$"
_NAME = r"^[a-z0-9_]+$"
Kind = Literal["image", "video"]
OutputFormat = ImageFormat | Literal["mp4"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Durations(_Strict):
    """Video length limits in seconds (either may be left to the pack or preset)."""

    min_s: float | None = Field(default=None, ge=0, description="Shortest accepted; shorter is held.")
    max_s: float | None = Field(default=None, gt=0, description="Longest accepted; longer is trimmed.")


class TextLimits(_Strict):
    """Copy limits where this placement is stricter than its pack (None: the pack's)."""

    title_max_chars: int | None = Field(default=None, ge=1, description="Title field, in characters.")
    caption_max_chars: int | None = Field(default=None, ge=1, description="Caption/description field.")
    hashtags_max: int | None = Field(default=None, ge=0, description="Hashtags allowed in the copy.")


class Placement(_Strict):
    """One slot on one platform that takes one rendition."""

    id: str = Field(pattern=_ID, description="'<platform>.<slot>', stable: renditions are named after it.")
    platform: str = Field(pattern=_NAME, description="The product the slot is on, e.g. douyin_ecommerce.")
    rules: str | None = Field(
        default=None, pattern=_NAME, description="Platform pack whose rules and specs apply (None: no pack)."
    )
    label: str = Field(min_length=1, description="Display name (Chinese).")
    kind: Kind
    size: tuple[int, int] | None = Field(default=None, description="Exact width, height in pixels.")
    aspect: str | None = Field(default=None, description="'w:h' when the size follows the source.")
    min_width: int | None = Field(default=None, ge=16, description="With aspect: the narrowest output.")
    max_width: int | None = Field(default=None, ge=16, description="With aspect: the widest output.")
    preset: str | None = Field(default=None, description="Video preset: size, fps, safe zone, ad length.")
    poster_size: str | None = Field(default=None, description="Poster canvas name: the size.")
    safe: SafeZone | None = Field(default=None, description="Fractions kept clear of platform UI.")
    fps: int | None = Field(default=None, ge=1, le=120, description="Video frame rate (default 30).")
    duration: Durations = Field(default_factory=Durations, description="Video length limits.")
    max_file_mb: float | None = Field(default=None, gt=0, description="File size limit in MiB.")
    formats: tuple[OutputFormat, ...] = Field(
        default=(), description="Accepted formats, the first is exported (default jpeg / mp4)."
    )
    audio: bool = Field(default=True, description="Video: carries an AAC track.")
    fit: Fit = Field(default="auto", description="How a source of another shape is fitted.")
    text: TextLimits = Field(default_factory=TextLimits)
    waive: dict[str, str] = Field(
        default_factory=dict, description="Pack SPEC_* checks that do not apply here → why."
    )
    note: str = Field(default="", description="Where the figures come from; GUESS marks unsourced ones.")

    @field_validator("aspect")
    @classmethod
    def _aspect(cls, value: str | None) -> str | None:
        if value is not None and not re.fullmatch(r"[1-9]\d*:[1-9]\d*", value):
            raise ValueError(f"aspect {value!r} is not like '3:4'")
        return value

    @field_validator("waive")
    @classmethod
    def _waive(cls, value: dict[str, str]) -> dict[str, str]:
        for code, why in value.items():
            if not code.startswith("SPEC_") or not why.strip():
                raise ValueError(f"waive: {code!r} needs a SPEC_* code and a reason")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> Placement:
        given = [n for n in ("size", "aspect", "preset", "poster_size") if getattr(self, n) is not None]
        if len(given) != 1:
            raise ValueError(f"give exactly one of size, aspect, preset, poster_size (got {given or 'none'})")
        if (self.aspect is None) != (self.min_width is None):
            raise ValueError("aspect and min_width go together")
        if self.max_width is not None and (self.min_width is None or self.max_width < self.min_width):
            raise ValueError("max_width needs a min_width at most as large")
        if self.preset is not None and self.safe is not None:
            raise ValueError("the preset holds the safe zone: do not repeat it")
        wrong = [f for f in self.formats if (f == "mp4") != (self.kind == "video")]
        if wrong:
            raise ValueError(f"a {self.kind} placement cannot be exported as {', '.join(wrong)}")
        if self.kind == "image" and (self.duration.min_s is not None or self.duration.max_s is not None):
            raise ValueError("an image has no duration")
        if self.kind == "video" and self.size is not None and (self.size[0] % 2 or self.size[1] % 2):
            raise ValueError("video sides must be even")
        return self


class Catalog(_Strict):
    """Every placement, versioned with the data."""

    version: str = Field(min_length=1, description="Version of the data, e.g. 2026.11.")
    placements: tuple[Placement, ...] = Field(min_length=1)

    @model_validator(mode="after")
    def _unique(self) -> Catalog:
        ids = [p.id for p in self.placements]
        twice = sorted({i for i in ids if ids.count(i) > 1})
        if twice:
            raise ValueError(f"duplicate placement ids: {', '.join(twice)}")
        wrong = [p.id for p in self.placements if not p.id.startswith(p.platform + ".")]
        if wrong:
            raise ValueError(f"ids must start with their platform: {', '.join(wrong)}")
        return self
