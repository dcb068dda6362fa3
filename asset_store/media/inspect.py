"""Validate an upload before it is stored: size, sniffed type against the declared one, then per-kind checks.

Order: empty → size limit (declared kind, else the largest) → sniff → declared kind and content type agree
with the bytes → size limit of the final kind → per-kind validation. Every refusal is an ``InvalidAsset``
(or ``AssetTooLarge``) with a stable ``code``; see ``asset_store.media`` for the list.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from asset_store.errors import AssetTooLarge, InvalidAsset
from asset_store.media.av import inspect_av
from asset_store.media.documents import inspect_brand_kit, inspect_copy, inspect_template
from asset_store.media.images import SVG_CONTENT_TYPE, inspect_raster, inspect_svg
from asset_store.media.kinds import AssetKind, MediaInfo, SizeLimits
from asset_store.media.sniff import HEAD_SIZE, PLAIN_TEXT, Sniffed, sniff

__all__ = ["MediaInfo", "inspect_file", "normalize_content_type", "resolve_type"]

UNKNOWN_CONTENT_TYPES = frozenset(
    {"", "application/octet-stream", "binary/octet-stream", "application/unknown"}
)
_ALIASES: dict[str, str] = {
    "image/jpg": "image/jpeg",
    "image/pjpeg": "image/jpeg",
    "image/x-png": "image/png",
    "image/x-ms-bmp": "image/bmp",
    "image/x-bmp": "image/bmp",
    "image/heif": "image/heic",
    "image/svg": "image/svg+xml",
    "audio/mp3": "audio/mpeg",
    "audio/x-mp3": "audio/mpeg",
    "audio/x-mpeg": "audio/mpeg",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/x-flac": "audio/flac",
    "audio/x-aac": "audio/aac",
    "audio/m4a": "audio/mp4",
    "audio/x-m4a": "audio/mp4",
    "application/ogg": "audio/ogg",
    "video/ogg": "audio/ogg",
    "audio/webm": "video/webm",
    "audio/x-matroska": "video/x-matroska",
    "video/avi": "video/x-msvideo",
    "video/msvideo": "video/x-msvideo",
    "application/x-zip-compressed": "application/zip",
    "application/x-zip": "application/zip",
    "text/json": "application/json",
    "text/x-markdown": "text/markdown",
}
# Content types naming the same container format.
_FAMILIES: tuple[frozenset[str], ...] = (
    frozenset({"video/mp4", "video/quicktime", "video/x-m4v", "video/3gpp", "audio/mp4", "application/mp4"}),
    frozenset({"video/webm", "video/x-matroska"}),
)
_TEXT_FORMATS = frozenset({"text/plain", "application/json", SVG_CONTENT_TYPE})
_XML_TYPES = frozenset({"application/xml", "text/xml"})
_YAML_TYPES = frozenset({"application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml"})
# What plain text may be declared as (no text/html: it would be served as markup).
_PLAIN_TEXT_TYPES = frozenset({"text/plain", "text/markdown", "text/csv", "text/tab-separated-values"})
_EXTENSIONS = {"text/markdown": "md", "text/csv": "csv", "text/tab-separated-values": "tsv"}
_EXTENSIONS.update(dict.fromkeys(_YAML_TYPES, "yaml"))

Validator = Callable[[Path, MediaInfo, Sniffed, SizeLimits, bool], MediaInfo]


def normalize_content_type(value: str | None) -> str:
    """Lower-case, parameters dropped, common aliases mapped to the canonical name."""
    bare = (value or "").split(";", 1)[0].strip().lower()
    return _ALIASES.get(bare, bare)


def _content_types_agree(declared: str, detected: str) -> bool:
    if declared == detected or any(declared in f and detected in f for f in _FAMILIES):
        return True
    if detected in _TEXT_FORMATS and declared == "text/plain":
        return True  # JSON and SVG are text too
    if detected == SVG_CONTENT_TYPE:
        return declared in _XML_TYPES
    if detected == "text/plain":
        return declared in _PLAIN_TEXT_TYPES or declared in _YAML_TYPES
    return False


def _mismatch(what: str, declared: str, detected: str) -> InvalidAsset:
    return InvalidAsset(
        f"declared {what} {declared!r} does not match the content ({detected!r})",
        code="type_mismatch",
        details={"declared": declared, "detected": detected},
    )


def resolve_type(
    sniffed: Sniffed, declared_kind: AssetKind | None, declared_content_type: str | None
) -> tuple[AssetKind, str]:
    """The kind and content type to store, or type_mismatch when a declaration disagrees with the bytes."""
    declared = normalize_content_type(declared_content_type)
    content_type = sniffed.content_type
    if declared not in UNKNOWN_CONTENT_TYPES:
        if not _content_types_agree(declared, sniffed.content_type):
            raise _mismatch("content type", declared, sniffed.content_type)
        if sniffed.content_type == "text/plain":
            content_type = declared  # text/markdown says more than text/plain
    if declared_kind is None:
        return sniffed.kind, content_type
    if not sniffed.allows(declared_kind):
        raise _mismatch("kind", declared_kind.value, sniffed.kind.value)
    return declared_kind, content_type


def _check_size(size: int, kind: AssetKind | None, limits: SizeLimits) -> None:
    limit = limits.largest if kind is None else limits.limit_for(kind)
    if size > limit:
        raise AssetTooLarge(
            f"{size} bytes exceed the limit of {limit} bytes" + (f" for {kind.value}" if kind else ""),
            code="asset_too_large",
            details={"size": size, "limit": limit, "kind": kind.value if kind else None},
        )


def _image(path: Path, base: MediaInfo, sniffed: Sniffed, limits: SizeLimits, flexible: bool) -> MediaInfo:
    if base.content_type == SVG_CONTENT_TYPE:
        return inspect_svg(path, base)
    return inspect_raster(path, base, limits.max_image_pixels)


def _av(path: Path, base: MediaInfo, sniffed: Sniffed, limits: SizeLimits, flexible: bool) -> MediaInfo:
    return inspect_av(path, base, limits, flexible=flexible, allows_audio=sniffed.allows(AssetKind.audio))


_VALIDATORS: dict[AssetKind, Validator] = {
    AssetKind.image: _image,
    AssetKind.video: _av,
    AssetKind.audio: _av,
    AssetKind.copy: lambda path, base, sniffed, limits, flexible: inspect_copy(path, base),
    AssetKind.template: lambda path, base, sniffed, limits, flexible: inspect_template(path, base),
    AssetKind.brand_kit: lambda path, base, sniffed, limits, flexible: inspect_brand_kit(path, base, limits),
}


def inspect_file(
    path: Path,
    *,
    declared_kind: AssetKind | None = None,
    declared_content_type: str | None = None,
    limits: SizeLimits,
) -> MediaInfo:
    """Validate the file at ``path`` and describe it; raises InvalidAsset / AssetTooLarge with a ``code``."""
    size = path.stat().st_size
    if size == 0:
        raise InvalidAsset("the file is empty", code="empty_file")
    _check_size(size, declared_kind, limits)
    with path.open("rb") as handle:
        head = handle.read(HEAD_SIZE)
    sniffed = sniff(head)
    if sniffed is None and declared_kind is AssetKind.copy:
        sniffed = PLAIN_TEXT  # declared copy: let the text check say what is wrong (invalid_text)
    if sniffed is None:
        raise InvalidAsset(
            "the file type is not recognised",
            code="unknown_type",
            details={"declared": normalize_content_type(declared_content_type) or None},
        )
    kind, content_type = resolve_type(sniffed, declared_kind, declared_content_type)
    _check_size(size, kind, limits)
    extension = _EXTENSIONS.get(content_type, sniffed.extension)
    base = MediaInfo(kind=kind, content_type=content_type, extension=extension, size=size)
    return _VALIDATORS[kind](path, base, sniffed, limits, declared_kind is None)
