"""Keypoint verification of near-duplicates: ORB features matched between two images and a similarity
transform (rotation, uniform scale, shift) fitted with RANSAC. Crops, shifts, resizes and overlays keep
many consistent matches; different photos keep almost none. Perceptual hashes cannot see an off-centre
crop (a 2% shift moves pHash by 14-20 of 64 bits), so duplicate checks verify their nearest embedding
candidates this way."""

from __future__ import annotations

import cv2
import numpy as np
from PIL import Image

from pipelines.vision.decode import thumbnail_rgb

WORKING_SIDE = 512
"""Both images are compared at this longer side at most."""
FEATURES = 1000
RATIO = 0.75
"""Lowe's ratio test: a match must be clearly better than the second-best."""
RANSAC_PIXELS = 6.0
MIN_INLIERS = 20
"""Matches consistent with one similarity transform needed to call two images the same picture. On the
vision eval set (512-px photos and posters): crops, shifts, JPEG q30, overlays and half-size copies gave
7-491 inliers (most above 35), 435 pairs of different photos at most 16, and look-alike distractors at
most 15 (one recoloured poster 26). Textureless images give few keypoints either way (hashes catch those)."""


def _features(image: Image.Image) -> tuple[list[cv2.KeyPoint], np.ndarray | None]:
    grey = np.asarray(thumbnail_rgb(image, WORKING_SIDE).convert("L"), dtype=np.uint8)
    orb = cv2.ORB.create(nfeatures=FEATURES)
    keypoints, descriptors = orb.detectAndCompute(grey, None)
    return list(keypoints), descriptors


def keypoint_inliers(a: Image.Image, b: Image.Image) -> int:
    """How many ORB matches between ``a`` and ``b`` agree on one similarity transform (0 when too few)."""
    keys_a, desc_a = _features(a)
    keys_b, desc_b = _features(b)
    if desc_a is None or desc_b is None or len(keys_a) < 8 or len(keys_b) < 8:
        return 0
    pairs = cv2.BFMatcher(cv2.NORM_HAMMING).knnMatch(desc_a, desc_b, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < RATIO * p[1].distance]
    if len(good) < 8:
        return 0
    src = np.array([keys_a[m.queryIdx].pt for m in good], dtype=np.float32).reshape(-1, 1, 2)
    dst = np.array([keys_b[m.trainIdx].pt for m in good], dtype=np.float32).reshape(-1, 1, 2)
    _, mask = cv2.estimateAffinePartial2D(src, dst, method=cv2.RANSAC, ransacReprojThreshold=RANSAC_PIXELS)
    return int(mask.sum()) if mask is not None else 0


def same_picture(a: Image.Image, b: Image.Image, *, min_inliers: int = MIN_INLIERS) -> bool:
    """Whether ``b`` is ``a`` cropped, shifted, resized, re-compressed or overlaid (not mirrored)."""
    return keypoint_inliers(a, b) >= min_inliers
