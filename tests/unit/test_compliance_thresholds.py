"""Per-category thresholds for the learned second opinions, on hand-made held-out scores."""

from __future__ import annotations

import numpy as np

from compliance_rules import thresholds

GRID = np.round(np.arange(0.95, 0.04, -0.05), 2)


def _scores() -> tuple[np.ndarray, np.ndarray]:
    """Category 0 separates well (positives ~0.6, clean ~0.2); category 1 does not (both ~0.6-0.9)."""
    rng = np.random.default_rng(0)
    clean = np.column_stack([rng.uniform(0.05, 0.3, 200), rng.uniform(0.5, 0.9, 200)])
    first = np.column_stack([rng.uniform(0.5, 0.7, 50), rng.uniform(0.05, 0.3, 50)])
    second = np.column_stack([rng.uniform(0.05, 0.3, 50), rng.uniform(0.6, 0.95, 50)])
    held = np.vstack([clean, first, second]).astype(np.float32)
    labels = np.zeros_like(held)
    labels[200:250, 0] = 1
    labels[250:, 1] = 1
    return held, labels


def test_the_budget_goes_where_it_buys_recall() -> None:
    held, labels = _scores()
    chosen = thresholds.per_category(held, labels, GRID, budget=0.02)
    recall, fpr = thresholds.recall_and_fpr(held, labels, chosen)
    assert fpr <= 0.02
    assert chosen[0] <= 0.5  # all of category 0 for free
    one = thresholds.single(held, labels.sum(axis=1) == 0, GRID, 0.02)
    recall_one, fpr_one = thresholds.recall_and_fpr(held, labels, np.full(2, one))
    assert fpr_one <= 0.02
    assert recall > recall_one


def test_a_zero_budget_flags_no_clean_line() -> None:
    held, labels = _scores()
    chosen = thresholds.per_category(held, labels, GRID, budget=0.0)
    assert thresholds.recall_and_fpr(held, labels, chosen)[1] == 0.0


def test_folding_into_the_bias_keeps_each_categorys_decision() -> None:
    rng = np.random.default_rng(1)
    logits = rng.normal(0, 3, size=(500, 3)).astype(np.float32)
    bias = np.array([0.1, -0.4, 0.7], dtype=np.float32)
    per = np.array([0.3, 0.8, 0.55])
    folded = thresholds.fold_into_bias(bias, per, 0.6)
    before = 1 / (1 + np.exp(-(logits + bias))) >= per
    after = 1 / (1 + np.exp(-(logits + folded))) >= 0.6
    assert (before == after).mean() > 0.998  # float32 rounding at the very edge only
