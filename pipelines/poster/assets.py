"""Input images: content references, safe decoding to RGB(A) (CMYK and ICC → sRGB, palette and
grey+alpha → RGBA, transparency kept) and cached decodes and resizes."""

from __future__ import annotations

import hashlib
import io
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from PIL import Image, ImageCms, ImageOps, UnidentifiedImageError

from pipelines.poster.errors import AssetError

MAX_PIXELS = 40_000_000  # larger inputs are refused rather than decoded (decompression bombs)
T = TypeVar("T")


def asset_ref(data: bytes) -> str:
    """The content address of an asset: ``sha256:<hex>``."""
    return "sha256:" + hashlib.sha256(data).hexdigest()


class LruCache:
    """A small thread-safe LRU cache of computed values, bounded by entries and by image bytes."""

    def __init__(self, size: int, max_bytes: int = 256 * 2**20) -> None:
        self.size = size
        self.max_bytes = max_bytes
        self._items: OrderedDict[Hashable, tuple[object, int]] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, make: Callable[[], T]) -> T:
        """The cached value for ``key``, made (outside the lock) on a miss."""
        with self._lock:
            if key in self._items:
                self._items.move_to_end(key)
                value: T = self._items[key][0]  # type: ignore[assignment]
                return value
        value = make()
        cost = _cost(value)
        with self._lock:
            if key not in self._items:
                self._items[key] = (value, cost)
                self._bytes += cost
            while self._items and (len(self._items) > self.size or self._bytes > self.max_bytes):
                _, (_, evicted) = self._items.popitem(last=False)
                self._bytes -= evicted
        return value


def _cost(value: object) -> int:
    if isinstance(value, Image.Image):
        return value.width * value.height * len(value.getbands())
    return 0


_DECODED = LruCache(32, 384 * 2**20)
_FITTED = LruCache(256, 256 * 2**20)
_SRGB = ImageCms.createProfile("sRGB")


def _to_srgb(image: Image.Image) -> Image.Image:
    """Apply an embedded ICC profile (CMYK print files need it); plain conversion without one."""
    icc = image.info.get("icc_profile")
    if icc and image.mode in ("CMYK", "RGB", "RGBA"):
        try:
            source = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            mode = "RGBA" if image.mode == "RGBA" else "RGB"
            converted = ImageCms.profileToProfile(image, source, _SRGB, outputMode=mode)
            if converted is not None:
                return converted
        except (ImageCms.PyCMSError, OSError, ValueError):
            pass
    return image.convert("RGB") if image.mode == "CMYK" else image


def _normalise(image: Image.Image) -> Image.Image:
    """Any mode → RGBA (alpha kept; palette transparency and LA alpha become RGBA alpha)."""
    image = _to_srgb(ImageOps.exif_transpose(image))
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        image = image.convert("I").point(lambda v: v * (1 / 256)).convert("L")
    return image if image.mode == "RGBA" else image.convert("RGBA")


def decode(data: bytes, field: str) -> Image.Image:
    """Encoded bytes → RGBA image, cached by content; AssetError naming ``field`` when unusable."""
    if not data:
        raise AssetError(field, "image is empty (0 bytes)")
    return _DECODED.get(asset_ref(data), lambda: _decode(data, field))


def _decode(data: bytes, field: str) -> Image.Image:
    try:
        image = Image.open(io.BytesIO(data))
    except UnidentifiedImageError:
        raise AssetError(field, f"not an image Pillow can read ({len(data)} bytes)") from None
    except (OSError, SyntaxError, Image.DecompressionBombError) as exc:
        raise AssetError(field, f"cannot decode image: {exc}") from exc
    if image.width * image.height > MAX_PIXELS:
        raise AssetError(field, f"image is too large: {image.width}x{image.height} > {MAX_PIXELS:,} pixels")
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise AssetError(field, f"corrupt {image.format or 'image'}: {exc}") from exc
    return _normalise(image)


def contain(data: bytes, width: int, height: int, field: str) -> Image.Image:
    """The image scaled to fit inside ``width`` x ``height`` (aspect kept), RGBA, cached."""

    def make() -> Image.Image:
        image = decode(data, field)
        scale = min(width / image.width, height / image.height)
        size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
        return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)

    return _FITTED.get(("contain", asset_ref(data), width, height), make)


def cover(data: bytes, width: int, height: int, focal: tuple[float, float], field: str) -> Image.Image:
    """The image scaled to cover ``width`` x ``height`` and cropped round ``focal`` (RGB), cached."""

    def make() -> Image.Image:
        image = decode(data, field)
        fitted = ImageOps.fit(image, (width, height), Image.Resampling.LANCZOS, centering=focal)
        return fitted.convert("RGB")

    return _FITTED.get(("cover", asset_ref(data), width, height, focal), make)
