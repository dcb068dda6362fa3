"""Normalise text before matching, so obfuscation does not escape, and keep a map back to the original.

Steps, each keeping for every output character the span of original characters it came from:
1. NFKC (full-width → half-width, compatibility forms) and lower case;
2. traditional → simplified Chinese, character by character (OpenCC's table, so lengths are kept), and
   Cantonese function words → Mandarin (:data:`CANTONESE`, 唔 → 不, 冇 → 没);
3. hearts and similar symbols read as 心 (V❤ → v心), separators and emoji inside a word are dropped
   (加 微 信, 加*微*信, 最🔥好), sentence punctuation stays;
4. known variants and homophones are replaced (v信/vx/薇信 → 微信, zui好 → 最好), longest first.

Most copy changes no character's length and has nothing to drop, so the map back is built as lists only
when a step moves characters; otherwise every character stands for itself.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import numpy as np
import yaml
from numpy.typing import NDArray

from compliance_rules.literals import Literals

SENTENCE_PUNCT = frozenset("。！？!?；;\n\r")
CLAUSE_PUNCT = frozenset("，,：:、")
TITLE_MARKS = frozenset("《》")
"""Book-title marks stay, so rules can tell a work's title (《最好的告别》) from a claim about the product."""
HEARTS = frozenset("❤♥♡💗💓💕💖💘💙💚💛💜🖤🤍🧡❣")
_NOISE_CATEGORIES = frozenset({"Zs", "Cf", "Cc", "So", "Sk", "Sm", "Pd", "Pc", "Po", "Ps", "Pe", "Pi", "Pf"})

_Offsets = tuple[list[int], list[int]] | None
"""Per output character, the [start, end) of the original it stands for; None: character i is i."""


@dataclass(frozen=True)
class Normalized:
    """Normalised text and, per character, the [start, end) span of the original it stands for."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering normalised characters [start, end)."""
        return self.starts[start], self.ends[end - 1]


CANTONESE = {
    "唔": "不", "冇": "没", "嘅": "的", "咗": "了", "哋": "们", "喺": "在", "佢": "他", "俾": "给",
    "畀": "给", "啲": "些", "睇": "看", "揾": "找", "搵": "找", "攞": "拿", "嚟": "来", "咩": "啥",
    "乜": "啥", "嗰": "那", "咁": "这", "噉": "这",
}  # fmt: skip
"""Cantonese function words folded, one character for one, to the Mandarin ones the rules and their
exceptions are written in (唔会同你讲“包过” → 不会同你讲“包过”; 冇得顶 → 没得顶). Only characters
that are not also Mandarin or traditional forms: 係 (traditional 系) and 仲 (仲夏) stay."""


@lru_cache(maxsize=1)
def _t2s() -> dict[str, str]:
    import opencc

    table = Path(opencc.__file__).parent / "dictionary" / "TSCharacters.txt"
    mapping: dict[str, str] = {}
    for line in table.read_text(encoding="utf-8").splitlines():
        traditional, _, simplified = line.partition("\t")
        if len(traditional) == 1 and simplified:
            target = simplified.split(" ")[0]
            if len(target) == 1:
                mapping[traditional] = target
    mapping.update(CANTONESE)
    return mapping


class _FoldTable(dict[int, str]):
    """str.translate table that also maps every other character to itself, remembered on first sight
    (up to a bound): a character missing from a plain table costs translate a KeyError raised and
    cleared, for every occurrence."""

    def __missing__(self, code: int) -> str:
        char = chr(code)
        if len(self) < _MAX_FOLD_ENTRIES:
            self[code] = char
        return char


_MAX_FOLD_ENTRIES = 200_000


@lru_cache(maxsize=1)
def _fast_table() -> dict[int, str]:
    """str.translate table for the fast path: traditional → simplified and hearts → 心 (1:1)."""
    table = _FoldTable({ord(k): v for k, v in _t2s().items()})
    table.update({ord(h): "心" for h in HEARTS if len(h) == 1})
    # full-width ASCII (！，：Ａ１…) and the ideographic space fold as NFKC folds them
    table.update({code: chr(code - 0xFEE0) for code in range(0xFF01, 0xFF5F)})
    table[0x3000] = " "
    return table


