"""Fonts: the default Noto CJK faces, checks that a font file exists and loads, cached FreeType fonts
and cached per-character advances (text measuring is the compositor's inner loop)."""

from __future__ import annotations

import shutil
import subprocess
import threading
from functools import lru_cache
from pathlib import Path
from typing import Literal

from PIL import ImageFont
from pydantic import BaseModel, ConfigDict, Field

from pipelines.poster.errors import FontNotFound

NOTO_DIR = Path("/usr/share/fonts/opentype/noto")
SC_INDEX = 2  # Simplified Chinese face in the Noto CJK collections (JP, KR, SC, TC, HK)

Role = Literal["headline", "body"]
Family = Literal["sans", "serif"]


class FontRef(BaseModel):
    """A font face: file path and face index inside a collection (.ttc)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    path: str = Field(min_length=1, description="Font file (.ttf, .otf, .ttc).")
    index: int = Field(default=0, ge=0, description="Face index inside a collection.")


def default_font(role: Role, family: Family = "sans") -> FontRef:
    """Noto Sans/Serif CJK SC: Bold for headlines, Regular for body text (Debian fonts-noto-cjk)."""
    name = "Sans" if family == "sans" else "Serif"
    weight = "Bold" if role == "headline" else "Regular"
    return FontRef(path=str(NOTO_DIR / f"Noto{name}CJK-{weight}.ttc"), index=SC_INDEX)


def check_font(ref: FontRef, field: str) -> FontRef:
    """Raise FontNotFound naming ``field`` unless the file exists and FreeType can open the face."""
    if not Path(ref.path).is_file():
        raise FontNotFound(field, f"font file not found: {ref.path}")
    try:
        load_font(ref.path, ref.index, 16)
    except OSError as exc:
        raise FontNotFound(field, f"cannot open font {ref.path} (face {ref.index}): {exc}") from exc
    return ref


@lru_cache(maxsize=1024)
def load_font(path: str, index: int, size: int) -> ImageFont.FreeTypeFont:
    """A cached FreeType font (basic layout: CJK needs no shaping, and it is the faster engine)."""
    return ImageFont.truetype(path, size, index=index, layout_engine=ImageFont.Layout.BASIC)


_ADVANCES: dict[tuple[str, int, int], dict[str, float]] = {}
_ADVANCES_LOCK = threading.Lock()


def advances(path: str, index: int, size: int) -> dict[str, float]:
    """The per-character advance cache of one font at one size (filled on demand by ``advance``)."""
    key = (path, index, size)
    table = _ADVANCES.get(key)
    if table is None:
        with _ADVANCES_LOCK:
            if len(_ADVANCES) > 4096:
                _ADVANCES.clear()
            table = _ADVANCES.setdefault(key, {})
    return table


def text_advance(path: str, index: int, size: int, text: str) -> float:
    """Sum of the characters' advances in pixels (cached per character)."""
    table = advances(path, index, size)
    total = 0.0
    font: ImageFont.FreeTypeFont | None = None
    for char in text:
        width = table.get(char)
        if width is None:
            font = font or load_font(path, index, size)
            width = table[char] = float(font.getlength(char))
        total += width
    return total


@lru_cache(maxsize=64)
def find_family(name: str, role: Role = "body") -> FontRef:
    """Resolve a family name (e.g. a brand VI's approved typeface) with fontconfig's ``fc-list``:
    the Bold face for headlines, the Regular one for body text, else the family's first face."""
    field = f"fonts[{name!r}]"
    executable = shutil.which("fc-list")
    if executable is None:
        raise FontNotFound(field, f"cannot resolve font family {name!r}: fc-list is not installed")
    listing = subprocess.run(
        [executable, "--format", "%{file}\t%{index}\t%{family}\t%{style}\n"],
        capture_output=True,
        text=True,
        timeout=10,
        check=False,
    ).stdout
    wanted = name.strip().casefold()
    faces: list[tuple[str, FontRef]] = []
    for line in sorted(listing.splitlines()):
        path, index, families, style = (line.split("\t") + ["", "", "", ""])[:4]
        if any(f.strip().casefold() == wanted for f in families.split(",")):
            faces.append((style, FontRef(path=path, index=int(index or 0))))
    if not faces:
        raise FontNotFound(field, f"font family {name!r} is not installed (fc-list finds no such family)")
    weight = "bold" if role == "headline" else "regular"
    for style, ref in faces:
        if weight in style.casefold().split(","):
            return ref
    return faces[0][1]
