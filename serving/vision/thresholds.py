"""Brand custom tags by example: a prototype (the normalised mean of the example embeddings) and a
cosine threshold learned from the examples and the brand's other images.

The rule: let ``lo`` be the cosine of the least typical example to the prototype and ``bg`` the 95th
percentile of the cosines of the brand's other images. When they separate (``bg < lo``) the threshold is
halfway between them, but never more than ``margin`` below ``lo`` (a brand whose other images are all far
away should not get a loose tag). When they do not separate, the threshold is ``lo`` itself: every example
passes, and ``separable`` is False so the caller can warn that the examples do not stand out.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from serving.errors import InvalidInput

BACKGROUND_QUANTILE = 0.95


@dataclass(frozen=True)
class LearnedTag:
    prototype: list[float]
    threshold: float
    example_scores: list[float]
    background_p95: float | None
    separable: bool


def _unit_rows(vectors: Sequence[Sequence[float]]) -> NDArray[np.float64]:
    array = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(array, axis=1, keepdims=True)
    if array.ndim != 2 or not bool(np.all(norms > 0)):
        raise InvalidInput("example embeddings must be non-zero vectors", code="invalid_examples")
    result: NDArray[np.float64] = array / norms
    return result


def prototype(examples: Sequence[Sequence[float]]) -> NDArray[np.float64]:
    """The normalised mean of the (normalised) example vectors."""
    mean = _unit_rows(examples).mean(axis=0)
    norm = float(np.linalg.norm(mean))
    if norm < 1e-9:
        raise InvalidInput("the examples cancel out: pick examples that look alike", code="invalid_examples")
    result: NDArray[np.float64] = mean / norm
    return result


def learn_threshold(
    example_scores: Sequence[float], background_scores: Sequence[float], margin: float
) -> float:
    """The cosine from which an image gets the tag (see the module docstring for the rule)."""
    if not example_scores:
        raise InvalidInput("a custom tag needs examples", code="invalid_examples")
    lo = float(min(example_scores))
    if not background_scores:
        return max(lo - margin / 2, -1.0)
    bg = float(np.quantile(np.asarray(background_scores, dtype=np.float64), BACKGROUND_QUANTILE))
    if bg >= lo:
        return lo
    return max((lo + bg) / 2, lo - margin)


def learn(
    examples: Sequence[Sequence[float]], background: Sequence[Sequence[float]], *, margin: float = 0.1
) -> LearnedTag:
    """Prototype and threshold from example vectors and a sample of the brand's other image vectors."""
    proto = prototype(examples)
    scores = [float(s) for s in _unit_rows(examples) @ proto]
    others = [float(s) for s in _unit_rows(background) @ proto] if len(background) else []
    threshold = learn_threshold(scores, others, margin)
    bg = float(np.quantile(np.asarray(others), BACKGROUND_QUANTILE)) if others else None
    return LearnedTag(
        prototype=[float(v) for v in proto],
        threshold=math.floor(threshold * 1e6) / 1e6,  # rounded down: every example still passes
        example_scores=[round(s, 6) for s in scores],
        background_p95=None if bg is None else round(bg, 6),
        separable=bg is None or bg < min(scores),
    )
