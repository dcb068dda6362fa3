"""Normalise text before matching, so obfuscation does not escape, and keep a map back to the original.

Steps, each keeping for every output character the span of original characters it came from:
1. NFKC (full-width → half-width, compatibility forms) and lower case;
2. traditional → simplified Chinese, character by character (OpenCC's table, so lengths are kept);
3. hearts and similar symbols read as 心 (V❤ → v心), separators and emoji inside a word are dropped
   (加 微 信, 加*微*信, 最🔥好), sentence punctuation stays;
4. known variants and homophones are replaced (v信/vx/薇信 → 微信, zui好 → 最好), longest first.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from pathlib import Path

import ahocorasick
import yaml

SENTENCE_PUNCT = frozenset("。！？!?；;\n\r")
CLAUSE_PUNCT = frozenset("，,：:、")
HEARTS = frozenset("❤♥♡💗💓💕💖💘💙💚💛💜🖤🤍🧡❣")
_NOISE_CATEGORIES = frozenset({"Zs", "Cf", "Cc", "So", "Sk", "Sm", "Pd", "Pc", "Po", "Ps", "Pe", "Pi", "Pf"})


@dataclass(frozen=True)
class Normalized:
    """Normalised text and, per character, the [start, end) span of the original it stands for."""

    text: str
    starts: tuple[int, ...]
    ends: tuple[int, ...]

    def original_span(self, start: int, end: int) -> tuple[int, int]:
        """The original span covering normalised characters [start, end)."""
        return self.starts[start], self.ends[end - 1]


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
    return mapping


@lru_cache(maxsize=1)
def _fast_table() -> dict[int, str]:
    """str.translate table for the fast path: traditional → simplified and hearts → 心 (1:1)."""
    table = {ord(k): v for k, v in _t2s().items()}
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
    if ch in SENTENCE_PUNCT or ch in CLAUSE_PUNCT or ch in "%％¥￥$.":
        return False
    return ch.isspace() or unicodedata.category(ch) in _NOISE_CATEGORIES or ord(ch) >= 0x1F000


@lru_cache(maxsize=1)
def _variants() -> tuple[ahocorasick.Automaton, dict[str, str]]:
    data = yaml.safe_load(
        resources.files("compliance_rules").joinpath("packs/variants.yaml").read_text("utf-8")
    )
    table: dict[str, str] = {str(k).lower(): str(v) for k, v in (data.get("variants") or {}).items()}
    automaton = ahocorasick.Automaton()
    for source in table:
        automaton.add_word(source, source)
    automaton.make_automaton()
    return automaton, table


def _fold(text: str) -> tuple[list[str], list[int], list[int]]:
    """Steps 1-3: per-character folding, keeping each output char's original span."""
    chars, starts, ends = _fold_chars(text)
    if "." not in chars and not any(_is_noise(c) for c in set(chars)):
        return chars, starts, ends
    return _drop_noise(chars, starts, ends)


def _fold_chars(text: str) -> tuple[list[str], list[int], list[int]]:
    """NFKC, lower case, simplified, hearts as 心; one output char per input char when possible."""
    folded = text.translate(_fast_table())  # 1:1, so offsets are unchanged
    if unicodedata.is_normalized("NFKC", folded):
        lowered = folded.lower()
        if len(lowered) == len(text):  # the common case: no char changed length
            return list(lowered), list(range(len(text))), list(range(1, len(text) + 1))
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
    return chars, starts, ends


def _drop_noise(
    chars: list[str], starts: list[int], ends: list[int]
) -> tuple[list[str], list[int], list[int]]:
    """Remove separators and emoji that sit inside a word (between two word characters)."""
    noise = [_is_noise(c) for c in chars]
    word_before = [False] * len(chars)  # the nearest non-noise char before i is a word char
    seen = False
    for i, ch in enumerate(chars):
        word_before[i] = seen
        if not noise[i]:
            seen = _is_word(ch)
    word_after = [False] * len(chars)
    seen = False
    for i in range(len(chars) - 1, -1, -1):
        word_after[i] = seen
        if not noise[i]:
            seen = _is_word(chars[i])
    keep = [
        i
        for i in range(len(chars))
        if not (noise[i] and word_before[i] and word_after[i]) and not _dot_inside_chinese(chars, i)
    ]
    return [chars[i] for i in keep], [starts[i] for i in keep], [ends[i] for i in keep]


def _is_cjk(ch: str) -> bool:
    return "\u4e00" <= ch <= "\u9fff" or "\u3400" <= ch <= "\u4dbf"


def _dot_inside_chinese(chars: list[str], i: int) -> bool:
    """A '.' between two Chinese characters is a separator (稳.赚); between digits it is a decimal."""
    return chars[i] == "." and 0 < i < len(chars) - 1 and _is_cjk(chars[i - 1]) and _is_cjk(chars[i + 1])


def normalize(text: str) -> Normalized:
    """The normalised form of ``text`` with its map back to ``text``."""
    chars, starts, ends = _fold(text)
    folded = "".join(chars)
    automaton, table = _variants()
    replacements: list[tuple[int, int, str]] = []
    last_end = -1
    matches = sorted(
        ((end - len(src) + 1, end + 1, src) for end, src in automaton.iter(folded)),
        key=lambda m: (m[0], -(m[1] - m[0])),
    )
    for start, end, src in matches:  # leftmost-longest, non-overlapping
        if start >= last_end:
            replacements.append((start, end, table[src]))
            last_end = end
    if not replacements:
        return Normalized(folded, tuple(starts), tuple(ends))
    out: list[str] = []
    out_starts: list[int] = []
    out_ends: list[int] = []
    pos = 0
    for start, end, target in replacements:
        out.extend(chars[pos:start])
        out_starts.extend(starts[pos:start])
        out_ends.extend(ends[pos:start])
        span_start, span_end = starts[start], ends[end - 1]
        out.extend(target)
        out_starts.extend([span_start] * len(target))
        out_ends.extend([span_end] * len(target))
        pos = end
    out.extend(chars[pos:])
    out_starts.extend(starts[pos:])
    out_ends.extend(ends[pos:])
    return Normalized("".join(out), tuple(out_starts), tuple(out_ends))
