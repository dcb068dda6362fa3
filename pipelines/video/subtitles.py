"""Subtitles for burned-in captions: script → cues, cue timing, ASS (and SRT) files laid out inside a
platform's safe zone with a CJK font, broken into lines by the kinsoku rules.

Widths are measured with the real font: libass sizes a font so that its ascent + descent equals the ASS
``Fontsize`` (VSFilter compatibility), so Noto Sans CJK at ``Fontsize`` 100 draws 69 px glyphs; lines
are measured with PIL at that em size.
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import tempfile
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Protocol

from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipelines.poster.fonts import NOTO_DIR, SC_INDEX, load_font, text_advance
from pipelines.poster.linebreak import CLOSING, Measure, break_lines, groups

_SENTENCE_END = frozenset("。！？；!?;")
_CLAUSE_END = frozenset("，、：；;")
_ASCII_CLAUSE_END = frozenset(",:")
_TRAILING = frozenset("”’」』）)】》\"'")
_STRIP_END = "，。、；：,.;: "
_MEASURE_SIZE = 1000


class Cue(BaseModel):
    """One subtitle (or one spoken sentence): ``text`` shown from ``start`` to ``end`` seconds."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: float = Field(ge=0.0, description="Start time in seconds.")
    end: float = Field(ge=0.0, description="End time in seconds (not before start).")
    text: str = Field(description="What is said or shown.")

    @model_validator(mode="after")
    def _ordered(self) -> Cue:
        if self.end < self.start:
            raise ValueError(f"cue ends ({self.end}) before it starts ({self.start})")
        return self


class SafeArea(Protocol):
    """Margins of a platform's safe zone as fractions of the frame (``presets.SafeZone`` is one)."""

    @property
    def top(self) -> float: ...
    @property
    def bottom(self) -> float: ...
    @property
    def left(self) -> float: ...
    @property
    def right(self) -> float: ...


