"""The script's timing and how it is cut into shot slots at a pacing.

A script is a list of segment durations (one per subtitle cue / voice-over line, from the speech step)
or a plain total. Shots change on segment boundaries, and long segments are split evenly into slots of
about the pacing's shot length, so cuts follow the voice."""

from __future__ import annotations

import math
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

Pacing = Literal["fast", "medium", "calm"]
PACINGS: tuple[Pacing, ...] = ("medium", "fast", "calm")
SHOT_SECONDS: dict[Pacing, float] = {"fast": 1.3, "medium": 2.0, "calm": 3.2}
"""Target shot length of each pacing."""
MIN_SLOT_S = 0.6


class Timing(BaseModel):
    """Segment durations of the script, in order (seconds)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    segments: list[float] = Field(min_length=1, description="Duration of each script segment, seconds.")

    @field_validator("segments")
    @classmethod
    def _positive(cls, value: list[float]) -> list[float]:
        if any(s <= 0 for s in value):
            raise ValueError("segment durations must be > 0")
        return value

    @property
    def total(self) -> float:
        return float(sum(self.segments))

    @classmethod
    def from_total(cls, total: float, segment: float = 2.5) -> Timing:
        """A plain duration, cut into near-equal segments of about ``segment`` seconds."""
        if total <= 0:
            raise ValueError(f"script duration must be > 0, got {total}")
        count = max(1, round(total / segment))
        return cls(segments=[total / count] * count)

    @property
    def boundaries(self) -> list[float]:
        """Start time of every segment after the first."""
        out, at = [], 0.0
        for seconds in self.segments[:-1]:
            at += seconds
            out.append(at)
        return out


def coerce_timing(value: Timing | float | list[float]) -> Timing:
    """Timing from a Timing, a total in seconds or a list of segment durations."""
    if isinstance(value, Timing):
        return value
    if isinstance(value, int | float):
        return Timing.from_total(float(value))
    return Timing(segments=[float(v) for v in value])


def slots(timing: Timing, pacing: Pacing, max_slot: float) -> list[tuple[float, bool]]:
    """(length, starts_a_segment) of each shot slot: every segment split into equal slots near the
    pacing's shot length, none longer than ``max_slot`` (the longest any shot can fill)."""
    target = min(SHOT_SECONDS[pacing], max_slot)
    out: list[tuple[float, bool]] = []
    for seconds in timing.segments:
        count = max(1, round(seconds / target), math.ceil(seconds / max_slot - 1e-9))
        count = max(1, min(count, int(seconds / MIN_SLOT_S) or 1))
        out.extend((seconds / count, i == 0) for i in range(count))
    return out
