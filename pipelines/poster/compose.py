"""``compose(request) -> Poster``: one poster at every requested size, each with its layered spec.

Everything is checked before anything is drawn (fonts, logo, images, canvas caps) and every size is laid
out before the poster is returned, so a bad input yields an error and no partial poster.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from functools import cached_property

from PIL import Image

from pipelines.poster.assets import asset_ref, decode
from pipelines.poster.brand import BrandKit, Palette
from pipelines.poster.fonts import FontRef
from pipelines.poster.layout import Frame, background_layer, logo_layer, product_layer, qr_layer, shape_layer
from pipelines.poster.library import get_template
from pipelines.poster.render import draw_layers, encode_png
from pipelines.poster.request import PosterRequest
from pipelines.poster.sizes import CanvasSize, check_canvas, resolve_size
from pipelines.poster.spec import Layer, LayeredSpec
from pipelines.poster.template import Template
from pipelines.poster.text import slot_texts, text_layer


@dataclass(frozen=True)
class Rendition:
    """One size of a poster: the pixels, the layered spec that draws them, PNG bytes on demand."""

    size: CanvasSize
    spec: LayeredSpec
    image: Image.Image = field(repr=False)

    @cached_property
    def png(self) -> bytes:
        """The rendition as PNG (encoded once, on first use)."""
        return encode_png(self.image)


@dataclass(frozen=True)
class Poster:
    """A composed poster: one rendition per requested size and the assets its specs refer to."""

    template: str
    palette: str
    seed: int
    renditions: tuple[Rendition, ...]
    assets: dict[str, bytes] = field(repr=False)

    def rendition(self, name: str) -> Rendition:
        """The rendition of a size by name (KeyError if it was not requested)."""
        for rendition in self.renditions:
            if rendition.size.name == name:
                return rendition
        raise KeyError(name)


@dataclass(frozen=True)
class _Inputs:
    request: PosterRequest
    template: Template
    palette: Palette
    fonts: dict[str, FontRef]
    candidates: tuple[str, ...]


def _check(request: PosterRequest) -> tuple[_Inputs, list[CanvasSize]]:
    """Resolve and validate everything before drawing (errors name the field)."""
    template = get_template(request.template)
    brand: BrandKit = request.brand
    palette = request.palette or brand.palette
    sizes = [resolve_size(size) for size in request.sizes]
    for size in sizes:
        check_canvas(size)
    fonts = {role: brand.fonts.resolve(role) for role in ("headline", "body")}
    decode(brand.require_logo(), "brand.logo")
    if request.product is not None:
        decode(request.product, "product")
    if request.background.image is not None:
        decode(request.background.image, "background.image")
    inputs = _Inputs(request, template, palette, fonts, brand.colours(palette))
    return inputs, sizes


def _rendition(inputs: _Inputs, size: CanvasSize, assets: dict[str, bytes]) -> Rendition:
    request, palette = inputs.request, inputs.palette
    frame = Frame.of(inputs.template, size)
    slots = frame.variant.slots
    rng = random.Random(f"{request.seed}:{inputs.template.name}:{palette.name}")
    background, extra = background_layer(frame, palette, request.background, rng)
    assets.update(extra)
    layers: list[Layer] = [background]
    layers += [shape_layer(frame, i, shape, palette) for i, shape in enumerate(frame.variant.shapes)]
    omitted: list[str] = []
    if request.product is not None and slots.product is not None:
        layers.append(product_layer(frame, slots.product, request.product))
    elif request.product is not None:
        omitted.append("product")
    layers.append(logo_layer(frame, slots.logo, request.brand))
    if request.qr_url is not None and slots.qr is not None:
        layers.append(qr_layer(frame, slots.qr, request.qr_url, palette))
    elif request.qr_url is not None:
        omitted.append("qr")
    spec_size = CanvasSize(name=size.name, width=size.width, height=size.height)
    canvas = Image.new("RGB", (size.width, size.height), (255, 255, 255))
    draw_layers(canvas, layers, assets)
    placed, missing = slot_texts(frame, request.content)
    texts: list[Layer] = []
    for name, slot, text in placed:
        font = inputs.fonts[slot.font]
        layer = text_layer(frame, name, slot, text, font, palette, inputs.candidates, canvas)
        draw_layers(canvas, [layer], assets, start=len(layers) + len(texts))
        texts.append(layer)
    spec = LayeredSpec(
        template=inputs.template.name,
        variant=frame.variant_name,
        size=spec_size,
        palette=palette.name,
        seed=request.seed,
        layers=(*layers, *texts),
        omitted=(*omitted, *missing),
    )
    return Rendition(size=spec_size, spec=spec, image=canvas)


def compose(request: PosterRequest) -> Poster:
    """Lay out and draw ``request`` at every requested size (see the module docstring)."""
    inputs, sizes = _check(request)
    assets: dict[str, bytes] = {asset_ref(inputs.request.brand.require_logo()): request.brand.require_logo()}
    if request.product is not None:
        assets[asset_ref(request.product)] = request.product
    renditions = tuple(_rendition(inputs, size, assets) for size in sizes)
    return Poster(
        template=inputs.template.name,
        palette=inputs.palette.name,
        seed=request.seed,
        renditions=renditions,
        assets=assets,
    )