@lru_cache(maxsize=65536)
def _is_word(ch: str) -> bool:
    return ch.isalnum() or "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


@lru_cache(maxsize=65536)
def _is_noise(ch: str) -> bool:
    if ch in SENTENCE_PUNCT or ch in CLAUSE_PUNCT or ch in TITLE_MARKS or ch in "%％¥￥$.":
        return False
    return ch.isspace() or unicodedata.category(ch) in _NOISE_CATEGORIES or ord(ch) >= 0x1F000


@lru_cache(maxsize=1)
def _variants() -> tuple[Literals[str], dict[str, str]]:
    data = yaml.safe_load(
        resources.files("compliance_rules").joinpath("packs/variants.yaml").read_text("utf-8")
    )
    table: dict[str, str] = {str(k).lower(): str(v) for k, v in (data.get("variants") or {}).items()}
    return Literals({source: source for source in table}), table


_DROP = re.compile(r"n(?<=[cw]n)n*(?=[cw])|d(?<=cd)(?=c)")
"""What step 3 removes: a run of separators/emoji between two word characters (加 微 信, 最🔥好), and a
dot between two Chinese characters (稳.赚; a dot between digits is a decimal). Written to start with the
letter it removes (``(?<=[cw])n+(?=[cw])|(?<=c)d(?=c)`` otherwise), so the regex engine jumps to them."""


def _class_of(ch: str) -> str:
    if ch == ".":
        return "d"
    if _is_noise.__wrapped__(ch):  # uncached: the table below asks once per character
        return "n"
    if _is_cjk(ch):
        return "c"
    return "w" if _is_word.__wrapped__(ch) else "o"


class _ClassTable(dict[int, str]):
    """str.translate table: code point → its class letter, worked out on first sight (thread-safe: a
    class is a pure function of the character, so two threads at worst compute it twice)."""

    def __missing__(self, code: int) -> str:
        letter = _class_of(chr(code))
        self[code] = letter
        return letter


_CLASS = _ClassTable()


@lru_cache(maxsize=1)
def _bmp_classes() -> NDArray[np.uint8]:
    """The class letter (as a byte) of every BMP code point, for :func:`_classes` (built once, ~0.1 s;
    through the uncached predicates, so no cache fills with 65,536 entries for the collector to walk)."""
    return np.frombuffer("".join(map(_class_of, map(chr, range(0x10000)))).encode("latin-1"), np.uint8)


def _classes(folded: str) -> str:
    """One class letter per character: n(oise), c(jk), w(ord), d(ot), o(ther)."""
    codes = _bmp_codes(folded)
    if codes is None:
        return folded.translate(_CLASS)
    return _bmp_classes().take(codes).tobytes().decode("latin-1")


