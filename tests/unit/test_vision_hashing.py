"""Perceptual hashes: edited copies stay near their original, different photos stay far apart.

Run with ``-s`` to see the distances; they are the evidence for ``NEAR_DUPLICATE_MAX_DISTANCE``."""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable

import pytest
import skimage.data
from PIL import Image, ImageDraw, ImageFont, ImageOps

from pipelines.vision.hashing import NEAR_DUPLICATE_MAX_DISTANCE, hamming, hash_distance, image_hashes
from pipelines.vision.types import ImageHashes

PHOTOS = ("coffee", "chelsea", "astronaut", "rocket", "camera", "coins", "horse", "immunohistochemistry")
FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"


def _photo(name: str) -> Image.Image:
    return Image.fromarray(getattr(skimage.data, name)()).convert("RGB")


def _centre_crop(image: Image.Image, fraction: float = 0.8) -> Image.Image:
    w, h = image.size
    mx, my = w * (1 - fraction) / 2, h * (1 - fraction) / 2
    return image.crop((round(mx), round(my), round(w - mx), round(h - my)))


def _jpeg(image: Image.Image) -> Image.Image:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=40)
    return Image.open(io.BytesIO(buffer.getvalue())).convert("RGB")


def _caption(image: Image.Image) -> Image.Image:
    out = image.copy()
    size = max(12, image.height // 12)
    try:
        font: ImageFont.FreeTypeFont | ImageFont.ImageFont = ImageFont.truetype(FONT, size)
    except OSError:
        font = ImageFont.load_default(size)
    ImageDraw.Draw(out).text(
        (image.width // 20, image.height * 4 // 5),
        "限时特惠 SALE 50%",
        font=font,
        fill="white",
        stroke_width=2,
        stroke_fill="black",
    )
    return out


EDITS: dict[str, Callable[[Image.Image], Image.Image]] = {
    "crop80": _centre_crop,
    "crop85": lambda image: _centre_crop(image, 0.85),
    "jpeg40": _jpeg,
    "flip": ImageOps.mirror,
    "caption": _caption,
    "crop80+jpeg40": lambda image: _jpeg(_centre_crop(image)),
}


@pytest.fixture(scope="module")
def originals() -> dict[str, ImageHashes]:
    return {name: image_hashes(_photo(name)) for name in PHOTOS}


def test_format_and_determinism() -> None:
    hashes = image_hashes(_photo("coffee"))
    assert len(hashes.phash) == len(hashes.dhash) == len(hashes.phash_flipped) == 16
    assert hashes == image_hashes(_photo("coffee"))
    assert hash_distance(hashes, hashes) == 0


def test_hamming() -> None:
    assert hamming("0000000000000000", "000000000000000f") == 4
    assert hamming("ffffffffffffffff", "0000000000000000") == 64


@pytest.mark.parametrize("edit", sorted(EDITS))
def test_edited_copies_are_near_duplicates(edit: str, originals: dict[str, ImageHashes]) -> None:
    distances = {
        name: hash_distance(originals[name], image_hashes(EDITS[edit](_photo(name)))) for name in PHOTOS
    }
    print(f"\n{edit}: {distances}")
    assert max(distances.values()) <= NEAR_DUPLICATE_MAX_DISTANCE
    reverse = {
        name: hash_distance(image_hashes(EDITS[edit](_photo(name))), originals[name]) for name in PHOTOS
    }
    assert reverse == distances  # symmetric


def test_different_photos_are_far_apart(originals: dict[str, ImageHashes]) -> None:
    distances = {
        f"{a}~{b}": hash_distance(originals[a], originals[b]) for a, b in itertools.combinations(PHOTOS, 2)
    }
    print(
        f"\ndifferent: min {min(distances.values())}, {sorted(distances.items(), key=lambda kv: kv[1])[:5]}"
    )
    assert min(distances.values()) > NEAR_DUPLICATE_MAX_DISTANCE + 4


def test_hashes_without_centre_still_compare() -> None:
    full = image_hashes(_photo("astronaut"))
    legacy = ImageHashes(phash=full.phash, dhash=full.dhash, phash_flipped=full.phash_flipped)
    assert hash_distance(legacy, full) == 0
