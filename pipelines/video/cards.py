"""Still overlays drawn once with Pillow (Noto CJK) and composited by ffmpeg: the intro hook card (a text
band in the upper safe area), the end card (full frame: CTA, optional line and logo) and the logo
watermark scaled for the preset. Each PNG is cropped to its content and placed at an offset, so the
overlay filter blends only those pixels."""

from __future__ import annotations

from pathlib import Path

from PIL import Image, ImageColor, ImageDraw
from pydantic import BaseModel, ConfigDict

from pipelines.poster.fonts import default_font, load_font
from pipelines.poster.linebreak import break_lines
from pipelines.video.errors import VideoError
from pipelines.video.presets import Preset

LOGO_WIDTH = 0.16
"""Logo watermark width as a share of the frame width."""


class Overlay(BaseModel):
    """A PNG to composite at (x, y) in output pixels."""

    model_config = ConfigDict(frozen=True)

    path: str
    x: int
    y: int


def _text_block(text: str, size: int, width: int, colour: str) -> Image.Image:
    ref = default_font("headline")
    font = load_font(ref.path, ref.index, size)
    lines = break_lines(text, lambda s: float(font.getlength(s)), width, balance=True) or [text]
    line_h = int(size * 1.3)
    image = Image.new("RGBA", (width, line_h * len(lines)), (0, 0, 0, 0))
    draw = ImageDraw.Draw(image)
    for i, line in enumerate(lines):
        x = (width - font.getlength(line)) / 2
        draw.text(
            (x, i * line_h),
            line,
            font=font,
            fill=colour,
            stroke_width=max(1, size // 18),
            stroke_fill="#000000",
        )
    return image.crop(image.getbbox() or (0, 0, 1, 1))


def hook_card(text: str, preset: Preset, path: Path) -> Overlay:
    """The opening hook: bold text on a translucent band, centred at the top of the safe area (above
    where faces usually are)."""
    left, top, right, bottom = preset.safe_box()
    size = max(12, int(preset.subtitle_font_size * 1.4))
    block = _text_block(text, size, right - left - 2 * size, "#ffffff")
    pad = size // 2
    card = Image.new("RGBA", (block.width + 2 * pad, block.height + 2 * pad), (0, 0, 0, 0))
    ImageDraw.Draw(card).rounded_rectangle(
        (0, 0, card.width - 1, card.height - 1), radius=pad, fill=(0, 0, 0, 140)
    )
    card.alpha_composite(block, (pad, pad))
    card.save(path)
    x = left + (right - left - card.width) // 2
    y = top + (bottom - top) // 40
    return Overlay(path=str(path), x=x // 2 * 2, y=y // 2 * 2)


def end_card(
    cta: str,
    preset: Preset,
    path: Path,
    *,
    line: str | None = None,
    logo: Path | None = None,
    background: str = "#141414",
) -> Overlay:
    """The closing card, full frame: logo (if any), the call to action and an optional smaller line,
    stacked in the middle of the safe area on a solid ``background``."""
    try:
        fill = ImageColor.getrgb(background)
    except ValueError as exc:
        raise VideoError(f"end card background {background!r} is not a colour", "bad_colour") from exc
    card = Image.new("RGBA", (preset.width, preset.height), (*fill[:3], 255))
    left, top, right, bottom = preset.safe_box()
    size = max(12, int(preset.subtitle_font_size * 1.3))
    parts = []
    if logo is not None:
        parts.append(_logo_image(logo, int(preset.width * LOGO_WIDTH * 1.8)))
    parts.append(_text_block(cta, size, right - left - size, "#ffffff"))
    if line:
        parts.append(_text_block(line, max(10, size * 2 // 3), right - left - size, "#d0d0d0"))
    gap = size // 2
    total = sum(p.height for p in parts) + gap * (len(parts) - 1)
    y = top + (bottom - top - total) // 2
    for part in parts:
        card.alpha_composite(part, (left + (right - left - part.width) // 2, max(0, y)))
        y += part.height + gap
    card.convert("RGB").save(path)
    return Overlay(path=str(path), x=0, y=0)


def _logo_image(logo: Path, width: int) -> Image.Image:
    try:
        with Image.open(logo) as opened:
            image = opened.convert("RGBA")
    except (OSError, ValueError) as exc:
        raise VideoError(f"logo {logo} is not a readable image: {exc}", "bad_logo") from exc
    height = max(1, round(image.height * width / image.width))
    return image.resize((max(2, width), height), Image.Resampling.LANCZOS)


def logo_overlay(logo: Path, preset: Preset, path: Path) -> Overlay:
    """The logo watermark, ``LOGO_WIDTH`` of the frame wide, at the top-left corner of the safe area."""
    image = _logo_image(logo, int(preset.width * LOGO_WIDTH))
    image.save(path)
    left, top, _, _ = preset.safe_box()
    return Overlay(path=str(path), x=left // 2 * 2, y=top // 2 * 2)
