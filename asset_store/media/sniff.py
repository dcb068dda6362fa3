"""Content-type sniffing from the first bytes of a file: magic numbers first, UTF-8 text last.

The data lives in tables (``_MAGIC``, ``_FTYP_BRANDS``, ``_RIFF_FORMS``); ``_MATCHERS`` lists the few
structured checks in the order they run. The extension and content type returned are canonical.
"""

from __future__ import annotations

import codecs
from collections.abc import Callable
from dataclasses import dataclass

from asset_store.media.kinds import AssetKind

HEAD_SIZE = 8192
"""How many leading bytes callers should pass to :func:`sniff`."""

_TEXT_KINDS = frozenset({AssetKind.copy})


@dataclass(frozen=True)
class Sniffed:
    """A detected format: canonical content type, the kind it usually is, and a file extension.

    ``also`` lists other kinds the same bytes may legitimately be declared as (JSON as a brand kit, an
    MP4 holding only audio as audio, …).
    """

    content_type: str
    kind: AssetKind
    extension: str
    also: frozenset[AssetKind] = frozenset()

    def allows(self, kind: AssetKind) -> bool:
        """Whether these bytes may be stored as ``kind``."""
        return kind == self.kind or kind in self.also


def _s(content_type: str, kind: AssetKind, extension: str, *also: AssetKind) -> Sniffed:
    return Sniffed(content_type, kind, extension, frozenset(also))


_I, _V, _A = AssetKind.image, AssetKind.video, AssetKind.audio
_MP4 = _s("video/mp4", _V, "mp4", _A)
_HEIC = _s("image/heic", _I, "heic")
_AVIF = _s("image/avif", _I, "avif")

# (offset, magic, result): checked in order, first match wins.
_MAGIC: tuple[tuple[int, bytes, Sniffed], ...] = (
    (0, b"\x89PNG\r\n\x1a\n", _s("image/png", _I, "png")),
    (0, b"\xff\xd8\xff", _s("image/jpeg", _I, "jpg")),
    (0, b"GIF87a", _s("image/gif", _I, "gif")),
    (0, b"GIF89a", _s("image/gif", _I, "gif")),
    (0, b"II*\x00", _s("image/tiff", _I, "tif")),
    (0, b"MM\x00*", _s("image/tiff", _I, "tif")),
    (0, b"ID3", _s("audio/mpeg", _A, "mp3")),
    (0, b"OggS", _s("audio/ogg", _A, "ogg", _V)),
    (0, b"fLaC", _s("audio/flac", _A, "flac")),
    (0, b"%PDF-", _s("application/pdf", AssetKind.brand_kit, "pdf")),
    (0, b"PK\x03\x04", _s("application/zip", AssetKind.brand_kit, "zip")),
    (0, b"PK\x05\x06", _s("application/zip", AssetKind.brand_kit, "zip")),
)

