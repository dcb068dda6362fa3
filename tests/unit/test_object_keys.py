"""Object keys and byte ranges: what both backends accept and refuse."""

from __future__ import annotations

import pytest

from asset_store.errors import InvalidAsset
from asset_store.objects.keys import MAX_KEY_BYTES, validate_key, validate_prefix, validate_range

GOOD_KEYS = [
    "a",
    "a/b/c.png",
    "brands/acme/logo v2.svg",
    "ünïcödé/ファイル.txt",
    "@at/@@double",
    ".hidden/..dots/...",
    "a-b_c~d!e(f)'g*h+i,j;k=l:m",
    "x" * MAX_KEY_BYTES,
]
BAD_KEYS = {
    "../x": "'..'",
    "a/../b": "'..'",
    "a/./b": "'.'",
    ".": "'.'",
    "/abs": "leading '/'",
    "a//b": "empty path segment",
    "a/": "empty path segment",
    "": "non-empty",
    "a\\b": "backslash",
    "a\x00b": "control",
    "tab\there": "control",
    "line\nbreak": "control",
    "del\x7f": "control",
    "x" * (MAX_KEY_BYTES + 1): "1024 bytes",
    "é" * 513: "1024 bytes",  # 1026 UTF-8 bytes in 513 characters
    "bad\udcffsurrogate": "UTF-8",
}


@pytest.mark.parametrize("key", GOOD_KEYS)
def test_valid_keys_pass_unchanged(key: str) -> None:
    assert validate_key(key) == key


@pytest.mark.parametrize(("key", "reason"), list(BAD_KEYS.items()))
def test_invalid_keys_raise_invalid_key(key: str, reason: str) -> None:
    with pytest.raises(InvalidAsset, match=reason) as error:
        validate_key(key)
    assert error.value.code == "invalid_key"
    assert error.value.details == {"key": key}
    assert isinstance(error.value, ValueError)


def test_key_length_counts_utf8_bytes() -> None:
    assert validate_key("é" * 512) == "é" * 512  # exactly 1024 bytes
    with pytest.raises(InvalidAsset):
        validate_key("é" * 512 + "x")


def test_non_strings_are_refused() -> None:
    with pytest.raises(InvalidAsset):
        validate_key(b"bytes/key")  # type: ignore[arg-type]


@pytest.mark.parametrize("prefix", ["", "a", "a/", "a/b/", "a/b", "a/.", "a/..x", "@", "ü/"])
def test_valid_prefixes(prefix: str) -> None:
    assert validate_prefix(prefix) == prefix


@pytest.mark.parametrize(
    "prefix", ["/", "/a", "../", "a/../", "./", "a//", "a//b", "a\\", "a\x00", "x" * 1025]
)
def test_invalid_prefixes(prefix: str) -> None:
    with pytest.raises(InvalidAsset) as error:
        validate_prefix(prefix)
    assert error.value.code == "invalid_key"


@pytest.mark.parametrize(("offset", "length"), [(0, None), (0, 0), (5, 10), (10**12, None)])
def test_valid_ranges(offset: int, length: int | None) -> None:
    validate_range(offset, length)


@pytest.mark.parametrize(("offset", "length"), [(-1, None), (0, -1), (-5, -5)])
def test_invalid_ranges(offset: int, length: int | None) -> None:
    with pytest.raises(InvalidAsset) as error:
        validate_range(offset, length)
    assert error.value.code == "invalid_range"
