"""Scene cues from pixels, for what an ImageNet classifier has no class for: open sky and foliage.

ImageNet-1k names objects ("alp", "lakeside", "daisy"), not the sky above them or the grass and leaves
that fill a nature photo, so a photo of clouds over a road or a lawn gets no taxonomy tag from the
labels. Two cheap cues on a 128-px copy (about 2 ms), in HSV with hue in degrees and S, V in 0..1:

- **sky**: the share of the top third of the image that is smooth (local luma standard deviation under
  ``SMOOTH_MAX_STD``) and sky-blue (hue 190–250°, S ≥ 0.15, V ≥ 0.3). Reported from ``SKY_MIN_SHARE``.
- **foliage**: the share of the whole image that is textured (local standard deviation at least
  ``SMOOTH_MAX_STD``) and green (hue 60–170°, S ≥ 0.2, V ≥ 0.15): leaves and grass, not a flat green
  backdrop. Reported from ``FOLIAGE_MIN_SHARE``.

An image with next to no texture anywhere (a flat colour, a plain backdrop) has no scene. A cue's score is
its share, so it ranks with the classifier's tags by the same 0..1 scale. Known misses: grey overcast and
sunset skies (not blue), night skies; known false skies: a smooth blue studio backdrop above a textured
subject.
"""

from __future__ import annotations

from dataclasses import dataclass

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pipelines.vision.decode import thumbnail_rgb

SCENE_SIDE = 128
SMOOTH_MAX_STD = 0.03
"""Local (3x3) luma standard deviation under which a pixel is smooth (sky, backdrop), in 0..1 units."""
MIN_TEXTURED_SHARE = 0.05
"""Least share of textured pixels for an image to be a scene at all (a flat colour is not)."""
SKY_MIN_SHARE = 0.5
"""Least share of the top third that is smooth sky-blue for the sky cue (half of it)."""
FOLIAGE_MIN_SHARE = 0.3
"""Least share of the image that is textured green for the foliage cue (almost a third of it)."""
SKY_TAG = "sky"
FOLIAGE_TAG = "flowers_plants"


@dataclass(frozen=True)
class SceneCues:
    """Shares measured on one image (0..1)."""

    sky: float
    foliage: float

    def tags(self) -> list[tuple[str, float]]:
        """``(taxonomy tag id, score)`` of the cues that pass their thresholds."""
        out: list[tuple[str, float]] = []
        if self.sky >= SKY_MIN_SHARE:
            out.append((SKY_TAG, self.sky))
        if self.foliage >= FOLIAGE_MIN_SHARE:
            out.append((FOLIAGE_TAG, self.foliage))
        return out


def scene_cues(image: Image.Image) -> SceneCues:
    """Measure the sky and foliage cues of ``image`` (any mode; see the module docstring)."""
    rgb = np.asarray(thumbnail_rgb(image, SCENE_SIDE).convert("RGB"), dtype=np.uint8)
    if min(rgb.shape[:2]) < 8:
        return SceneCues(0.0, 0.0)
    hsv = cv2.cvtColor(rgb, cv2.COLOR_RGB2HSV_FULL).astype(np.float32)
    hue, sat, val = hsv[..., 0] * (360.0 / 256.0), hsv[..., 1] / 255.0, hsv[..., 2] / 255.0
    smooth = _local_std(val) < SMOOTH_MAX_STD
    if float((~smooth).mean()) < MIN_TEXTURED_SHARE:
        return SceneCues(0.0, 0.0)
    blue = (hue >= 190) & (hue <= 250) & (sat >= 0.15) & (val >= 0.3)
    green = (hue >= 60) & (hue <= 170) & (sat >= 0.2) & (val >= 0.15)
    top = max(1, rgb.shape[0] // 3)
    sky = float((blue & smooth)[:top].mean())
    foliage = float((green & ~smooth).mean())
    return SceneCues(round(sky, 4), round(foliage, 4))


def _local_std(values: NDArray[np.float32]) -> NDArray[np.float32]:
    mean = cv2.blur(values, (3, 3))
    square = cv2.blur(values * values, (3, 3))
    return np.sqrt(np.maximum(square - mean * mean, 0.0)).astype(np.float32)
