"""What a poster is made from: copy, brand kit, template, images, sizes and a seed."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from pipelines.poster.brand import BrandKit, ImageBytes, Palette
from pipelines.poster.sizes import PLATFORM_SIZES, CanvasSize
from pipelines.poster.template import Template


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, ser_json_bytes="base64", val_json_bytes="base64")


class PosterCopy(_Strict):
    """The words on a poster (compliant copy comes from the copywriting pipeline)."""

    headline: str = Field(min_length=1, max_length=120, description="Main line.")
    subhead: str | None = Field(default=None, max_length=200, description="Second line.")
    selling_points: tuple[str, ...] = Field(default=(), max_length=8, description="Short benefit lines.")
    price: str | None = Field(default=None, max_length=40, description="e.g. ¥199.")
    cta: str | None = Field(default=None, max_length=40, description="Call to action, e.g. 立即抢购.")
    disclaimer: str | None = Field(default=None, max_length=400, description="Legal small print.")

    @field_validator("headline", "subhead", "price", "cta", "disclaimer")
    @classmethod
    def _strip(cls, value: str | None) -> str | None:
        if value is not None and not value.strip():
            raise ValueError("is blank")
        return value.strip() if value is not None else None

    @field_validator("selling_points")
    @classmethod
    def _points(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        if any(not point.strip() for point in value):
            raise ValueError("a selling point is blank")
        return tuple(point.strip() for point in value)


class BackgroundInput(_Strict):
    """A background image (a generated image or an asset), or a palette style by the template."""

    image: ImageBytes | None = Field(default=None, description="Cover-fit to every size.")
    focal: tuple[float, float] = Field(default=(0.5, 0.5), description="Crop centre, fractions.")
    darken: float | None = Field(default=None, ge=0, le=0.9, description="None: the template's.")
    blur: float | None = Field(default=None, ge=0, le=40, description="None: the template's.")
    style: Literal["gradient", "pattern", "solid"] | None = Field(
        default=None, description="Without an image: None takes the template's style."
    )


class PosterRequest(_Strict):
    """One poster, rendered at every size in ``sizes``."""

    template: str | Template = Field(description="A built-in template name or a Template.")
    content: PosterCopy = Field(description="The words (copy).")
    brand: BrandKit
    palette: Palette | None = Field(default=None, description="None: the brand kit's palette.")
    background: BackgroundInput = Field(default=BackgroundInput())
    product: ImageBytes | None = Field(default=None, description="Product image; transparency kept.")
    qr_url: str | None = Field(
        default=None, min_length=1, max_length=1000, description="Encoded as a QR code."
    )
    sizes: tuple[str | CanvasSize, ...] = Field(
        default=tuple(PLATFORM_SIZES), min_length=1, description="Platform names or explicit sizes."
    )
    seed: int = Field(default=0, description="Fixes gradient angle, pattern and other free choices.")
