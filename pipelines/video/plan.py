"""Edit plans: which shots, trimmed where, cropped how, joined by which transitions, for one variant;
:func:`plan_variants` makes N plans from the same footage that no two share a shot sequence.

Footage shorter than the script: a shot may be slowed down to ``MAX_SLOWDOWN`` (1.5×, speed ≥ 0.67) to
fill its slot; a variant never repeats a shot (nor a near-duplicate of one), so when even slowed down the
footage cannot cover the script, :class:`NotEnoughFootage` says how many seconds it has and needs."""

from __future__ import annotations

import hashlib
import math
import random
from collections.abc import Sequence
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines.video.crop import Crop, Fit, choose_fit, smart_crop
from pipelines.video.errors import NotEnoughFootage, NotEnoughVariants, VideoError
from pipelines.video.presets import Preset, get_preset
from pipelines.video.selection import Candidate, search_sequence
from pipelines.video.timing import PACINGS, Pacing, Timing, coerce_timing, slots
from pipelines.video.types import ScoredShot

TransitionKind = Literal[
    "cut", "fade", "fadeblack", "dissolve", "smoothleft", "smoothup", "slideleft", "wipeleft", "circleopen"
]
TRANSITION_STYLES: dict[str, tuple[TransitionKind, ...]] = {
    "cuts": ("cut",),
    "soft": ("fade", "dissolve", "fadeblack"),
    "dynamic": ("smoothleft", "smoothup", "slideleft", "wipeleft", "circleopen"),
}
TRANSITION_S = 0.3
MAX_SLOWDOWN = 1.5
GUARD_S = 0.08
"""Seconds kept off each end of a shot (the cut frame and its neighbours)."""


class Transition(BaseModel):
    """How one clip gives way to the next."""

    model_config = ConfigDict(frozen=True)

    kind: TransitionKind = "cut"
    duration: float = Field(default=0.0, ge=0, description="Overlap in seconds (0 for a cut).")


class Clip(BaseModel):
    """One shot on the timeline."""

    model_config = ConfigDict(frozen=True)

    source: str
    shot: str = Field(description="Shot key (source#index).")
    group: int = Field(description="Near-duplicate group of the shot.")
    start: float = Field(ge=0, description="In-point in the source, seconds.")
    source_duration: float = Field(gt=0, description="Seconds of source used.")
    duration: float = Field(gt=0, description="Seconds on the timeline, transition overlaps included.")
    source_width: int
    source_height: int
    source_fps: float
    has_audio: bool
    fit: Fit
    crop: Crop | None = Field(default=None, description="Smart-crop window (fit 'crop').")

    @property
    def speed(self) -> float:
        """Source seconds per timeline second (below 1: slowed down)."""
        return self.source_duration / self.duration


class EditPlan(BaseModel):
    """A complete edit of one variant; the render is a pure function of it (and its inputs)."""

    model_config = ConfigDict(frozen=True)

    variant: int = Field(ge=0)
    seed: int
    preset: Preset
    duration: float = Field(gt=0, description="Output length, seconds.")
    segments: list[float] = Field(description="The script timing it was cut to.")
    pacing: Pacing
    transition_style: str
    clips: list[Clip] = Field(min_length=1)
    transitions: list[Transition] = Field(description="One per junction: len(clips) - 1.")
    music_offset: float = Field(
        default=0.0, ge=0, description="Where in the music track this variant starts."
    )
    hook_duration: float = Field(default=2.0, ge=0, description="Seconds the intro hook card shows.")
    end_card_duration: float = Field(default=2.0, ge=0, description="Seconds the end card shows, at the end.")

    @property
    def sequence(self) -> tuple[str, ...]:
        """The shot sequence (keys in order): no two variants of one batch share it."""
        return tuple(c.shot for c in self.clips)

    def digest(self) -> str:
        """sha256 of the plan's JSON: what the render's resume checks against."""
        return hashlib.sha256(self.model_dump_json().encode()).hexdigest()


