"""Requests and results of image generation (validated; no I/O, no torch)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator

GenerationMode = Literal["text", "image", "inpaint"]
"""text: text-to-image; image: image-to-image from ``init``; inpaint: repaint ``mask``'s white area of
``init`` (product kept, background replaced)."""

MAX_SIDE = 2048
MAX_COUNT = 16
MAX_SEED = 2**32 - 1

# SDXL's training buckets (about one megapixel) per platform shape; other architectures scale them by
# native size / 1024 (rounded to multiples of 8 pixels).
PLATFORM_SIZES: dict[str, tuple[int, int]] = {
    "xiaohongshu": (896, 1152),  # 3:4 note cover (0.78)
    "douyin": (768, 1344),  # 9:16 video cover (0.57)
    "taobao": (1024, 1024),  # 1:1 main image
    "wechat": (1536, 640),  # 2.35:1 article cover (2.4)
    "weibo": (1024, 1024),
    "offline-screen": (1344, 768),  # 16:9 screens (1.75)
}


def size_for(platform: str, native_size: int = 1024) -> tuple[int, int]:
    """``(width, height)`` to generate for a platform with a model of that native side."""
    if platform not in PLATFORM_SIZES:
        raise ValueError(f"unknown platform {platform!r}; known: {', '.join(sorted(PLATFORM_SIZES))}")
    width, height = PLATFORM_SIZES[platform]
    scale = native_size / 1024
    return max(8, round(width * scale / 8) * 8), max(8, round(height * scale / 8) * 8)


class AdapterWeight(BaseModel):
    """A LoRA/style adapter named in the generator's config, applied at ``weight``."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=100)
    weight: float = Field(default=1.0, ge=-2.0, le=2.0)


class ImageParams(BaseModel):
    """What to generate. Image ``i`` of a request uses seed ``seed + i``: the same request repeats."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    prompt: str = Field(min_length=1, max_length=2000)
    negative_prompt: str = Field(default="", max_length=2000)
    width: int = Field(default=1024, ge=64, le=MAX_SIDE, description="Pixels; a multiple of 8.")
    height: int = Field(default=1024, ge=64, le=MAX_SIDE, description="Pixels; a multiple of 8.")
    count: int = Field(default=1, ge=1, le=MAX_COUNT)
    seed: int = Field(default=0, ge=0, le=MAX_SEED)
    steps: int = Field(default=30, ge=1, le=150)
    guidance: float = Field(default=5.0, ge=0.0, le=30.0, description="Classifier-free guidance scale.")
    strength: float = Field(
        default=0.75, gt=0.0, le=1.0, description="image/inpaint: how much of the init image is redrawn."
    )
    adapters: tuple[AdapterWeight, ...] = Field(default=(), max_length=8)

    @field_validator("width", "height")
    @classmethod
    def _multiple_of_8(cls, value: int) -> int:
        if value % 8:
            raise ValueError(f"must be a multiple of 8 (the VAE's grid), got {value}")
        return value

    @field_validator("prompt")
    @classmethod
    def _not_blank(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("the prompt is blank")
        return value


@dataclass(frozen=True)
class ImageRequest:
    """Parameters plus the pictures image-to-image and inpainting start from."""

    params: ImageParams
    mode: GenerationMode = "text"
    init: Image.Image | None = None
    mask: Image.Image | None = None
    """Inpainting: white where the picture is redrawn, black where it is kept."""

    def __post_init__(self) -> None:
        if self.mode in ("image", "inpaint") and self.init is None:
            raise ValueError(f"mode {self.mode!r} needs an init image")
        if self.mode == "inpaint" and self.mask is None:
            raise ValueError("mode 'inpaint' needs a mask (white = redraw)")
        if self.mode == "text" and (self.init is not None or self.mask is not None):
            raise ValueError("mode 'text' takes no init image or mask; use mode 'image' or 'inpaint'")
        if self.mask is not None and self.init is not None and self.mask.size != self.init.size:
            raise ValueError(
                f"the mask is {self.mask.size}, the init image {self.init.size}: sizes must match"
            )


@dataclass(frozen=True)
class GeneratedImage:
    """One picture and how it was made (for lineage)."""

    image: Image.Image
    seed: int
    index: int
    mode: GenerationMode
    model: str
    seconds: float
    """This image's share of its batch's wall time."""
    adapters: tuple[AdapterWeight, ...] = field(default=())
