"""Thompson sampling as traffic weights: each arm's share is the chance its posterior draw is the highest
(what per-impression Thompson sampling would give it), lifted to a floor so that no arm starves."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from pipelines.experiments.bayes import DEFAULT_DRAWS, simulate
from pipelines.experiments.beta import BetaPosterior


def apply_floor(shares: Sequence[float], floor: float) -> list[float]:
    """Weights summing to 1, each ≥ ``floor``, otherwise proportional to ``shares`` (water-filling: arms
    below the floor are pinned to it and the rest of the mass is split among the others in proportion)."""
    k = len(shares)
    if k == 0:
        raise ValueError("no arms")
    if floor < 0 or floor * k > 1.0 + 1e-12:
        raise ValueError(f"a floor of {floor} cannot hold for {k} arms")
    raw = np.clip(np.asarray(shares, dtype=np.float64), 0.0, None)
    raw = raw / raw.sum() if raw.sum() > 0 else np.full(k, 1.0 / k)
    pinned = np.zeros(k, dtype=bool)
    while True:
        free = ~pinned
        mass = 1.0 - floor * pinned.sum()
        part = raw[free].sum()
        split = raw[free] / part * mass if part > 0 else np.full(free.sum(), mass / free.sum())
        below = split < floor
        if below.all():  # only when floor·k ≈ 1: every arm sits on the floor
            return [1.0 / k] * k
        if not below.any():
            weights = np.full(k, floor)
            weights[free] = split
            return [float(w) for w in weights / weights.sum()]
        pinned[np.flatnonzero(free)[below]] = True


def thompson_weights(
    posteriors: Sequence[BetaPosterior],
    rng: np.random.Generator,
    *,
    floor: float = 0.05,
    draws: int = DEFAULT_DRAWS,
) -> tuple[list[float], list[float]]:
    """(new weights, each arm's share of winning draws) from ``draws`` joint posterior draws."""
    shares, _ = simulate(posteriors, rng, draws)
    return apply_floor(shares.tolist(), floor), [float(s) for s in shares]
