"""Platform presets for remixes: frame size, frame rate, length limit, safe zones (fractions of the frame
kept clear of the platform's own UI), subtitle size and how other aspect ratios are fitted.

Sizes and safe zones (fractions of the frame: top, bottom, left, right):

- ``douyin`` / ``kuaishou`` 1080×1920 (9:16): the right ~15% holds the avatar/like/comment/share column,
  the bottom ~22% the caption, music and tab bar, the top ~8% the search/tabs.
- ``channels`` (WeChat Channels, 视频号) 1080×1920: full screen when opened, but the feed shows only the
  central 6:7 window (1080×1260), so the safe zone keeps text inside it (17% off top and bottom, plus the
  bottom UI). 1080×1920 was picked over 1080×1260 so that one render serves the feed and full screen,
  and the same 9:16 cut can be shared with Douyin/Kuaishou.
- ``xiaohongshu`` 1080×1440 (3:4), ``bilibili`` 1920×1080 (16:9), ``taobao`` main video 1080×1080 (1:1,
  at most 60 s), ``offline_screen`` 1920×1080 (16:9, 5% overscan margin).

``max_duration`` is the length we allow for an ad creative on the platform (the platforms accept longer
organic uploads). ``aspect_policy``: ``smart_crop`` crops to the preset keeping the shot's subject in
frame, ``blur_fill`` fits the whole frame over a blurred, enlarged copy of itself, ``auto`` crops when the
crop keeps enough of the frame (``min_crop_keep``) or the subject fits, and fills otherwise.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from pipelines.video.errors import UnknownPreset

AspectPolicy = Literal["smart_crop", "blur_fill", "auto"]


class SafeZone(BaseModel):
    """Fractions of the frame kept clear of platform UI on each side."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    top: float = Field(ge=0.0, lt=0.5)
    bottom: float = Field(ge=0.0, lt=0.5)
    left: float = Field(ge=0.0, lt=0.5)
    right: float = Field(ge=0.0, lt=0.5)


class Preset(BaseModel):
    """One platform's output format."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(description="Canonical preset name, e.g. 'douyin'.")
    label: str = Field(description="Display name (Chinese).")
    width: int = Field(ge=64, description="Output width in pixels (even).")
    height: int = Field(ge=64, description="Output height in pixels (even).")
    fps: int = Field(default=30, ge=1, le=120, description="Output frame rate (constant).")
    max_duration: float = Field(gt=0, description="Longest remix allowed for this platform, seconds.")
    safe: SafeZone = Field(description="Fractions of the frame kept clear of the platform's UI.")
    subtitle_font_size: int = Field(ge=8, description="Subtitle font size in output pixels.")
    aspect_policy: AspectPolicy = Field(default="auto", description="How footage of another shape is fitted.")
    min_crop_keep: float = Field(
        default=0.55,
        gt=0,
        le=1,
        description="'auto' crops when the crop keeps at least this share of the frame.",
    )

    @property
    def aspect(self) -> float:
        """Width / height."""
        return self.width / self.height

    def safe_box(self) -> tuple[int, int, int, int]:
        """The safe area as pixel (left, top, right, bottom)."""
        s = self.safe
        return (
            round(self.width * s.left),
            round(self.height * s.top),
            round(self.width * (1 - s.right)),
            round(self.height * (1 - s.bottom)),
        )

    def subtitle_margins(self) -> tuple[int, int, int]:
        """ASS ``MarginL, MarginR, MarginV`` in output pixels that keep bottom-aligned subtitles in the
        safe area (centred horizontally, so both side margins take the wider UI side)."""
        left, _, right, bottom = self.safe_box()
        side = max(left, self.width - right)
        return side, side, self.height - bottom + self.subtitle_font_size // 2

    def scaled(self, factor: float) -> Preset:
        """The same preset at another size (tests and previews); sides stay even, fractions unchanged."""
        if factor <= 0:
            raise ValueError(f"scale factor must be > 0, got {factor}")
        return self.model_copy(
            update={
                "width": max(64, _even(self.width * factor)),
                "height": max(64, _even(self.height * factor)),
                "subtitle_font_size": max(8, round(self.subtitle_font_size * factor)),
            }
        )


def _even(value: float) -> int:
    return int(round(value / 2.0)) * 2


def _preset(
    name: str,
    label: str,
    size: tuple[int, int],
    max_s: float,
    safe: tuple[float, float, float, float],
    font: int,
) -> Preset:
    top, bottom, left, right = safe
    return Preset(
        name=name,
        label=label,
        width=size[0],
        height=size[1],
        max_duration=max_s,
        safe=SafeZone(top=top, bottom=bottom, left=left, right=right),
        subtitle_font_size=font,
    )


PRESETS: dict[str, Preset] = {
    p.name: p
    for p in (
        _preset("douyin", "抖音", (1080, 1920), 60, (0.08, 0.22, 0.05, 0.15), 64),
        _preset("kuaishou", "快手", (1080, 1920), 60, (0.08, 0.20, 0.05, 0.15), 64),
        _preset("channels", "视频号", (1080, 1920), 60, (0.17, 0.20, 0.05, 0.10), 60),
        _preset("xiaohongshu", "小红书", (1080, 1440), 300, (0.06, 0.12, 0.04, 0.04), 56),
        _preset("bilibili", "哔哩哔哩", (1920, 1080), 300, (0.05, 0.10, 0.03, 0.03), 52),
        _preset("taobao", "淘宝主图视频", (1080, 1080), 60, (0.05, 0.10, 0.05, 0.05), 52),
        _preset("offline_screen", "线下屏", (1920, 1080), 300, (0.05, 0.05, 0.05, 0.05), 56),
    )
}
"""Every platform preset by canonical name."""

ALIASES = {
    "wechat_channels": "channels",
    "shipinhao": "channels",
    "offline": "offline_screen",
    "tmall": "taobao",
}


def get_preset(name: str | Preset) -> Preset:
    """A preset by name (case-insensitive, ``-`` or ``_``, a few aliases); UnknownPreset lists the known."""
    if isinstance(name, Preset):
        return name
    key = name.strip().lower().replace("-", "_").replace(" ", "_")
    key = ALIASES.get(key, key)
    try:
        return PRESETS[key]
    except KeyError:
        known = ", ".join(PRESETS)
        raise UnknownPreset(f"unknown video preset {name!r}; known presets: {known}") from None
