"""Perceptual hashes for near-duplicate detection: pHash (DCT), dHash (gradients), the pHash of the
mirrored image (a flipped copy still matches) and the pHash of the central 80% (a cropped copy still
matches: pHash alone moves 16–36 bits under an 80% centre crop, as far as a different photo).

``NEAR_DUPLICATE_MAX_DISTANCE`` comes from distances measured on skimage's sample images (see
tests/unit/test_vision_hashing.py, run with -s): JPEG at quality 40 moves 0–4 bits, a horizontal flip 0,
a caption drawn over the photo 0–10 (16 on the nearly blank text and retina-vessel images), an 80%
centre crop 0, 75–85% crops 4–10 (one 20), 90% and 70% crops 8–18; different images are 18–40 bits apart
(median 28; the closest pair, Hubble deep field vs retina, are both mostly black). 12 leaves 6 bits on
either side. Crops beyond that are left to the embedding (cosine), which is robust to them."""

from __future__ import annotations

import cv2
import numpy as np
from numpy.typing import NDArray
from PIL import Image, ImageOps

from pipelines.vision.types import ImageHashes

NEAR_DUPLICATE_MAX_DISTANCE = 12
"""Two images whose ``hash_distance`` is at most this (out of 64 bits) are near-duplicates."""
_PHASH_SIDE = 32
CENTRE_FRACTION = 0.8


def image_hashes(image: Image.Image) -> ImageHashes:
    """pHash, dHash, mirrored pHash and centre pHash of ``image`` as 16-hex-digit strings."""
    grey = image.convert("L")
    width, height = grey.size
    margin_x, margin_y = width * (1 - CENTRE_FRACTION) / 2, height * (1 - CENTRE_FRACTION) / 2
    centre = grey.crop((round(margin_x), round(margin_y), round(width - margin_x), round(height - margin_y)))
    return ImageHashes(
        phash=_hex(_phash_bits(grey)),
        dhash=_hex(_dhash_bits(grey)),
        phash_flipped=_hex(_phash_bits(ImageOps.mirror(grey))),
        phash_centre=_hex(_phash_bits(centre if min(centre.size) > 0 else grey)),
    )


def hamming(a: str, b: str) -> int:
    """Number of differing bits between two hex hashes."""
    return (int(a, 16) ^ int(b, 16)).bit_count()


def hash_distance(a: ImageHashes, b: ImageHashes) -> int:
    """pHash distance, allowing either image to be the mirror or the centre crop of the other (symmetric)."""
    distances = [
        hamming(a.phash, b.phash),
        hamming(a.phash, b.phash_flipped),
        hamming(a.phash_flipped, b.phash),
    ]
    if a.phash_centre is not None:
        distances.append(hamming(a.phash_centre, b.phash))
    if b.phash_centre is not None:
        distances.append(hamming(a.phash, b.phash_centre))
    return min(distances)


def is_near_duplicate(
    a: ImageHashes, b: ImageHashes, *, max_distance: int = NEAR_DUPLICATE_MAX_DISTANCE
) -> bool:
    return hash_distance(a, b) <= max_distance


def _phash_bits(grey: Image.Image) -> NDArray[np.bool_]:
    """32x32 grey → 2-D DCT-II → the 8x8 block of lowest frequencies next to DC (rows and columns 1..8,
    so neither DC nor the pure-DC row/column sets bits) → above its median."""
    small = grey.resize((_PHASH_SIDE, _PHASH_SIDE), Image.Resampling.LANCZOS, reducing_gap=2.0)
    coefficients = cv2.dct(np.asarray(small, dtype=np.float32))
    block = coefficients[1:9, 1:9]
    return np.asarray(block > np.median(block)).reshape(-1)


def _dhash_bits(grey: Image.Image) -> NDArray[np.bool_]:
    """9x8 grey → is each pixel brighter than its right neighbour (8 per row, 8 rows)."""
    pixels = np.asarray(grey.resize((9, 8), Image.Resampling.LANCZOS, reducing_gap=2.0), dtype=np.int16)
    return np.asarray(pixels[:, :-1] > pixels[:, 1:]).reshape(-1)


def _hex(bits: NDArray[np.bool_]) -> str:
    value = 0
    for bit in bits.tolist():
        value = (value << 1) | int(bit)
    return f"{value:016x}"
