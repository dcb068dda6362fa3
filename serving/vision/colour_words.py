"""Colours in search: an image's dominant colour families become reserved index terms, and the colour words
of a query (zh or en) name the families to look for.

The families are the names of the tagger's palette (``pipelines.vision.colours.PALETTE``): 红 red, 蓝 blue,
米色 beige, … A query names a family by its English word (``red``, ``gray`` too), by its Chinese name
followed by 色 (红色, 蓝色的), by a two-character Chinese name anywhere (米色), or by a basic colour character
that starts a Chinese word (绿叶, 蓝天下的桥, 窗边的红花): Chinese writes colour adjectives that way; a word
starts a query or follows 的, 和, 与 … (a query has no spaces). Words where that character is not a
colour (白天 daytime, 粉丝 fans, 红利 dividend …) are left out, and so are 金 and 青, which start more words
than they colour.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from pipelines.vision.colours import PALETTE

COLOUR_TERM_PREFIX = "~colour:"
"""Reserved term prefix (the query tokeniser never makes ``~`` terms, so only colour words reach them)."""
MIN_COLOUR_SHARE = 0.15
"""A colour family covering at least this share of an image's pixels is one of its colours (a sixth of the
picture: a red bowl on a grey table, not a red speck)."""
_WORD_BREAKS = frozenset("的和与及或、")
"""Characters after which a new Chinese word starts (a query has no spaces: 窗边的红花, 红花和绿叶)."""

FAMILIES: dict[str, str] = {en: zh for zh, en, _rgb in PALETTE}
"""Colour family (English palette name) → its Chinese name."""
_EN_WORDS: dict[str, str] = {**{en: en for en in FAMILIES}, "gray": "grey", "golden": "gold"}
_ZH_NAMES: dict[str, str] = {zh: en for en, zh in FAMILIES.items()}
_BASIC_INITIALS = frozenset("红橙黄绿蓝紫黑白灰棕")
"""Single-character colour names that colour the word they start (金 and 青 start too many other words;
粉 mostly means powder or fans)."""
_NOT_COLOURS = frozenset(
    {"白天", "白领", "白酒", "白菜", "白金", "黑客", "黑马", "红利", "红人", "黄牛", "黄金周", "灰心", "橙汁"}
)
"""Common words that start with a colour character without being about that colour."""
_LATIN = re.compile(r"[a-z]+")
_CJK_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def colour_term(family: str) -> str:
    """The reserved index term of a colour family."""
    return f"{COLOUR_TERM_PREFIX}{family}"


def image_colour_families(
    colours: Iterable[Mapping[str, Any]], min_share: float = MIN_COLOUR_SHARE
) -> list[str]:
    """Colour families of an image's dominant colours (``ImageAnalysis.colours`` as JSON) that together
    cover at least ``min_share`` of it, largest first (several clusters may share one family)."""
    shares: dict[str, float] = {}
    for colour in colours:
        family = colour.get("name_en")
        share = colour.get("share")
        if isinstance(family, str) and family in FAMILIES and isinstance(share, int | float):
            shares[family] = shares.get(family, 0.0) + float(share)
    ranked = sorted(shares, key=lambda family: (-shares[family], family))
    return [family for family in ranked if shares[family] >= min_share]


def image_colour_terms(colours: Iterable[Mapping[str, Any]]) -> list[str]:
    """The reserved terms of an image's colour families (see :func:`image_colour_families`)."""
    return [colour_term(family) for family in image_colour_families(colours)]


def query_colours(text: str) -> list[str]:
    """Colour families a query names, in order of first mention (see the module docstring)."""
    folded = unicodedata.normalize("NFKC", text).lower()
    found: dict[str, int] = {}

    def add(family: str, at: int) -> None:
        found.setdefault(family, at)

    for match in _LATIN.finditer(folded):
        if match.group() in _EN_WORDS:
            add(_EN_WORDS[match.group()], match.start())
    for run in _CJK_RUN.finditer(folded):
        for family, at in _chinese_colours(run.group()):
            add(family, run.start() + at)
    return sorted(found, key=lambda family: found[family])


def _chinese_colours(run: str) -> list[tuple[str, int]]:
    out: list[tuple[str, int]] = []
    for name, family in _ZH_NAMES.items():
        pattern = re.escape(name) if len(name) > 1 else re.escape(name) + "色"
        out += [(family, m.start()) for m in re.finditer(pattern, run)]
    for at, char in enumerate(run[:-1]):
        starts_word = at == 0 or run[at - 1] in _WORD_BREAKS
        if char in _BASIC_INITIALS and starts_word and not any(run.startswith(w, at) for w in _NOT_COLOURS):
            out.append((_ZH_NAMES[char], at))
    return out


def colour_terms_of(families: Sequence[str]) -> list[str]:
    """The reserved terms of ``families`` (unknown names are skipped)."""
    return [colour_term(family) for family in families if family in FAMILIES]
