"""Brand visual identity on pixels: colour science, dominant colours, off-palette colours, logo search.

Pure functions on PIL images and numpy. The logo search lives in :mod:`compliance_rules.vi_logo` (it
imports OpenCV lazily) and is re-exported here.

Colour science follows the standards exactly: sRGB (IEC 61966-2-1) → XYZ → CIELAB with the D65 white
of the sRGB matrix (so white is L=100, a=b=0), and CIEDE2000 as written out by Sharma, Wu and Dalal,
"The CIEDE2000 Color-Difference Formula: Implementation Notes, Supplementary Test Data, and Mathematical
Observations", Color Res. Appl. 30(1), 2005 (the tests check all 34 pairs of their Table 1).
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import ArrayLike, NDArray
from PIL import Image
from pydantic import BaseModel, ConfigDict, Field, field_validator

from compliance_rules.vi_logo import LogoMatch, find_logo

__all__ = [
    "ColorShare",
    "LogoMatch",
    "PaletteColor",
    "delta_e_2000",
    "dominant_colors",
    "find_logo",
    "hex_to_lab",
    "normalize_hex",
    "off_palette",
    "parse_hex",
    "srgb_to_lab",
]

FloatArray = NDArray[np.float64]
Lab = tuple[float, float, float]

_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")
_RGB_TO_XYZ = np.array(
    [
        [0.4124564, 0.3575761, 0.1804375],
        [0.2126729, 0.7151522, 0.0721750],
        [0.0193339, 0.1191920, 0.9503041],
    ]
)
_WHITE_D65 = _RGB_TO_XYZ.sum(axis=1)  # (0.95047, 1.0, 1.08883): the white of the sRGB matrix
_NEUTRAL_CHROMA = 8.0
_SEED = 0


# --- colour science -------------------------------------------------------------------------------


def parse_hex(value: str) -> tuple[int, int, int]:
    """``"#E60012"``, ``"e60012"`` or ``"#F00"`` → (r, g, b) in 0..255; anything else is a ValueError."""
    match = _HEX.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise ValueError(f"invalid hex colour {value!r}: expected '#RRGGBB' or '#RGB'")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def normalize_hex(value: str) -> str:
    """Canonical upper-case ``#RRGGBB``."""
    return "#{:02X}{:02X}{:02X}".format(*parse_hex(value))


def srgb_to_lab(rgb: ArrayLike) -> FloatArray:
    """sRGB components in 0..255, shape (..., 3) → CIELAB (D65), same shape, float64."""
    values = np.asarray(rgb, dtype=np.float64)
    if values.shape[-1:] != (3,):
        raise ValueError(f"expected sRGB values of shape (..., 3), got {values.shape}")
    c = np.clip(values / 255.0, 0.0, 1.0)
    linear = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    xyz = linear @ _RGB_TO_XYZ.T / _WHITE_D65
    delta = 6.0 / 29.0
    f = np.where(xyz > delta**3, np.cbrt(xyz), xyz / (3 * delta**2) + 4.0 / 29.0)
    lab: FloatArray = np.empty(f.shape, dtype=np.float64)
    lab[..., 0] = 116.0 * f[..., 1] - 16.0
    lab[..., 1] = 500.0 * (f[..., 0] - f[..., 1])
    lab[..., 2] = 200.0 * (f[..., 1] - f[..., 2])
    return lab


def hex_to_lab(value: str) -> Lab:
    """``"#E60012"`` → (L, a, b) under D65."""
    L, a, b = srgb_to_lab(parse_hex(value)).tolist()
    return float(L), float(a), float(b)


