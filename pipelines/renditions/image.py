"""Image renditions: decode, fit (scale, crop around the focus, or pad over a blurred copy), resize to the
target's exact size, encode under its byte limit, and check the bytes against the target."""

from __future__ import annotations

import io
import time

from PIL import Image, ImageEnhance, ImageFilter, ImageOps, UnidentifiedImageError

from pipelines.renditions.encode import encode_to_limit
from pipelines.renditions.errors import RenditionError
from pipelines.renditions.fit import pad_box, plan_fit
from pipelines.renditions.saliency import salient_box
from pipelines.renditions.types import ImageRendition, Placed, Target
from pipelines.video.types import Box

BACKDROP_SIDE = 48
"""The backdrop is blurred at this long side, then scaled up: smooth whatever the output size."""
BLUR_RADIUS = 2.5
BACKDROP_BRIGHTNESS = 0.8
_PIL_FORMAT = {"jpeg": "JPEG", "png": "PNG", "webp": "WEBP"}


def open_image(data: bytes) -> Image.Image:
    """Decoded pixels (EXIF orientation applied; RGB, or RGBA when transparent)."""
    try:
        with Image.open(io.BytesIO(data)) as raw:
            image = ImageOps.exif_transpose(raw)
            image.load()
    except (UnidentifiedImageError, OSError, ValueError) as exc:
        raise RenditionError(f"the source image cannot be decoded: {exc}", "source_unreadable") from exc
    wanted = "RGBA" if image.has_transparency_data else "RGB"
    return image if image.mode == wanted else image.convert(wanted)


def render_image(
    source: Image.Image | bytes, target: Target, *, focus: Box | None = None, focus_kind: str = "given"
) -> ImageRendition:
    """``source`` fitted to ``target`` and encoded under its byte limit. Without a ``focus`` (fractions
    of the source to keep in view, e.g. a poster's content box) the salient region is kept."""
    if target.kind != "image" or target.format == "mp4":
        raise ValueError(f"target {target.name} is not an image")
    began = time.perf_counter()
    image = open_image(source) if isinstance(source, bytes) else source
    if focus is None:
        focus, focus_kind = salient_box(image), "saliency"
    placed = plan_fit(image.width, image.height, target, focus, focus_kind)
    frame = compose(image, placed, target)
    encoded = encode_to_limit(
        frame, target.format, target.max_bytes, min_quality=target.min_quality, max_quality=target.max_quality
    )
    _check(encoded.data, target)
    return ImageRendition(
        target=target.name,
        data=encoded.data,
        format=target.format,
        width=target.width,
        height=target.height,
        bytes=len(encoded.data),
        quality=encoded.quality,
        colours=encoded.colours,
        attempts=encoded.attempts,
        placed=placed,
        seconds=round(time.perf_counter() - began, 4),
    )


def compose(image: Image.Image, placed: Placed, target: Target) -> Image.Image:
    """The output frame: the crop window scaled to the target, or the padded layout."""
    size = (target.width, target.height)
    if placed.fit != "pad":
        x, y, w, h = placed.crop
        return image.resize(size, Image.Resampling.LANCZOS, box=(x, y, x + w, y + h), reducing_gap=3.0)
    frame = backdrop(image, target).convert(image.mode)
    left, top, w, h = pad_box(image.width, image.height, target)
    front = image.resize((w, h), Image.Resampling.LANCZOS, reducing_gap=3.0)
    frame.paste(front, (left, top), front if front.mode == "RGBA" else None)
    return frame


def backdrop(image: Image.Image, target: Target) -> Image.Image:
    """The source cover-fitted to the target, blurred at a 48-pixel long side and a little darkened."""
    scale = BACKDROP_SIDE / max(target.width, target.height)
    small = (max(2, round(target.width * scale)), max(2, round(target.height * scale)))
    cover = ImageOps.fit(image.convert("RGB"), small, Image.Resampling.BOX)
    cover = cover.filter(ImageFilter.GaussianBlur(BLUR_RADIUS))
    cover = ImageEnhance.Brightness(cover).enhance(BACKDROP_BRIGHTNESS)
    return cover.resize((target.width, target.height), Image.Resampling.BILINEAR)


def _check(data: bytes, target: Target) -> None:
    """The encoded bytes decode to the target's format and size and fit its limit."""
    with Image.open(io.BytesIO(data)) as encoded:
        found = (encoded.format, encoded.width, encoded.height)
    wanted = (_PIL_FORMAT[target.format], target.width, target.height)
    if found != wanted or len(data) > target.max_bytes:
        raise RenditionError(
            f"{target.name}: encoded {found} ({len(data):,} bytes), wanted {wanted} within "
            f"{target.max_bytes:,} bytes",
            "self_check_failed",
        )
