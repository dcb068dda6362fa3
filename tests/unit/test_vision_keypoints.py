"""Keypoint verification: an off-centre crop, a shifted and resized copy or an overlaid copy is the same
picture; different photos are not."""

from __future__ import annotations

import itertools

import pytest
import skimage.data
from PIL import Image, ImageDraw

from pipelines.vision.keypoints import MIN_INLIERS, keypoint_inliers, same_picture

PHOTOS = ("coffee", "chelsea", "astronaut", "rocket", "camera")


def photo(name: str) -> Image.Image:
    return Image.fromarray(getattr(skimage.data, name)()).convert("RGB")


def crop(image: Image.Image, fx: float, fy: float, fraction: float = 0.7) -> Image.Image:
    w, h = image.size
    x, y = round(w * fx), round(h * fy)
    return image.crop((x, y, x + round(w * fraction), y + round(h * fraction)))


@pytest.mark.parametrize("name", PHOTOS)
@pytest.mark.parametrize("offset", [(0.05, 0.05), (0.25, 0.05), (0.05, 0.25), (0.12, 0.2)])
def test_an_off_centre_crop_is_the_same_picture(name: str, offset: tuple[float, float]) -> None:
    original = photo(name)
    assert same_picture(crop(original, *offset), original)


def test_a_resized_copy_with_a_caption_is_the_same_picture() -> None:
    original = photo("astronaut")
    copy = original.resize((original.width // 2, original.height // 2))
    ImageDraw.Draw(copy).rectangle((0, copy.height - 40, copy.width, copy.height), fill=(0, 0, 0))
    assert keypoint_inliers(copy, original) >= MIN_INLIERS


def test_different_photos_are_not_the_same_picture() -> None:
    photos = {name: photo(name) for name in PHOTOS}
    for a, b in itertools.combinations(PHOTOS, 2):
        assert not same_picture(photos[a], photos[b]), (a, b)


def test_a_flat_image_has_no_keypoints() -> None:
    flat = Image.new("RGB", (300, 200), (200, 30, 30))
    assert keypoint_inliers(flat, flat) == 0