def plan_variants(
    shots: Sequence[ScoredShot],
    timing: Timing | float | list[float],
    preset: Preset | str,
    n: int,
    seed: int = 0,
    *,
    music_duration: float | None = None,
    music_offsets: Sequence[float] | None = None,
    hook_duration: float = 2.0,
    end_card_duration: float = 2.0,
) -> list[EditPlan]:
    """N differentiated plans: distinct shot sequences (guaranteed), pacings, crops, transitions and music
    offsets (``music_offsets``: section starts from the music step; else spread over ``music_duration``).

    Raises NotEnoughFootage when the footage cannot cover the script, NotEnoughVariants (with
    ``possible``) when fewer than ``n`` distinct sequences exist, VideoError ``too_long`` past the
    preset's limit."""
    if n < 1:
        raise ValueError(f"n must be >= 1, got {n}")
    preset, timing = get_preset(preset), coerce_timing(timing)
    if timing.total > preset.max_duration:
        raise VideoError(
            f"script is {timing.total:.1f} s; {preset.name} allows at most {preset.max_duration:.0f} s",
            "too_long",
        )
    candidates = _candidates(shots)
    longest = max(c.usable for c in candidates) * MAX_SLOWDOWN
    _check_coverage(candidates, timing)
    _check_bound(candidates, timing, longest, n)
    rng = random.Random(seed)
    used: set[tuple[str, ...]] = set()
    plans: list[EditPlan] = []
    exhausted = True
    offsets = _music_offsets(n, timing.total, music_duration, music_offsets, rng)
    for variant in range(n):
        first = variant % len(PACINGS)
        for pacing in PACINGS[first:] + PACINGS[:first]:
            layout = slots(timing, pacing, longest)
            found, complete = search_sequence(candidates, [s for s, _ in layout], used, rng, MAX_SLOWDOWN)
            exhausted = exhausted and complete
            if found is not None:
                break
        else:
            if not plans:
                raise NotEnoughFootage(_short_message(candidates, timing))
            bound = "" if exhausted else "at least "
            raise NotEnoughVariants(
                f"the footage gives {bound}{len(plans)} distinct shot sequences for this "
                f"{timing.total:.1f} s script, {n} were asked for: add footage or ask for fewer variants",
                possible=len(plans),
            )
        used.add(tuple(candidates[i].shot.key for i in found))
        style = list(TRANSITION_STYLES)[(variant + rng.randrange(3)) % len(TRANSITION_STYLES)]
        plans.append(
            _build(
                variant, seed, preset, timing, pacing, style, layout, [candidates[i] for i in found], rng
            ).model_copy(update={"music_offset": offsets[variant]})
        )
    cap = 0.3 * timing.total
    return [
        p.model_copy(
            update={
                "hook_duration": min(hook_duration, cap),
                "end_card_duration": min(end_card_duration, cap),
            }
        )
        for p in plans
    ]


def _candidates(shots: Sequence[ScoredShot]) -> list[Candidate]:
    out = []
    for shot in shots:
        guard = min(GUARD_S, shot.shot.duration * 0.1)
        usable = shot.shot.duration - 2 * guard
        if usable > 0.2:
            out.append(Candidate(shot=shot, guard=guard, usable=usable))
    if not out:
        raise NotEnoughFootage("no usable shot in the footage (every shot is under 0.2 s)")
    return out


def _check_bound(candidates: Sequence[Candidate], timing: Timing, longest: float, n: int) -> None:
    """Refuse at once when ``n`` exceeds even the count of orderings of distinct shots (no search)."""
    groups = len({c.shot.group for c in candidates})
    lengths = {len(slots(timing, pacing, longest)) for pacing in PACINGS}
    bound = sum(math.perm(groups, k) for k in lengths if k <= groups)
    if n > bound:
        raise NotEnoughVariants(
            f"the footage gives at most {bound} distinct shot sequences for this {timing.total:.1f} s "
            f"script ({groups} distinct shots), {n} were asked for: add footage or ask for fewer variants",
            possible=bound,
        )


