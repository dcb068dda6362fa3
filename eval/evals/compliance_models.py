"""Eval "compliance_models": how well the two learned second opinions generalise to writers they never read.

5-fold cross-validation on the models' training data (``training_files``: the development sets, the
``train_extra*`` sets, the validation sets whose lines were read, the hand-written cases), holding out whole
files: each file is one writer, so each fold's model scores copy by writers it never saw, as it will in use.
Per model, thresholds are then chosen on the held-out scores exactly as training chooses them (at most its
budget of the held-out clean lines flagged, :func:`compliance_rules.thresholds.choose`: 2% for the n-gram
model and 1% for the semantic head, as shipped, the head in its shipped MLP shape), and the eval reports
what the model alone catches there:

- ``ngram_cv_recall`` / ``semantic_cv_recall``: share of violating lines it flags, at
  ``*_cv_clean_fpr`` (≤ the budget) of the clean lines;
- ``either_cv_recall`` / ``either_cv_clean_fpr``: a line flagged by either model (as the full-depth check
  adds both): the two budgets add up on clean copy, which is why the models cost more false alarms together
  than each alone;
- ``joint_cv_recall`` / ``joint_cv_clean_fpr``: both models' thresholds chosen together, one greedy search
  (:func:`compliance_rules.thresholds.per_category`) over their 24 columns within the sum of the two budgets,
  so that the clean lines both flag count once; the search still counts a (line, category) pair both models
  catch once per model, so this is what a simple joint choice gives, not the best one;
- per file (writer), the n-gram model's recall and clean FPR, worst first, in the report.

The n-gram model fits 800 steps per fold (~25 minutes on one core for ~21,000 lines); the semantic head
encodes every line once with USE and e5 (~20 minutes on one core). Sets written blind and never read
(``BLIND``) are never used here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from numpy.typing import NDArray

from compliance_rules import classifier, semantic, thresholds
from compliance_rules.labelled import read_labelled

ROOT = Path(__file__).resolve().parents[2]
RESULTS = ROOT / "eval" / "results"
FOLDS = 5
BLIND = frozenset(
    f"compliance_{name}_zh"
    for name in (
        "test", "test2", "val6", "val15", "val17", "val18", "val21", "val22",
        "val23", "val24", "val25", "val26", "val27", "val28", "val29", "val30", "val31",
        "val32", "val33", "val34", "val35", "val36", "val37", "val38", "val39", "val40", "val41",
        "val42", "val43", "val44", "val45", "val46",
    )
)  # fmt: skip
"""Held-out sets: written blind, only their aggregates ever read; never trained or cross-validated on."""


def training_files() -> list[Path]:
    """The files the shipped models train on (see compliance_rules/models/TRAINING.md)."""
    files = [ROOT.parent / "shared" / "data" / "compliance_dev_zh.jsonl"]
    files += sorted((ROOT / "compliance_rules" / "data").glob("train_extra*_zh.jsonl"))
    files += [
        p for p in sorted((ROOT / "eval" / "datasets").glob("compliance_*_zh.jsonl")) if p.stem not in BLIND
    ]
    files += sorted((ROOT / "tests" / "unit" / "data").glob("compliance_*_cases.jsonl"))
    return [p for p in files if p.exists()]


def _labelled(files: list[Path]) -> tuple[list[str], list[set[str]], list[int]]:
    texts, labels, groups = read_labelled(files)
    known = set(classifier.CATEGORIES)  # SPEC_* and BRAND_* codes are not learnt
    return texts, [cats & known for cats in labels], groups


def _flags(
    held: NDArray[np.float32], labels: NDArray[np.float32], grid: NDArray[np.float64], budget: float
) -> NDArray[np.bool_]:
    """Which lines the model alone flags at the thresholds training would choose on these scores."""
    choice = thresholds.choose(held, labels, grid, budget, classifier.CATEGORIES)
    return np.asarray((held >= choice.per_category).any(axis=1), dtype=np.bool_)


JOINT_GRID = np.round(np.arange(0.99, 0.045, -0.01), 2)
"""The thresholds a joint choice considers for either model, highest first."""


def _joint_flags(
    ngram_held: NDArray[np.float32],
    semantic_held: NDArray[np.float32],
    labels: NDArray[np.float32],
    budget: float,
) -> NDArray[np.bool_]:
    """Which lines either model flags when both models' per-category thresholds are chosen together."""
    held = np.hstack([ngram_held, semantic_held]).astype(np.float32)
    chosen = thresholds.per_category(held, np.hstack([labels, labels]), JOINT_GRID, budget)
    return np.asarray((held >= chosen).any(axis=1), dtype=np.bool_)


