"""Thompson-sampling weights: they move toward the better arm, respect the floor and always sum to 1
(property-style over many seeded random cases)."""

from __future__ import annotations

import numpy as np
import pytest

from pipelines.experiments.beta import BetaPosterior
from pipelines.experiments.thompson import apply_floor, thompson_weights


def posts(*counts: tuple[int, int]) -> list[BetaPosterior]:
    return [BetaPosterior.from_counts(s, n) for s, n in counts]


def test_weights_move_toward_the_better_arm() -> None:
    rng = np.random.default_rng(5)
    weights, shares = thompson_weights(posts((100, 10_000), (160, 10_000)), rng, floor=0.05)
    assert weights[1] > 0.9 and weights[0] == pytest.approx(0.05)
    assert shares[1] > 0.99
    even, _ = thompson_weights(posts((100, 10_000), (100, 10_000)), rng, floor=0.05)
    assert even == pytest.approx([0.5, 0.5], abs=0.01)
    # more evidence for the same gap shifts more traffic
    early, _ = thompson_weights(posts((10, 1_000), (13, 1_000)), rng, floor=0.05)
    later, _ = thompson_weights(posts((100, 10_000), (130, 10_000)), rng, floor=0.05)
    assert 0.5 < early[1] < later[1]


def test_no_arm_drops_below_the_floor() -> None:
    rng = np.random.default_rng(6)
    weights, shares = thompson_weights(posts((50, 10_000), (100, 10_000), (300, 10_000)), rng, floor=0.05)
    assert shares[0] == 0.0 and shares[1] < 0.001
    assert weights[0] == pytest.approx(0.05) and weights[1] == pytest.approx(0.05)
    assert weights[2] == pytest.approx(0.90)


def test_floor_water_filling() -> None:
    assert apply_floor([0.98, 0.01, 0.01], 0.05) == pytest.approx([0.9, 0.05, 0.05])
    assert apply_floor([0.9, 0.06, 0.04], 0.05) == pytest.approx([0.890625, 0.059375, 0.05])
    assert apply_floor([1, 0, 0, 0], 0.25) == pytest.approx([0.25] * 4)
    assert apply_floor([0, 0], 0.1) == pytest.approx([0.5, 0.5])
    assert apply_floor([0.7, 0.3], 0.0) == pytest.approx([0.7, 0.3])
    with pytest.raises(ValueError):
        apply_floor([0.5, 0.3, 0.2], 0.4)


def test_weights_always_sum_to_one_and_keep_order_above_the_floor() -> None:
    rng = np.random.default_rng(2026)
    for _ in range(500):
        k = int(rng.integers(2, 12))
        floor = float(rng.uniform(0, 1 / k))
        shares = rng.dirichlet(np.full(k, float(rng.uniform(0.05, 3))))
        weights = apply_floor(shares.tolist(), floor)
        assert sum(weights) == pytest.approx(1.0, abs=1e-12)
        assert min(weights) >= floor - 1e-12
        free = [k for k, w in enumerate(weights) if w > floor + 1e-12]
        for i in free:  # arms above the floor keep their proportions
            for j in free:
                assert weights[i] / weights[j] == pytest.approx(shares[i] / shares[j], rel=1e-9)
        order = np.argsort(shares)
        assert all(weights[order[n]] <= weights[order[n + 1]] + 1e-12 for n in range(k - 1))


def test_thompson_weights_sum_to_one_for_random_posteriors() -> None:
    rng = np.random.default_rng(11)
    for _ in range(40):
        k = int(rng.integers(2, 6))
        trials = rng.integers(100, 20_000, size=k)
        counts = [(int(rng.binomial(n, rng.uniform(0.005, 0.05))), int(n)) for n in trials]
        weights, shares = thompson_weights(posts(*counts), rng, floor=0.05, draws=20_000)
        assert sum(weights) == pytest.approx(1.0, abs=1e-12)
        assert sum(shares) == pytest.approx(1.0, abs=1e-12)
        assert min(weights) >= 0.05 - 1e-12
