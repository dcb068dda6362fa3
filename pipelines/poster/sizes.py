"""Platform canvas sizes, aspect classes and the canvas size caps."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines.poster.errors import CanvasTooLarge, PosterError

AspectClass = Literal["tall", "portrait", "square", "landscape", "wide"]

MAX_SIDE = 8192
MAX_PIXELS = 40_000_000
MIN_SIDE = 128


class CanvasSize(BaseModel):
    """One rendition size: a name (platform) and pixels."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, description="Rendition name, e.g. 'xiaohongshu'.")
    width: int = Field(ge=1, description="Width in pixels.")
    height: int = Field(ge=1, description="Height in pixels.")

    @property
    def aspect_class(self) -> AspectClass:
        """Which template variant lays out this size."""
        return aspect_class(self.width, self.height)


PLATFORM_SIZES: dict[str, CanvasSize] = {
    size.name: size
    for size in (
        CanvasSize(name="xiaohongshu", width=1080, height=1440),
        CanvasSize(name="douyin", width=1080, height=1920),
        CanvasSize(name="taobao", width=800, height=800),
        CanvasSize(name="wechat_cover", width=900, height=383),
        CanvasSize(name="offline_screen", width=1920, height=1080),
    )
}
"""The platform sizes every template adapts to (3:4, 9:16, 1:1, 2.35:1, 16:9)."""


def aspect_class(width: int, height: int) -> AspectClass:
    """tall < 0.65 ≤ portrait < 0.9 ≤ square ≤ 1.12 < landscape < 2.0 ≤ wide (width / height)."""
    ratio = width / height
    if ratio < 0.65:
        return "tall"
    if ratio < 0.9:
        return "portrait"
    if ratio <= 1.12:
        return "square"
    if ratio < 2.0:
        return "landscape"
    return "wide"


def check_canvas(size: CanvasSize, field: str = "sizes") -> None:
    """Raise CanvasTooLarge when a side is over MAX_SIDE (or under MIN_SIDE) or the area over MAX_PIXELS."""
    label = f"{field}[{size.name}]"
    if size.width > MAX_SIDE or size.height > MAX_SIDE:
        raise CanvasTooLarge(label, f"{size.width}x{size.height} has a side over {MAX_SIDE} px")
    if size.width * size.height > MAX_PIXELS:
        raise CanvasTooLarge(label, f"{size.width}x{size.height} is over {MAX_PIXELS:,} pixels")
    if size.width < MIN_SIDE or size.height < MIN_SIDE:
        raise CanvasTooLarge(label, f"{size.width}x{size.height} has a side under {MIN_SIDE} px")


def resolve_size(value: str | CanvasSize) -> CanvasSize:
    """A platform name or an explicit size → CanvasSize; an unknown name is a PosterError."""
    if isinstance(value, CanvasSize):
        return value
    try:
        return PLATFORM_SIZES[value]
    except KeyError:
        known = ", ".join(PLATFORM_SIZES)
        raise PosterError("sizes", f"unknown platform size {value!r}; known: {known}") from None
