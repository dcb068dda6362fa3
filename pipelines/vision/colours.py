"""Dominant colours: k-means in CIELAB on a thumbnail (seeded, so repeatable), near-identical clusters
merged, each named with the closest colour of a small bilingual palette (perceptual ΔE distance)."""

from __future__ import annotations

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pipelines.vision.decode import thumbnail_rgb
from pipelines.vision.types import Colour

THUMBNAIL_SIDE = 64
MERGE_DELTA_E = 12.0
"""Clusters closer than this (CIE76 ΔE; ~2.3 is 'just noticeable') are one colour."""
MIN_SHARE = 0.03
"""Smaller clusters are folded into their nearest neighbour."""
ITERATIONS = 20
SEED = 0

# (zh, en, sRGB): several shades per name so light, dark and muted tones find their family.
PALETTE: tuple[tuple[str, str, tuple[int, int, int]], ...] = (
    ("红", "red", (220, 20, 60)),
    ("红", "red", (200, 16, 16)),
    ("红", "red", (139, 0, 0)),
    ("橙", "orange", (255, 140, 0)),
    ("橙", "orange", (240, 120, 40)),
    ("黄", "yellow", (255, 230, 0)),
    ("黄", "yellow", (240, 220, 90)),
    ("绿", "green", (0, 150, 0)),
    ("绿", "green", (50, 205, 50)),
    ("绿", "green", (34, 100, 34)),
    ("绿", "green", (107, 142, 35)),
    ("绿", "green", (150, 200, 120)),
    ("青", "cyan", (0, 200, 200)),
    ("青", "cyan", (0, 128, 128)),
    ("蓝", "blue", (0, 0, 255)),
    ("蓝", "blue", (0, 60, 220)),
    ("蓝", "blue", (30, 144, 255)),
    ("蓝", "blue", (0, 0, 128)),
    ("蓝", "blue", (70, 130, 180)),
    ("蓝", "blue", (135, 190, 235)),
    ("紫", "purple", (128, 0, 128)),
    ("紫", "purple", (75, 0, 130)),
    ("紫", "purple", (138, 43, 226)),
    ("紫", "purple", (180, 130, 210)),
    ("粉", "pink", (255, 182, 193)),
    ("粉", "pink", (255, 105, 180)),
    ("粉", "pink", (220, 120, 150)),
    ("棕", "brown", (139, 69, 19)),
    ("棕", "brown", (101, 60, 30)),
    ("棕", "brown", (160, 110, 70)),
    ("棕", "brown", (60, 35, 20)),
    ("黑", "black", (0, 0, 0)),
    ("黑", "black", (28, 28, 30)),
    ("白", "white", (255, 255, 255)),
    ("白", "white", (240, 240, 235)),
    ("灰", "grey", (128, 128, 128)),
    ("灰", "grey", (80, 80, 80)),
    ("灰", "grey", (180, 180, 180)),
    ("灰", "grey", (210, 210, 210)),
    ("米色", "beige", (245, 235, 210)),
    ("米色", "beige", (220, 200, 165)),
    ("金", "gold", (212, 175, 55)),
    ("金", "gold", (190, 150, 60)),
)


def srgb_to_lab(rgb: NDArray[np.float64]) -> NDArray[np.float64]:
    """sRGB 0..255 ``(n, 3)`` → CIELAB (D65) ``(n, 3)``."""
    c = np.asarray(rgb, dtype=np.float64) / 255.0
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    to_xyz = np.array(
        [
            [0.4124564, 0.3575761, 0.1804375],
            [0.2126729, 0.7151522, 0.0721750],
            [0.0193339, 0.1191920, 0.9503041],
        ]
    )
    xyz = linear @ to_xyz.T / np.array([0.95047, 1.0, 1.08883])
    f = np.where(xyz > (6 / 29) ** 3, np.cbrt(xyz), xyz / (3 * (6 / 29) ** 2) + 4 / 29)
    return np.stack([116 * f[:, 1] - 16, 500 * (f[:, 0] - f[:, 1]), 200 * (f[:, 1] - f[:, 2])], axis=1)


_PALETTE_LAB = srgb_to_lab(np.array([rgb for _, _, rgb in PALETTE], dtype=np.float64))


def colour_name(rgb: tuple[int, int, int]) -> tuple[str, str]:
    """``(zh, en)`` of the palette colour nearest to ``rgb`` in CIELAB."""
    return colour_names(np.array([rgb], dtype=np.float64))[0]