def delta_e_2000(lab1: ArrayLike, lab2: ArrayLike) -> FloatArray:
    """CIEDE2000 colour difference (kL = kC = kH = 1), broadcast over leading axes of (..., 3) inputs."""
    x1 = np.asarray(lab1, dtype=np.float64)
    x2 = np.asarray(lab2, dtype=np.float64)
    if x1.shape[-1:] != (3,) or x2.shape[-1:] != (3,):
        raise ValueError(f"expected Lab values of shape (..., 3), got {x1.shape} and {x2.shape}")
    L1, a1, b1 = np.moveaxis(x1, -1, 0)
    L2, a2, b2 = np.moveaxis(x2, -1, 0)
    c_bar7 = ((np.hypot(a1, b1) + np.hypot(a2, b2)) / 2.0) ** 7
    g = 0.5 * (1.0 - np.sqrt(c_bar7 / (c_bar7 + 25.0**7)))
    a1p, a2p = (1.0 + g) * a1, (1.0 + g) * a2
    c1p, c2p = np.hypot(a1p, b1), np.hypot(a2p, b2)
    h1p = np.degrees(np.arctan2(b1, a1p)) % 360.0
    h2p = np.degrees(np.arctan2(b2, a2p)) % 360.0
    both = (c1p * c2p) != 0.0

    dh = h2p - h1p
    dh = np.where(dh > 180.0, dh - 360.0, np.where(dh < -180.0, dh + 360.0, dh))
    dh = np.where(both, dh, 0.0)
    d_l, d_c = L2 - L1, c2p - c1p
    d_h = 2.0 * np.sqrt(c1p * c2p) * np.sin(np.radians(dh / 2.0))

    l_bar, c_bar = (L1 + L2) / 2.0, (c1p + c2p) / 2.0
    h_sum = h1p + h2p
    h_bar = np.where(
        np.abs(h1p - h2p) <= 180.0,
        h_sum / 2.0,
        np.where(h_sum < 360.0, (h_sum + 360.0) / 2.0, (h_sum - 360.0) / 2.0),
    )
    h_bar = np.where(both, h_bar, h_sum)
    t = (
        1.0
        - 0.17 * np.cos(np.radians(h_bar - 30.0))
        + 0.24 * np.cos(np.radians(2.0 * h_bar))
        + 0.32 * np.cos(np.radians(3.0 * h_bar + 6.0))
        - 0.20 * np.cos(np.radians(4.0 * h_bar - 63.0))
    )
    d_theta = 30.0 * np.exp(-(((h_bar - 275.0) / 25.0) ** 2))
    r_c = 2.0 * np.sqrt(c_bar**7 / (c_bar**7 + 25.0**7))
    s_l = 1.0 + 0.015 * (l_bar - 50.0) ** 2 / np.sqrt(20.0 + (l_bar - 50.0) ** 2)
    s_c = 1.0 + 0.045 * c_bar
    s_h = 1.0 + 0.015 * c_bar * t
    r_t = -np.sin(np.radians(2.0 * d_theta)) * r_c
    tl, tc, th = d_l / s_l, d_c / s_c, d_h / s_h
    return np.asarray(np.sqrt(tl**2 + tc**2 + th**2 + r_t * tc * th), dtype=np.float64)


# --- dominant and off-palette colours ---------------------------------------------------------------


class ColorShare(BaseModel):
    """A dominant colour: a representative pixel colour of its cluster and the share of visible pixels."""

    model_config = ConfigDict(frozen=True)

    hex: str = Field(description="Representative colour, '#RRGGBB'.")
    lab: Lab = Field(description="CIELAB (D65) of ``hex``.")
    share: float = Field(ge=0.0, le=1.0, description="Fraction of the visible (alpha-weighted) pixels.")

    @property
    def chroma(self) -> float:
        return math.hypot(self.lab[1], self.lab[2])


class PaletteColor(BaseModel):
    """A brand colour and how far (ΔE2000) a colour in an ad may drift from it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str = Field(min_length=1, description="Brand name of the colour, e.g. 'Brand red'.")
    hex: str = Field(description="'#RRGGBB' (normalised to upper case).")
    tolerance_de: float = Field(default=10.0, gt=0.0, le=100.0, description="Largest allowed ΔE2000.")

    @field_validator("hex")
    @classmethod
    def _valid_hex(cls, value: str) -> str:
        return normalize_hex(value)

    @property
    def lab(self) -> Lab:
        return hex_to_lab(self.hex)


def _visible_pixels(image: Image.Image) -> tuple[NDArray[np.uint8], FloatArray]:
    if not isinstance(image, Image.Image):
        raise ValueError(f"expected a PIL image, got {type(image).__name__}")
    if image.width == 0 or image.height == 0:
        raise ValueError(f"image is empty ({image.width}x{image.height})")
    rgba = np.asarray(image.convert("RGBA"), dtype=np.uint8).reshape(-1, 4)
    weights = rgba[:, 3].astype(np.float64) / 255.0
    visible = weights > 0
    return rgba[visible, :3], weights[visible]


def _kmeans(points: FloatArray, weights: FloatArray, k: int) -> NDArray[np.intp]:
    """Weighted k-means (k-means++ seeding, fixed seed); returns each point's cluster label."""
    rng = np.random.default_rng(_SEED)
    centres = [points[int(np.argmax(weights))]]
    for _ in range(1, k):
        d2 = np.min(((points[:, None, :] - np.asarray(centres)[None]) ** 2).sum(-1), axis=1) * weights
        if d2.sum() <= 0:
            break
        centres.append(points[int(rng.choice(len(points), p=d2 / d2.sum()))])
    centre_arr = np.asarray(centres)
    labels = np.full(len(points), -1, dtype=np.intp)
    for _ in range(50):
        new = np.argmin(((points[:, None, :] - centre_arr[None]) ** 2).sum(-1), axis=1)
        if np.array_equal(new, labels):
            break
        labels = new
        for j in range(len(centre_arr)):
            member = labels == j
            if member.any():
                centre_arr[j] = np.average(points[member], axis=0, weights=weights[member])
    return labels


