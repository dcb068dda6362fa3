"""Copy (UTF-8 text), templates (JSON object or SVG) and brand kits (JSON/YAML object, ZIP or PDF).

ZIP archives are checked from the central directory before anything is inflated: member names must be
relative without ``..``, no symlinks, no overlapping members, bounded member count, total size and
compression ratio; only then does ``testzip()`` read every member (bounded by the declared sizes) to
verify CRCs.
"""

from __future__ import annotations

import json
import mmap
import re
import zipfile
from dataclasses import replace
from pathlib import Path
from typing import Any

import yaml

from asset_store.errors import InvalidAsset
from asset_store.media.images import SVG_CONTENT_TYPE, inspect_svg
from asset_store.media.kinds import MediaInfo, SizeLimits

_DRIVE = re.compile(r"^[A-Za-z]:")
_PDF_PAGE = re.compile(rb"/Type\s*/Page(?![A-Za-z])")
_SYMLINK = 0o120000


def _text(path: Path, *, code: str) -> str:
    """The whole file as UTF-8 text (a BOM is dropped); ``code`` if it is not valid UTF-8 or has NUL."""
    data = path.read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InvalidAsset(
            f"the text is not valid UTF-8 at byte {exc.start}", code=code, details={"offset": exc.start}
        ) from exc
    if "\x00" in text:
        offset = text.index("\x00")
        raise InvalidAsset("the text contains a NUL character", code=code, details={"offset": offset})
    return text


def inspect_copy(path: Path, base: MediaInfo) -> MediaInfo:
    """Copy: valid UTF-8 without NUL; counts characters and lines."""
    text = _text(path, code="invalid_text")
    extra = {"line_count": len(text.splitlines()), "encoding": "utf-8"}
    return replace(base, char_count=len(text), extra=extra)


def _json_object(path: Path, *, code: str) -> dict[str, Any]:
    try:
        value = json.loads(_text(path, code=code))
    except (ValueError, RecursionError) as exc:
        raise InvalidAsset(f"the JSON does not parse: {exc}", code=code) from exc
    if not isinstance(value, dict):
        raise InvalidAsset(f"expected a JSON object, got {type(value).__name__}", code=code)
    return value


def _keys(value: dict[str, Any]) -> list[str]:
    return sorted(str(key) for key in value)[:50]


def inspect_template(path: Path, base: MediaInfo) -> MediaInfo:
    """Template: an SVG document or a JSON object."""
    if base.content_type == SVG_CONTENT_TYPE:
        return inspect_svg(path, base, code="invalid_template")
    value = _json_object(path, code="invalid_template")
    return replace(base, extra={"format": "json", "keys": _keys(value)})


def _yaml_object(path: Path) -> dict[str, Any]:
    """A YAML mapping; aliases are refused so that no billion-laughs expansion can reach consumers."""
    text = _text(path, code="invalid_brand_kit")
    try:
        if any(isinstance(token, yaml.AliasToken) for token in yaml.scan(text, Loader=yaml.SafeLoader)):
            raise InvalidAsset("YAML aliases are not accepted in a brand kit", code="invalid_brand_kit")
        value = yaml.safe_load(text)
    except (yaml.YAMLError, RecursionError) as exc:
        raise InvalidAsset(f"the YAML does not parse: {exc}", code="invalid_brand_kit") from exc
    if not isinstance(value, dict):
        raise InvalidAsset("expected a YAML mapping at the top level", code="invalid_brand_kit")
    return value


def _unsafe_name(name: str) -> bool:
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or bool(_DRIVE.match(name)) or ".." in parts or "\x00" in name


def _bomb(message: str, **details: Any) -> InvalidAsset:
    return InvalidAsset(message, code="decompression_bomb", details=details)


def _check_members(members: list[zipfile.ZipInfo], limits: SizeLimits) -> int:
    """Central-directory checks before any inflation; returns the total uncompressed size."""
    if len(members) > limits.max_archive_members:
        raise InvalidAsset(
            f"the archive has {len(members)} members, more than {limits.max_archive_members}",
            code="invalid_brand_kit",
        )
    for info in members:
        if _unsafe_name(info.filename):
            raise InvalidAsset(
                f"unsafe member name {info.filename!r}",
                code="invalid_brand_kit",
                details={"member": info.filename},
            )
        if (info.external_attr >> 16) & 0o170000 == _SYMLINK:
            raise InvalidAsset(
                f"symlink member {info.filename!r}",
                code="invalid_brand_kit",
                details={"member": info.filename},
            )
    total = sum(info.file_size for info in members)
    packed = sum(info.compress_size for info in members)
    if total > limits.max_archive_bytes:
        raise _bomb("the archive expands beyond the size limit", total=total, limit=limits.max_archive_bytes)
    if total / max(packed, 1) > limits.max_archive_ratio:
        raise _bomb("the archive's compression ratio is too high", total=total, packed=packed)
    ordered = sorted(members, key=lambda info: info.header_offset)
    for current, following in zip(ordered, ordered[1:], strict=False):
        if current.header_offset + current.compress_size > following.header_offset:
            raise _bomb("archive members overlap", member=following.filename)
    return total


def _inspect_zip(path: Path, base: MediaInfo, limits: SizeLimits) -> MediaInfo:
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = _check_members(members, limits)
            bad = archive.testzip()
    except (RuntimeError, NotImplementedError) as exc:  # encrypted, unsupported compression
        raise InvalidAsset(f"the archive cannot be read: {exc}", code="invalid_brand_kit") from exc
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError) as exc:
        raise InvalidAsset(f"the archive is corrupt: {exc}", code="corrupt_file") from exc
    if bad is not None:
        raise InvalidAsset(f"archive member {bad!r} is corrupt", code="corrupt_file", details={"member": bad})
    extra = {"format": "zip", "members": len(members), "uncompressed_size": total}
    return replace(base, extra=extra)


def _inspect_pdf(path: Path, base: MediaInfo) -> MediaInfo:
    """A PDF must end with ``%%EOF`` (else it is truncated); pages are counted by their page objects."""
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        if data.rfind(b"%%EOF", max(0, len(data) - 1024)) < 0:
            raise InvalidAsset("the PDF is truncated (no %%EOF marker)", code="corrupt_file")
        pages = sum(1 for _ in _PDF_PAGE.finditer(data))  # 0 when pages hide in compressed object streams
    return replace(base, page_count=pages or None, extra={"format": "pdf"})


def inspect_brand_kit(path: Path, base: MediaInfo, limits: SizeLimits) -> MediaInfo:
    """Brand kit: a ZIP archive, a PDF guide, or a JSON/YAML object."""
    if base.content_type == "application/zip":
        return _inspect_zip(path, base, limits)
    if base.content_type == "application/pdf":
        return _inspect_pdf(path, base)
    if base.content_type == "application/json":
        value = _json_object(path, code="invalid_brand_kit")
        return replace(base, extra={"format": "json", "keys": _keys(value)})
    value = _yaml_object(path)
    return replace(base, extra={"format": "yaml", "keys": _keys(value)})
