"""A learned second opinion: hashed character n-grams and one logistic regression per category.

It never decides alone: above its threshold it adds a ``warn`` finding (so a person looks), never a block.
Trained from labelled JSONL by ``atelier compliance train``; the weights ship as ``models/ngram.npz``.
Features are computed with numpy on the normalised text (uni-, bi- and trigrams of code points hashed into
2^16 buckets, counts, L2-normalised by the number of n-grams), so a check costs tens of microseconds.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from compliance_rules import thresholds
from compliance_rules.models import Category, Finding, Severity, Source
from compliance_rules.normalize import normalize

BUCKETS = 1 << 16
CATEGORIES = tuple(c.value for c in Category)
MODEL_FILE = "models/ngram.npz"
_P1, _P2 = np.uint32(1_000_003), np.uint32(998_244_353)


def buckets(text: str, normalized: str | None = None) -> NDArray[np.int64]:
    """Hashed uni/bi/trigram buckets of the normalised text; pass ``normalized`` if known."""
    folded = normalize(text).text if normalized is None else normalized
    return _hashes(folded).astype(np.int64)  # repeats count (a term said twice weighs more)


def _hashes(folded: str) -> NDArray[np.uint32]:
    """The buckets of ``folded``: unigrams ``c*3+1``, bigrams ``(a*P1+b)*3+2``, trigrams
    ``((a*P1+b)*P2+c)*3``, in that order (the weights are summed in it), modulo BUCKETS.

    BUCKETS is a power of two that divides 2^32, so wrapping uint32 arithmetic has the same remainders as
    the exact (or int64) arithmetic the model was trained with. With ``t = 3*c``: bigram ``t_a*P1+t_b+2``
    and trigram ``(t_a*P1+t_b)*P2+t_c``, built in place (a check runs this once; each numpy call counts)."""
    codes = np.frombuffer(folded.encode("utf-32-le"), dtype=np.uint32)
    size = len(codes)
    out = np.empty(max(3 * size - 3, size), dtype=np.uint32)
    tripled = codes * np.uint32(3)
    np.add(tripled, 1, out=out[:size])
    if size > 1:
        pairs = out[size : 2 * size - 1]
        np.multiply(tripled[:-1], _P1, out=pairs)
        pairs += tripled[1:]  # t_a*P1 + t_b, the bigram before its +2
        if size > 2:
            trigrams = out[2 * size - 1 :]
            np.multiply(pairs[:-1], _P2, out=trigrams)
            trigrams += tripled[2:]
        pairs += 2
    out &= BUCKETS - 1
    return out


@dataclass
class NgramClassifier:
    weights: NDArray[np.float32]  # (BUCKETS, categories)
    bias: NDArray[np.float32]
    threshold: float
    version: str
    secondary: float | None = None
    """The bar once the rules have flagged the text (None: ``threshold``); see compliance_rules.thresholds."""

    def logits(self, text: str, normalized: str | None = None) -> NDArray[np.float32] | None:
        """Per category, the logit; None for text without characters."""
        index = _hashes(normalize(text).text if normalized is None else normalized)
        if len(index) == 0:
            return None
        # take() gathers the same rows as weights[index], faster; np.add.reduce is what ndarray.sum runs
        # (same order, so the same float32 sums), without its Python wrapper
        rows = self.weights.take(index, axis=0)
        logits: NDArray[np.float32] = np.add.reduce(rows, axis=0) / np.float32(math.sqrt(len(index)))
        logits += self.bias
        return logits

    def scores(self, text: str, normalized: str | None = None) -> NDArray[np.float32]:
        logits = self.logits(text, normalized)
        if logits is None:
            return np.zeros(len(CATEGORIES), dtype=np.float32)
        return _sigmoid(logits)

    def findings(
        self,
        text: str,
        already: set[str],
        source: Source = Source.TEXT,
        normalized: str | None = None,
        *,
        flagged: bool | None = None,
    ) -> list[Finding]:
        """Warn findings for categories the classifier sees and the rules did not find: at ``threshold``,
        or at ``secondary`` once the text is ``flagged`` (by default: ``already`` is not empty). Most copy has
        none: the logits are compared with the threshold's logit first, and scores (the sigmoid, in float32
        as :meth:`scores` computes it) are computed only when a category the rules missed is above it."""
        logits = self.logits(text, normalized)
        if logits is None:
            return []
        flagged = bool(already) if flagged is None else flagged
        bar = self.threshold if not flagged or self.secondary is None else self.secondary
        cut = _cut(bar)
        if not any(  # plain floats: cheaper than numpy calls on twelve numbers
            logit >= cut and category not in already
            for category, logit in zip(CATEGORIES, logits.tolist(), strict=True)
        ):
            return []  # nothing reaches the threshold that the rules have not found already
        scores = _sigmoid(logits)
        return [
            Finding(
                category=category,
                rule_id=f"classifier/{self.version}",
                severity=Severity.WARN,
                message=f"模型判断可能涉及 {category}（{score:.2f}），规则未命中，请人工复核",
                suggestion="人工复核这段文案",
                source=source,
            )
            for category, score in zip(CATEGORIES, scores.tolist(), strict=True)
            if score >= bar and category not in already
        ]

    def save(self, path: Path) -> None:
        rows = np.flatnonzero(np.any(self.weights != 0, axis=1))
        np.savez_compressed(
            path,
            rows=rows.astype(np.int32),
            values=self.weights[rows].astype(np.float16),
            bias=self.bias,
            meta=np.frombuffer(
                json.dumps(
                    {"threshold": self.threshold, "version": self.version, "secondary": self.secondary}
                ).encode(),
                np.uint8,
            ),
        )

    @classmethod
    def load(cls, path: Path) -> NgramClassifier:
        with np.load(path) as data:
            weights = np.zeros((BUCKETS, len(CATEGORIES)), dtype=np.float32)
            weights[data["rows"]] = data["values"].astype(np.float32)
            meta = json.loads(bytes(data["meta"]).decode())
            secondary = meta.get("secondary")
            return cls(
                weights,
                data["bias"].astype(np.float32),
                float(meta["threshold"]),
                str(meta["version"]),
                None if secondary is None else float(secondary),
            )


def _cut(threshold: float) -> float:
    """A logit below which no score reaches ``threshold`` (a little under its logit, so float32 rounding in
    the sigmoid cannot put a score that reaches it below the cut)."""
    if not 0.0 < threshold < 1.0:
        return -math.inf
    return math.log(threshold / (1.0 - threshold)) - 1e-3


def _sigmoid(logits: NDArray[np.float32]) -> NDArray[np.float32]:
    """The logistic function, in place (``logits`` is overwritten)."""
    np.negative(logits, out=logits)
    np.exp(logits, out=logits)
    logits += 1.0
    return np.asarray(np.divide(1.0, logits, out=logits), dtype=np.float32)


def builtin_classifier() -> NgramClassifier | None:
    """The shipped model, or None when it is not there (rules only)."""
    path = Path(str(resources.files("compliance_rules").joinpath(MODEL_FILE)))
    return NgramClassifier.load(path) if path.exists() else None


def _matrix(texts: Sequence[str]) -> tuple[list[NDArray[np.int64]], NDArray[np.float32]]:
    rows = [buckets(t) for t in texts]
    norms = np.array([1.0 / np.sqrt(max(len(r), 1)) for r in rows], dtype=np.float32)
    return rows, norms


def _fit(
    rows: list[NDArray[np.int64]],
    norms: NDArray[np.float32],
    labels: NDArray[np.float32],
    epochs: int = 800,
    rate: float = 80.0,
    l2: float = 1e-6,
) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
    """Full-batch gradient descent on the logistic loss, sparse rows, one output per category.

    The fit is still short of convergence at these settings, and held-out recall rises with it: 5-fold CV
    holding out whole files (13,053 lines, recall of the model alone at 2% clean FPR) gave 0.690 at 400 steps
    and l2 1e-5, 0.733 at l2 1e-6, 0.757 at 800 steps, and 0.499 at l2 1e-4 (see models/TRAINING.md)."""
    weights = np.zeros((BUCKETS, labels.shape[1]), dtype=np.float32)
    bias = np.zeros(labels.shape[1], dtype=np.float32)
    flat = np.concatenate(rows)
    owner = np.repeat(np.arange(len(rows)), [len(r) for r in rows])
    scale = norms[owner]
    logits = np.empty_like(labels)
    gradient = np.empty_like(weights)
    for _ in range(epochs):
        # sums over each line's n-grams and each bucket's lines: one bincount per category (np.add.at's
        # unbuffered scatter is an order of magnitude slower on a few million n-grams)
        for c in range(labels.shape[1]):
            logits[:, c] = np.bincount(owner, weights=weights[flat, c] * scale, minlength=len(rows))
        error = 1.0 / (1.0 + np.exp(-(logits + bias))) - labels
        for c in range(labels.shape[1]):
            gradient[:, c] = np.bincount(flat, weights=error[owner, c] * scale, minlength=BUCKETS)
        weights -= rate * (gradient / len(rows) + l2 * weights)
        bias -= rate * error.mean(axis=0)
    return weights, bias


GRID = np.round(np.arange(0.95, 0.04, -0.01), 2)
"""The thresholds training considers, highest first."""


def train(
    texts: Sequence[str],
    categories: Sequence[set[str]],
    *,
    max_clean_fpr: float = 0.02,
    folds: int = 5,
    version: str = "ngram-v1",
    groups: Sequence[int] | None = None,
    epochs: int = 800,
    l2: float = 1e-6,
) -> tuple[NgramClassifier, dict[str, float]]:
    """Fit on everything; pick a threshold per category by cross-validation so that, on held-out clean lines,
    the classifier alone flags at most ``max_clean_fpr`` of them (:mod:`compliance_rules.thresholds`); the
    per-category thresholds are folded into the biases, so the model keeps one threshold. ``groups`` (a
    source per line) holds out whole sources (:func:`thresholds.fold_splits`)."""
    labels = thresholds.label_matrix(categories, CATEGORIES)
    rows, norms = _matrix(texts)
    held_scores = _held_out(texts, rows, norms, labels, folds, groups, epochs, l2, version)
    choice = thresholds.choose(held_scores, labels, GRID, max_clean_fpr, CATEGORIES)
    stats = {**choice.stats, "lines": len(texts), "epochs": epochs, "l2": l2}
    weights, bias = _fit(rows, norms, labels, epochs=epochs, l2=l2)
    bias = thresholds.fold_into_bias(bias, choice.per_category, choice.common)
    return NgramClassifier(weights, bias, choice.common, version, choice.secondary), stats


def held_out_scores(
    texts: Sequence[str],
    categories: Sequence[set[str]],
    *,
    folds: int = 5,
    groups: Sequence[int] | None = None,
    epochs: int = 800,
    l2: float = 1e-6,
) -> NDArray[np.float32]:
    """Each line's scores from the fold model that did not see it (``groups``: whole sources held out)."""
    rows, norms = _matrix(texts)
    labels = thresholds.label_matrix(categories, CATEGORIES)
    return _held_out(texts, rows, norms, labels, folds, groups, epochs, l2, "cv")


def _held_out(
    texts: Sequence[str],
    rows: list[NDArray[np.int64]],
    norms: NDArray[np.float32],
    labels: NDArray[np.float32],
    folds: int,
    groups: Sequence[int] | None,
    epochs: int,
    l2: float,
    version: str,
) -> NDArray[np.float32]:
    every = np.arange(len(rows))
    held = np.zeros_like(labels)
    for test in thresholds.fold_splits(len(rows), folds, groups):
        train_idx = np.setdiff1d(every, test)
        w, b = _fit([rows[i] for i in train_idx], norms[train_idx], labels[train_idx], epochs=epochs, l2=l2)
        model = NgramClassifier(w, b, 1.0, version)
        for i in test:
            held[i] = model.scores(texts[i])
    return held
