"""Per-category thresholds for the learned second opinions, chosen on cross-validated (held-out) scores.

One threshold for all twelve categories spends the clean-copy false-alarm budget where the model is weakest;
a threshold per category spends it where it buys the most recall. :func:`per_category` lowers, greedily,
the threshold that catches the most held-out (line, category) pairs per clean line newly flagged, while the
share of clean lines flagged stays within the budget. :func:`fold_into_bias` then shifts each category's
bias so that the one stored threshold means each category's own: the models and their files keep one
threshold, and a check costs the same.

A second, lower threshold (:func:`secondary`) applies once something else has flagged the text: the verdict
no longer depends on the model, and a reviewer who is looking anyway should see every likely category.
It maximises F1 over the held-out (line, category) pairs of the violating lines.

The held-out scores come from :func:`fold_splits`. Given each line's source (its file: one writer, one
style), whole sources are held out together, so the thresholds are chosen on copy written by someone the
fold's model never read, as new copy will be; random folds let a writer's style leak into training and
understate the false alarms on new writers.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray


def label_matrix(line_categories: Sequence[set[str]], categories: Sequence[str]) -> NDArray[np.float32]:
    """One row per line, one column per entry of ``categories`` (1 where the line carries it)."""
    return np.array([[c in cats for c in categories] for cats in line_categories], dtype=np.float32)


def fold_splits(count: int, folds: int, groups: Sequence[int] | None = None) -> list[NDArray[np.int64]]:
    """The held-out line indices of each fold. Without ``groups``: a seeded random split. With them (one
    label per line, e.g. its file): whole groups, largest first, each to the fold with the fewest lines."""
    rng = np.random.default_rng(7)
    if groups is None:
        order = rng.permutation(count)
        return [np.sort(order[fold::folds]) for fold in range(folds)]
    if len(groups) != count:
        raise ValueError(f"need one group per line: {len(groups)} groups for {count} lines")
    labels = np.asarray(groups)
    names, sizes = np.unique(labels, return_counts=True)
    if len(names) < folds:
        raise ValueError(f"need at least {folds} groups to hold out whole groups, got {len(names)}")
    shuffled = rng.permutation(len(names))
    by_size = shuffled[np.argsort(-sizes[shuffled], kind="stable")]
    filled = np.zeros(folds, dtype=np.int64)
    members: list[list[int]] = [[] for _ in range(folds)]
    for g in by_size:
        target = int(np.argmin(filled))
        members[target].append(int(names[g]))
        filled[target] += sizes[g]
    return [np.flatnonzero(np.isin(labels, chosen)).astype(np.int64) for chosen in members]


def single(
    held: NDArray[np.float32], clean: NDArray[np.bool_], grid: NDArray[np.float64], budget: float
) -> float:
    """The lowest threshold on ``grid`` (descending) flagging at most ``budget`` of the clean lines."""
    best = float(grid[0])
    for threshold in grid:
        if (held[clean].max(axis=1) >= threshold).mean() <= budget:
            best = float(threshold)
    return best


def per_category(
    held: NDArray[np.float32],
    labels: NDArray[np.float32],
    grid: NDArray[np.float64],
    budget: float,
) -> NDArray[np.float64]:
    """Per category, a threshold on ``grid`` (descending); together they flag at most ``budget`` of the
    clean lines (no label) of ``held`` and catch as many labelled (line, category) pairs as the greedy
    search finds."""
    clean = labels.sum(axis=1) == 0
    positive = labels > 0
    allowed = int(math.floor(budget * int(clean.sum()) + 1e-9))
    clean_scores = held[clean]
    categories = held.shape[1]
    steps = np.zeros(categories, dtype=np.int64)  # index into grid, per category
    flagged = (clean_scores >= grid[0]).any(axis=1)  # what the starting thresholds already flag
    while True:
        best: tuple[float, int, int] | None = None
        for c in range(categories):
            current = grid[steps[c]]
            for step in range(steps[c] + 1, len(grid)):
                lower = grid[step]
                band = (held[:, c] >= lower) & (held[:, c] < current)
                gain = int((band & positive[:, c]).sum())
                if gain == 0:
                    continue
                new = (clean_scores[:, c] >= lower) & ~flagged
                cost = int(new.sum())
                if int(flagged.sum()) + cost > allowed:
                    break  # lower thresholds only cost more
                ratio = gain / (cost + 0.5)
                if best is None or ratio > best[0]:
                    best = (ratio, c, step)
        if best is None:
            break
        _, c, step = best
        steps[c] = step
        flagged |= clean_scores[:, c] >= grid[step]
    return np.array([grid[s] for s in steps], dtype=np.float64)


def fold_into_bias(
    bias: NDArray[np.float32], thresholds: NDArray[np.float64], common: float
) -> NDArray[np.float32]:
    """Biases under which ``score >= common`` means, per category, ``score >= thresholds[c]`` before."""
    shift = math.log(common / (1.0 - common)) - np.log(thresholds / (1.0 - thresholds))
    return (bias + shift).astype(np.float32)


def recall_and_fpr(
    held: NDArray[np.float32], labels: NDArray[np.float32], thresholds: NDArray[np.float64]
) -> tuple[float, float]:
    """Share of labelled lines flagged for some category, and of clean lines flagged, at ``thresholds``."""
    clean: NDArray[np.bool_] = labels.sum(axis=1) == 0
    flagged: NDArray[np.bool_] = np.asarray((held >= thresholds).any(axis=1), dtype=bool)
    return float(flagged[~clean].mean()), float(flagged[clean].mean())


def fold_scores(held: NDArray[np.float32], chosen: NDArray[np.float64], common: float) -> NDArray[np.float64]:
    """``held`` as the folded model scores them (see :func:`fold_into_bias`)."""
    clipped = np.clip(held.astype(np.float64), 1e-7, 1 - 1e-7)
    shift = math.log(common / (1.0 - common)) - np.log(chosen / (1.0 - chosen))
    logits = np.log(clipped / (1.0 - clipped)) + shift
    return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float64)


def secondary(
    folded: NDArray[np.float64], labels: NDArray[np.float32], grid: NDArray[np.float64], ceiling: float
) -> float:
    """The threshold on ``grid`` (at most ``ceiling``) with the best F1 over the (line, category) pairs of
    the violating lines: the bar for naming one more category on a text already flagged."""
    violating = labels.sum(axis=1) > 0
    scores, truth = folded[violating], labels[violating] > 0
    best, best_f1 = ceiling, -1.0
    for threshold in grid:
        if threshold > ceiling:
            continue
        predicted = scores >= threshold
        hits = int((predicted & truth).sum())
        f1 = 2 * hits / (int(predicted.sum()) + int(truth.sum())) if hits else 0.0
        if f1 > best_f1:
            best, best_f1 = float(threshold), f1
    return best


@dataclass(frozen=True)
class Choice:
    """What training keeps: the common threshold, the per-category ones folded into it, the secondary bar,
    and the cross-validated figures behind them."""

    common: float
    per_category: NDArray[np.float64]
    secondary: float
    stats: dict[str, float]


def choose(
    held: NDArray[np.float32],
    labels: NDArray[np.float32],
    grid: NDArray[np.float64],
    budget: float,
    categories: Sequence[str],
) -> Choice:
    """Per-category thresholds (or one, if the greedy search does worse), the common threshold they are
    folded into, and the secondary bar, from held-out scores."""
    clean: NDArray[np.bool_] = labels.sum(axis=1) == 0
    common = round(single(held, clean, grid, budget), 2)
    chosen = per_category(held, labels, grid, budget)
    recall, fpr = recall_and_fpr(held, labels, chosen)
    one = np.full(len(categories), common)
    recall_one, fpr_one = recall_and_fpr(held, labels, one)
    if recall < recall_one:  # the greedy search lost to one threshold: keep the one
        chosen, recall, fpr = one, recall_one, fpr_one
    second = secondary(fold_scores(held, chosen, common), labels, grid, common)
    stats = {
        "threshold": common,
        "secondary": second,
        "cv_clean_fpr": round(fpr, 4),
        "cv_recall_alone": round(recall, 4),
        "cv_recall_alone_one_threshold": round(recall_one, 4),
        **{f"threshold_{c}": round(float(t), 2) for c, t in zip(categories, chosen, strict=True)},
    }
    return Choice(common, chosen, second, stats)
