"""Layout templates as data: a canvas, a background style and one layout per aspect class.

Boxes are ``[x, y, width, height]`` fractions of the canvas; font sizes are pixels at the variant's
reference canvas and scale with the rendition (``min(W / ref_w, H / ref_h)``). A template lays out every
platform size by picking the variant of the size's aspect class (``tall`` falls back to ``portrait``):
boxes re-anchor, text re-wraps and re-fits, images keep their aspect ratio; nothing is stretched.
"""

from __future__ import annotations

from itertools import combinations
from typing import Annotated, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from pipelines.poster.sizes import AspectClass

ColourRole = Literal["primary", "secondary", "accent", "dark", "light"]
Align = Literal["left", "center", "right"]
VAlign = Literal["top", "middle", "bottom"]
TEXT_SLOTS = ("headline", "subhead", "selling_points", "price", "cta", "disclaimer")
PLACED_SLOTS = (*TEXT_SLOTS, "logo", "qr", "product")
_EPS = 1e-6
DEFAULT_REFERENCE: dict[AspectClass, tuple[int, int]] = {
    "tall": (1080, 1920),
    "portrait": (1080, 1440),
    "square": (1080, 1080),
    "landscape": (1920, 1080),
    "wide": (900, 383),
}
"""Canvas the font sizes of a variant are given at, unless it names its own ``reference``."""


def _check_box(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    x, y, w, h = box
    if w <= 0 or h <= 0:
        raise ValueError(f"box {list(box)} needs a positive width and height")
    if x < -_EPS or y < -_EPS or x + w > 1 + _EPS or y + h > 1 + _EPS:
        raise ValueError(f"box {list(box)} reaches outside the canvas (x + width and y + height must be ≤ 1)")
    return box


Box = Annotated[
    tuple[
        Annotated[float, Field(ge=0, le=1)],
        Annotated[float, Field(ge=0, le=1)],
        Annotated[float, Field(gt=0, le=1)],
        Annotated[float, Field(gt=0, le=1)],
    ],
    AfterValidator(_check_box),
]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class Slot(_Strict):
    """A box on the canvas and how its content is anchored in it."""

    box: Box = Field(description="[x, y, width, height] as fractions of the canvas (0..1).")
    align: Align = Field(default="center", description="Horizontal anchor of the content in the box.")
    valign: VAlign = Field(default="middle", description="Vertical anchor of the content in the box.")


class Plate(_Strict):
    """A rounded colour plate behind a text (a CTA button, a price tag)."""

    colour: ColourRole = Field(description="Palette role of the plate.")
    radius: float = Field(default=0.5, ge=0, le=0.5, description="Corner radius as a share of plate height.")
    padding: tuple[float, float] = Field(
        default=(0.8, 0.35), description="Horizontal, vertical padding in em."
    )


class TextSlot(Slot):
    """A text box: font role, size range, colour role, line limits and rhythm."""

    font: Literal["headline", "body"] = Field(default="body", description="Brand font role.")
    min_size: int = Field(ge=6, le=800, description="Smallest font size (px at the reference canvas).")
    max_size: int = Field(ge=6, le=800, description="Largest font size (px at the reference canvas).")
    colour: ColourRole = Field(default="dark", description="Palette role of the text.")
    max_lines: int = Field(default=1, ge=1, le=20, description="Most lines the text may take.")
    line_height: float = Field(default=1.3, ge=1.0, le=2.5, description="Line pitch as a multiple of size.")
    letter_spacing: float = Field(default=0.0, ge=-0.05, le=0.5, description="Tracking in em.")
    balance: bool = Field(default=False, description="Even out the lines (headlines).")
    plate: Plate | None = Field(default=None, description="Colour plate behind the text.")

    @model_validator(mode="after")
    def _sizes(self) -> TextSlot:
        if self.min_size > self.max_size:
            raise ValueError(f"min_size {self.min_size} is larger than max_size {self.max_size}")
        return self


class ListSlot(TextSlot):
    """Selling points: one paragraph per item, each after a bullet."""

    bullet: str = Field(default="· ", max_length=4, description="Put before every item.")
    max_items: int = Field(default=3, ge=1, le=8, description="Items beyond this are dropped.")


class Shape(_Strict):
    """A decorative colour block drawn over the background."""

    shape: Literal["rect", "ellipse", "polygon"] = Field(description="Rectangle, ellipse or polygon.")
    box: Box | None = Field(default=None, description="Rect/ellipse: [x, y, width, height] fractions.")
    points: tuple[tuple[float, float], ...] | None = Field(
        default=None, description="Polygon corners (x, y)."
    )
    colour: ColourRole = Field(description="Palette role.")
    opacity: float = Field(default=1.0, gt=0, le=1, description="0..1.")
    radius: float = Field(default=0.0, ge=0, le=0.5, description="Rect corner radius, share of short side.")

    @model_validator(mode="after")
    def _geometry(self) -> Shape:
        if self.shape == "polygon":
            if not self.points or len(self.points) < 3:
                raise ValueError("a polygon needs at least 3 points")
            if any(not (0 <= v <= 1) for point in self.points for v in point):
                raise ValueError("polygon points must lie in 0..1")
        elif self.box is None:
            raise ValueError(f"a {self.shape} needs a box")
        return self


class SafeZone(_Strict):
    """Margins (fractions of the canvas) that text, logo and QR code stay inside."""

    left: float = Field(default=0.05, ge=0, le=0.3)
    top: float = Field(default=0.05, ge=0, le=0.3)
    right: float = Field(default=0.05, ge=0, le=0.3)
    bottom: float = Field(default=0.05, ge=0, le=0.3)


class Slots(_Strict):
    """The slots of one layout; headline, logo and disclaimer are in every layout."""

    background: Slot = Field(default=Slot(box=(0, 0, 1, 1)), description="Where the background goes.")
    product: Slot | None = Field(default=None, description="Product image (contain-fit).")
    headline: TextSlot
    subhead: TextSlot | None = None
    selling_points: ListSlot | None = None
    price: TextSlot | None = None
    cta: TextSlot | None = None
    logo: Slot = Field(description="Logo, clear space included in the box.")
    qr: Slot | None = Field(default=None, description="QR code (square, quiet zone included).")
    disclaimer: TextSlot


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> bool:
    return (
        min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0]) > _EPS
        and min(a[1] + a[3], b[1] + b[3]) - max(a[1], b[1]) > _EPS
    )