class SubtitleStyle(BaseModel):
    """Look of burned-in subtitles: white bold CJK text with a dark outline and a soft shadow."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    font_family: str = Field(default="Noto Sans CJK SC", description="Family name libass looks up.")
    bold: bool = Field(default=True, description="Ask libass for the bold face.")
    font_path: str = Field(
        default=str(NOTO_DIR / "NotoSansCJK-Bold.ttc"), description="The face's file, to measure and ship."
    )
    font_index: int = Field(default=SC_INDEX, ge=0, description="Face index inside a collection.")
    size_ratio: float = Field(
        default=0.075, gt=0, le=0.3, description="ASS Fontsize / the frame's short side."
    )
    outline_ratio: float = Field(default=0.06, ge=0, le=0.3, description="Outline width / Fontsize.")
    shadow_ratio: float = Field(default=0.025, ge=0, le=0.3, description="Shadow offset / Fontsize.")
    primary: str = Field(default="FFFFFF", pattern=r"^[0-9A-Fa-f]{6}$", description="Text colour, RRGGBB.")
    outline: str = Field(default="000000", pattern=r"^[0-9A-Fa-f]{6}$", description="Outline colour, RRGGBB.")
    shadow_alpha: int = Field(default=0x80, ge=0, le=255, description="Shadow transparency (0 = opaque).")
    max_lines: int = Field(default=2, ge=1, le=4, description="Lines per subtitle; longer cues are split.")
    strip_end_punctuation: bool = Field(
        default=True, description="Drop a cue's final ，。；： as subtitles do."
    )


class SubtitleLayout(BaseModel):
    """Sizes in pixels for one frame size: font, margins and the width a line may take."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    width: int = Field(gt=0, description="Frame width.")
    height: int = Field(gt=0, description="Frame height.")
    font_size: int = Field(gt=0, description="ASS Fontsize.")
    em_px: float = Field(gt=0, description="Drawn size of a CJK glyph, in pixels.")
    outline_px: float = Field(ge=0, description="Outline width.")
    shadow_px: float = Field(ge=0, description="Shadow offset.")
    margin_l: int = Field(ge=0, description="Left margin (safe zone).")
    margin_r: int = Field(ge=0, description="Right margin (safe zone).")
    margin_v: int = Field(ge=0, description="Bottom margin (safe zone).")
    line_width: float = Field(gt=0, description="Usable width of a line (outline included).")

    @property
    def chars_per_line(self) -> int:
        """How many CJK characters fit a line: the ``max_chars_per_line`` for ``split_script``."""
        return max(1, int(self.line_width // self.em_px))


class SubtitleFile(BaseModel):
    """A written ASS file and the fonts dir to pass to ffmpeg's ``subtitles`` filter."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: Path = Field(description="The .ass file.")
    fonts_dir: Path = Field(description="A dir holding only the subtitle font (libass loads every file).")
    layout: SubtitleLayout = Field(description="Sizes used.")
    events: int = Field(ge=0, description="Dialogue lines written (long cues become several).")

    def filter_args(self) -> dict[str, str]:
        """Keyword arguments of ffmpeg's ``subtitles`` filter (for ffmpeg-python, which escapes them)."""
        return {"filename": str(self.path), "fontsdir": str(self.fonts_dir)}

    def filter_string(self) -> str:
        """``subtitles=filename=…:fontsdir=…`` escaped for a raw ``-vf`` / filter graph."""
        return "subtitles=" + ":".join(f"{k}={_filter_escape(v)}" for k, v in self.filter_args().items())


def display_width(text: str) -> float:
    """Width in CJK character units: wide characters count 1, Latin letters, digits and spaces ½."""
    return sum(1.0 if unicodedata.east_asian_width(c) in "WF" else 0.5 for c in text)


def _sentences(script: str) -> list[str]:
    """Split at 。！？； (and ASCII .!?; before a space), keeping closing quotes with their sentence."""
    out: list[str] = []
    current = ""
    chars = script.replace("\r", "")
    for i, char in enumerate(chars):
        if char == "\n":
            out.append(current)
            current = ""
            continue
        current += char
        nxt = chars[i + 1] if i + 1 < len(chars) else "\n"
        ends = char in _SENTENCE_END or (char == "." and nxt.isspace())
        ends = ends or (char in _TRAILING and len(current) > 1 and current[-2] in _SENTENCE_END)
        if ends and nxt not in _SENTENCE_END and nxt not in _TRAILING and nxt != ".":
            out.append(current)
            current = ""
    out.append(current)
    return [s.strip() for s in out if s.strip()]


def _clause_ends(text: str) -> list[int]:
    """Indexes of comma-like marks (an ASCII , or : between digits, as in 1,000 or 10:30, is none)."""
    out: list[int] = []
    for i, char in enumerate(text):
        nxt = text[i + 1] if i + 1 < len(text) else ""
        between_digits = i > 0 and text[i - 1].isdigit() and nxt.isdigit()
        if char in _CLAUSE_END or (char in _ASCII_CLAUSE_END and not between_digits):
            out.append(i)
    return out


def _clauses(sentence: str) -> list[str]:
    """Split after commas, keeping each with its clause."""
    out: list[str] = []
    start = 0
    for i in _clause_ends(sentence):
        out.append(sentence[start : i + 1])
        start = i + 1
    out.append(sentence[start:])
    return [c for c in out if c.strip()]


def _hard_split(text: str, limit: float) -> list[str]:
    """Cut a comma-less run into about equal pieces at group boundaries (words, numbers stay whole)."""
    items = groups(text)
    pieces = math.ceil(display_width(text) / limit)
    target = min(limit, display_width(text) / pieces + 0.5)
    out: list[str] = []
    current = ""
    for item in items:
        if current.strip() and display_width(current + item) > target:
            out.append(current)
            current = ""
        current += item
    out.append(current)
    return [p for p in out if p.strip()]


def split_script(script: str, max_chars_per_line: int = 16, max_lines: int = 2) -> list[str]:
    """Cue texts of a script: one per sentence; a sentence longer than ``max_lines`` lines of
    ``max_chars_per_line`` CJK characters is split at commas, then (if a clause is still too long) at
    character/word boundaries. Numbers and Latin words stay whole; punctuation stays with its text."""
    limit = float(max_chars_per_line * max_lines)
    cues: list[str] = []
    for sentence in _sentences(script):
        if display_width(sentence) <= limit:
            cues.append(sentence)
            continue
        current = ""
        for clause in _clauses(sentence):
            parts = [clause] if display_width(clause) <= limit else _hard_split(clause, limit)
            for part in parts:
                if current.strip() and display_width((current + part).strip()) > limit:
                    cues.append(current.strip())
                    current = part
                else:
                    current += part
        if current.strip():
            cues.append(current.strip())
    return cues


def spread_cues(texts: Sequence[str], duration: float, *, start: float = 0.0) -> list[Cue]:
    """Cues for ``texts`` back to back from ``start`` over ``duration`` seconds, each lasting in
    proportion to its length (for footage without a voice track, or an uploaded voice without ASR)."""
    weights = [max(display_width(t), 1.0) for t in texts]
    total = sum(weights)
    cues: list[Cue] = []
    at = start
    for text, weight in zip(texts, weights, strict=True):
        end = at + duration * weight / total
        cues.append(Cue(start=round(at, 3), end=round(end, 3), text=text))
        at = end
    return cues


def subtitle_layout(
    width: int, height: int, safe: SafeArea, style: SubtitleStyle, *, font_px: float | None = None
) -> SubtitleLayout:
    """Font size, margins and line width for a ``width``×``height`` frame: centred horizontally (both
    side margins take the wider UI side), bottom line a quarter em above the safe zone's bottom edge.
    ``font_px`` is the drawn glyph size (a preset's subtitle size); default ``style.size_ratio``."""
    em_px = font_px if font_px is not None else min(width, height) * style.size_ratio
    font = load_font(style.font_path, style.font_index, _MEASURE_SIZE)
    ascent, descent = font.getmetrics()
    font_size = max(8, round(em_px * (ascent + descent) / _MEASURE_SIZE))
    em_px = font_size * _MEASURE_SIZE / (ascent + descent)
    side = round(width * max(safe.left, safe.right))
    outline = font_size * style.outline_ratio
    line_width = width - 2 * side - 2 * outline
    if line_width < em_px:
        raise ValueError(f"the safe zone of a {width}x{height} frame leaves no room for a subtitle line")
    return SubtitleLayout(
        width=width,
        height=height,
        font_size=font_size,
        em_px=em_px,
        outline_px=round(outline, 1),
        shadow_px=round(font_size * style.shadow_ratio, 1),
        margin_l=side,
        margin_r=side,
        margin_v=round(height * safe.bottom + em_px / 4),
        line_width=line_width,
    )


def display_text(text: str, style: SubtitleStyle) -> str:
    """The text as shown: whitespace collapsed, final ，。；： dropped (！？… stay) when the style says so."""
    text = " ".join(text.split())
    if style.strip_end_punctuation:
        return text.rstrip(_STRIP_END) or text
    return text


def wrap(text: str, layout: SubtitleLayout, style: SubtitleStyle) -> list[str]:
    """Lines of ``text`` no wider than the layout's line width (kinsoku rules, balanced lines)."""
    scale = layout.em_px / _MEASURE_SIZE

    def measure(part: str) -> float:
        return text_advance(style.font_path, style.font_index, _MEASURE_SIZE, part) * scale

    lines = break_lines(text, measure, layout.line_width, balance=True)
    if lines is not None and len(lines) == 2:
        return _clause_break(text, measure, layout.line_width) or lines
    if lines is not None:
        return lines
    per_line = max(1, int(layout.line_width // (layout.em_px * 0.6)))  # a word wider than the line
    return [text[i : i + per_line] for i in range(0, len(text), per_line)]


def _clause_break(text: str, measure: Measure, width: float) -> list[str] | None:
    """Two lines split after a comma-like mark when both fit and neither is under 30% of the text."""
    best: tuple[float, list[str]] | None = None
    for i in _clause_ends(text):
        head, tail = text[: i + 1].strip(), text[i + 1 :].strip()
        if not head or not tail or tail[0] in CLOSING:
            continue
        a, b = measure(head), measure(tail)
        if max(a, b) <= width and min(a, b) >= 0.3 * (a + b) and (best is None or abs(a - b) < best[0]):
            best = (abs(a - b), [head, tail])
    return best[1] if best else None


def _events(cues: Sequence[Cue], layout: SubtitleLayout, style: SubtitleStyle) -> list[tuple[Cue, list[str]]]:
    """Each cue with its lines; a cue of more than ``max_lines`` lines is split in time by length."""
    out: list[tuple[Cue, list[str]]] = []
    for cue in cues:
        text = display_text(cue.text, style)
        if not text:
            continue
        lines = wrap(text, layout, style)
        chunks = [lines[i : i + style.max_lines] for i in range(0, len(lines), style.max_lines)]
        if len(chunks) == 1:
            out.append((cue, lines))
            continue
        for part, chunk in zip(
            spread_cues(["".join(c) for c in chunks], cue.end - cue.start, start=cue.start),
            chunks,
            strict=True,
        ):
            out.append((part, chunk))
    return out


def escape_ass(text: str) -> str:
    """Text safe inside an ASS Dialogue: backslashes and braces become full-width look-alikes (libass
    would read ``\\N``, ``{\\b1}`` … as commands) and newlines become ``\\N``."""
    text = text.replace("\\", "＼").replace("{", "｛").replace("}", "｝")
    return "\\N".join(text.replace("\r", "").split("\n"))


def _ass_time(seconds: float) -> str:
    cs = round(seconds * 100)
    return f"{cs // 360000}:{cs // 6000 % 60:02d}:{cs // 100 % 60:02d}.{cs % 100:02d}"


def _srt_time(seconds: float) -> str:
    ms = round(seconds * 1000)
    return f"{ms // 3600000:02d}:{ms // 60000 % 60:02d}:{ms // 1000 % 60:02d},{ms % 1000:03d}"


def _colour(rgb: str, alpha: int = 0) -> str:
    return f"&H{alpha:02X}{rgb[4:6]}{rgb[2:4]}{rgb[0:2]}".upper()


def _ass_header(layout: SubtitleLayout, style: SubtitleStyle) -> str:
    fields = [
        "Default",
        style.font_family,
        layout.font_size,
        _colour(style.primary),
        _colour("FF0000"),
        _colour(style.outline),
        _colour("000000", style.shadow_alpha),
        -1 if style.bold else 0,
        0, 0, 0, 100, 100, 0, 0, 1,  # italic, underline, strike, scale x/y, spacing, angle, border style
        layout.outline_px,
        layout.shadow_px,
        2,  # bottom centre
        layout.margin_l,
        layout.margin_r,
        layout.margin_v,
        1,
    ]  # fmt: skip
    return (
        "[Script Info]\nScriptType: v4.00+\n"
        f"PlayResX: {layout.width}\nPlayResY: {layout.height}\n"
        "WrapStyle: 2\nScaledBorderAndShadow: yes\nYCbCr Matrix: TV.709\n\n"
        "[V4+ Styles]\nFormat: Name, Fontname, Fontsize, PrimaryColour, SecondaryColour, OutlineColour, "
        "BackColour, Bold, Italic, Underline, StrikeOut, ScaleX, ScaleY, Spacing, Angle, BorderStyle, "
        "Outline, Shadow, Alignment, MarginL, MarginR, MarginV, Encoding\n"
        f"Style: {','.join(str(f) for f in fields)}\n\n"
        "[Events]\nFormat: Layer, Start, End, Style, Name, MarginL, MarginR, MarginV, Effect, Text\n"
    )


def _write_atomic(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(temp, path)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temp)


def fonts_dir_for(style: SubtitleStyle, where: Path) -> Path:
    """A dir under ``where`` holding only a link to the style's font (libass reads every file of a
    fontsdir: all of Noto CJK costs ~2 s per render); the font's own dir if links are not possible."""
    font = Path(style.font_path)
    if not font.is_file():
        raise FileNotFoundError(f"subtitle font not found: {font} (Debian package 'fonts-noto-cjk')")
    target = where / "fonts"
    link = target / font.name
    try:
        target.mkdir(parents=True, exist_ok=True)
        if not link.exists():
            link.symlink_to(font)
    except OSError:
        return font.parent
    return target


def write_ass(
    cues: Sequence[Cue],
    path: Path,
    *,
    width: int,
    height: int,
    safe: SafeArea,
    style: SubtitleStyle | None = None,
    font_px: float | None = None,
) -> SubtitleFile:
    """Write ``cues`` as an ASS file for a ``width``×``height`` frame: bottom-centred inside ``safe``,
    at most ``style.max_lines`` lines per event; returns the path and the fonts dir for ffmpeg."""
    style = style or SubtitleStyle()
    layout = subtitle_layout(width, height, safe, style, font_px=font_px)
    path = Path(path)
    fonts_dir = fonts_dir_for(style, path.parent)
    events = _events(cues, layout, style)
    lines = [
        f"Dialogue: 0,{_ass_time(cue.start)},{_ass_time(cue.end)},Default,,0,0,0,,"
        + "\\N".join(escape_ass(line) for line in text_lines)
        for cue, text_lines in events
    ]
    _write_atomic(path, _ass_header(layout, style) + "".join(line + "\n" for line in lines))
    return SubtitleFile(path=path, fonts_dir=fonts_dir, layout=layout, events=len(events))


def to_srt(cues: Sequence[Cue]) -> str:
    """SRT text of ``cues`` (numbered from 1; blank cues skipped)."""
    blocks = [
        f"{i}\n{_srt_time(cue.start)} --> {_srt_time(cue.end)}\n{cue.text.strip()}\n"
        for i, cue in enumerate((c for c in cues if c.text.strip()), start=1)
    ]
    return "\n".join(blocks)


def write_srt(cues: Sequence[Cue], path: Path) -> Path:
    """Write ``cues`` as an SRT file (UTF-8) and return its path."""
    _write_atomic(Path(path), to_srt(cues))
    return Path(path)


def _filter_escape(value: str) -> str:
    """Escape an option value twice: for the filter's option parser, then for the filter graph."""
    option_level = re.sub(r"([\\':])", r"\\\1", value)
    return re.sub(r"([\\'\[\],;])", r"\\\1", option_level)
