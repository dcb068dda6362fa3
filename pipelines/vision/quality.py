"""Cheap technical quality signals on a 512-px grey copy: sharpness (variance of the Laplacian),
brightness and contrast (mean and standard deviation of luma), and resolution.

Thresholds were set on skimage's sample photos (2-core dev machine): sharp photos score 330–5,300
(moon 65, retina 51: soft by nature, not flagged); a Gaussian blur of radius 1.5 brings them to 8–46 and
radius 3 to 2–15, so below 30 is 'blurry'."""

from __future__ import annotations

from typing import Literal

import cv2
import numpy as np
from PIL import Image

from pipelines.vision.decode import thumbnail_rgb
from pipelines.vision.types import Quality

ANALYSIS_SIDE = 512
BLURRY_MAX_SHARPNESS = 30.0
TOO_DARK_MAX_BRIGHTNESS = 0.15
TOO_BRIGHT_MIN_BRIGHTNESS = 0.92
LOW_CONTRAST_MAX = 0.06
LOW_RESOLUTION_SHORT_SIDE = 320

Flag = Literal["blurry", "too_dark", "too_bright", "low_contrast", "low_resolution"]


def assess(image: Image.Image) -> Quality:
    """Measure ``image`` and flag what is wrong (thresholds are the constants of this module)."""
    grey = np.asarray(thumbnail_rgb(image, ANALYSIS_SIDE).convert("L"), dtype=np.float64)
    sharpness = float(cv2.Laplacian(grey, cv2.CV_64F).var()) if min(grey.shape) >= 3 else 0.0
    brightness = float(grey.mean() / 255.0)
    contrast = float(grey.std() / 255.0)
    flags: list[Flag] = []
    if sharpness < BLURRY_MAX_SHARPNESS:
        flags.append("blurry")
    if brightness < TOO_DARK_MAX_BRIGHTNESS:
        flags.append("too_dark")
    if brightness > TOO_BRIGHT_MIN_BRIGHTNESS:
        flags.append("too_bright")
    if contrast < LOW_CONTRAST_MAX:
        flags.append("low_contrast")
    if min(image.size) < LOW_RESOLUTION_SHORT_SIDE:
        flags.append("low_resolution")
    return Quality(
        width=image.width,
        height=image.height,
        sharpness=round(sharpness, 3),
        brightness=min(1.0, max(0.0, brightness)),
        contrast=contrast,
        flags=flags,
    )
