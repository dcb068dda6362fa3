"""The Beta posterior maths: the incomplete beta and its inverse on closed forms, credible intervals,
the exact two-arm P(θ_a > θ_b) against closed forms and Monte Carlo, P(best), expected loss and the
winner rule."""

from __future__ import annotations

import math

import numpy as np
import pytest

from pipelines.experiments.bayes import (
    ArmCounts,
    DecisionRule,
    analyze,
    exact_pair,
    prob_greater,
    simulate,
)
from pipelines.experiments.beta import BetaPosterior, betainc, betaincinv


@pytest.mark.parametrize("x", [0.0, 0.01, 0.3, 0.5, 0.77, 0.999, 1.0])
def test_incomplete_beta_matches_closed_forms(x: float) -> None:
    assert betainc(1, 1, x) == pytest.approx(x, abs=1e-14)  # uniform
    assert betainc(2, 1, x) == pytest.approx(x**2, abs=1e-14)  # density 2x
    assert betainc(1, 3, x) == pytest.approx(1 - (1 - x) ** 3, abs=1e-14)
    assert betainc(0.5, 0.5, x) == pytest.approx(2 / math.pi * math.asin(math.sqrt(x)), abs=1e-12)  # arcsine


@pytest.mark.parametrize(
    ("a", "b"), [(1, 1), (2, 5), (0.5, 0.5), (30, 970), (1_001, 99_001), (20_001, 2_000_001), (3, 1e8)]
)
def test_quantile_inverts_the_cdf(a: float, b: float) -> None:
    for p in (1e-6, 0.025, 0.3, 0.5, 0.975, 1 - 1e-6):
        x = betaincinv(a, b, p)
        assert 0 < x < 1
        assert betainc(a, b, x) == pytest.approx(p, rel=1e-9, abs=1e-12)


def test_credible_interval_of_the_posterior() -> None:
    assert BetaPosterior(1, 1).interval(0.95) == pytest.approx((0.025, 0.975), abs=1e-12)
    # Beta(2,1): CDF x², so the 2.5% and 97.5% quantiles are their square roots
    assert BetaPosterior(2, 1).interval(0.95) == pytest.approx(
        (math.sqrt(0.025), math.sqrt(0.975)), abs=1e-12
    )
    post = BetaPosterior.from_counts(200, 10_000)
    low, high = post.interval(0.95)
    assert (post.alpha, post.beta) == (201, 9_801)
    assert low < 0.02 < high and high - low == pytest.approx(
        2 * 1.96 * math.sqrt(0.02 * 0.98 / 10_000), rel=0.05
    )
    with pytest.raises(ValueError):
        BetaPosterior.from_counts(11, 10)


def test_exact_probability_matches_closed_forms_and_monte_carlo() -> None:
    assert prob_greater(BetaPosterior(1, 1), BetaPosterior(1, 1)) == pytest.approx(0.5, abs=1e-12)
    # θ_a ~ Beta(2,1) (density 2x) vs uniform: ∫ 2x · x dx = 2/3
    assert prob_greater(BetaPosterior(2, 1), BetaPosterior(1, 1)) == pytest.approx(2 / 3, abs=1e-12)
    assert prob_greater(BetaPosterior(1, 1), BetaPosterior(2, 1)) == pytest.approx(1 / 3, abs=1e-12)
    rng = np.random.default_rng(7)
    cases = [
        (BetaPosterior(30, 70), BetaPosterior(40, 60)),
        (BetaPosterior(3.5, 7), BetaPosterior(4, 60.2)),  # only one integer parameter
        (BetaPosterior(1_001, 99_001), BetaPosterior(1_101, 98_901)),
        (BetaPosterior(5, 2), BetaPosterior(3, 9)),
    ]
    for a, b in cases:
        exact = prob_greater(a, b)
        assert exact is not None
        p_best, loss = simulate([a, b], rng, 400_000)
        assert exact == pytest.approx(p_best[0], abs=0.004)  # 400k draws: 95% error < 0.0016
        pair = exact_pair(a, b)
        assert pair is not None
        assert pair[0] == pytest.approx((exact, 1 - exact))
        assert pair[1] == pytest.approx(tuple(loss), rel=0.02, abs=1e-5)
    assert prob_greater(BetaPosterior(5.5, 2.5), BetaPosterior(3.5, 9.5)) is None  # no integer parameter


def test_clear_winner_has_p_best_above_099_and_a_small_loss() -> None:
    counts = [ArmCounts(200, 10_000), ArmCounts(300, 10_000)]  # CTR 2% vs 3%
    result = analyze(counts, np.random.default_rng(1))
    assert result.method == "exact"
    assert result.arms[1].p_best > 0.99
    assert result.arms[0].p_best == pytest.approx(1 - result.arms[1].p_best)
    assert result.arms[1].expected_loss < 1e-5 < result.arms[0].expected_loss
    assert result.arms[0].expected_loss == pytest.approx(0.01, rel=0.1)  # about the gap in rates
    assert result.winner == 1


def test_equal_arms_have_p_best_near_one_half_and_no_winner() -> None:
    counts = [ArmCounts(250, 10_000), ArmCounts(250, 10_000)]
    result = analyze(counts, np.random.default_rng(2))
    assert result.arms[0].p_best == pytest.approx(0.5, abs=1e-9)  # exact
    assert result.winner is None
    three = analyze([ArmCounts(250, 10_000)] * 3, np.random.default_rng(3))
    assert three.method == "monte_carlo"
    for arm in three.arms:  # ±0.5% is the accuracy promised; 100k draws give ±0.3%
        assert arm.p_best == pytest.approx(1 / 3, abs=0.005)
    assert sum(a.p_best for a in three.arms) == pytest.approx(1.0)


def test_monte_carlo_is_reproducible_with_a_seed() -> None:
    counts = [ArmCounts(100, 5_000), ArmCounts(115, 5_000), ArmCounts(90, 5_000)]
    first = analyze(counts, np.random.default_rng(42))
    again = analyze(counts, np.random.default_rng(42))
    assert [a.p_best for a in first.arms] == [a.p_best for a in again.arms]
    assert [a.expected_loss for a in first.arms] == [a.expected_loss for a in again.arms]


def test_winner_rule_needs_probability_loss_and_trials() -> None:
    clear = [ArmCounts(200, 10_000), ArmCounts(300, 10_000)]
    assert analyze(clear, np.random.default_rng(0), rule=DecisionRule(p_best=0.999)).winner == 1
    assert analyze(clear, np.random.default_rng(0), rule=DecisionRule(max_loss=1e-10)).winner is None
    assert analyze(clear, np.random.default_rng(0), rule=DecisionRule(min_trials=20_000)).winner is None
    # 4/10 against 0/10: P(best) 0.98, but picking it still risks 0.11 percentage points
    tiny = analyze(
        [ArmCounts(4, 10), ArmCounts(0, 10)], np.random.default_rng(0), rule=DecisionRule(min_trials=0)
    )
    assert tiny.arms[0].p_best == pytest.approx(0.98246, abs=1e-4)
    assert tiny.arms[0].expected_loss == pytest.approx(0.001144, abs=1e-5)
    assert tiny.winner is None
    with pytest.raises(ValueError):
        analyze([ArmCounts(1, 10)], np.random.default_rng(0))
