"""Backgrounds: a brand-palette gradient or pattern, a solid colour, or a given image (cover-fit, with
optional blur and darkening for legible text). Deterministic; cached by their parameters."""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
from PIL import Image, ImageDraw, ImageFilter

from pipelines.poster.assets import LruCache, asset_ref, cover
from pipelines.poster.colour import parse_hex

_BACKGROUNDS = LruCache(48, 192 * 2**20)


def gradient(width: int, height: int, colours: Sequence[str], angle: float) -> Image.Image:
    """A linear gradient through ``colours`` (evenly spaced stops) at ``angle`` degrees (0: left → right,
    90: top → bottom). Cached; callers must not draw on the result."""
    key = ("gradient", width, height, tuple(colours), round(angle, 3))
    return _BACKGROUNDS.get(key, lambda: _gradient(width, height, colours, angle))


def _gradient(width: int, height: int, colours: Sequence[str], angle: float) -> Image.Image:
    stops = [parse_hex(c) for c in colours]
    if len(stops) == 1:
        return Image.new("RGB", (width, height), stops[0])
    theta = math.radians(angle)
    dx, dy = math.cos(theta), math.sin(theta)
    reach = abs(dx) * (width - 1) / 2 + abs(dy) * (height - 1) / 2 or 1.0
    scale = 255 / (2 * reach)
    xs = (np.arange(width, dtype=np.float32) - (width - 1) / 2) * np.float32(dx * scale)
    ys = (np.arange(height, dtype=np.float32) - (height - 1) / 2) * np.float32(dy * scale) + np.float32(127.5)
    position = np.empty((height, width), dtype=np.float32)
    np.add(ys[:, None], xs[None, :], out=position)
    np.clip(position, 0, 255, out=position)
    level = Image.fromarray(np.rint(position).astype(np.uint8), "L")
    bands = [level.point(_ramp([stop[channel] for stop in stops])) for channel in range(3)]
    return Image.merge("RGB", bands)


def _ramp(values: Sequence[int]) -> list[int]:
    """A 256-entry lookup table through evenly spaced ``values``."""
    segments = len(values) - 1
    table = []
    for level in range(256):
        t = level / 255 * segments
        index = min(int(t), segments - 1)
        frac = t - index
        table.append(round(values[index] * (1 - frac) + values[index + 1] * frac))
    return table


def pattern(
    width: int, height: int, base: str, ink: str, motif: str, cell: int, offset: tuple[int, int]
) -> Image.Image:
    """A ``dots``, ``stripes`` or ``grid`` pattern of ``ink`` on ``base`` with a ``cell`` px period,
    shifted by ``offset``. Cached; callers must not draw on the result."""
    key = ("pattern", width, height, base, ink, motif, cell, offset)
    return _BACKGROUNDS.get(key, lambda: _pattern(width, height, base, ink, motif, cell, offset))


def _pattern(
    width: int, height: int, base: str, ink: str, motif: str, cell: int, offset: tuple[int, int]
) -> Image.Image:
    tile = Image.new("RGB", (cell, cell), parse_hex(base))
    draw = ImageDraw.Draw(tile)
    colour = parse_hex(ink)
    if motif == "dots":
        r = max(1, cell // 8)
        draw.ellipse((cell // 2 - r, cell // 2 - r, cell // 2 + r, cell // 2 + r), fill=colour)
    elif motif == "stripes":
        w = max(1, cell // 6)
        draw.polygon([(0, cell), (w, cell), (cell, w), (cell, 0)], fill=colour)
        draw.polygon([(0, 0), (0, w), (w, 0)], fill=colour)
    else:
        draw.rectangle((0, 0, cell - 1, max(0, cell // 24)), fill=colour)
        draw.rectangle((0, 0, max(0, cell // 24), cell - 1), fill=colour)
    tiles = np.asarray(tile)
    reps = (height // cell + 2, width // cell + 2, 1)
    big = np.tile(tiles, reps)
    ox, oy = offset[0] % cell, offset[1] % cell
    return Image.fromarray(np.ascontiguousarray(big[oy : oy + height, ox : ox + width]), "RGB")


def photo(
    data: bytes, width: int, height: int, focal: tuple[float, float], blur: float, darken: float, field: str
) -> Image.Image:
    """A given image cover-fit to the canvas, blurred and darkened. Cached; do not draw on it."""
    key = ("photo", asset_ref(data), width, height, focal, blur, darken)

    def make() -> Image.Image:
        image = cover(data, width, height, focal, field)
        if blur > 0:
            image = image.filter(ImageFilter.GaussianBlur(blur))
        if darken > 0:
            image = Image.blend(image, Image.new("RGB", image.size, (0, 0, 0)), darken)
        return image

    return _BACKGROUNDS.get(key, make)
