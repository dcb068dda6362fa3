"""Previews for inspected assets: WebP thumbnails of raster images, a poster frame and thumbnail of videos.

Expects a ``MediaInfo`` from ``inspect_file`` (the pixel limit has been enforced there). Images honour EXIF
orientation; transparency is kept. Video frames come from ffmpeg, which applies the rotation metadata; the
pixel aspect ratio is applied too, so a poster has the video's display aspect. SVG (no rasteriser is
installed), HEIC, audio, copy, templates and brand kits get no preview.
"""

from __future__ import annotations

from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Literal

from PIL import Image, ImageOps

from asset_store.errors import InvalidAsset
from asset_store.media import ffmpeg
from asset_store.media.av import demuxer_for
from asset_store.media.images import PILLOW_FORMATS, load_image, open_image
from asset_store.media.kinds import AssetKind, MediaInfo

PreviewRole = Literal["thumbnail", "poster"]
PREVIEW_CONTENT_TYPE = "image/webp"
POSTER_MAX_SIDE = 1280
POSTER_MAX_AT_S = 5.0
"""The poster is the frame at 10 % of the duration, but never later than this (seeking stays cheap)."""
_WEBP_QUALITY = 80


@dataclass(frozen=True)
class Preview:
    """One rendered preview image."""

    role: PreviewRole
    content_type: str
    data: bytes
    width: int
    height: int


def _displayable(image: Image.Image) -> Image.Image:
    """RGB, or RGBA when the image has any transparency (palette transparency included)."""
    if image.has_transparency_data:
        return image if image.mode == "RGBA" else image.convert("RGBA")
    return image if image.mode == "RGB" else image.convert("RGB")


def _encode(image: Image.Image, role: PreviewRole) -> Preview:
    buffer = BytesIO()
    image.save(buffer, "WEBP", quality=_WEBP_QUALITY, method=4)
    return Preview(role, PREVIEW_CONTENT_TYPE, buffer.getvalue(), image.width, image.height)


def _thumbnail(image: Image.Image, max_side: int) -> Preview:
    """Shrink to fit ``max_side`` (in place: callers pass an image they no longer need)."""
    small = _displayable(image)
    small.thumbnail((max_side, max_side), Image.Resampling.LANCZOS)
    return _encode(small, "thumbnail")


def _image_previews(path: Path, info: MediaInfo, max_side: int) -> list[Preview]:
    with open_image(path, info.content_type, max_pixels=None) as image:
        if image.format == "JPEG":
            image.draft("RGB", (max_side, max_side))  # decode at 1/2, 1/4 or 1/8 scale when possible
        load_image(image)
        oriented = ImageOps.exif_transpose(image)
        return [_thumbnail(oriented, max_side)]


def poster_time(duration_s: float | None) -> float:
    """Where the poster frame is taken: 10 % into the video, at most ``POSTER_MAX_AT_S``; 1 s if unknown."""
    if duration_s is None:
        return 1.0
    return min(duration_s * 0.1, POSTER_MAX_AT_S)


def _video_previews(path: Path, info: MediaInfo, max_side: int) -> list[Preview]:
    demuxer = demuxer_for(info.content_type)
    frame = ffmpeg.grab_frame(path, demuxer, at_s=poster_time(info.duration_s), max_side=POSTER_MAX_SIDE)
    if not frame:
        frame = ffmpeg.grab_frame(path, demuxer, at_s=0.0, max_side=POSTER_MAX_SIDE)
    if not frame:
        raise InvalidAsset("no frame could be extracted from the video", code="corrupt_file")
    with Image.open(BytesIO(frame), formats=["PNG"]) as image:
        image.load()
        poster = _displayable(image)
        return [_encode(poster, "poster"), _thumbnail(poster, max_side)]


def make_previews(path: Path, info: MediaInfo, *, max_side: int = 512) -> list[Preview]:
    """Previews for the asset at ``path``: a thumbnail for images, a poster and thumbnail for videos."""
    if max_side <= 0:
        raise ValueError(f"max_side must be positive, got {max_side}")
    if info.kind is AssetKind.image and info.content_type in PILLOW_FORMATS:
        return _image_previews(path, info, max_side)
    if info.kind is AssetKind.video:
        return _video_previews(path, info, max_side)
    return []
