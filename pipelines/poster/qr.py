"""QR codes with ``segno``: a crisp (nearest-neighbour) square image with a 4-module quiet zone."""

from __future__ import annotations

import numpy as np
from PIL import Image

from pipelines.poster.assets import LruCache
from pipelines.poster.colour import parse_hex
from pipelines.poster.errors import PosterError

QUIET_ZONE = 4
MIN_MODULE_PX = 2
_QRS = LruCache(64)


def qr_modules(data: str) -> np.ndarray:
    """The QR symbol's modules (True = dark), error correction M, quiet zone included."""
    import segno

    code = segno.make(data, error="m", micro=False)
    matrix = np.array([list(row) for row in code.matrix], dtype=bool)
    return np.pad(matrix, QUIET_ZONE, constant_values=False)


def qr_image(data: str, side: int, dark: str, light: str, field: str = "qr") -> Image.Image:
    """An RGB QR image of at most ``side`` px (whole pixels per module); PosterError naming ``field`` when
    the data needs modules smaller than MIN_MODULE_PX."""

    def make() -> Image.Image:
        modules = qr_modules(data)
        count = modules.shape[0]
        module_px = side // count
        if module_px < MIN_MODULE_PX:
            raise PosterError(
                field, f"a {side}px QR box is too small for {len(data)} characters ({count} modules)"
            )
        palette = np.array([parse_hex(light), parse_hex(dark)], dtype=np.uint8)
        pixels = palette[modules.astype(np.uint8)]
        pixels = pixels.repeat(module_px, axis=0).repeat(module_px, axis=1)
        return Image.fromarray(np.ascontiguousarray(pixels), "RGB")

    return _QRS.get((data, side, dark, light), make)
