"""Dominant colours (k-means in CIELAB, bilingual names) and technical quality flags."""

from __future__ import annotations

import numpy as np
import pytest
import skimage.data
from PIL import Image, ImageFilter

from pipelines.vision.colours import colour_name, dominant_colours, srgb_to_lab
from pipelines.vision.quality import BLURRY_MAX_SHARPNESS, assess


@pytest.mark.parametrize(
    ("rgb", "zh", "en"),
    [
        ((230, 20, 30), "红", "red"),
        ((250, 140, 10), "橙", "orange"),
        ((250, 235, 20), "黄", "yellow"),
        ((20, 160, 40), "绿", "green"),
        ((10, 60, 210), "蓝", "blue"),
        ((120, 10, 130), "紫", "purple"),
        ((250, 180, 195), "粉", "pink"),
        ((120, 65, 25), "棕", "brown"),
        ((5, 5, 5), "黑", "black"),
        ((252, 252, 252), "白", "white"),
        ((128, 128, 128), "灰", "grey"),
        ((240, 230, 205), "米色", "beige"),
    ],
)
def test_colour_names(rgb: tuple[int, int, int], zh: str, en: str) -> None:
    assert colour_name(rgb) == (zh, en)


def test_lab_conversion_reference_points() -> None:
    lab = srgb_to_lab(np.array([[255, 255, 255], [0, 0, 0], [255, 0, 0]], dtype=np.float64))
    assert lab[0] == pytest.approx([100, 0, 0], abs=0.1)
    assert lab[1] == pytest.approx([0, 0, 0], abs=0.1)
    assert lab[2] == pytest.approx([53.24, 80.09, 67.20], abs=0.1)


def test_two_colour_image_shares() -> None:
    pixels = np.zeros((100, 100, 3), dtype=np.uint8)
    pixels[:, :75] = (10, 60, 210)
    pixels[:, 75:] = (250, 235, 20)
    colours = dominant_colours(Image.fromarray(pixels), k=5)
    assert [c.name_en for c in colours] == ["blue", "yellow"]  # identical clusters merged, largest first
    assert colours[0].share == pytest.approx(0.75, abs=0.02)
    assert sum(c.share for c in colours) == pytest.approx(1.0)
    assert abs(int(colours[0].hex[1:3], 16) - 10) <= 3 and colours[0].hex[3:] == "3cd2"


def test_flat_and_tiny_images() -> None:
    assert [c.name_en for c in dominant_colours(Image.new("RGB", (3, 2), (255, 255, 255)))] == ["white"]
    assert dominant_colours(Image.new("RGB", (10, 10), "red"), k=0) == []


def test_photo_colours_are_deterministic() -> None:
    coffee = Image.fromarray(skimage.data.coffee())
    first, second = dominant_colours(coffee), dominant_colours(coffee)
    assert first == second
    assert 2 <= len(first) <= 5
    assert first[0].name_en == "brown"


def test_quality_of_a_sharp_photo() -> None:
    quality = assess(Image.fromarray(skimage.data.astronaut()))
    assert quality.flags == [] and quality.sharpness > 300
    assert (quality.width, quality.height) == (512, 512)


def test_quality_flags() -> None:
    astronaut = Image.fromarray(skimage.data.astronaut())
    blurred = assess(astronaut.filter(ImageFilter.GaussianBlur(3)))
    assert "blurry" in blurred.flags and blurred.sharpness < BLURRY_MAX_SHARPNESS
    assert set(assess(Image.new("RGB", (400, 400), (5, 5, 5))).flags) >= {
        "too_dark",
        "low_contrast",
        "blurry",
    }
    assert "too_bright" in assess(Image.new("RGB", (400, 400), (250, 250, 250))).flags
    assert assess(Image.fromarray(skimage.data.chelsea())).flags == ["low_resolution"]  # 451x300
