"""N differentiated posters from copy variants x templates x palettes, deterministic by seed."""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Sequence
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from pipelines.poster.brand import Palette
from pipelines.poster.errors import PosterError
from pipelines.poster.request import PosterCopy, PosterRequest
from pipelines.poster.template import Template


class PlannedPoster(BaseModel):
    """One planned poster: which copy, template and palette, and its own seed."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    copy_index: int = Field(ge=0, description="Index into the copy variants.")
    content: PosterCopy
    template: str | Template
    palette: Palette
    seed: int

    def request(self, **fields: Any) -> PosterRequest:
        """The compose request for this plan entry; ``fields`` add brand, product, sizes, …"""
        return PosterRequest(
            template=self.template, content=self.content, palette=self.palette, seed=self.seed, **fields
        )


def _name(template: str | Template) -> str:
    return template if isinstance(template, str) else template.name


def plan_posters(
    copies: Sequence[PosterCopy],
    templates: Sequence[str | Template],
    palettes: Sequence[Palette],
    n: int,
    seed: int = 0,
) -> list[PlannedPoster]:
    """``n`` posters spread over every copy, template and palette: each pick is the (seed-shuffled)
    combination whose most-used part (copy, template or palette) has been used least so far, and no
    combination repeats until all have been used (then each repeat gets a new seed, so a new gradient or
    pattern)."""
    if n < 1:
        raise PosterError("n", f"must be at least 1, got {n}")
    for field, values in (("copies", copies), ("templates", templates), ("palettes", palettes)):
        if not values:
            raise PosterError(field, "is empty")
    rng = random.Random(seed)
    combos = [
        (c, t, p) for c in range(len(copies)) for t in range(len(templates)) for p in range(len(palettes))
    ]
    rng.shuffle(combos)
    used: dict[str, Counter[int]] = {"copy": Counter(), "template": Counter(), "palette": Counter()}
    planned: list[PlannedPoster] = []
    remaining: list[tuple[int, int, int]] = []
    for _ in range(n):
        if not remaining:
            remaining = list(combos)
        best = min(
            remaining,
            key=lambda combo: (
                max(used["copy"][combo[0]], used["template"][combo[1]], used["palette"][combo[2]]),
                used["copy"][combo[0]] + used["template"][combo[1]] + used["palette"][combo[2]],
            ),
        )
        remaining.remove(best)
        c, t, p = best
        used["copy"][c] += 1
        used["template"][t] += 1
        used["palette"][p] += 1
        planned.append(
            PlannedPoster(
                copy_index=c,
                content=copies[c],
                template=templates[t],
                palette=palettes[p],
                seed=rng.randrange(2**31),
            )
        )
    return planned
