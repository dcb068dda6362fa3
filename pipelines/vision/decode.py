"""Bytes → an RGB image ready for analysis: EXIF rotation applied, alpha flattened on white, CMYK, 16-bit,
palette and grey-alpha images converted, animations reduced to their first frame. Oversized images are
refused from their header, before any pixel is decoded (decompression bombs)."""

from __future__ import annotations

import io
import warnings
from typing import Any

import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from pipelines.vision.protocol import ImageDecodeError

MAX_PIXELS = 40_000_000


def load_image(data: bytes, *, max_pixels: int = MAX_PIXELS) -> Image.Image:
    """Decode ``data`` into an RGB image; ``ImageDecodeError`` with code ``empty_image``, ``not_an_image``,
    ``corrupt_image`` or ``image_too_large`` when it cannot be analysed."""
    if not data:
        raise ImageDecodeError("image is empty (0 bytes)", "empty_image")
    image = _open(data, max_pixels)
    try:
        image.seek(0)  # animated GIF/WebP/APNG: the first frame stands for the whole
        image.load()
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageDecodeError(
            f"corrupt {image.format or 'image'} ({len(data)} bytes): {exc}", "corrupt_image"
        ) from exc
    try:
        image = ImageOps.exif_transpose(image)
    except Exception:  # noqa: BLE001 - a broken EXIF block must not lose a readable image
        pass
    try:
        return to_rgb(image)
    except (OSError, ValueError) as exc:
        raise ImageDecodeError(f"cannot convert {image.mode} image to RGB: {exc}", "corrupt_image") from exc


def _open(data: bytes, max_pixels: int) -> Image.Image:
    """Read the header only (``Image.open`` is lazy) and check the size before decoding."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", Image.DecompressionBombWarning)  # we apply our own limit
            image = Image.open(io.BytesIO(data))
    except Image.DecompressionBombError as exc:
        raise ImageDecodeError(f"image is too large: {exc}", "image_too_large") from exc
    except UnidentifiedImageError:
        raise ImageDecodeError(
            f"not an image we can read ({len(data)} bytes; expected JPEG, PNG, WebP, GIF, BMP or TIFF)",
            "not_an_image",
        ) from None
    except (OSError, SyntaxError, ValueError, EOFError) as exc:
        raise ImageDecodeError(f"corrupt image header ({len(data)} bytes): {exc}", "corrupt_image") from exc
    width, height = image.size
    if width <= 0 or height <= 0:
        raise ImageDecodeError(f"image has no pixels ({width}x{height})", "corrupt_image")
    if width * height > max_pixels:
        raise ImageDecodeError(
            f"image is too large: {width}x{height} = {width * height:,} pixels > {max_pixels:,}",
            "image_too_large",
        )
    return image


def to_rgb(image: Image.Image) -> Image.Image:
    """Any Pillow mode → RGB: transparency flattened on white, 16-bit and float scaled to 8 bits, CMYK
    through its embedded ICC profile when it has one."""
    if image.mode == "RGB":
        return image
    if image.mode in ("RGBA", "LA", "PA", "RGBa", "La") or "transparency" in image.info:
        rgba = image.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    if image.mode in ("I", "I;16", "I;16B", "I;16L", "I;16N", "F"):
        return Image.fromarray(_to_uint8(np.asarray(image)), mode="L").convert("RGB")
    if image.mode == "CMYK" and image.info.get("icc_profile"):
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(image.info["icc_profile"]))
            converted = ImageCms.profileToProfile(
                image, profile, ImageCms.createProfile("sRGB"), outputMode="RGB"
            )
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass  # a broken profile: the plain conversion below is close enough
    return image.convert("RGB")


def _to_uint8(values: NDArray[Any]) -> NDArray[np.uint8]:
    """16-bit or float grey → 0..255 (16-bit by its full range; float by 0..1 or its own maximum)."""
    array = values.astype(np.float64)
    if values.dtype.kind == "f":
        top = float(np.nanmax(array)) if array.size else 1.0
        scale = 255.0 if top <= 1.0 else 255.0 / top
    else:
        scale = 255.0 / 65535.0 if float(array.max(initial=0)) > 255 else 1.0
    return np.clip(np.nan_to_num(array * scale), 0, 255).astype(np.uint8)


def thumbnail_rgb(image: Image.Image, side: int) -> Image.Image:
    """An RGB copy whose longer side is at most ``side`` pixels (aspect kept, never enlarged)."""
    rgb = to_rgb(image)
    if max(rgb.size) <= side:
        return rgb.copy() if rgb is image else rgb
    scale = side / max(rgb.size)
    size = (max(1, round(rgb.width * scale)), max(1, round(rgb.height * scale)))
    return rgb.resize(size, Image.Resampling.BILINEAR, reducing_gap=2.0)
