"""A semantic second opinion: a multilingual sentence embedding and one logistic regression per category.

Rules and the n-gram model see words; paraphrases without the words (a 协和 doctor who "uses it at home",
"老了就没人要") slip past both. This head reads the sentence embedding of Universal Sentence Encoder
multilingual (``pipelines.embeddings.text``, numpy only, weights inside the pip package) and, like the n-gram
model, never decides alone: above its threshold it adds a ``warn`` finding (a person looks), never a block.

It costs a few milliseconds per text, so it runs at ``depth="full"`` (the default of the Python checker, the
review queue, generation, the CLI and the studio) and not at ``depth="fast"`` (the REST check's default:
real-time interception at thousands of checks per second).
Trained by ``atelier compliance train-semantic``; the head ships as ``models/semantic.npz`` (~16 KB).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Sequence
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Protocol

import numpy as np
from numpy.typing import NDArray

from compliance_rules import thresholds
from compliance_rules.models import Category, Finding, Severity, Source

CATEGORIES = tuple(c.value for c in Category)
MODEL_FILE = "models/semantic.npz"


class SentenceEncoder(Protocol):
    """What the head needs of an encoder: a name, a width and ``encode`` (float32 rows)."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> NDArray[np.float32]: ...


@dataclass
class SemanticHead:
    """Standardised embedding → one logistic regression per category (weights ``(dim, categories)``)."""

    encoder_name: str
    mean: NDArray[np.float32]
    scale: NDArray[np.float32]
    weights: NDArray[np.float32]
    bias: NDArray[np.float32]
    threshold: float
    version: str
    secondary: float | None = None
    """The bar once something else has flagged the text (None: ``threshold``)."""

    def scores(self, vectors: NDArray[np.float32]) -> NDArray[np.float32]:
        """Per row of ``vectors`` and per category, the probability."""
        logits = ((vectors - self.mean) / self.scale) @ self.weights + self.bias
        return np.asarray(1.0 / (1.0 + np.exp(-logits)), dtype=np.float32)

    def save(self, path: Path) -> None:
        meta = {
            "threshold": self.threshold,
            "version": self.version,
            "encoder": self.encoder_name,
            "secondary": self.secondary,
        }
        np.savez_compressed(
            path,
            mean=self.mean,
            scale=self.scale,
            weights=self.weights.astype(np.float16),
            bias=self.bias,
            meta=np.frombuffer(json.dumps(meta).encode(), np.uint8),
        )

    @classmethod
    def load(cls, path: Path) -> SemanticHead:
        with np.load(path) as data:
            meta = json.loads(bytes(data["meta"]).decode())
            weights = data["weights"].astype(np.float32)
            if weights.shape[1] != len(CATEGORIES):
                raise ValueError(
                    f"{path}: {weights.shape[1]} categories in the head; {len(CATEGORIES)} known"
                )
            return cls(
                encoder_name=str(meta["encoder"]),
                mean=data["mean"].astype(np.float32),
                scale=data["scale"].astype(np.float32),
                weights=weights,
                bias=data["bias"].astype(np.float32),
                threshold=float(meta["threshold"]),
                version=str(meta["version"]),
                secondary=None if meta.get("secondary") is None else float(meta["secondary"]),
            )


class SemanticOpinion:
    """A head over its encoder; ``findings`` is thread-safe (the encoder serialises its calls)."""

    def __init__(self, head: SemanticHead, encoder: SentenceEncoder) -> None:
        if encoder.name != head.encoder_name:
            raise ValueError(f"the head was trained on {head.encoder_name!r} vectors, not {encoder.name!r}")
        if encoder.dim != head.weights.shape[0]:
            raise ValueError(
                f"the head reads {head.weights.shape[0]}-d vectors; the encoder gives {encoder.dim}"
            )
        self.head = head
        self.encoder = encoder

    @property
    def version(self) -> str:
        return self.head.version

    def scores(self, texts: Sequence[str]) -> NDArray[np.float32]:
        """Per text and category, the probability (one encoder call for all of ``texts``)."""
        return self.head.scores(self.encoder.encode(list(texts)))

    def findings(
        self, text: str, already: set[str], source: Source = Source.TEXT, *, flagged: bool | None = None
    ) -> list[Finding]:
        """Warn findings for categories the head sees and nothing else found: score ≥ threshold, or ≥ the
        lower secondary bar when something else already flagged the text (``flagged``; by default, when
        ``already`` is not empty)."""
        head = self.head
        flagged = bool(already) if flagged is None else flagged
        bar = head.threshold if not flagged or head.secondary is None else head.secondary
        scores = self.scores([text])[0].tolist()
        return [
            Finding(
                category=category,
                rule_id=f"semantic/{self.head.version}",
                severity=Severity.WARN,
                message=f"语义模型判断可能涉及 {category}（{score:.2f}），规则未命中，请人工复核",
                suggestion="人工复核这段文案的整体含义",
                source=source,
            )
            for category, score in zip(CATEGORIES, scores, strict=True)
            if score >= bar and category not in already
        ]