def _rates(flags: NDArray[np.bool_], violating: NDArray[np.bool_]) -> tuple[float, float]:
    return float(flags[violating].mean()), float(flags[~violating].mean())


def run(
    dataset: Path | None = None,
    ngram_budget: float = 0.02,
    semantic_budget: float = 0.01,
    epochs: int = 800,
) -> dict[str, Any]:
    """Cross-validate both models by file on their training data and report recall at their FPR budgets."""
    if dataset is not None:
        raise ValueError("compliance_models cross-validates on the training files; it takes no --dataset")
    files = training_files()
    texts, line_categories, groups = _labelled(files)
    labels = thresholds.label_matrix(line_categories, classifier.CATEGORIES)
    violating = labels.sum(axis=1) > 0
    ngram_held = classifier.held_out_scores(texts, line_categories, folds=FOLDS, groups=groups, epochs=epochs)
    ngram = _flags(ngram_held, labels, classifier.GRID, ngram_budget)
    encoder = semantic.default_encoder()
    semantic_held = semantic.held_out_scores(
        encoder.encode(texts), line_categories, folds=FOLDS, groups=groups, shape=semantic.MLP
    )
    head = _flags(semantic_held, labels, semantic.GRID, semantic_budget)
    joint = _joint_flags(ngram_held, semantic_held, labels, ngram_budget + semantic_budget)
    metrics: dict[str, float] = {
        "lines": len(texts),
        "files": len(files),
        "ngram_budget": ngram_budget,
        "semantic_budget": semantic_budget,
    }
    for name, flags in (("ngram", ngram), ("semantic", head), ("either", ngram | head), ("joint", joint)):
        recall, fpr = _rates(flags, violating)
        metrics[f"{name}_cv_recall"] = round(recall, 4)
        metrics[f"{name}_cv_clean_fpr"] = round(fpr, 4)
    per_file = []
    group_ids = np.asarray(groups)
    for index, path in enumerate(files):
        mine = group_ids == index
        if not mine.any():
            continue
        bad, good = mine & violating, mine & ~violating
        per_file.append(
            {
                "file": path.name,
                "lines": int(mine.sum()),
                "ngram_recall": round(float(ngram[bad].mean()), 3) if bad.any() else None,
                "ngram_clean_fpr": round(float(ngram[good].mean()), 3) if good.any() else None,
                "either_clean_fpr": round(float((ngram | head)[good].mean()), 3) if good.any() else None,
            }
        )
    per_file.sort(key=lambda row: (row["ngram_recall"] is None, row["ngram_recall"] or 0.0))
    report = RESULTS / "compliance_models.md"
    _report(report, metrics, per_file, epochs)
    return {
        "metrics": metrics,
        "per_file": per_file,
        "epochs": epochs,
        "report": str(report.relative_to(ROOT)),
    }


def _report(path: Path, metrics: dict[str, float], per_file: list[dict[str, Any]], epochs: int) -> None:
    lines = [
        "# compliance_models: the second opinions on writers they never read",
        "",
        f"5-fold cross-validation holding out whole files; {metrics['lines']:.0f} lines in"
        f" {metrics['files']:.0f} files; thresholds chosen as training does, at most"
        f" {metrics['ngram_budget']:.0%} (n-gram) and {metrics['semantic_budget']:.0%} (semantic) of held-out"
        f" clean lines; n-gram {epochs} steps per fold. `joint`: both models' thresholds chosen together"
        " within the sum of the two budgets.",
        "",
        "| model | recall (violating lines flagged) | clean FPR |",
        "|---|---|---|",
    ]
    for name in ("ngram", "semantic", "either", "joint"):
        lines.append(
            f"| {name} | {metrics[f'{name}_cv_recall']:.3f} | {metrics[f'{name}_cv_clean_fpr']:.3f} |"
        )
    lines += [
        "",
        "Per file (writer), worst n-gram recall first:",
        "",
        "| file | lines | n-gram recall | n-gram clean FPR | either clean FPR |",
        "|---|---|---|---|---|",
    ]
    for row in per_file:
        cells = [row["file"], str(row["lines"])] + [
            "—" if row[k] is None else f"{row[k]:.3f}"
            for k in ("ngram_recall", "ngram_clean_fpr", "either_clean_fpr")
        ]
        lines.append("| " + " | ".join(cells) + " |")
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
