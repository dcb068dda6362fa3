"""Typesetting: lay text out in a box at a size, auto-fit the size, draw the lines.

Vertical rhythm: lines sit ``size * line_height`` apart; a block is ``(n - 1) * pitch + size`` tall, each
line's em box from its top, with the baseline at 0.88 em (the ideographic em box of CJK faces).
Letter spacing (tracking, in em) is added after every character but the last of a line.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from PIL import Image, ImageDraw

from pipelines.poster.errors import TextDoesNotFit
from pipelines.poster.fonts import FontRef, load_font, text_advance
from pipelines.poster.linebreak import break_lines

ASCENT = 0.88
Align = Literal["left", "center", "right"]
VAlign = Literal["top", "middle", "bottom"]
_SLACK = 0.5  # px of rounding tolerance when comparing measured widths with the box


@dataclass(frozen=True)
class TextBlock:
    """Text laid out at one size: its lines, their widths and the block's height in pixels."""

    size: int
    lines: tuple[str, ...]
    widths: tuple[float, ...]
    pitch: float
    height: float


@dataclass(frozen=True)
class TextStyle:
    """How a text is set: face, line height ratio, tracking (em), balanced lines, plate padding (em)."""

    font: FontRef
    line_height: float = 1.3
    letter_spacing: float = 0.0
    balance: bool = False
    pad_x: float = 0.0
    pad_y: float = 0.0


def line_width(font: FontRef, size: int, line: str, tracking: float) -> float:
    """The advance width of one line in pixels (tracking between characters)."""
    if tracking:
        return text_advance(font.path, font.index, size, line) + tracking * (len(line) - 1)
    return float(load_font(font.path, font.index, size).getlength(line))


@lru_cache(maxsize=8192)
def layout_text(
    text: str, style: TextStyle, size: int, width: int, height: int, max_lines: int
) -> TextBlock | None:
    """Lay ``text`` out at ``size`` inside ``width`` x ``height`` px (less the plate padding); None if
    it does not fit in ``max_lines``."""
    inner_w = width - 2 * style.pad_x * size
    inner_h = height - 2 * style.pad_y * size
    if inner_w <= 0 or inner_h < size:
        return None
    font = style.font
    tracking = style.letter_spacing * size

    def measure(part: str) -> float:
        return text_advance(font.path, font.index, size, part) + tracking * len(part)

    lines = break_lines(text, measure, inner_w, trim=tracking, balance=style.balance)
    if not lines or len(lines) > max_lines:
        return None
    widths = tuple(line_width(font, size, line, tracking) for line in lines)
    pitch = size * style.line_height
    block_height = (len(lines) - 1) * pitch + size
    if max(widths) > inner_w + _SLACK or block_height > inner_h + _SLACK:
        return None
    return TextBlock(size=size, lines=tuple(lines), widths=widths, pitch=pitch, height=block_height)


def fit_text(
    text: str,
    style: TextStyle,
    min_size: int,
    max_size: int,
    width: int,
    height: int,
    max_lines: int,
    *,
    field: str,
) -> TextBlock:
    """The largest size in ``[min_size, max_size]`` at which ``text`` fits (binary search); raises
    TextDoesNotFit naming ``field`` when it does not fit even at ``min_size``."""
    best = layout_text(text, style, max_size, width, height, max_lines)
    if best is not None:
        return best
    best = layout_text(text, style, min_size, width, height, max_lines)
    if best is None:
        raise TextDoesNotFit(
            field,
            f"{text!r} ({len(text)} chars) does not fit {width}x{height} px in {max_lines} line(s) "
            f"even at the minimum size {min_size} px; shorten the text",
        )
    low, high = min_size, max_size  # layout fits at low, not at high
    while high - low > 1:
        middle = (low + high) // 2
        trial = layout_text(text, style, middle, width, height, max_lines)
        if trial is None:
            high = middle
        else:
            low, best = middle, trial
    return best


@lru_cache(maxsize=512)
def line_mask(font: FontRef, size: int, line: str, tracking: float) -> tuple[Image.Image, int, int]:
    """The anti-aliased coverage of one line (mode L) and its offset from the pen's baseline origin."""
    face = load_font(font.path, font.index, size)
    if not tracking:
        left, top, right, bottom = (int(v) for v in face.getbbox(line, anchor="ls"))
        mask = Image.new("L", (max(1, right - left), max(1, bottom - top)), 0)
        ImageDraw.Draw(mask).text((-left, -top), line, fill=255, font=face, anchor="ls")
        return mask, left, top
    ascent, descent = round(size * 1.2), round(size * 0.4)
    width = round(line_width(font, size, line, tracking) + size)
    mask = Image.new("L", (max(1, width), ascent + descent), 0)
    draw = ImageDraw.Draw(mask)
    pen = 0.0
    for char in line:
        draw.text((round(pen), ascent), char, fill=255, font=face, anchor="ls")
        pen += text_advance(font.path, font.index, size, char) + tracking
    return mask, 0, -ascent


def block_origin(
    block: TextBlock, style: TextStyle, box: tuple[int, int, int, int], valign: VAlign
) -> tuple[float, float, float]:
    """Left and right of the inner box and the top of the first line, in canvas pixels."""
    left, top, right, bottom = box
    pad_x, pad_y = style.pad_x * block.size, style.pad_y * block.size
    inner_top, inner_bottom = top + pad_y, bottom - pad_y
    share = {"top": 0.0, "middle": 0.5, "bottom": 1.0}[valign]
    return left + pad_x, right - pad_x, inner_top + (inner_bottom - inner_top - block.height) * share


def line_lefts(block: TextBlock, inner_left: float, inner_right: float, align: Align) -> list[float]:
    """Each line's left pen position for the alignment."""
    share = {"left": 0.0, "center": 0.5, "right": 1.0}[align]
    return [inner_left + (inner_right - inner_left - width) * share for width in block.widths]


def draw_block(
    image: Image.Image,
    block: TextBlock,
    style: TextStyle,
    box: tuple[int, int, int, int],
    align: Align,
    valign: VAlign,
    colour: tuple[int, int, int],
) -> None:
    """Draw a laid-out block into ``box`` of ``image`` (RGB) with cached line masks."""
    inner_left, inner_right, first_top = block_origin(block, style, box, valign)
    tracking = style.letter_spacing * block.size
    for number, (line, pen_x) in enumerate(
        zip(block.lines, line_lefts(block, inner_left, inner_right, align), strict=True)
    ):
        baseline = first_top + number * block.pitch + ASCENT * block.size
        mask, dx, dy = line_mask(style.font, block.size, line, tracking)
        image.paste(colour, (round(pen_x) + dx, round(baseline) + dy), mask)
