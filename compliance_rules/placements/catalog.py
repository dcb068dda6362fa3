"""Load ``placements.yaml`` and resolve each placement against what it references.

Precedence, per value: the placement's own figure, then its video preset (size, fps, safe zone, longest
ad length) or poster canvas (size), then its platform pack's ``specs`` (durations, file size, title,
caption and hashtag limits). A placement with no pack must state its file size limit."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from functools import lru_cache
from math import gcd
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from compliance_rules.loader import builtin_pack_paths, load_packs, parse
from compliance_rules.placements.errors import PlacementError, UnknownPlacement
from compliance_rules.placements.schema import Catalog, Kind, OutputFormat, Placement
from compliance_rules.schema import PlatformSpec
from pipelines.poster.sizes import PLATFORM_SIZES as POSTER_SIZES
from pipelines.renditions.types import NO_SAFE_ZONE, Fit, Target
from pipelines.video.crop import largest_window
from pipelines.video.errors import UnknownPreset
from pipelines.video.presets import SafeZone, get_preset

MIB = 2**20
DEFAULT_FPS = 30
BUILTIN = Path(__file__).with_name("placements.yaml")


class Resolved(BaseModel):
    """A placement with every value resolved: what its renditions are made to and checked against."""

    model_config = ConfigDict(frozen=True)

    id: str
    platform: str
    rules: str | None
    label: str
    kind: Kind
    width: int | None
    height: int | None
    aspect: tuple[int, int]
    min_width: int
    max_width: int
    safe: SafeZone
    fps: int
    audio: bool
    fit: Fit
    min_duration_s: float | None
    max_duration_s: float | None
    max_bytes: int
    formats: tuple[OutputFormat, ...]
    title_max_chars: int | None
    caption_max_chars: int | None
    hashtags_max: int | None
    pack: PlatformSpec | None
    waive: dict[str, str]

    @property
    def format(self) -> OutputFormat:
        """The format renditions are exported in."""
        return self.formats[0]

    def spec(self) -> PlatformSpec:
        """The placement's own limits as a platform spec (checked by ``compliance_rules.specs``)."""
        return PlatformSpec(
            title_max_chars=self.title_max_chars,
            body_max_chars=self.caption_max_chars,
            hashtags_max=self.hashtags_max,
            aspect_ratios=(f"{self.aspect[0]}:{self.aspect[1]}",),
            aspect_tolerance=0.01,
            min_duration_s=self.min_duration_s,
            max_duration_s=self.max_duration_s,
            max_file_mb=self.max_bytes / MIB,
            min_width_px=self.min_width,
        )

    def size_for(self, src_w: int, src_h: int) -> tuple[int, int]:
        """The output size for a ``src_w``×``src_h`` source: the fixed size, or (aspect placements) the
        source's largest window of the aspect, clamped to [min_width, max_width]."""
        if self.width is not None and self.height is not None:
            return self.width, self.height
        aw, ah = self.aspect
        window_w, _ = largest_window(max(src_w, 2), max(src_h, 2), aw / ah)
        width = min(max(window_w, self.min_width), self.max_width)
        height = round(width * ah / aw)
        if self.kind == "video":
            width, height = width // 2 * 2, height // 2 * 2
        return width, height

    def target(self, src_w: int, src_h: int) -> Target:
        """What a rendition of a ``src_w``×``src_h`` source is made to."""
        width, height = self.size_for(src_w, src_h)
        common = {"name": self.id, "kind": self.kind, "width": width, "height": height}
        limits = {"format": self.format, "max_bytes": self.max_bytes, "safe": self.safe, "fit": self.fit}
        if self.kind == "image":
            return Target.model_validate(common | limits)
        video = {
            "min_duration_s": self.min_duration_s,
            "max_duration_s": self.max_duration_s,
            "fps": self.fps,
            "audio": self.audio,
        }
        return Target.model_validate(common | limits | video)


def load_catalog(path: Path = BUILTIN) -> Catalog:
    """The placements in ``path``; RulePackError names the file, line and field of a mistake."""
    return parse(Catalog, path.read_text(encoding="utf-8"), str(path))


@lru_cache(maxsize=1)
def builtin_catalog() -> Catalog:
    """The shipped placements (loaded once per process)."""
    return load_catalog()


@lru_cache(maxsize=1)
def builtin_specs() -> dict[str, PlatformSpec]:
    """The shipped platform packs' specs by platform (read from YAML; no rule engine is compiled)."""
    packs = load_packs(builtin_pack_paths())
    return {name: pack.specs for pack in packs if pack.specs for name in pack.platforms}