def colour_names(rgb: NDArray[np.float64]) -> list[tuple[str, str]]:
    """``(zh, en)`` of the nearest palette colour for each row of an sRGB ``(n, 3)`` array."""
    lab = srgb_to_lab(rgb)
    nearest = ((lab[:, None, :] - _PALETTE_LAB[None]) ** 2).sum(axis=2).argmin(axis=1)
    return [(PALETTE[i][0], PALETTE[i][1]) for i in nearest.tolist()]


def dominant_colours(image: Image.Image, k: int = 5) -> list[Colour]:
    """Up to ``k`` dominant colours, largest share first (shares add up to 1)."""
    pixels = np.asarray(thumbnail_rgb(image, THUMBNAIL_SIDE), dtype=np.float64).reshape(-1, 3)
    if pixels.size == 0 or k < 1:
        return []
    lab = srgb_to_lab(pixels)
    assignment = _kmeans(lab, k)
    groups = _merge([np.flatnonzero(assignment == c) for c in range(int(assignment.max()) + 1)], lab)
    colours = []
    for members in sorted(groups, key=len, reverse=True):
        mean = tuple(int(round(v)) for v in pixels[members].mean(axis=0))
        rgb = (mean[0], mean[1], mean[2])
        zh, en = colour_name(rgb)
        colours.append(
            Colour(
                hex="#{:02x}{:02x}{:02x}".format(*rgb),
                share=len(members) / len(pixels),
                name_zh=zh,
                name_en=en,
            )
        )
    return colours


def _kmeans(points: NDArray[np.float64], k: int) -> NDArray[np.int64]:
    """Cluster index per point: k-means++ seeding with a fixed seed, then Lloyd iterations."""
    rng = np.random.default_rng(SEED)
    distinct = np.unique(points, axis=0)
    k = min(k, len(distinct))
    centres = [distinct[rng.integers(len(distinct))]]
    for _ in range(1, k):
        d2 = ((distinct[:, None, :] - np.array(centres)[None]) ** 2).sum(axis=2).min(axis=1)
        if d2.sum() <= 0:
            break
        centres.append(distinct[rng.choice(len(distinct), p=d2 / d2.sum())])
    centre_array = np.array(centres)
    assignment = np.zeros(len(points), dtype=np.int64)
    for _ in range(ITERATIONS):
        assignment = ((points[:, None, :] - centre_array[None]) ** 2).sum(axis=2).argmin(axis=1)
        updated = np.array(
            [
                points[assignment == c].mean(axis=0) if (assignment == c).any() else centre_array[c]
                for c in range(k)
            ]
        )
        if np.allclose(updated, centre_array):
            break
        centre_array = updated
    _, compact = np.unique(assignment, return_inverse=True)  # drop clusters that lost all their points
    return compact.astype(np.int64)


def _merge(groups: list[NDArray[np.intp]], lab: NDArray[np.float64]) -> list[NDArray[np.intp]]:
    """Join the closest pair of clusters while their centres are within ``MERGE_DELTA_E``."""
    groups = [g for g in groups if len(g)]
    while len(groups) > 1:
        centres = np.array([lab[g].mean(axis=0) for g in groups])
        distance = np.sqrt(((centres[:, None, :] - centres[None]) ** 2).sum(axis=2))
        np.fill_diagonal(distance, np.inf)
        i, j = np.unravel_index(int(np.argmin(distance)), distance.shape)
        if distance[i, j] >= MERGE_DELTA_E:
            break
        groups[i] = np.concatenate([groups[i], groups[j]])
        del groups[j]
    return _fold_small(groups, lab)


def _fold_small(groups: list[NDArray[np.intp]], lab: NDArray[np.float64]) -> list[NDArray[np.intp]]:
    """Give clusters under ``MIN_SHARE`` of the pixels (edge blends, specks) to their nearest big cluster."""
    big = [g for g in groups if len(g) >= MIN_SHARE * len(lab)]
    if not big or len(big) == len(groups):
        return groups
    centres = np.array([lab[g].mean(axis=0) for g in big])
    for small in (g for g in groups if len(g) < MIN_SHARE * len(lab)):
        nearest = int(((centres - lab[small].mean(axis=0)) ** 2).sum(axis=1).argmin())
        big[nearest] = np.concatenate([big[nearest], small])
    return big
