"""Line breaking for Chinese (and mixed Chinese/Latin) text by the kinsoku rules.

Text is cut into unbreakable groups: one CJK character, one Latin word or number (never split), a run of
``—`` or ``…``. Closing punctuation (``，。）」`` …) is glued to the group before it, so no line starts
with it; opening punctuation (``（「《`` …) is glued to the group after it, so no line ends with it.
Lines are then filled greedily; ``balance`` evens out the lines of a headline.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

CLOSING = frozenset("，。、；：？！）」』】》〉〕］｝〗〙…‥・·”’%％℃‰,.;:?!)]}>／")
"""Characters that must not start a line."""
OPENING = frozenset("（「『【《〈〔［｛〖〘“‘([{<¥￥$＄＃#")
"""Characters that must not end a line."""
_RUNS = frozenset("—…")
SPACE = " "

Measure = Callable[[str], float]


def _is_cjk(char: str) -> bool:
    code = ord(char)
    return (
        0x2E80 <= code <= 0x9FFF  # radicals, CJK punctuation, kana, unified ideographs
        or 0xAC00 <= code <= 0xD7AF  # hangul
        or 0xF900 <= code <= 0xFAFF  # compatibility ideographs
        or 0xFE30 <= code <= 0xFE4F  # compatibility forms
        or 0xFF00 <= code <= 0xFFEF  # full-width forms
        or 0x2000 <= code <= 0x206F  # general punctuation: dashes, quotes, ellipsis
        or code == 0x00B7
        or 0x20000 <= code <= 0x3FFFF  # extension planes
    )


def atoms(text: str) -> list[str]:
    """Split text into atoms: a space, one CJK character, a run of — or …, or a Latin word."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        char = text[i]
        j = i + 1
        if char.isspace():
            while j < n and text[j].isspace():
                j += 1
            out.append(SPACE)
        elif char in _RUNS:
            while j < n and text[j] == char:
                j += 1
            out.append(text[i:j])
        elif _is_cjk(char):
            out.append(char)
        else:
            while j < n and not text[j].isspace() and not _is_cjk(text[j]):
                j += 1
            out.append(text[i:j])
        i = j
    return out


def groups(text: str) -> list[str]:
    """Unbreakable groups (and single spaces) with the kinsoku glue applied."""
    out: list[str] = []
    opening = ""
    for atom in atoms(text):
        if atom == SPACE:
            if opening:
                out.append(opening)
                opening = ""
            out.append(SPACE)
        elif atom[0] in CLOSING and not opening and out:
            if out[-1] == SPACE and len(out) >= 2:
                out.pop()
                out[-1] += SPACE
            out[-1] += atom
        elif atom[-1] in OPENING:
            opening += atom
        else:
            out.append(opening + atom)
            opening = ""
    if opening:
        if out and out[-1] != SPACE:
            out[-1] += opening
        else:
            out.append(opening)
    return out


def _fill(items: Sequence[str], measure: Measure, width: float, trim: float) -> list[str] | None:
    """Greedy fill of one paragraph; None when a single group is wider than ``width``."""
    lines: list[str] = []
    current = ""
    current_w = 0.0
    space_w = measure(SPACE)
    pending_space = False
    for item in items:
        if item == SPACE:
            pending_space = bool(current)
            continue
        item_w = measure(item)
        if item_w - trim > width:
            return None
        extra = space_w if pending_space else 0.0
        if current and current_w + extra + item_w - trim > width:
            lines.append(current)
            current, current_w = item, item_w
        else:
            current += (SPACE if pending_space else "") + item
            current_w += extra + item_w
        pending_space = False
    if current:
        lines.append(current)
    return lines


def break_lines(
    text: str, measure: Measure, width: float, *, trim: float = 0.0, balance: bool = False
) -> list[str] | None:
    """Break ``text`` into lines no wider than ``width``; paragraphs split at newlines.

    ``measure`` must be additive over concatenation (advance widths plus tracking per character) and
    ``trim`` is what a line's last character adds beyond its ink (the tracking). Returns None when a
    group (a Latin word, a character with its glued punctuation) alone is wider than the line.
    ``balance`` narrows a multi-line single paragraph as far as it keeps its number of lines."""
    paragraphs = [p.strip() for p in text.split("\n")]
    lines: list[str] = []
    for paragraph in paragraphs:
        if not paragraph:
            continue
        items = groups(paragraph)
        filled = _fill(items, measure, width, trim)
        if filled is None:
            return None
        if balance and len(paragraphs) == 1 and len(filled) > 1:
            filled = _balanced(items, measure, width, trim, len(filled))
        lines.extend(filled)
    return lines


def _balanced(items: Sequence[str], measure: Measure, width: float, trim: float, count: int) -> list[str]:
    """The narrowest greedy fill that still takes ``count`` lines (binary search on the width)."""
    low, high = width / count, width
    best = _fill(items, measure, high, trim)
    assert best is not None
    for _ in range(12):
        middle = (low + high) / 2
        trial = _fill(items, measure, middle, trim)
        if trial is not None and len(trial) <= count:
            best, high = trial, middle
        else:
            low = middle
    return best