class Variant(_Strict):
    """The layout for one aspect class."""

    reference: tuple[int, int] | None = Field(
        default=None, description="Canvas [w, h] the font sizes are given at (default: the template's)."
    )
    safe_zone: SafeZone = Field(default=SafeZone())
    shapes: tuple[Shape, ...] = Field(default=(), description="Colour blocks over the background.")
    slots: Slots

    @model_validator(mode="after")
    def _geometry(self) -> Variant:
        zone = self.safe_zone
        placed = {name: getattr(self.slots, name) for name in PLACED_SLOTS if getattr(self.slots, name)}
        for name, slot in placed.items():
            if name == "product":
                continue
            x, y, w, h = slot.box
            if (
                x < zone.left - _EPS
                or y < zone.top - _EPS
                or x + w > 1 - zone.right + _EPS
                or y + h > 1 - zone.bottom + _EPS
            ):
                raise ValueError(f"slots.{name}.box {list(slot.box)} is outside the safe zone")
        for (name_a, a), (name_b, b) in combinations(placed.items(), 2):
            if _overlap(a.box, b.box):
                raise ValueError(f"slots.{name_a}.box and slots.{name_b}.box overlap")
        return self


class BackgroundStyle(_Strict):
    """The background drawn when no image is given, and how a given image is treated."""

    style: Literal["gradient", "pattern", "solid"] = Field(default="gradient")
    colours: tuple[ColourRole, ...] = Field(default=("primary", "secondary"), min_length=1, max_length=3)
    angle: float | None = Field(default=None, ge=0, lt=360, description="Gradient angle; None: by seed.")
    motif: Literal["dots", "stripes", "grid"] | None = Field(default=None, description="None: by seed.")
    image_darken: float = Field(default=0.0, ge=0, le=0.9, description="Black overlay on a given image.")
    image_blur: float = Field(default=0.0, ge=0, le=40, description="Gaussian blur radius (px) on an image.")


class Canvas(_Strict):
    width: int = Field(ge=64, le=8192)
    height: int = Field(ge=64, le=8192)


class Variants(_Strict):
    """One layout per aspect class; ``tall`` (9:16) is optional and falls back to ``portrait``."""

    tall: Variant | None = None
    portrait: Variant
    square: Variant
    landscape: Variant
    wide: Variant


class Template(_Strict):
    """A poster layout template (see the module docstring)."""

    name: str = Field(pattern=r"^[a-z0-9_]+$", description="Slug, unique among templates.")
    title: str = Field(default="", description="Human name.")
    canvas: Canvas = Field(description="Reference canvas (font sizes are pixels at this size).")
    background: BackgroundStyle = Field(default=BackgroundStyle())
    variants: Variants

    def variant_name(self, aspect: AspectClass) -> AspectClass:
        """Which layout lays out an aspect class (``tall`` → ``portrait`` when there is no tall one)."""
        return "portrait" if aspect == "tall" and self.variants.tall is None else aspect

    def variant(self, aspect: AspectClass) -> Variant:
        """The layout for an aspect class (see ``variant_name``)."""
        chosen: Variant = getattr(self.variants, self.variant_name(aspect))
        return chosen

    def reference(self, aspect: AspectClass) -> tuple[int, int]:
        """The canvas size at which the variant's font sizes are given: the variant's ``reference``, else
        the template canvas for portrait (and tall without its own layout), else the aspect's default."""
        variant = self.variant(aspect)
        if variant.reference is not None:
            return variant.reference
        if variant is self.variants.portrait:
            return (self.canvas.width, self.canvas.height)
        return DEFAULT_REFERENCE[aspect]
