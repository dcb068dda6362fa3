"""Per-category thresholds for the learned second opinions, on hand-made held-out scores."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

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


def test_the_secondary_bar_maximises_f1_on_violating_lines_and_stays_under_the_first() -> None:
    held, labels = _scores()
    second = thresholds.secondary(held.astype(np.float64), labels, GRID, ceiling=0.9)
    assert second <= 0.9
    # category 0 positives sit at 0.5-0.7, category 1 positives at 0.6-0.95 and their other scores are low:
    # the best F1 takes all of them
    assert second <= 0.5
    assert thresholds.secondary(held.astype(np.float64), labels, GRID, ceiling=0.3) <= 0.3


def test_folded_scores_put_each_categorys_threshold_at_the_common_one() -> None:
    held = np.array([[0.3, 0.8], [0.29, 0.81]], dtype=np.float32)
    folded = thresholds.fold_scores(held, np.array([0.3, 0.8]), 0.6)
    assert folded[0, 0] == np.float64(folded[0, 0]) and abs(folded[0, 0] - 0.6) < 1e-6
    assert folded[1, 0] < 0.6 < folded[1, 1]


def _uniform_scores(score: float) -> np.ndarray:
    return np.full(12, np.log(score / (1 - score)), dtype=np.float32)


def test_the_ngram_model_uses_its_secondary_bar_only_once_the_rules_flagged_the_text() -> None:
    from compliance_rules.classifier import BUCKETS, CATEGORIES, NgramClassifier

    model = NgramClassifier(
        np.zeros((BUCKETS, len(CATEGORIES)), dtype=np.float32), _uniform_scores(0.4), 0.5, "t", 0.3
    )
    assert model.findings("任何一句文案", set()) == []
    found = model.findings("任何一句文案", {"VULGAR"})
    assert {f.category for f in found} == set(CATEGORIES) - {"VULGAR"}
    assert {f.severity.value for f in found} == {"warn"}
    older = NgramClassifier(model.weights, model.bias, 0.5, "t")  # a model file without the bar
    assert older.findings("任何一句文案", {"VULGAR"}) == []


def test_the_semantic_head_uses_its_secondary_bar_only_once_something_flagged_the_text() -> None:
    from collections.abc import Sequence

    from numpy.typing import NDArray

    from compliance_rules.semantic import CATEGORIES, SemanticHead, SemanticOpinion

    class Zeros:
        name, dim = "zeros", 4

        def encode(self, texts: Sequence[str]) -> NDArray[np.float32]:
            return np.zeros((len(texts), 4), dtype=np.float32)

    head = SemanticHead(
        "zeros",
        np.zeros(4, dtype=np.float32),
        np.ones(4, dtype=np.float32),
        np.zeros((4, len(CATEGORIES)), dtype=np.float32),
        _uniform_scores(0.7),
        0.9,
        "t",
        0.6,
    )
    opinion = SemanticOpinion(head, Zeros())
    assert opinion.findings("一句话", set()) == []
    assert len(opinion.findings("一句话", {"MINORS", "VULGAR"})) == len(CATEGORIES) - 2


def test_model_files_round_trip_the_secondary_bar(tmp_path: Path) -> None:
    from compliance_rules.classifier import BUCKETS, CATEGORIES, NgramClassifier

    model = NgramClassifier(
        np.zeros((BUCKETS, len(CATEGORIES)), dtype=np.float32), _uniform_scores(0.4), 0.5, "t", 0.3
    )
    model.save(tmp_path / "m.npz")
    assert NgramClassifier.load(tmp_path / "m.npz").secondary == 0.3


def test_choose_keeps_the_better_of_per_category_and_one_threshold() -> None:
    held, labels = _scores()
    choice = thresholds.choose(held, labels, GRID, 0.02, ("A", "B"))
    assert choice.secondary <= choice.common
    assert choice.stats["cv_recall_alone"] >= choice.stats["cv_recall_alone_one_threshold"]
    assert choice.stats["cv_clean_fpr"] <= 0.02
    assert {"threshold_A", "threshold_B", "secondary"} <= set(choice.stats)


def test_clean_lines_above_the_top_of_the_grid_count_against_the_budget() -> None:
    held, labels = _scores()
    held[:4, 1] = 0.99  # four clean lines (2%) already flagged at the starting thresholds
    chosen = thresholds.per_category(held, labels, GRID, budget=0.02)
    assert thresholds.recall_and_fpr(held, labels, chosen)[1] <= 0.02


def test_fold_splits_hold_out_whole_groups_and_cover_every_line() -> None:
    groups = [0] * 6 + [1] * 4 + [2] * 3 + [3] * 3 + [4] * 2 + [5] * 2
    splits = thresholds.fold_splits(len(groups), 5, groups)
    assert sorted(int(i) for split in splits for i in split) == list(range(len(groups)))
    for split in splits:
        held = {groups[i] for i in split}
        # a group is held out whole: none of its lines is left to train on
        assert all(groups[i] not in held for i in range(len(groups)) if i not in set(split.tolist()))
    assert max(len(s) for s in splits) - min(len(s) for s in splits) <= 3  # balanced by size


def test_fold_splits_without_groups_is_the_seeded_random_split() -> None:
    first, again = thresholds.fold_splits(50, 5), thresholds.fold_splits(50, 5)
    assert all((a == b).all() for a, b in zip(first, again, strict=True))
    assert sorted(int(i) for split in first for i in split) == list(range(50))


def test_fold_splits_refuse_too_few_groups_or_a_wrong_length() -> None:
    with pytest.raises(ValueError, match="at least 5 groups"):
        thresholds.fold_splits(4, 5, [0, 0, 1, 1])
    with pytest.raises(ValueError, match="one group per line"):
        thresholds.fold_splits(4, 2, [0, 1])
