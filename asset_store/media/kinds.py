"""Asset kinds, the size limits that apply to each, and what inspection learns about a file."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

MiB = 1024 * 1024
GiB = 1024 * MiB


class AssetKind(StrEnum):
    """What an asset is to the studio, independent of its file format."""

    image = "image"
    video = "video"
    audio = "audio"
    copy = "copy"
    template = "template"
    brand_kit = "brand_kit"


@dataclass(frozen=True)
class SizeLimits:
    """Byte limits per kind (field named after the kind), plus content limits checked after parsing."""

    image: int = 50 * MiB
    video: int = 4 * GiB
    audio: int = 500 * MiB
    copy: int = 1 * MiB
    template: int = 20 * MiB
    brand_kit: int = 200 * MiB
    max_image_pixels: int = 100_000_000
    max_video_seconds: float = 30 * 60.0
    max_archive_bytes: int = 1 * GiB
    max_archive_ratio: float = 100.0
    max_archive_members: int = 10_000

    def __post_init__(self) -> None:
        for name, value in vars(self).items():
            if value <= 0:
                raise ValueError(f"SizeLimits.{name} must be positive, got {value!r}")

    def limit_for(self, kind: AssetKind) -> int:
        """The byte limit for one kind."""
        limit: int = getattr(self, kind.value)
        return limit

    @property
    def largest(self) -> int:
        """The largest per-kind byte limit: the ceiling before the kind is known."""
        return max(self.limit_for(kind) for kind in AssetKind)


@dataclass(frozen=True)
class MediaInfo:
    """What inspection learned about a valid upload; fields that do not apply to the kind stay None."""

    kind: AssetKind
    content_type: str
    extension: str
    size: int
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    fps: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    has_audio: bool | None = None
    page_count: int | None = None
    char_count: int | None = None
    extra: dict[str, Any] = field(default_factory=dict)
