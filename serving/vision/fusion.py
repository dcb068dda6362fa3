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


def fuse_with_tail(
    rankings: Sequence[tuple[str, Sequence[str]]],
    tail: Sequence[tuple[str, Sequence[str]]],
    *,
    k: int = DEFAULT_K,
    depth: int,
) -> list[Fused]:
    """RRF over ``rankings``, then the ids of the ``tail`` lists that no ranking holds, in tail order.

    A tail id scores ``1 / (k + depth + n)`` for the n-th tail id: under every fused score when no ranking
    is longer than ``depth`` (its worst score is ``1 / (k + depth)``), so the tail never outranks a fused
    id and the order stays strictly by score."""
    fused = reciprocal_rank_fusion(rankings, k=k)
    seen = {f.id for f in fused}
    added = 0
    for label, ids in tail:
        for item in ids:
            if item not in seen:
                seen.add(item)
                added += 1
                fused.append(Fused(item, 1.0 / (k + depth + added), (label,)))
    return fused


def _labels(found: list[tuple[int, str]]) -> tuple[str, ...]:
    out: list[str] = []
    for _, label in sorted(found):
        if label not in out:
            out.append(label)
    return tuple(out)
