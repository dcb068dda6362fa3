"""Opaque keyset cursors."""

from __future__ import annotations

import pytest

from asset_store.sql import new_id
from serving.errors import InvalidInput
from serving.pagination import PageParams, decode_cursor, encode_cursor, page_params


@pytest.mark.parametrize("last_id", [new_id("job"), new_id("brd"), "usr_0", "a_" + "Z" * 38])
def test_cursor_round_trip(last_id: str) -> None:
    cursor = encode_cursor(last_id)
    assert "=" not in cursor and last_id not in cursor
    assert cursor.replace("-", "").replace("_", "").isalnum()  # URL-safe
    assert decode_cursor(cursor) == last_id


@pytest.mark.parametrize(
    "cursor",
    [
        "%%%",  # not base64
        "a",  # impossible length
        encode_cursor("no-underscore"),  # not one of our ids
        "",  # empty
        "__8_",  # decodes to bytes that are not UTF-8
    ],
)
def test_invalid_cursor(cursor: str) -> None:
    with pytest.raises(InvalidInput) as info:
        decode_cursor(cursor)
    assert info.value.code == "invalid_cursor"
    assert info.value.status == 422


def test_page_params_defaults() -> None:
    assert page_params() == PageParams(limit=50, cursor=None)
    assert page_params(limit=5, cursor="abc") == PageParams(limit=5, cursor="abc")
