"""Prefixed, time-ordered, monotonic ids; timezone-aware datetimes only."""

from __future__ import annotations

import re
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy.dialects import postgresql, sqlite

from asset_store.sql import UTCDateTime, new_id, utcnow

ULID = re.compile(r"^[a-z]+_[0-9A-HJKMNP-TV-Z]{26}$")


def test_ids_keep_their_prefix_and_shape() -> None:
    for prefix in ("job", "brd", "jev", "aud"):
        value = new_id(prefix)
        assert value.startswith(prefix + "_")
        assert ULID.match(value), value


def test_ids_are_monotonic_and_sortable() -> None:
    ids = [new_id("job") for _ in range(20_000)]  # many share a millisecond
    assert ids == sorted(ids)
    assert len(set(ids)) == len(ids)


def test_ids_from_many_threads_are_unique() -> None:
    found: list[list[str]] = []

    def make() -> None:
        batch = [new_id("x") for _ in range(2_000)]
        assert batch == sorted(batch)
        found.append(batch)

    threads = [threading.Thread(target=make) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    everything = [i for batch in found for i in batch]
    assert len(everything) == len(set(everything)) == 8_000


def test_ids_follow_the_clock() -> None:
    before = new_id("t")
    later = new_id("t")
    assert before < later
    assert before[2:12] <= later[2:12]  # the time part never goes backwards


def test_utcnow_is_aware() -> None:
    now = utcnow()
    assert now.tzinfo is not None and now.utcoffset() == timedelta(0)


@pytest.mark.parametrize("dialect", [sqlite.dialect(), postgresql.dialect()])
def test_utc_datetime_refuses_naive_values(dialect: object) -> None:
    column = UTCDateTime()
    with pytest.raises(ValueError, match="naive"):
        column.process_bind_param(datetime(2025, 1, 1, 12, 0), dialect)  # type: ignore[arg-type]  # noqa: DTZ001


def test_utc_datetime_converts_to_utc_and_back() -> None:
    column = UTCDateTime()
    dialect = sqlite.dialect()
    shanghai = timezone(timedelta(hours=8))
    stored = column.process_bind_param(datetime(2025, 1, 1, 20, 0, tzinfo=shanghai), dialect)
    assert stored == datetime(2025, 1, 1, 12, 0, tzinfo=UTC) and stored.tzinfo == UTC
    assert column.process_bind_param(None, dialect) is None
    loaded = column.process_result_value(datetime(2025, 1, 1, 12, 0), dialect)  # SQLite drops tzinfo
    assert loaded == datetime(2025, 1, 1, 12, 0, tzinfo=UTC) and loaded.tzinfo is UTC
    assert column.process_result_value(None, dialect) is None
