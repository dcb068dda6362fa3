"""Choosing shots for slots: a randomised depth-first search, weighted towards better shots (faces
first in the opening slot), that never repeats a duplicate group within a variant and returns only a
sequence not used by an earlier variant. With backtracking it finds an unused sequence whenever one
exists (within ``NODE_BUDGET`` steps, so the answer stays fast on large footage sets)."""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

from pipelines.video.types import ScoredShot

NODE_BUDGET = 20_000


@dataclass(frozen=True)
class Candidate:
    """A shot usable in a plan: seconds usable after trimming ``guard`` off both ends."""

    shot: ScoredShot
    guard: float
    usable: float


def _order(candidates: Sequence[Candidate], slot: int, rng: random.Random) -> list[int]:
    """Candidate indices in a weighted random order (Efraimidis–Spirakis keys)."""

    def weight(c: Candidate) -> float:
        bonus = 1.0 + (1.5 if slot == 0 and c.shot.faces else 0.0)
        return (0.15 + c.shot.score) * bonus

    keys = [(rng.random() ** (1.0 / weight(c)), i) for i, c in enumerate(candidates)]
    return [i for _, i in sorted(keys, reverse=True)]


def search_sequence(
    candidates: Sequence[Candidate],
    lengths: Sequence[float],
    used: set[tuple[str, ...]],
    rng: random.Random,
    max_slowdown: float,
) -> tuple[list[int] | None, bool]:
    """Indices of one candidate per slot forming a sequence not in ``used``, or None; and whether the
    search was exhaustive (no budget cut-off) — so None with True means no such sequence exists."""
    orders = []
    for slot, length in enumerate(lengths):
        order = _order(candidates, slot, rng)  # shots that fill the slot at full speed go first
        orders.append(sorted(order, key=lambda i: candidates[i].usable < length))
    chosen: list[int] = []
    groups: set[int] = set()
    budget = [NODE_BUDGET]

    def visit(slot: int) -> bool:
        if slot == len(lengths):
            return tuple(candidates[i].shot.key for i in chosen) not in used
        for i in orders[slot]:
            budget[0] -= 1
            if budget[0] <= 0:
                return False
            c = candidates[i]
            if c.shot.group in groups or c.usable * max_slowdown < lengths[slot]:
                continue
            chosen.append(i)
            groups.add(c.shot.group)
            if visit(slot + 1):
                return True
            chosen.pop()
            groups.discard(c.shot.group)
        return False

    found = visit(0)
    return (list(chosen) if found else None), budget[0] > 0
