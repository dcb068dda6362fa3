"""Reciprocal rank fusion: several ranked lists of ids become one ranking (Cormack et al., SIGIR 2009)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

DEFAULT_K = 60


@dataclass(frozen=True)
class Fused:
    """One fused result: its id, RRF score and the legs (by label) that found it, best leg first."""

    id: str
    score: float
    legs: tuple[str, ...]


def reciprocal_rank_fusion(
    rankings: Sequence[tuple[str, Sequence[str]]], *, k: int = DEFAULT_K
) -> list[Fused]:
    """Fuse ``(label, ids best first)`` lists: ``score(id) = sum over lists of 1 / (k + rank)``, rank from 1.

    An id repeated within one list counts once, at its first rank (repeats take no rank). Ties break by the
    best single rank, then by id, so the order is deterministic (pagination relies on it).
    """
    if k < 1:
        raise ValueError("k must be at least 1")
    scores: dict[str, float] = {}
    best: dict[str, int] = {}
    legs: dict[str, list[tuple[int, str]]] = {}
    for label, ids in rankings:
        seen: set[str] = set()
        for item in ids:
            if item in seen:
                continue
            seen.add(item)
            rank = len(seen)
            scores[item] = scores.get(item, 0.0) + 1.0 / (k + rank)
            best[item] = min(best.get(item, rank), rank)
            legs.setdefault(item, []).append((rank, label))
    order = sorted(scores, key=lambda i: (-scores[i], best[i], i))
    return [Fused(i, scores[i], _labels(legs[i])) for i in order]


def _labels(found: list[tuple[int, str]]) -> tuple[str, ...]:
    out: list[str] = []
    for _, label in sorted(found):
        if label not in out:
            out.append(label)
    return tuple(out)
