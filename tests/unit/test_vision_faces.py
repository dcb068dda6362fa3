"""Face detection: the astronaut has one face; food, a cat, a rocket and coins have none."""

from __future__ import annotations

import pytest
import skimage.data
from PIL import Image

from pipelines.vision.faces import detect_faces


def test_astronaut_has_one_face() -> None:
    faces = detect_faces(Image.fromarray(skimage.data.astronaut()))
    assert len(faces) == 1
    face = faces[0]
    assert 150 <= face.x <= 210 and 40 <= face.y <= 100 and 70 <= face.width <= 130  # Eileen Collins' face
    assert 0.5 < face.score <= 1.0


def test_boxes_are_in_original_pixels() -> None:
    big = Image.fromarray(skimage.data.astronaut()).resize((1024, 1024))
    (face,) = detect_faces(big)
    assert 300 <= face.x <= 420 and 140 <= face.width <= 260


@pytest.mark.parametrize("name", ["coffee", "chelsea", "rocket", "coins", "gravel", "grass", "camera"])
def test_no_false_faces(name: str) -> None:
    assert detect_faces(Image.fromarray(getattr(skimage.data, name)()).convert("RGB")) == []


def test_tiny_and_flat_images() -> None:
    assert detect_faces(Image.new("RGB", (10, 10))) == []
    assert detect_faces(Image.new("RGB", (640, 480), "white")) == []
