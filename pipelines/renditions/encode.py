"""Encode a picture under a byte limit: JPEG/WebP by a binary search on quality (best quality that fits,
four to six encodes), PNG lossless, then a 256-colour palette when lossless does not fit."""

from __future__ import annotations

import io
from dataclasses import dataclass

from PIL import Image

from pipelines.renditions.errors import RenditionError
from pipelines.renditions.types import ImageFormat

PNG_COLOURS = 256


@dataclass(frozen=True)
class Encoded:
    """Bytes that fit, and how they were made."""

    data: bytes
    quality: int | None
    colours: int | None
    attempts: int


def flatten(image: Image.Image, background: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """RGB: transparency composited over ``background`` (JPEG has no alpha)."""
    if image.mode == "RGB":
        return image
    if image.has_transparency_data:
        rgba = image.convert("RGBA")
        base = Image.new("RGB", rgba.size, background)
        base.paste(rgba, mask=rgba.getchannel("A"))
        return base
    return image.convert("RGB")


def encode(
    image: Image.Image, fmt: ImageFormat, quality: int | None = None, colours: int | None = None
) -> bytes:
    """One encode, without metadata (no EXIF, no ICC beyond sRGB assumption)."""
    buffer = io.BytesIO()
    if fmt == "jpeg":
        flatten(image).save(buffer, "JPEG", quality=quality or 90, optimize=True, progressive=True)
    elif fmt == "webp":
        image.save(buffer, "WEBP", quality=quality or 90, method=4)
    else:
        source = image if colours is None else _quantise(image, colours)
        source.save(buffer, "PNG", optimize=colours is not None, compress_level=6)
    return buffer.getvalue()


def encode_to_limit(
    image: Image.Image, fmt: ImageFormat, max_bytes: int, *, min_quality: int, max_quality: int
) -> Encoded:
    """The best encode of ``image`` that is at most ``max_bytes``; RenditionError ``over_byte_limit``
    when even the lowest quality (or the palette PNG) is larger."""
    if fmt == "png":
        return _png(image, max_bytes)
    attempts = 1
    data = encode(image, fmt, max_quality)
    if len(data) <= max_bytes:
        return Encoded(data, max_quality, None, attempts)
    best: tuple[bytes, int] | None = None
    low, high = min_quality, max_quality - 1
    while low <= high:
        middle = (low + high) // 2
        attempt = encode(image, fmt, middle)
        attempts += 1
        if len(attempt) <= max_bytes:
            best, low = (attempt, middle), middle + 1
        else:
            high = middle - 1
    if best is None:
        raise RenditionError(
            f"{image.width}×{image.height} {fmt.upper()} is over {max_bytes:,} bytes even at quality "
            f"{min_quality}",
            "over_byte_limit",
        )
    return Encoded(best[0], best[1], None, attempts)


def _png(image: Image.Image, max_bytes: int) -> Encoded:
    data = encode(image, "png")
    if len(data) <= max_bytes:
        return Encoded(data, None, None, 1)
    data = encode(image, "png", colours=PNG_COLOURS)
    if len(data) <= max_bytes:
        return Encoded(data, None, PNG_COLOURS, 2)
    raise RenditionError(
        f"{image.width}×{image.height} PNG is over {max_bytes:,} bytes even with {PNG_COLOURS} colours",
        "over_byte_limit",
    )


def _quantise(image: Image.Image, colours: int) -> Image.Image:
    if image.mode == "RGBA":
        return image.quantize(colours, method=Image.Quantize.FASTOCTREE, dither=Image.Dither.FLOYDSTEINBERG)
    return image.convert("RGB").quantize(colours, method=Image.Quantize.MEDIANCUT)
