"""Raster images through Pillow with a decompression-bomb guard, and SVG through a DOCTYPE-free XML parse.

The pixel limit is ours (``SizeLimits.max_image_pixels``), checked from the header size after
``Image.open`` (which parses the header only) and before ``load()`` decodes anything. Pillow's own global
guard stays as it is: its ``DecompressionBombError`` (above twice ``Image.MAX_IMAGE_PIXELS``) is mapped to
the same error, and its warning, which would fire for images we accept, is silenced with a
``warnings.catch_warnings`` block held under a module lock, since that block swaps process-global state.
"""

from __future__ import annotations

import re
import struct
import threading
import warnings
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from pathlib import Path

from PIL import Image, ImageFile, UnidentifiedImageError

from asset_store.errors import InvalidAsset, MissingDependency
from asset_store.media.kinds import MediaInfo

PILLOW_FORMATS: dict[str, str] = {
    "image/png": "PNG",
    "image/jpeg": "JPEG",
    "image/gif": "GIF",
    "image/webp": "WEBP",
    "image/bmp": "BMP",
    "image/tiff": "TIFF",
    "image/avif": "AVIF",
}
SVG_CONTENT_TYPE = "image/svg+xml"
_DECODE_ERRORS = (OSError, SyntaxError, ValueError, EOFError, struct.error)
_ROTATED_ORIENTATIONS = frozenset({5, 6, 7, 8})
_WARNINGS_LOCK = threading.Lock()
_DTD = re.compile(r"<!\s*(DOCTYPE|ENTITY)", re.IGNORECASE)
_LENGTH = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*(px)?\s*$")


@contextmanager
def _quiet_bomb_warnings() -> Iterator[None]:
    with _WARNINGS_LOCK, warnings.catch_warnings():
        warnings.simplefilter("ignore", Image.DecompressionBombWarning)
        yield


def _bomb(width: int, height: int, max_pixels: int | None) -> InvalidAsset:
    return InvalidAsset(
        f"image of {width}x{height} pixels exceeds the limit of {max_pixels} pixels",
        code="decompression_bomb",
        details={"width": width, "height": height, "max_pixels": max_pixels},
    )


def open_image(path: Path, content_type: str, *, max_pixels: int | None) -> ImageFile.ImageFile:
    """Parse the header with the one Pillow plugin for ``content_type`` and enforce the pixel limit."""
    fmt = PILLOW_FORMATS.get(content_type)
    if fmt is None:
        raise MissingDependency(
            f"no decoder for {content_type} is installed (HEIC needs the 'pillow-heif' package)",
            details={"content_type": content_type, "package": "pillow-heif"},
        )
    try:
        with _quiet_bomb_warnings():
            image = Image.open(path, formats=[fmt])
    except Image.DecompressionBombError as exc:
        raise InvalidAsset(str(exc), code="decompression_bomb") from exc
    except (UnidentifiedImageError, *_DECODE_ERRORS) as exc:
        raise InvalidAsset(f"the image cannot be read: {exc}", code="corrupt_file") from exc
    width, height = image.size
    if max_pixels is not None and width * height > max_pixels:
        image.close()
        raise _bomb(width, height, max_pixels)
    assert isinstance(image, ImageFile.ImageFile)
    return image


def load_image(image: ImageFile.ImageFile) -> None:
    """Decode the current frame fully so that truncated or corrupt data surfaces (corrupt_file)."""
    pillow_limit = Image.MAX_IMAGE_PIXELS
    big = pillow_limit is not None and image.width * image.height > pillow_limit
    try:
        if big:
            with _quiet_bomb_warnings():
                image.load()
        else:
            image.load()
    except Image.DecompressionBombError as exc:
        raise InvalidAsset(str(exc), code="decompression_bomb") from exc
    except _DECODE_ERRORS as exc:
        raise InvalidAsset(f"the image is corrupt or truncated: {exc}", code="corrupt_file") from exc


def inspect_raster(path: Path, base: MediaInfo, max_pixels: int) -> MediaInfo:
    """Dimensions (as displayed, after EXIF orientation), mode and animation of a raster image."""
    with open_image(path, base.content_type, max_pixels=max_pixels) as image:
        load_image(image)
        width, height = image.size
        orientation = int(image.getexif().get(0x0112, 1) or 1)
        extra = {
            "mode": image.mode,
            "has_alpha": image.has_transparency_data,
            "animated": bool(getattr(image, "is_animated", False)),
            "orientation": orientation,
            "stored_size": [width, height],
        }
    if orientation in _ROTATED_ORIENTATIONS:
        width, height = height, width
    return replace(base, width=width, height=height, extra=extra)


def parse_svg(data: bytes, *, code: str) -> ET.Element:
    """Parse SVG bytes safely: UTF-8 only, no DOCTYPE or entity declarations, root element ``<svg>``."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidAsset("the SVG is not valid UTF-8", code=code) from exc
    if _DTD.search(text):
        raise InvalidAsset("SVG with a DOCTYPE or ENTITY declaration is not accepted", code=code)
    try:
        root = ET.fromstring(text)
    except ET.ParseError as exc:
        raise InvalidAsset(f"the SVG is not well-formed XML: {exc}", code=code) from exc
    if root.tag not in ("svg", "{http://www.w3.org/2000/svg}svg"):
        raise InvalidAsset(f"the root element is {root.tag!r}, not <svg>", code=code)
    return root


def _length(value: str | None) -> float | None:
    match = _LENGTH.match(value or "")
    return float(match.group(1)) if match else None


def _view_box(value: str | None) -> list[float] | None:
    parts = (value or "").replace(",", " ").split()
    try:
        box = [float(part) for part in parts]
    except ValueError:
        return None
    return box if len(box) == 4 and box[2] > 0 and box[3] > 0 else None


def inspect_svg(path: Path, base: MediaInfo, *, code: str = "corrupt_file") -> MediaInfo:
    """Width and height of an SVG from its attributes, else from its viewBox (unitless user units)."""
    root = parse_svg(path.read_bytes(), code=code)
    box = _view_box(root.get("viewBox"))
    width, height = _length(root.get("width")), _length(root.get("height"))
    if box is not None:
        width = box[2] if width is None else width
        height = box[3] if height is None else height
    extra = {"view_box": box, "format": "svg"}
    return replace(
        base,
        width=round(width) if width is not None else None,
        height=round(height) if height is not None else None,
        extra=extra,
    )