def _fit(
    vectors: NDArray[np.float32],
    labels: NDArray[np.float32],
    *,
    steps: int = 1500,
    rate: float = 0.02,
    l2: float = 1e-4,
) -> tuple[NDArray[np.float32], NDArray[np.float32], NDArray[np.float32], NDArray[np.float32]]:
    """Standardise the vectors, then full-batch Adam on the logistic loss: (mean, scale, weights, bias)."""
    mean = vectors.mean(axis=0).astype(np.float32)
    scale = (vectors.std(axis=0) + 1e-6).astype(np.float32)
    x = (vectors - mean) / scale
    weights = np.zeros((x.shape[1], labels.shape[1]), dtype=np.float32)
    bias = np.zeros(labels.shape[1], dtype=np.float32)
    moments = [np.zeros_like(weights), np.zeros_like(weights), np.zeros_like(bias), np.zeros_like(bias)]
    for step in range(1, steps + 1):
        error = 1.0 / (1.0 + np.exp(-(x @ weights + bias))) - labels
        for param, grad, first, second in (
            (weights, x.T @ error / len(x) + l2 * weights, moments[0], moments[1]),
            (bias, error.mean(axis=0), moments[2], moments[3]),
        ):
            first *= 0.9
            first += 0.1 * grad
            second *= 0.999
            second += 0.001 * grad * grad
            param -= rate * (first / (1 - 0.9**step)) / (np.sqrt(second / (1 - 0.999**step)) + 1e-8)
    return mean, scale, weights, bias


GRID = np.round(np.arange(0.99, 0.495, -0.01), 2)
"""The thresholds training considers, highest first (never below 0.5)."""


def held_out_scores(
    vectors: NDArray[np.float32],
    categories: Sequence[set[str]],
    *,
    folds: int = 5,
    groups: Sequence[int] | None = None,
    encoder_name: str = "cv",
) -> NDArray[np.float32]:
    """Each line's scores from the fold head that did not see it (``groups``: whole sources held out)."""
    labels = thresholds.label_matrix(categories, CATEGORIES)
    every = np.arange(len(vectors))
    held = np.zeros_like(labels)
    for test in thresholds.fold_splits(len(vectors), folds, groups):
        fit_on = np.setdiff1d(every, test)
        mean, scale, weights, bias = _fit(vectors[fit_on], labels[fit_on])
        held[test] = SemanticHead(encoder_name, mean, scale, weights, bias, 1.0, "cv").scores(vectors[test])
    return held


def train(
    vectors: NDArray[np.float32],
    categories: Sequence[set[str]],
    *,
    encoder_name: str,
    max_clean_fpr: float = 0.02,
    folds: int = 5,
    version: str = "semantic-v1",
    groups: Sequence[int] | None = None,
) -> tuple[SemanticHead, dict[str, float]]:
    """Fit on everything; pick the threshold by cross-validation so that, on held-out clean lines, the
    head alone flags at most ``max_clean_fpr`` of them (never below 0.5). ``groups`` (a source per line)
    holds out whole sources (:func:`thresholds.fold_splits`)."""
    # SPEC_* and BRAND_* codes come from format and brand checks, not from what the copy says: not learnt
    unknown = {c for cats in categories for c in cats if not c.startswith(("SPEC_", "BRAND_"))} - set(
        CATEGORIES
    )
    if unknown:
        raise ValueError(f"unknown categories in the training data: {sorted(unknown)}")
    if len(vectors) != len(categories) or len(vectors) < folds * 2:
        raise ValueError(f"need one label set per vector and at least {folds * 2} lines")
    labels = thresholds.label_matrix(categories, CATEGORIES)
    held = held_out_scores(vectors, categories, folds=folds, groups=groups, encoder_name=encoder_name)
    choice = thresholds.choose(held, labels, GRID, max_clean_fpr, CATEGORIES)
    stats = {**choice.stats, "lines": len(vectors)}
    mean, scale, weights, bias = _fit(vectors, labels)
    bias = thresholds.fold_into_bias(bias, choice.per_category, choice.common)
    return SemanticHead(
        encoder_name, mean, scale, weights, bias, choice.common, version, choice.secondary
    ), stats


def default_encoder() -> SentenceEncoder:
    """The encoder the shipped head was trained on (loads its weights on first use)."""
    from pipelines.embeddings.text import UseMultilingualEncoder

    return UseMultilingualEncoder(threads=1)


_builtin_lock = threading.Lock()
_builtin: list[SemanticOpinion | None] = []


def builtin_semantic() -> SemanticOpinion | None:
    """The shipped head over its encoder (one per process), or None when the head file is not there."""
    with _builtin_lock:
        if not _builtin:
            path = Path(str(resources.files("compliance_rules").joinpath(MODEL_FILE)))
            _builtin.append(
                SemanticOpinion(SemanticHead.load(path), default_encoder()) if path.exists() else None
            )
        return _builtin[0]