def _frame(p: Placement) -> tuple[int | None, int | None, SafeZone | None, int | None, float | None]:
    """Size, safe zone, fps and ad length from the placement's size, preset or poster canvas."""
    if p.preset is not None:
        try:
            preset = get_preset(p.preset)
        except UnknownPreset as exc:
            raise PlacementError(f"{p.id}: {exc.message}", code="unknown_preset") from exc
        return preset.width, preset.height, preset.safe, preset.fps, preset.max_duration
    if p.poster_size is not None:
        canvas = POSTER_SIZES.get(p.poster_size)
        if canvas is None:
            known = ", ".join(POSTER_SIZES)
            raise PlacementError(f"{p.id}: unknown poster size {p.poster_size!r}; known: {known}")
        return canvas.width, canvas.height, None, None, None
    if p.size is not None:
        return p.size[0], p.size[1], None, None, None
    return None, None, None, None, None


def _pick(*values: float | None) -> float | None:
    return next((v for v in values if v is not None), None)


def _ratio(width: int, height: int) -> tuple[int, int]:
    d = gcd(width, height)
    return width // d, height // d


def resolve(p: Placement, specs: Mapping[str, PlatformSpec]) -> Resolved:
    """``p`` with every value resolved against its preset/canvas and its pack's ``specs``."""
    pack: PlatformSpec | None = None
    if p.rules is not None:
        if p.rules not in specs:
            raise PlacementError(f"{p.id}: no platform pack with specs for {p.rules!r}")
        pack = specs[p.rules]
    width, height, preset_safe, preset_fps, preset_max_s = _frame(p)
    fallback = pack or PlatformSpec()
    max_mb = _pick(p.max_file_mb, fallback.max_file_mb)
    if max_mb is None:
        raise PlacementError(f"{p.id}: no file size limit (give max_file_mb: there is no pack to read)")
    if width is not None and height is not None:
        aspect, min_width, max_width = _ratio(width, height), width, width
    else:
        assert p.aspect is not None and p.min_width is not None
        aw, _, ah = p.aspect.partition(":")
        aspect, min_width = _ratio(int(aw), int(ah)), p.min_width
        max_width = p.max_width or p.min_width
    video = p.kind == "video"
    return Resolved(
        id=p.id,
        platform=p.platform,
        rules=p.rules,
        label=p.label,
        kind=p.kind,
        width=width,
        height=height,
        aspect=aspect,
        min_width=min_width,
        max_width=max_width,
        safe=p.safe or preset_safe or NO_SAFE_ZONE,
        fps=p.fps or preset_fps or DEFAULT_FPS,
        audio=p.audio,
        fit=p.fit,
        min_duration_s=_pick(p.duration.min_s, fallback.min_duration_s) if video else None,
        max_duration_s=_pick(p.duration.max_s, preset_max_s, fallback.max_duration_s) if video else None,
        max_bytes=int(max_mb * MIB),
        formats=p.formats or (("mp4",) if video else ("jpeg",)),
        title_max_chars=p.text.title_max_chars or fallback.title_max_chars,
        caption_max_chars=p.text.caption_max_chars or fallback.body_max_chars,
        hashtags_max=p.text.hashtags_max if p.text.hashtags_max is not None else fallback.hashtags_max,
        pack=pack,
        waive=dict(p.waive),
    )


class Placements:
    """The catalog resolved against the platform packs' specs: lookup and selection."""

    def __init__(self, catalog: Catalog, specs: Mapping[str, PlatformSpec]) -> None:
        self.version = catalog.version
        self.by_id = {p.id: resolve(p, specs) for p in catalog.placements}

    @classmethod
    def builtin(cls, specs: Mapping[str, PlatformSpec] | None = None) -> Placements:
        """The shipped placements against ``specs`` (default: the shipped packs')."""
        return cls(builtin_catalog(), builtin_specs() if specs is None else specs)

    def __len__(self) -> int:
        return len(self.by_id)

    def all(self) -> list[Resolved]:
        return list(self.by_id.values())

    def platforms(self) -> list[str]:
        """Every platform with a placement."""
        return sorted({p.platform for p in self.by_id.values()})

    def get(self, placement_id: str) -> Resolved:
        try:
            return self.by_id[placement_id]
        except KeyError:
            raise UnknownPlacement(
                f"unknown placement {placement_id!r}", details={"known": sorted(self.by_id)}
            ) from None

    def select(self, ids: Iterable[str] = (), platforms: Iterable[str] = ()) -> list[Resolved]:
        """The placements named by id, plus every placement of the named platforms (a platform name or a
        pack name: ``wechat`` is Channels, Moments and Official Accounts), in catalog order, once each."""
        wanted_ids, names = set(ids), set(platforms)
        for placement_id in sorted(wanted_ids):
            self.get(placement_id)
        known = {p.platform for p in self.by_id.values()} | {p.rules for p in self.by_id.values() if p.rules}
        unknown = sorted(names - known)
        if unknown:
            raise UnknownPlacement(
                f"no placements for platform(s) {', '.join(unknown)}",
                code="unknown_platform",
                details={"known": sorted(known)},
            )
        return [
            p
            for p in self.by_id.values()
            if p.id in wanted_ids or p.platform in names or (p.rules is not None and p.rules in names)
        ]
