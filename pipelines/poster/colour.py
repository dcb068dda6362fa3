"""Colours: hex parsing and WCAG 2.x contrast (relative luminance of sRGB)."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Annotated

import numpy as np
from numpy.typing import NDArray
from pydantic import AfterValidator

RGB = tuple[int, int, int]

HEX_PATTERN = r"^#[0-9A-Fa-f]{6}$"
_HEX = re.compile(r"#?([0-9a-fA-F]{6}|[0-9a-fA-F]{3})")

HEADLINE_MIN_CONTRAST = 3.0
"""WCAG 2.x AA for large text (headlines, prices, CTAs)."""
BODY_MIN_CONTRAST = 4.5
"""WCAG 2.x AA for body text."""


def normalize_hex(value: str) -> str:
    """``"e60012"``, ``"#E60012"`` or ``"#F00"`` → ``"#E60012"``; anything else is a ValueError."""
    match = _HEX.fullmatch(value.strip())
    if match is None:
        raise ValueError(f"not a hex colour: {value!r} (expected #RRGGBB)")
    digits = match.group(1)
    if len(digits) == 3:
        digits = "".join(c * 2 for c in digits)
    return "#" + digits.upper()


Hex = Annotated[str, AfterValidator(normalize_hex)]
"""A ``#RRGGBB`` colour field (any accepted spelling is normalised)."""


def parse_hex(value: str) -> RGB:
    """Hex colour → (r, g, b) in 0..255."""
    digits = normalize_hex(value)[1:]
    return int(digits[0:2], 16), int(digits[2:4], 16), int(digits[4:6], 16)


def _linear(channel: NDArray[np.float64]) -> NDArray[np.float64]:
    c = channel / 255.0
    out: NDArray[np.float64] = np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)
    return out


def luminance_array(pixels: NDArray[np.uint8]) -> NDArray[np.float64]:
    """WCAG relative luminance of an (..., 3) uint8 array."""
    lin = _linear(pixels[..., :3].astype(np.float64))
    out: NDArray[np.float64] = lin @ np.array([0.2126, 0.7152, 0.0722])
    return out


def luminance(rgb: Sequence[int]) -> float:
    """WCAG relative luminance of one sRGB colour (0 black .. 1 white)."""
    return float(luminance_array(np.array(rgb[:3], dtype=np.uint8)))


def contrast(l1: float, l2: float) -> float:
    """WCAG contrast ratio of two luminances (1..21)."""
    hi, lo = max(l1, l2), min(l1, l2)
    return (hi + 0.05) / (lo + 0.05)


def worst_contrast(colour: str, behind: Iterable[float]) -> float:
    """The lowest contrast of ``colour`` against any of the luminances ``behind`` (e.g. p10 and p90)."""
    own = luminance(parse_hex(colour))
    return min(contrast(own, other) for other in behind)


def pick_legible(
    preferred: str, candidates: Sequence[str], behind: Sequence[float], minimum: float
) -> tuple[str, float]:
    """``preferred`` when its worst contrast reaches ``minimum``; else the best of ``candidates``; else
    black or white, whichever is better. Returns the colour and its worst contrast."""
    score = worst_contrast(preferred, behind)
    if score >= minimum:
        return preferred, score
    best, best_score = max(((c, worst_contrast(c, behind)) for c in candidates), key=lambda item: item[1])
    if best_score >= minimum:
        return best, best_score
    neutral, neutral_score = max(
        ((c, worst_contrast(c, behind)) for c in ("#000000", "#FFFFFF")), key=lambda item: item[1]
    )
    return (neutral, neutral_score) if neutral_score > best_score else (best, best_score)
