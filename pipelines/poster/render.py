"""Draw a layered spec: each layer kind has one drawing function; layers are drawn bottom first."""

from __future__ import annotations

import io
from collections.abc import Callable, Mapping, Sequence

from PIL import Image, ImageDraw

from pipelines.poster.assets import contain
from pipelines.poster.background import gradient, pattern, photo
from pipelines.poster.colour import parse_hex
from pipelines.poster.errors import AssetError, PosterError, TextDoesNotFit
from pipelines.poster.qr import qr_image
from pipelines.poster.sizes import check_canvas
from pipelines.poster.spec import (
    GradientLayer,
    ImageLayer,
    Layer,
    LayeredSpec,
    PatternLayer,
    PhotoLayer,
    QrLayer,
    ShapeLayer,
    SolidLayer,
    TextLayer,
)
from pipelines.poster.typeset import TextBlock, TextStyle, block_origin, draw_block, layout_text

Assets = Mapping[str, bytes]
PNG_COMPRESS_LEVEL = 1  # fast; flat poster graphics still compress well


def _size(box: tuple[int, int, int, int]) -> tuple[int, int]:
    return box[2] - box[0], box[3] - box[1]


def _asset(assets: Assets, ref: str, field: str) -> bytes:
    try:
        return assets[ref]
    except KeyError:
        raise AssetError(field, f"asset {ref} is not among the poster's assets") from None


def _solid(canvas: Image.Image, layer: SolidLayer, assets: Assets, field: str) -> None:
    canvas.paste(parse_hex(layer.colour), layer.box)


def _gradient(canvas: Image.Image, layer: GradientLayer, assets: Assets, field: str) -> None:
    canvas.paste(gradient(*_size(layer.box), layer.colours, layer.angle), layer.box[:2])


def _pattern(canvas: Image.Image, layer: PatternLayer, assets: Assets, field: str) -> None:
    w, h = _size(layer.box)
    canvas.paste(pattern(w, h, layer.base, layer.ink, layer.motif, layer.cell, layer.offset), layer.box[:2])


def _photo(canvas: Image.Image, layer: PhotoLayer, assets: Assets, field: str) -> None:
    data = _asset(assets, layer.asset, field)
    w, h = _size(layer.box)
    canvas.paste(photo(data, w, h, layer.focal, layer.blur, layer.darken, field), layer.box[:2])


def _shape(canvas: Image.Image, layer: ShapeLayer, assets: Assets, field: str) -> None:
    draw = ImageDraw.Draw(canvas, "RGBA")
    fill = (*parse_hex(layer.colour), round(layer.opacity * 255))
    right, bottom = layer.box[2] - 1, layer.box[3] - 1
    if layer.shape == "polygon":
        draw.polygon(list(layer.points), fill=fill)
    elif layer.shape == "ellipse":
        draw.ellipse((layer.box[0], layer.box[1], right, bottom), fill=fill)
    else:
        draw.rounded_rectangle((layer.box[0], layer.box[1], right, bottom), radius=layer.radius, fill=fill)


def _image(canvas: Image.Image, layer: ImageLayer, assets: Assets, field: str) -> None:
    w, h = _size(layer.box)
    fitted = contain(_asset(assets, layer.asset, field), w, h, field)
    canvas.paste(fitted, layer.box[:2], fitted)


def _qr(canvas: Image.Image, layer: QrLayer, assets: Assets, field: str) -> None:
    w, h = _size(layer.box)
    canvas.paste(qr_image(layer.data, min(w, h), layer.dark, layer.light, field), layer.box[:2])


def text_style(layer: TextLayer) -> TextStyle:
    """The typesetting style of a text layer."""
    pad = layer.plate.padding if layer.plate else (0.0, 0.0)
    return TextStyle(layer.font, layer.line_height, layer.letter_spacing, layer.balance, pad[0], pad[1])


def text_block(layer: TextLayer, field: str) -> TextBlock:
    """Lay a text layer out at its size; TextDoesNotFit naming ``field`` if it no longer fits."""
    w, h = _size(layer.box)
    block = layout_text(layer.text, text_style(layer), layer.size, w, h, layer.max_lines)
    if block is None:
        raise TextDoesNotFit(field, f"{layer.text!r} does not fit {w}x{h} px at {layer.size} px")
    return block


def plate_box(layer: TextLayer, block: TextBlock) -> tuple[int, int, int, int]:
    """The plate behind a text: the text's lines plus padding, anchored like the text."""
    style = text_style(layer)
    inner_left, inner_right, top = block_origin(block, style, layer.box, layer.valign)
    width = max(block.widths)
    share = {"left": 0.0, "center": 0.5, "right": 1.0}[layer.align]
    left = inner_left + (inner_right - inner_left - width) * share
    pad_x, pad_y = style.pad_x * block.size, style.pad_y * block.size
    return (
        round(left - pad_x),
        round(top - pad_y),
        round(left + width + pad_x),
        round(top + block.height + pad_y),
    )


def _text(canvas: Image.Image, layer: TextLayer, assets: Assets, field: str) -> None:
    block = text_block(layer, field)
    if layer.plate is not None:
        box = plate_box(layer, block)
        radius = round(layer.plate.radius * (box[3] - box[1]))
        ImageDraw.Draw(canvas).rounded_rectangle(
            (box[0], box[1], box[2] - 1, box[3] - 1), radius=radius, fill=parse_hex(layer.plate.colour)
        )
    draw_block(
        canvas, block, text_style(layer), layer.box, layer.align, layer.valign, parse_hex(layer.colour)
    )


_DRAW: dict[str, Callable[[Image.Image, Layer, Assets, str], None]] = {
    "solid": _solid,  # type: ignore[dict-item]
    "gradient": _gradient,  # type: ignore[dict-item]
    "pattern": _pattern,  # type: ignore[dict-item]
    "photo": _photo,  # type: ignore[dict-item]
    "shape": _shape,  # type: ignore[dict-item]
    "image": _image,  # type: ignore[dict-item]
    "qr": _qr,  # type: ignore[dict-item]
    "text": _text,  # type: ignore[dict-item]
}


def draw_layers(canvas: Image.Image, layers: Sequence[Layer], assets: Assets, start: int = 0) -> None:
    """Draw ``layers`` onto ``canvas`` in order (``start`` numbers them in error messages)."""
    width, height = canvas.size
    for number, layer in enumerate(layers, start):
        field = f"layers[{number}] ({layer.name})"
        left, top, right, bottom = layer.box
        if not (0 <= left < right <= width and 0 <= top < bottom <= height):
            raise PosterError(field, f"box {layer.box} is outside the {width}x{height} canvas")
        _DRAW[layer.kind](canvas, layer, assets, field)


def blank(spec: LayeredSpec) -> Image.Image:
    """The empty RGB canvas of a spec (size checked against the caps)."""
    check_canvas(spec.size, "size")
    return Image.new("RGB", (spec.size.width, spec.size.height), (255, 255, 255))


def render(spec: LayeredSpec, assets: Assets) -> Image.Image:
    """Draw every layer of ``spec``; ``assets`` maps the spec's asset refs to image bytes."""
    canvas = blank(spec)
    draw_layers(canvas, spec.layers, assets)
    return canvas


def encode_png(image: Image.Image) -> bytes:
    """PNG bytes of a rendered poster."""
    buffer = io.BytesIO()
    image.save(buffer, format="PNG", compress_level=PNG_COMPRESS_LEVEL)
    return buffer.getvalue()