def _check_coverage(candidates: Sequence[Candidate], timing: Timing) -> None:
    best: dict[int, float] = {}
    for c in candidates:
        best[c.shot.group] = max(best.get(c.shot.group, 0.0), c.usable)
    if sum(best.values()) * MAX_SLOWDOWN < timing.total:
        raise NotEnoughFootage(_short_message(candidates, timing))


def _short_message(candidates: Sequence[Candidate], timing: Timing) -> str:
    groups = {c.shot.group for c in candidates}
    seconds = sum(max(c.usable for c in candidates if c.shot.group == g) for g in groups)
    return (
        f"footage too short for the script: {len(groups)} distinct shots give {seconds:.1f} s "
        f"({seconds * MAX_SLOWDOWN:.1f} s slowed down to {1 / MAX_SLOWDOWN:.2f}× speed), the script needs "
        f"{timing.total:.1f} s in slots of up to {max(timing.segments):.1f} s"
    )


def _music_offsets(
    n: int, total: float, music_duration: float | None, offsets: Sequence[float] | None, rng: random.Random
) -> list[float]:
    if offsets:
        start = rng.randrange(len(offsets))
        return [float(offsets[(start + i) % len(offsets)]) for i in range(n)]
    if not music_duration or music_duration <= total:
        return [0.0] * n
    grid = [round(i * 2.0, 3) for i in range(int((music_duration - total) // 2.0) + 1)]
    rng.shuffle(grid)
    return [grid[i % len(grid)] for i in range(n)]


def _build(
    variant: int,
    seed: int,
    preset: Preset,
    timing: Timing,
    pacing: Pacing,
    style: str,
    layout: list[tuple[float, bool]],
    chosen: list[Candidate],
    rng: random.Random,
) -> EditPlan:
    kinds = TRANSITION_STYLES[style]
    transitions = []
    for i in range(1, len(layout)):
        seconds, starts_segment = layout[i]
        overlap = min(TRANSITION_S, 0.4 * min(seconds, layout[i - 1][0]))
        kind = rng.choice(kinds) if starts_segment and kinds != ("cut",) else "cut"
        transitions.append(Transition(kind=kind, duration=0.0 if kind == "cut" else round(overlap, 3)))
    clips = []
    for i, ((seconds, _), pick) in enumerate(zip(layout, chosen, strict=True)):
        left = transitions[i - 1].duration / 2 if i > 0 else 0.0
        right = transitions[i].duration / 2 if i < len(transitions) else 0.0
        clips.append(_clip(pick, seconds + left + right, preset, rng))
    return EditPlan(
        variant=variant,
        seed=seed,
        preset=preset,
        duration=round(timing.total, 3),
        segments=list(timing.segments),
        pacing=pacing,
        transition_style=style,
        clips=clips,
        transitions=transitions,
    )


def _clip(pick: Candidate, duration: float, preset: Preset, rng: random.Random) -> Clip:
    shot = pick.shot
    source_duration = min(duration, pick.usable)
    earliest = shot.shot.start + pick.guard
    start = earliest + rng.uniform(0.0, max(0.0, pick.usable - source_duration))
    fit = choose_fit(shot.width, shot.height, shot.subject, shot.subject_kind, preset)
    crop = smart_crop(shot.width, shot.height, shot.subject, preset, rng) if fit == "crop" else None
    return Clip(
        source=shot.shot.source,
        shot=shot.key,
        group=shot.group,
        start=round(start, 3),
        source_duration=round(source_duration, 3),
        duration=round(duration, 3),
        source_width=shot.width,
        source_height=shot.height,
        source_fps=shot.fps,
        has_audio=shot.has_audio,
        fit=fit,
        crop=crop,
    )
