"""The in-process memo of resolved API keys: lifetime, key expiry, and invalidation by auth writes."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from sqlalchemy import create_engine, update
from sqlalchemy.orm import Session, sessionmaker

import serving.models  # noqa: F401  (registers every table on Base.metadata)
from asset_store.sql import Base, utcnow
from serving.auth.caller import Caller
from serving.auth.caller_cache import CallerCache
from serving.auth.models import ApiKey
from serving.tenancy.models import Brand

ALICE = Caller(principal_id="usr_alice", kind="user", key_id="key_a")


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


@pytest.fixture()
def sessions() -> Iterator[sessionmaker[Session]]:
    engine = create_engine("sqlite://")
    Base.metadata.create_all(engine)
    yield sessionmaker(engine)
    engine.dispose()


def remembered(cache: CallerCache, token: str = "atl_abc.secret") -> CallerCache:
    cache.put(token, ALICE, cache.generation(), None)
    return cache


def test_a_resolved_key_is_served_until_its_time_is_up() -> None:
    clock = FakeClock()
    cache = remembered(CallerCache(2.0, clock=clock))
    assert cache.get("atl_abc.secret") is ALICE
    assert cache.get(" atl_abc.secret ") is ALICE  # the token as presented, stripped
    assert cache.get("atl_abc.other") is None
    clock.now += 2.0
    assert cache.get("atl_abc.secret") is None


def test_an_entry_never_outlives_the_key() -> None:
    cache = CallerCache(60.0)
    cache.put("atl_abc.secret", ALICE, cache.generation(), utcnow() - timedelta(seconds=1))
    assert cache.get("atl_abc.secret") is None


def test_zero_seconds_turns_the_memo_off() -> None:
    cache = remembered(CallerCache(0.0))
    assert cache.get("atl_abc.secret") is None


def test_the_oldest_entries_go_first_when_full() -> None:
    cache = CallerCache(60.0, max_entries=2)
    for token in ("t1", "t2", "t3"):
        remembered(cache, token)
    assert [cache.get(t) for t in ("t1", "t2", "t3")] == [None, ALICE, ALICE]


def test_a_committed_auth_write_drops_every_entry(sessions: sessionmaker[Session]) -> None:
    cache = remembered(CallerCache(60.0))
    with sessions() as session:
        session.add(Brand(slug="acme", name="Acme"))
        session.flush()
        assert cache.get("atl_abc.secret") is ALICE  # not yet committed: readers still see the old grants
        session.commit()
    assert cache.get("atl_abc.secret") is None


def test_a_rolled_back_write_keeps_the_entries(sessions: sessionmaker[Session]) -> None:
    cache = remembered(CallerCache(60.0))
    with sessions() as session:
        session.add(Brand(slug="acme", name="Acme"))
        session.flush()
        session.rollback()
        session.commit()
    assert cache.get("atl_abc.secret") is ALICE


def test_a_bulk_update_of_an_auth_table_counts_as_a_write(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        session.add(Brand(slug="acme", name="Acme"))
        session.commit()
    cache = remembered(CallerCache(60.0))
    with sessions() as session:
        session.execute(update(Brand).values(name="Acme Group"))
        session.commit()
    assert cache.get("atl_abc.secret") is None


def test_a_write_between_lookup_and_put_is_not_cached_over(sessions: sessionmaker[Session]) -> None:
    cache = CallerCache(60.0)
    generation = cache.generation()  # read before the key lookup
    with sessions() as session:  # a revocation lands while the lookup runs
        session.add(Brand(slug="acme", name="Acme"))
        session.commit()
    cache.put("atl_abc.secret", ALICE, generation, None)
    assert cache.get("atl_abc.secret") is None


def test_recording_a_keys_last_use_drops_nothing(sessions: sessionmaker[Session]) -> None:
    with sessions() as session:
        brand = Brand(slug="acme", name="Acme")
        session.add(brand)
        session.flush()
        key = ApiKey(
            name="cms", kind="system", brand_id=brand.id, role="creative", prefix="p1", secret_hash="h"
        )
        session.add(key)
        session.commit()
        cache = remembered(CallerCache(60.0))
        key.last_used_at = utcnow()  # what every request's key lookup writes once a minute
        session.commit()
        assert cache.get("atl_abc.secret") is ALICE
        key.revoked_at = utcnow()
        session.commit()
    assert cache.get("atl_abc.secret") is None