# ISO-BMFF major/compatible brands (4 bytes each).
_FTYP_BRANDS: dict[bytes, Sniffed] = {
    b"avif": _AVIF,
    b"avis": _AVIF,
    **dict.fromkeys((b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1"), _HEIC),
    b"qt  ": _s("video/quicktime", _V, "mov", _A),
    b"M4V ": _s("video/x-m4v", _V, "m4v", _A),
    b"M4VH": _s("video/x-m4v", _V, "m4v", _A),
    b"M4A ": _s("audio/mp4", _A, "m4a"),
    b"M4B ": _s("audio/mp4", _A, "m4a"),
    b"3gp4": _s("video/3gpp", _V, "3gp", _A),
    b"3gp5": _s("video/3gpp", _V, "3gp", _A),
    b"3gp6": _s("video/3gpp", _V, "3gp", _A),
    **dict.fromkeys(
        (b"isom", b"iso2", b"iso4", b"iso5", b"iso6", b"mp41", b"mp42", b"avc1", b"dash", b"mmp4", b"F4V "),
        _MP4,
    ),
}

# RIFF form types at offset 8.
_RIFF_FORMS: dict[bytes, Sniffed] = {
    b"WEBP": _s("image/webp", _I, "webp"),
    b"WAVE": _s("audio/wav", _A, "wav"),
    b"AVI ": _s("video/x-msvideo", _V, "avi", _A),
}

_BMP_DIB_SIZES = frozenset({12, 40, 52, 56, 64, 108, 124})
_ALLOWED_CONTROL = frozenset("\t\n\r\f\v\x1b")
PLAIN_TEXT = _s("text/plain", AssetKind.copy, "txt", AssetKind.brand_kit)


def _by_magic(head: bytes) -> Sniffed | None:
    for offset, magic, result in _MAGIC:
        if head[offset : offset + len(magic)] == magic:
            return result
    return None


def _by_ftyp(head: bytes) -> Sniffed | None:
    if head[4:8] != b"ftyp" or len(head) < 12:
        return None
    box_size = int.from_bytes(head[0:4], "big")
    end = min(max(box_size, 16), len(head))
    compatible = [head[i : i + 4] for i in range(16, end - 3, 4)]
    if b"avif" in compatible or b"avis" in compatible:
        return _AVIF  # AVIF files often carry major brand mif1
    for brand in (head[8:12], *compatible):
        if brand in _FTYP_BRANDS:
            return _FTYP_BRANDS[brand]
    return None


def _by_riff(head: bytes) -> Sniffed | None:
    if head[0:4] != b"RIFF":
        return None
    return _RIFF_FORMS.get(head[8:12])


def _by_ebml(head: bytes) -> Sniffed | None:
    if head[0:4] != b"\x1a\x45\xdf\xa3":
        return None
    if b"webm" in head[:64]:
        return _s("video/webm", _V, "webm", _A)
    return _s("video/x-matroska", _V, "mkv", _A)


def _by_bmp(head: bytes) -> Sniffed | None:
    if head[0:2] != b"BM" or len(head) < 18:
        return None
    if int.from_bytes(head[14:18], "little") not in _BMP_DIB_SIZES:
        return None
    return _s("image/bmp", _I, "bmp")


def _by_mpeg_audio(head: bytes) -> Sniffed | None:
    """An MPEG audio frame header (MP3) or an ADTS header (raw AAC) at offset 0."""
    if len(head) < 4 or head[0] != 0xFF or head[1] & 0xE0 != 0xE0:
        return None
    version, layer = (head[1] >> 3) & 0b11, (head[1] >> 1) & 0b11
    if head[1] & 0xF6 == 0xF0:  # 12-bit sync, layer 00: ADTS
        return _s("audio/aac", _A, "aac")
    bitrate, rate = head[2] >> 4, (head[2] >> 2) & 0b11
    if version == 0b01 or layer == 0 or bitrate in (0, 0xF) or rate == 0b11:
        return None
    return _s("audio/mpeg", _A, "mp3")


def decode_text_head(head: bytes) -> str | None:
    """The head as text, or None if it is not UTF-8 text (a character cut at the end is fine)."""
    decoder = codecs.getincrementaldecoder("utf-8-sig")(errors="strict")
    try:
        text = decoder.decode(head, final=False)
    except UnicodeDecodeError:
        return None
    if any(ch < " " and ch not in _ALLOWED_CONTROL for ch in text):
        return None  # NUL and other binary control bytes
    return text


def _by_text(head: bytes) -> Sniffed | None:
    text = decode_text_head(head)
    if text is None:
        return None
    stripped = text.lstrip()
    if stripped.startswith(("{", "[")):
        return _s("application/json", AssetKind.template, "json", AssetKind.brand_kit, *_TEXT_KINDS)
    if stripped.startswith("<") and "<svg" in stripped:
        return _s("image/svg+xml", _I, "svg", AssetKind.template, *_TEXT_KINDS)
    return PLAIN_TEXT


_MATCHERS: tuple[Callable[[bytes], Sniffed | None], ...] = (
    _by_magic,
    _by_ftyp,
    _by_riff,
    _by_ebml,
    _by_bmp,
    _by_mpeg_audio,
    _by_text,
)


def sniff(head: bytes) -> Sniffed | None:
    """Detect the format of a file from its first bytes (pass :data:`HEAD_SIZE` of them); None if unknown."""
    if not head:
        return None
    for matcher in _MATCHERS:
        found = matcher(head)
        if found is not None:
            return found
    return None
