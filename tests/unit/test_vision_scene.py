"""Scene cues: open blue sky above a textured scene, textured green foliage, and nothing for flat colours;
the tagger turns them into taxonomy tags."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pipelines.vision.fake import FakeImageEncoder
from pipelines.vision.scene import FOLIAGE_TAG, SKY_TAG, SceneCues, scene_cues
from pipelines.vision.tagger import ImageTagger


def _noise(shape: tuple[int, int], base: tuple[int, int, int], spread: int, seed: int) -> NDArray[np.uint8]:
    rng = np.random.default_rng(seed)
    pixels = np.asarray(base, dtype=np.int16) + rng.integers(-spread, spread + 1, size=(*shape, 3))
    out: NDArray[np.uint8] = np.clip(pixels, 0, 255).astype(np.uint8)
    return out


def sky_over_rocks(width: int = 300, height: int = 200) -> Image.Image:
    """A smooth blue sky getting lighter towards the horizon, above textured brown ground."""
    pixels = _noise((height, width), (120, 90, 60), 60, seed=1)
    horizon = height // 2
    for row in range(horizon):
        light = int(60 * row / horizon)
        pixels[row, :] = (70 + light, 130 + light, 220)
    return Image.fromarray(pixels)


def test_blue_sky_above_a_scene_is_sky() -> None:
    cues = scene_cues(sky_over_rocks())
    assert cues.sky > 0.9 and cues.foliage < 0.05
    assert cues.tags() == [(SKY_TAG, cues.sky)]


def test_textured_green_is_foliage_and_flat_colours_are_no_scene() -> None:
    leaves = Image.fromarray(_noise((160, 160), (60, 140, 50), 50, seed=2))
    cues = scene_cues(leaves)
    assert cues.foliage > 0.5 and cues.sky == 0.0
    assert [tag for tag, _ in cues.tags()] == [FOLIAGE_TAG]
    for flat in ("blue", (60, 140, 50), "white"):
        assert scene_cues(Image.new("RGB", (200, 150), flat)) == SceneCues(0.0, 0.0)
    assert scene_cues(Image.new("RGB", (4, 4), "blue")) == SceneCues(0.0, 0.0)


def test_non_rgb_inputs_are_measured() -> None:
    assert scene_cues(sky_over_rocks().convert("RGBA")).sky > 0.9
    assert scene_cues(sky_over_rocks().convert("L")).sky == 0.0  # grey has no blue


def test_the_tagger_adds_scene_tags_with_their_share_as_score() -> None:
    tagger = ImageTagger(FakeImageEncoder(), faces=False)
    sky, flat = tagger.analyse([sky_over_rocks(), Image.new("RGB", (300, 200), (70, 130, 220))])
    found = {tag.id: tag.score for tag in sky.tags}
    assert found.get(SKY_TAG, 0.0) > 0.9
    assert SKY_TAG not in {tag.id for tag in flat.tags}
