"""Decoding uploads: every mode becomes RGB, EXIF rotation, first frame of animations, clear error codes."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path

import numpy as np
import pytest
import skimage
from PIL import Image

from pipelines.vision.decode import load_image, thumbnail_rgb
from pipelines.vision.protocol import ImageDecodeError

SKIMAGE_DATA = Path(skimage.__file__).parent / "data"


def _encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def test_rgb_jpeg_round_trip() -> None:
    image = load_image(_encode(Image.new("RGB", (40, 30), (10, 200, 30)), "JPEG", quality=95))
    assert image.mode == "RGB" and image.size == (40, 30)
    assert np.abs(np.asarray(image)[15, 20].astype(int) - [10, 200, 30]).max() < 8


def test_exif_orientation_is_applied() -> None:
    source = Image.new("RGB", (60, 20), "red")
    exif = Image.Exif()
    exif[0x0112] = 6  # rotate 90° clockwise to display
    image = load_image(_encode(source, "JPEG", exif=exif.tobytes()))
    assert image.size == (20, 60)


def test_transparent_png_is_flattened_on_white() -> None:
    rgba = Image.new("RGBA", (10, 10), (0, 0, 0, 0))
    rgba.putpixel((5, 5), (255, 0, 0, 255))
    pixels = np.asarray(load_image(_encode(rgba, "PNG")))
    assert pixels[0, 0].tolist() == [255, 255, 255]
    assert pixels[5, 5].tolist() == [255, 0, 0]


@pytest.mark.parametrize("mode", ["LA", "P", "L", "1", "CMYK"])
def test_other_modes_become_rgb(mode: str) -> None:
    source = Image.new("RGB", (16, 16), (200, 40, 40)).convert(mode)
    fmt = "JPEG" if mode == "CMYK" else "PNG"
    image = load_image(_encode(source, fmt))
    assert image.mode == "RGB" and image.size == (16, 16)


def test_palette_with_transparency_is_flattened() -> None:
    source = Image.new("P", (8, 8), 0)
    source.putpalette([0, 0, 0, 255, 0, 0] + [0] * 762)
    source.putpixel((1, 1), 1)
    pixels = np.asarray(load_image(_encode(source, "PNG", transparency=0)))
    assert pixels[0, 0].tolist() == [255, 255, 255] and pixels[1, 1].tolist() == [255, 0, 0]


def test_sixteen_bit_grey_is_scaled_not_clipped() -> None:
    values = np.full((8, 8), 32768, dtype=np.uint16)
    image = load_image(_encode(Image.fromarray(values), "PNG"))
    assert image.mode == "RGB"
    assert 120 <= int(np.asarray(image)[0, 0, 0]) <= 135  # half of full scale, not white


def test_animated_gif_gives_the_first_frame() -> None:
    image = load_image((SKIMAGE_DATA / "no_time_for_that_tiny.gif").read_bytes())
    assert image.mode == "RGB" and image.width > 0
    frames = [Image.new("RGB", (12, 12), colour) for colour in ("red", "blue", "green")]
    buffer = io.BytesIO()
    frames[0].save(buffer, "GIF", save_all=True, append_images=frames[1:], duration=50)
    assert np.asarray(load_image(buffer.getvalue()))[6, 6].tolist() == [255, 0, 0]
    webp = io.BytesIO()
    frames[1].save(webp, "WEBP", save_all=True, append_images=frames[2:], lossless=True)
    assert np.asarray(load_image(webp.getvalue()))[6, 6].tolist() == [0, 0, 255]


def _chunk(kind: bytes, data: bytes) -> bytes:
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def _png_header_only(width: int, height: int) -> bytes:
    """A PNG whose header claims a size with next to no pixel data (what a decompression bomb looks like)."""
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    idat = zlib.compress(b"\x00" * 16)
    return b"\x89PNG\r\n\x1a\n" + _chunk(b"IHDR", ihdr) + _chunk(b"IDAT", idat) + _chunk(b"IEND", b"")


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty_image"),
        (b"%PDF-1.7 not an image at all", "not_an_image"),
        (_png_header_only(100_000, 100_000), "image_too_large"),
        (_png_header_only(50_000, 1_000), "image_too_large"),
        (_png_header_only(100, 100), "corrupt_image"),
    ],
    ids=["empty", "pdf", "bomb-10g-pixels", "50m-pixels", "truncated-png"],
)
def test_bad_inputs_have_codes(data: bytes, code: str) -> None:
    with pytest.raises(ImageDecodeError) as caught:
        load_image(data)
    assert caught.value.code == code


def test_truncated_jpeg_is_corrupt() -> None:
    data = _encode(Image.effect_noise((256, 256), 60).convert("RGB"), "JPEG")
    with pytest.raises(ImageDecodeError) as caught:
        load_image(data[: len(data) // 3])
    assert caught.value.code == "corrupt_image"


def test_max_pixels_is_configurable() -> None:
    data = _encode(Image.new("RGB", (100, 100)), "PNG")
    with pytest.raises(ImageDecodeError, match="too large"):
        load_image(data, max_pixels=9_999)


def test_thumbnail_keeps_aspect_and_never_enlarges() -> None:
    assert thumbnail_rgb(Image.new("RGB", (800, 200)), 64).size == (64, 16)
    assert thumbnail_rgb(Image.new("L", (30, 20)), 64).size == (30, 20)
    assert thumbnail_rgb(Image.new("RGBA", (30, 20)), 64).mode == "RGB"