def dominant_colors(image: Image.Image, *, k: int = 6, sample: int = 20000) -> list[ColorShare]:
    """The image's main colours, largest share first; deterministic (k-means in Lab, fixed seed).

    Fully transparent pixels are ignored and partly transparent ones count by their alpha. At most
    ``sample`` pixels are drawn (fixed seed), so shares of large images are estimates within ~1%.
    Each colour is the real pixel colour nearest its cluster's centre (no averaged, muddy colours).
    """
    if k < 1:
        raise ValueError(f"k must be >= 1, got {k}")
    if sample < 1:
        raise ValueError(f"sample must be >= 1, got {sample}")
    rgb, weights = _visible_pixels(image)
    if len(rgb) == 0:
        return []
    if len(rgb) > sample:
        pick = np.random.default_rng(_SEED).integers(0, len(rgb), size=sample)
        rgb, weights = rgb[pick], weights[pick]
    packed = (rgb[:, 0].astype(np.int64) << 16) | (rgb[:, 1].astype(np.int64) << 8) | rgb[:, 2]
    uniq, inverse = np.unique(packed, return_inverse=True)
    uniq_w = np.bincount(inverse.ravel(), weights=weights).astype(np.float64)
    uniq_rgb = np.stack([(uniq >> 16) & 255, (uniq >> 8) & 255, uniq & 255], axis=1)
    uniq_lab = srgb_to_lab(uniq_rgb)
    labels = _kmeans(uniq_lab, uniq_w, k) if len(uniq) > k else np.arange(len(uniq))
    total = float(uniq_w.sum())
    shares: list[ColorShare] = []
    for j in np.unique(labels):
        member = np.flatnonzero(labels == j)
        centre = np.average(uniq_lab[member], axis=0, weights=uniq_w[member])
        nearest = member[int(np.argmin(((uniq_lab[member] - centre) ** 2).sum(-1)))]
        lab = tuple(float(v) for v in uniq_lab[nearest])
        colour = "#{:02X}{:02X}{:02X}".format(*(int(v) for v in uniq_rgb[nearest]))
        share = min(1.0, float(uniq_w[member].sum()) / total)
        shares.append(ColorShare(hex=colour, lab=(lab[0], lab[1], lab[2]), share=share))
    return sorted(shares, key=lambda c: (-c.share, c.hex))


def off_palette(
    image: Image.Image,
    palette: Sequence[PaletteColor],
    *,
    min_share: float = 0.05,
    neutral_ok: bool = True,
    k: int = 6,
) -> list[ColorShare]:
    """Dominant colours (share >= ``min_share``) farther than its tolerance from every palette colour.

    Near-neutral colours (white, greys, black: chroma < 8) pass when ``neutral_ok``.
    """
    if not palette:
        raise ValueError("palette is empty: a brand kit needs at least one colour to check against")
    if not 0.0 <= min_share <= 1.0:
        raise ValueError(f"min_share must be within [0, 1], got {min_share}")
    colours = [c if isinstance(c, PaletteColor) else PaletteColor.model_validate(c) for c in palette]
    palette_lab = np.array([c.lab for c in colours])
    tolerance = np.array([c.tolerance_de for c in colours])
    flagged: list[ColorShare] = []
    for colour in dominant_colors(image, k=k):
        if colour.share < min_share or (neutral_ok and colour.chroma < _NEUTRAL_CHROMA):
            continue
        if not np.any(delta_e_2000(np.asarray(colour.lab)[None], palette_lab) <= tolerance):
            flagged.append(colour)
    return flagged
