"""Argument checks shared by the backends: object keys (safe on S3 and a local filesystem) and ranges."""

from __future__ import annotations

from asset_store.errors import InvalidAsset

MAX_KEY_BYTES = 1024


def _reject(key: str, reason: str) -> InvalidAsset:
    return InvalidAsset(f"invalid object key {key!r}: {reason}", code="invalid_key", details={"key": key})


def _check_chars(key: str) -> None:
    if "\\" in key:
        raise _reject(key, "backslash is not allowed; use '/'")
    if any(ord(char) < 0x20 or ord(char) == 0x7F for char in key):
        raise _reject(key, "control characters are not allowed")
    if key.startswith("/"):
        raise _reject(key, "must be relative (no leading '/')")
    try:
        size = len(key.encode("utf-8"))
    except UnicodeEncodeError as exc:  # lone surrogates
        raise _reject(key, "must be valid UTF-8") from exc
    if size > MAX_KEY_BYTES:
        raise _reject(key, f"longer than {MAX_KEY_BYTES} bytes")


def _check_segments(key: str, segments: list[str]) -> None:
    for segment in segments:
        if segment == "":
            raise _reject(key, "empty path segment ('//' or trailing '/')")
        if segment in (".", ".."):
            raise _reject(key, f"'{segment}' segments are not allowed")


def validate_key(key: str) -> str:
    """Return ``key`` unchanged if it is a valid object key; raise ``InvalidAsset(code="invalid_key")``.

    A key is non-empty, relative, '/'-separated, at most 1024 UTF-8 bytes, with no empty, '.' or '..'
    segment (so no trailing '/'), no backslash and no control character (NUL included).
    """
    if not isinstance(key, str) or not key:
        raise _reject(str(key), "must be a non-empty string")
    _check_chars(key)
    _check_segments(key, key.split("/"))
    return key


def validate_prefix(prefix: str) -> str:
    """Return ``prefix`` if some valid key may start with it ('' lists everything).

    Every complete segment (before the last '/') follows the key rules; the last, partial one may be
    anything a key segment may start with.
    """
    if not isinstance(prefix, str):
        raise _reject(str(prefix), "must be a string")
    if prefix == "":
        return prefix
    _check_chars(prefix)
    _check_segments(prefix, prefix.split("/")[:-1])
    return prefix


def validate_range(offset: int, length: int | None) -> None:
    """Raise ``InvalidAsset(code="invalid_range")`` for a negative offset or length."""
    if offset < 0 or (length is not None and length < 0):
        raise InvalidAsset(f"invalid byte range: offset={offset}, length={length}", code="invalid_range")
