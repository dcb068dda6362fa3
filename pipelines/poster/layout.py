"""Geometry of one rendition: slot boxes in pixels, font-size scaling, and the non-text layers
(background, colour blocks, product, logo with its clear space, QR code)."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Literal

from pipelines.poster.assets import asset_ref, decode
from pipelines.poster.brand import BrandKit, Palette
from pipelines.poster.colour import worst_contrast
from pipelines.poster.errors import PosterError
from pipelines.poster.qr import qr_image
from pipelines.poster.request import BackgroundInput
from pipelines.poster.sizes import AspectClass, CanvasSize
from pipelines.poster.spec import (
    GradientLayer,
    ImageLayer,
    Layer,
    PatternLayer,
    PhotoLayer,
    PixelBox,
    QrLayer,
    ShapeLayer,
    SolidLayer,
)
from pipelines.poster.template import Align, Shape, Slot, Template, VAlign, Variant

MIN_TEXT_PX = 10
Motif = Literal["dots", "stripes", "grid"]
QR_MIN_CONTRAST = 7.0


@dataclass(frozen=True)
class Frame:
    """One rendition being laid out: template variant, canvas size and the type scale."""

    template: Template
    variant: Variant
    variant_name: AspectClass
    size: CanvasSize
    scale: float

    @classmethod
    def of(cls, template: Template, size: CanvasSize) -> Frame:
        aspect = size.aspect_class
        ref_w, ref_h = template.reference(aspect)
        scale = min(size.width / ref_w, size.height / ref_h)
        return cls(template, template.variant(aspect), template.variant_name(aspect), size, scale)

    def box(self, box: tuple[float, float, float, float]) -> PixelBox:
        """A relative box in pixels (adjacent boxes share edges, never overlap)."""
        x, y, w, h = box
        width, height = self.size.width, self.size.height
        return round(x * width), round(y * height), round((x + w) * width), round((y + h) * height)

    def font_px(self, size: int) -> int:
        """A template font size at this rendition (never under MIN_TEXT_PX)."""
        return max(MIN_TEXT_PX, round(size * self.scale))

    def slot_field(self, name: str) -> str:
        """How errors name a slot of this layout."""
        variant = f"template[{self.template.name}].variants.{self.variant_name}"
        return f"{variant}.slots.{name} ({self.size.name})"


def anchored(outer: PixelBox, width: int, height: int, align: Align, valign: VAlign) -> PixelBox:
    """A ``width`` x ``height`` box placed inside ``outer`` by the anchors."""
    left, top, right, bottom = outer
    x_share = {"left": 0.0, "center": 0.5, "right": 1.0}[align]
    y_share = {"top": 0.0, "middle": 0.5, "bottom": 1.0}[valign]
    x = left + round((right - left - width) * x_share)
    y = top + round((bottom - top - height) * y_share)
    return x, y, x + width, y + height


def background_layer(
    frame: Frame, palette: Palette, background: BackgroundInput, rng: random.Random
) -> tuple[Layer, dict[str, bytes]]:
    """The bottom layer and the assets it needs; the seeded choices are made the same way per size."""
    style = frame.template.background
    box = frame.box(frame.variant.slots.background.box)
    colours = tuple(palette.role(role) for role in style.colours)
    angle = style.angle if style.angle is not None else float(rng.randrange(0, 360, 15))
    motifs: tuple[Motif, ...] = ("dots", "stripes", "grid")
    motif: Motif = style.motif if style.motif is not None else rng.choice(motifs)
    cell_ref, offset = rng.choice((40, 56, 72)), (rng.randrange(0, 97), rng.randrange(0, 97))
    if background.image is not None:
        darken = background.darken if background.darken is not None else style.image_darken
        blur = background.blur if background.blur is not None else style.image_blur
        ref = asset_ref(background.image)
        layer: Layer = PhotoLayer(
            name="background",
            box=box,
            asset=ref,
            focal=background.focal,
            blur=blur * frame.scale,
            darken=darken,
        )
        return layer, {ref: background.image}
    kind = background.style or style.style
    if kind == "solid":
        return SolidLayer(name="background", box=box, colour=colours[0]), {}
    if kind == "pattern":
        ink = colours[1] if len(colours) > 1 else palette.light
        cell = max(8, round(cell_ref * min(frame.size.width, frame.size.height) / 1080))
        return PatternLayer(
            name="background", box=box, base=colours[0], ink=ink, motif=motif, cell=cell, offset=offset
        ), {}
    return GradientLayer(name="background", box=box, colours=colours, angle=angle), {}


def shape_layer(frame: Frame, number: int, shape: Shape, palette: Palette) -> ShapeLayer:
    """A template colour block in pixels."""
    colour = palette.role(shape.colour)
    name = f"shape{number}"
    if shape.shape == "polygon":
        assert shape.points is not None
        points = tuple((round(x * frame.size.width), round(y * frame.size.height)) for x, y in shape.points)
        xs, ys = [p[0] for p in points], [p[1] for p in points]
        box = (min(xs), min(ys), max(max(xs), min(xs) + 1), max(max(ys), min(ys) + 1))
        return ShapeLayer(
            name=name, box=box, shape="polygon", points=points, colour=colour, opacity=shape.opacity
        )
    assert shape.box is not None
    box = frame.box(shape.box)
    radius = round(shape.radius * min(box[2] - box[0], box[3] - box[1]))
    return ShapeLayer(
        name=name, box=box, shape=shape.shape, colour=colour, opacity=shape.opacity, radius=radius
    )


def product_layer(frame: Frame, slot: Slot, product: bytes) -> ImageLayer:
    """The product contain-fitted into its slot (the layer's box is the fitted image's)."""
    image = decode(product, "product")
    outer = frame.box(slot.box)
    scale = min((outer[2] - outer[0]) / image.width, (outer[3] - outer[1]) / image.height)
    width, height = max(1, round(image.width * scale)), max(1, round(image.height * scale))
    box = anchored(outer, width, height, slot.align, slot.valign)
    return ImageLayer(name="product", box=box, asset=asset_ref(product))


def logo_layer(frame: Frame, slot: Slot, brand: BrandKit) -> ImageLayer:
    """The logo as large as its slot allows with the clear space on every side; PosterError naming the
    slot when that is under the brand's minimum logo width."""
    logo = brand.require_logo()
    image = decode(logo, "brand.logo")
    left, top, right, bottom = frame.box(slot.box)
    clear, aspect = brand.logo_clear_space, image.width / image.height
    width = min((right - left) / (1 + 2 * clear), (bottom - top) / (1 / aspect + 2 * clear))
    minimum = max(brand.logo_min_width_px or 0, (brand.logo_min_width_ratio or 0) * frame.size.width, 1)
    if width < minimum:
        raise PosterError(
            frame.slot_field("logo"),
            f"the logo fits only {width:.0f} px wide with its clear space ({clear:g} x width), under the "
            f"brand minimum of {minimum:.0f} px",
        )
    margin = round(clear * width)
    inner = (left + margin, top + margin, right - margin, bottom - margin)
    box = anchored(inner, max(1, int(width)), max(1, int(width / aspect)), slot.align, slot.valign)
    return ImageLayer(name="logo", box=box, asset=asset_ref(logo))


def qr_layer(frame: Frame, slot: Slot, url: str, palette: Palette) -> QrLayer:
    """The QR code as large as whole-pixel modules allow in its slot: the palette's dark colour on white
    (black where the dark colour is too light to scan)."""
    outer = frame.box(slot.box)
    side = min(outer[2] - outer[0], outer[3] - outer[1])
    dark = palette.dark if worst_contrast(palette.dark, [1.0]) >= QR_MIN_CONTRAST else "#000000"
    image = qr_image(url, side, dark, "#FFFFFF", frame.slot_field("qr"))
    box = anchored(outer, image.width, image.height, slot.align, slot.valign)
    return QrLayer(name="qr", box=box, data=url, dark=dark, light="#FFFFFF")
