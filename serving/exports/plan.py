"""Which source goes to which placement, and where each rendition is stored."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

from compliance_rules.placements import Resolved
from pipelines.renditions.types import Target
from serving.exports.sources import SourceAsset

EXTENSIONS = {"jpeg": "jpg", "png": "png", "webp": "webp", "mp4": "mp4"}


@dataclass(frozen=True)
class Work:
    """One rendition to make: a source, a placement, the target, the asset paths."""

    source: SourceAsset
    placement: Resolved
    target: Target
    path: str
    cover_path: str | None


@dataclass(frozen=True)
class Skipped:
    """A placement no source could serve."""

    placement: Resolved
    reason: str


def _distance(source: SourceAsset, placement: Resolved) -> float:
    aw, ah = placement.aspect
    return abs(math.log((source.width / source.height) / (aw / ah)))


def plan_work(
    job_id: str,
    sources: list[SourceAsset],
    placements: list[Resolved],
    pick: Literal["each", "closest_aspect"],
) -> tuple[list[Work], list[Skipped]]:
    """Renditions to make and placements skipped (no source of their kind). ``each``: every source of
    the placement's kind; ``closest_aspect``: the one whose shape is nearest (then the largest)."""
    pairs: list[tuple[SourceAsset, Resolved]] = []
    skipped: list[Skipped] = []
    for placement in placements:
        fitting = [s for s in sources if s.kind == placement.kind]
        if not fitting:
            skipped.append(Skipped(placement, f"no {placement.kind} among the sources"))
            continue
        if pick == "closest_aspect":
            fitting = [min(fitting, key=lambda s: (_distance(s, placement), -s.width * s.height))]
        pairs += [(source, placement) for source in fitting]
    number = {s.path: i + 1 for i, s in enumerate(sources)}
    nested = len({s.path for s, _ in pairs}) > 1
    folder = f"exports/{job_id.lower()}"
    works = []
    for source, placement in pairs:
        stem = f"{folder}/{number[source.path]:02d}-{source.stem}" if nested else folder
        ext = EXTENSIONS[placement.format]
        cover = f"{stem}/{placement.id}.cover.jpg" if placement.kind == "video" else None
        target = placement.target(source.width, source.height)
        works.append(Work(source, placement, target, f"{stem}/{placement.id}.{ext}", cover))
    return works, skipped