def _bmp_codes(text: str) -> NDArray[np.uint32] | None:
    """The code points of ``text`` as an array, or None when one lies beyond the BMP. Looking a character
    up in a 65,536-entry array is several times faster than ``str.translate``, which makes an int object
    and a dict lookup per character."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), np.uint32)
    return codes if len(codes) and codes.max() < 0x10000 else None


@lru_cache(maxsize=1)
def _bmp_fold() -> NDArray[np.uint32]:
    """The fast table for the BMP as an array: code point → the code point it folds to."""
    table = np.arange(0x10000, dtype=np.uint32)
    for code, char in list(_fast_table().items()):
        if code < 0x10000 and len(char) == 1:
            table[code] = ord(char)
    return table


def _fast_fold(text: str) -> str:
    """``text.translate(_fast_table())``, by array lookup when every character is in the BMP."""
    codes = _bmp_codes(text)
    if codes is None:
        return text.translate(_fast_table())
    return _bmp_fold().take(codes).tobytes().decode("utf-32-le", "surrogatepass")


_KEPT = SENTENCE_PUNCT | CLAUSE_PUNCT | TITLE_MARKS | set("%％¥￥$")


@lru_cache(maxsize=1)
def _maybe_dropped() -> re.Pattern[str]:
    """One character class of every character that may be noise or a dot: in the BMP all but letters,
    digits (str.isalnum(); no letter or digit there is noise) and the punctuation that stays; beyond it,
    everything. A superset, so text without one has nothing to drop and skips the class pass; one class,
    so the regex engine scans for it without trying a pattern at every position."""
    kept = [code for code in range(0x10000) if chr(code).isalnum() or chr(code) in _KEPT]
    members: list[str] = []
    start = 0
    for code in [*kept, 0x10000]:  # the gaps between kept characters are the members
        if code > start:
            members.append(f"{re.escape(chr(start))}-{re.escape(chr(code - 1))}")
        start = code + 1
    return re.compile("[" + "".join(members) + "\U00010000-\U0010ffff]")


def _fold(text: str) -> tuple[str, _Offsets]:
    """Steps 1-3: per-character folding, keeping each output char's original span."""
    folded, offsets = _fold_chars(text)
    if not _maybe_dropped().search(folded):
        return folded, offsets
    classes = _classes(folded)
    if "n" not in classes and "d" not in classes:
        return folded, offsets
    drop = [m.span() for m in _DROP.finditer(classes)]
    if not drop:
        return folded, offsets
    starts, ends = offsets if offsets is not None else _identity(len(folded))
    keep_chars: list[str] = []
    keep_starts: list[int] = []
    keep_ends: list[int] = []
    pos = 0
    for left, right in drop:
        keep_chars.append(folded[pos:left])
        keep_starts.extend(starts[pos:left])
        keep_ends.extend(ends[pos:left])
        pos = right
    keep_chars.append(folded[pos:])
    keep_starts.extend(starts[pos:])
    keep_ends.extend(ends[pos:])
    return "".join(keep_chars), (keep_starts, keep_ends)


def _identity(size: int) -> tuple[list[int], list[int]]:
    return list(range(size)), list(range(1, size + 1))


def _fold_chars(text: str) -> tuple[str, _Offsets]:
    """NFKC, lower case, simplified, hearts as 心; one output char per input char when possible."""
    folded = _fast_fold(text)  # 1:1, so offsets are unchanged
    if unicodedata.is_normalized("NFKC", folded):
        lowered = folded.lower()
        if len(lowered) == len(text):  # the common case: no char changed length
            return lowered, None
    t2s = _t2s()
    chars: list[str] = []
    starts: list[int] = []
    ends: list[int] = []
    for index, ch in enumerate(text):
        if ch in HEARTS:
            folded = "心"
        else:
            folded = unicodedata.normalize("NFKC", ch).lower()
        for out in folded:
            chars.append(t2s.get(out, out))
            starts.append(index)
            ends.append(index + 1)
    return "".join(chars), (starts, ends)


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _replacements(folded: str) -> list[tuple[int, int, str]]:
    """Step 4: the variants in ``folded`` to replace, leftmost-longest and non-overlapping."""
    literals, table = _variants()
    found = [(end - len(src) + 1, end + 1, src) for end, src in literals.find(folded)]
    if not found:
        return []
    found.sort(key=lambda m: (m[0], -(m[1] - m[0])))
    replacements: list[tuple[int, int, str]] = []
    last_end = -1
    for start, end, src in found:
        if start >= last_end:
            replacements.append((start, end, table[src]))
            last_end = end
    return replacements


def normalize(text: str) -> Normalized:
    """The normalised form of ``text`` with its map back to ``text``."""
    folded, offsets = _fold(text)
    replacements = _replacements(folded)
    if not replacements:
        if offsets is None:
            return Normalized(folded, tuple(range(len(folded))), tuple(range(1, len(folded) + 1)))
        return Normalized(folded, tuple(offsets[0]), tuple(offsets[1]))
    starts, ends = offsets if offsets is not None else _identity(len(folded))
    out: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    pos = 0
    for start, end, target in replacements:
        out.append(folded[pos:start])
        out_starts.extend(starts[pos:start])
        out_ends.extend(ends[pos:start])
        span_start, span_end = starts[start], ends[end - 1]
        out.append(target)
        out_starts.extend([span_start] * len(target))
        out_ends.extend([span_end] * len(target))
        pos = end
    out.append(folded[pos:])
    out_starts.extend(starts[pos:])
    out_ends.extend(ends[pos:])
    return Normalized("".join(out), tuple(out_starts), tuple(out_ends))
