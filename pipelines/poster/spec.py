"""The layered spec: every layer of a rendered poster in pixels, JSON-serialisable, editable and
re-renderable (``render.render(spec, assets)`` draws the same pixels ``compose`` did)."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines.poster.colour import Hex
from pipelines.poster.fonts import FontRef
from pipelines.poster.sizes import AspectClass, CanvasSize
from pipelines.poster.template import Align, VAlign

PixelBox = tuple[int, int, int, int]
"""left, top, right, bottom in canvas pixels (right and bottom exclusive)."""


class _Layer(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="The slot (or shape) this layer fills.")
    box: PixelBox = Field(description="Where the layer is drawn: left, top, right, bottom in pixels.")


class SolidLayer(_Layer):
    """A flat colour."""

    kind: Literal["solid"] = "solid"
    colour: Hex


class GradientLayer(_Layer):
    """A linear gradient through evenly spaced colour stops."""

    kind: Literal["gradient"] = "gradient"
    colours: tuple[Hex, ...] = Field(min_length=1, description="Evenly spaced stops.")
    angle: float = Field(ge=0, lt=360, description="Degrees; 0 left → right, 90 top → bottom.")


class PatternLayer(_Layer):
    """A repeating dots, stripes or grid motif."""

    kind: Literal["pattern"] = "pattern"
    base: Hex
    ink: Hex
    motif: Literal["dots", "stripes", "grid"]
    cell: int = Field(ge=4, le=1024, description="Pattern period in pixels.")
    offset: tuple[int, int] = Field(default=(0, 0), description="Pattern shift in pixels.")


class PhotoLayer(_Layer):
    """A background image, cover-fit into the box."""

    kind: Literal["photo"] = "photo"
    asset: str = Field(description="Content reference (sha256:…) of the source image.")
    focal: tuple[float, float] = Field(default=(0.5, 0.5), description="Crop centre, fractions.")
    blur: float = Field(default=0.0, ge=0, le=40)
    darken: float = Field(default=0.0, ge=0, le=0.9)


class ShapeLayer(_Layer):
    """A colour block: rectangle (rounded), ellipse or polygon, possibly translucent."""

    kind: Literal["shape"] = "shape"
    shape: Literal["rect", "ellipse", "polygon"]
    points: tuple[tuple[int, int], ...] = Field(default=(), description="Polygon corners in pixels.")
    colour: Hex
    opacity: float = Field(default=1.0, gt=0, le=1)
    radius: int = Field(default=0, ge=0, description="Rect corner radius in pixels.")


class ImageLayer(_Layer):
    """A product image or logo drawn at exactly ``box`` (already contain-fitted), alpha kept."""

    kind: Literal["image"] = "image"
    asset: str = Field(description="Content reference (sha256:…) of the source image.")


class QrLayer(_Layer):
    """A QR code (whole-pixel modules, quiet zone included) of ``data``."""

    kind: Literal["qr"] = "qr"
    data: str = Field(min_length=1, description="Encoded text (a URL).")
    dark: Hex = "#000000"
    light: Hex = "#FFFFFF"


class PlateSpec(BaseModel):
    """A rounded colour plate behind a text (button, tag)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    colour: Hex
    radius: float = Field(ge=0, le=0.5, description="Corner radius as a share of plate height.")
    padding: tuple[float, float] = Field(description="Horizontal, vertical padding in em.")


class TextLayer(_Layer):
    """Text set in ``box``: re-broken at render time, so edited text re-flows (at the given size)."""

    kind: Literal["text"] = "text"
    text: str = Field(min_length=1)
    font: FontRef
    size: int = Field(ge=1, le=2000, description="Font size in pixels.")
    colour: Hex
    align: Align = "center"
    valign: VAlign = "middle"
    max_lines: int = Field(ge=1, le=50)
    line_height: float = Field(ge=1.0, le=2.5)
    letter_spacing: float = Field(default=0.0, ge=-0.05, le=0.5)
    balance: bool = False
    plate: PlateSpec | None = None
    contrast: float | None = Field(default=None, description="WCAG contrast against what is behind it.")


Layer = Annotated[
    SolidLayer | GradientLayer | PatternLayer | PhotoLayer | ShapeLayer | ImageLayer | QrLayer | TextLayer,
    Field(discriminator="kind"),
]


class LayeredSpec(BaseModel):
    """One rendition of a poster as layers, bottom first."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    template: str = Field(description="Template name.")
    variant: AspectClass = Field(description="Which layout of the template was used.")
    size: CanvasSize
    palette: str = Field(description="Palette (colour scheme) name.")
    seed: int
    layers: tuple[Layer, ...]
    omitted: tuple[str, ...] = Field(default=(), description="Content with no slot at this size.")
