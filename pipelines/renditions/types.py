"""What a rendition is made to (a :class:`Target`: exact size, format, byte limit, durations, safe zone)
and what comes back (:class:`ImageRendition`, :class:`VideoRendition`). Pure data; no I/O."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.video.presets import SafeZone

ImageFormat = Literal["jpeg", "png", "webp"]
Fit = Literal["auto", "crop", "pad"]
"""How a source of another shape is fitted: ``crop`` to the target's aspect around the focus, ``pad``
(the whole source over a blurred, enlarged copy of itself), ``auto``: crop when the crop keeps enough of
the source and the focus fits in the target's safe area, pad otherwise."""
FitUsed = Literal["scale", "crop", "pad"]
NO_SAFE_ZONE = SafeZone(top=0, bottom=0, left=0, right=0)


class Target(BaseModel):
    """One rendition to make: the placement's exact frame, format and limits."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Placement id, used in messages and file names.")
    kind: Literal["image", "video"]
    width: int = Field(ge=16, le=8192, description="Output width in pixels (even for video).")
    height: int = Field(ge=16, le=8192, description="Output height in pixels (even for video).")
    format: Literal["jpeg", "png", "webp", "mp4"] = Field(description="Container/file format.")
    max_bytes: int = Field(ge=1024, description="The file may not be larger than this.")
    min_duration_s: float | None = Field(default=None, ge=0, description="Video: shorter is padded.")
    max_duration_s: float | None = Field(default=None, gt=0, description="Video: longer is trimmed.")
    fps: int = Field(default=30, ge=1, le=120, description="Video: constant output frame rate.")
    audio: bool = Field(default=True, description="Video: an AAC track (silent if the source has none).")
    safe: SafeZone = Field(default=NO_SAFE_ZONE, description="Fractions kept clear of platform UI.")
    fit: Fit = "auto"
    min_crop_keep: float = Field(
        default=0.6, gt=0, le=1, description="auto: crop only when the crop keeps this share of the source."
    )
    min_quality: int = Field(default=55, ge=1, le=100, description="Image: lowest JPEG/WebP quality tried.")
    max_quality: int = Field(default=92, ge=1, le=100, description="Image: quality tried first.")
    max_kbps: int | None = Field(
        default=None, ge=50, description="Video: bitrate ceiling; None: 0.12 bits per pixel per frame."
    )
    audio_kbps: int = Field(default=128, ge=32, le=320, description="Video: AAC bitrate.")
    cover_max_bytes: int = Field(default=2 * 2**20, ge=1024, description="Video: the cover JPEG's limit.")

    @model_validator(mode="after")
    def _consistent(self) -> Target:
        if (self.kind == "video") != (self.format == "mp4"):
            raise ValueError(f"a {self.kind} target cannot be {self.format}")
        if self.kind == "video" and (self.width % 2 or self.height % 2):
            raise ValueError("video sides must be even (yuv420p)")
        if self.min_quality > self.max_quality:
            raise ValueError("min_quality is above max_quality")
        low, high = self.min_duration_s, self.max_duration_s
        if low is not None and high is not None and low > high:
            raise ValueError("min_duration_s is above max_duration_s")
        return self

    @property
    def aspect(self) -> float:
        """Width / height."""
        return self.width / self.height

    def safe_box(self) -> tuple[float, float, float, float]:
        """The safe area in output pixels: left, top, right, bottom."""
        s = self.safe
        return (
            self.width * s.left,
            self.height * s.top,
            self.width * (1 - s.right),
            self.height * (1 - s.bottom),
        )


class Placed(BaseModel):
    """How the source was fitted into the frame."""

    model_config = ConfigDict(frozen=True)

    fit: FitUsed
    crop: tuple[int, int, int, int] = Field(description="Source window used: x, y, w, h in source pixels.")
    focus: str = Field(description="What was kept in view: 'spec', 'saliency', 'given' or 'centre'.")
    focus_in_safe: bool | None = Field(
        default=None, description="The focus lies inside the target's safe area (None: not known)."
    )


class ImageRendition(BaseModel):
    """An encoded image that meets its target."""

    model_config = ConfigDict(frozen=True)

    target: str
    data: bytes = Field(repr=False)
    format: ImageFormat
    width: int
    height: int
    bytes: int
    quality: int | None = Field(description="JPEG/WebP quality, or None for PNG.")
    colours: int | None = Field(default=None, description="PNG: palette size when quantised to fit.")
    attempts: int = Field(description="Encodes tried to fit the byte limit.")
    placed: Placed
    seconds: float

    @property
    def content_type(self) -> str:
        return f"image/{self.format}"


class VideoRendition(BaseModel):
    """An MP4 (H.264/AAC, faststart) and its cover JPEG, written to disk, that meet the target."""

    model_config = ConfigDict(frozen=True)

    target: str
    path: str
    cover_path: str
    width: int
    height: int
    duration_s: float
    bytes: int
    video_codec: str
    audio_codec: str | None
    fps: float
    kbps_cap: int = Field(description="The bitrate ceiling of the encode that fitted.")
    attempts: int = Field(description="Encodes tried to fit the byte limit.")
    trimmed_s: float = Field(description="Source seconds cut off the end to fit the longest duration.")
    padded_s: float = Field(description="Seconds of held last frame added to reach the shortest duration.")
    faststart: bool = Field(description="The index (moov) comes before the media data.")
    placed: Placed
    cover_width: int
    cover_height: int
    cover_bytes: int
    seconds: float
