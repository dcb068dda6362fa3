"""Rules for asset paths and ref names, checked before anything is stored."""

from __future__ import annotations

import re
import unicodedata

from asset_store.errors import InvalidAsset

MAX_PATH_BYTES = 512
MAX_REF_LEN = 100
_REF_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._\-/]*$")
_COMMIT_RE = re.compile(r"^[0-9a-f]{7,64}$")


def validate_asset_path(path: str) -> str:
    """An asset path: relative, '/'-separated segments, no '.'/'..', no control characters.

    Unicode is allowed (Chinese file names are normal) and normalised to NFC, so the same name typed on
    two systems is one path.
    """
    if not isinstance(path, str) or not path:
        raise InvalidAsset("asset path is empty", code="invalid_path")
    path = unicodedata.normalize("NFC", path)
    reason = _path_problem(path)
    if reason:
        raise InvalidAsset(
            f"invalid asset path {path!r}: {reason}", code="invalid_path", details={"path": path}
        )
    return path


def _path_problem(path: str) -> str | None:
    if len(path.encode()) > MAX_PATH_BYTES:
        return f"longer than {MAX_PATH_BYTES} bytes"
    if path.startswith("/") or path.endswith("/"):
        return "must not start or end with '/'"
    if "\\" in path:
        return "use '/' as the separator"
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in path):
        return "contains control characters"
    for segment in path.split("/"):
        if segment in ("", ".", ".."):
            return "empty, '.' or '..' segment"
        if segment != segment.strip():
            return "segment has leading or trailing spaces"
    return None


def validate_ref_name(name: str) -> str:
    """A branch or tag name in the spirit of ``git check-ref-format``."""
    if (
        not isinstance(name, str)
        or not name
        or len(name) > MAX_REF_LEN
        or not _REF_RE.match(name)
        or ".." in name
        or "//" in name
        or name.endswith(("/", ".", ".lock"))
        or "/." in name
        or looks_like_commit_id(name)
    ):
        raise InvalidAsset(
            f"invalid ref name {name!r}: use letters, digits, '.', '_', '-', '/', at most {MAX_REF_LEN} "
            "characters, not a hex commit id",
            code="invalid_ref_name",
            details={"name": name},
        )
    return name


def looks_like_commit_id(text: str) -> bool:
    """Whether ``text`` could be a (prefix of a) commit id: 7 to 64 lowercase hex digits."""
    return bool(_COMMIT_RE.match(text))
