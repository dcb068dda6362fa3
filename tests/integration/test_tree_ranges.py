"""Trees as content-defined ranges: correct against a dict model, canonical, and cheap to change."""

from __future__ import annotations

import random

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asset_store.models import TreeRange
from asset_store.repo.tree import Entry, TreeStore, TreeValue, chunk, merge_changes
from serving.db import make_engine, make_session_factory, transaction


def _entry(path: str, version: int) -> Entry:
    return Entry(path, f"{version:064x}", f"{version + 7:064x}", "image", version)


def _materialise(store: TreeStore, session: Session, tree: TreeValue) -> dict[str, Entry]:
    return {e.path: e for e in store.iter_entries(session, tree)}


def test_random_changes_match_a_dict_model_and_trees_are_canonical(sqlite_url: str) -> None:
    rng = random.Random(7)
    factory = make_session_factory(make_engine(sqlite_url))
    store = TreeStore(cache_size=64)
    model: dict[str, Entry] = {}
    with transaction(factory) as session:
        tree = store.empty(session)
        for step in range(30):
            changes: dict[str, Entry | None] = {}
            for _ in range(rng.choice([1, 5, 200])):
                path = f"dir{rng.randrange(20)}/asset_{rng.randrange(4000):05}.png"
                if path in model and rng.random() < 0.3:
                    changes[path] = None
                elif path not in changes:
                    changes[path] = _entry(path, step * 1000 + rng.randrange(1000))
            changes = {p: e for p, e in changes.items() if e is not None or p in model}
            before = dict(model)
            new_tree = store.apply(session, tree, changes)
            for path, entry in changes.items():
                if entry is None:
                    model.pop(path)
                else:
                    model[path] = entry
            assert _materialise(store, session, new_tree) == model
            assert new_tree.count == len(model)
            for path in list(changes)[:10]:
                assert store.lookup(session, new_tree, path) == model.get(path)
            diff = {c.path: (c.before, c.after) for c in store.diff(session, tree, new_tree)}
            expected = {
                p: (before.get(p), model.get(p))
                for p in set(before) | set(model)
                if before.get(p) != model.get(p)
            }
            assert diff == expected
            tree = new_tree
        # the same content built in one go has the same tree id: history does not shape the tree
        rebuilt = store.apply(session, store.empty(session), dict(model))
        assert rebuilt.id == tree.id
        assert all(r.count <= 2048 for r in tree.ranges) and len(tree.ranges) > 3


def test_one_change_in_a_big_tree_writes_a_couple_of_ranges(sqlite_url: str) -> None:
    factory = make_session_factory(make_engine(sqlite_url))
    store = TreeStore()
    with transaction(factory) as session:
        big = store.apply(
            session,
            store.empty(session),
            {f"a/{i:06}.png": _entry(f"a/{i:06}.png", i) for i in range(20_000)},
        )
        ranges_before = session.scalar(select(func.count()).select_from(TreeRange))
        changed = store.apply(session, big, {"a/010000.png": _entry("a/010000.png", 99)})
        written = session.scalar(select(func.count()).select_from(TreeRange)) - ranges_before
        assert 1 <= written <= 3
        shared = {r.id for r in big.ranges} & {r.id for r in changed.ranges}
        assert len(shared) >= len(big.ranges) - 3
        assert [c.path for c in store.diff(session, big, changed)] == ["a/010000.png"]


def test_chunk_and_merge_helpers() -> None:
    entries = [_entry(f"p{i:05}", i) for i in range(5000)]
    chunks = chunk(entries)
    assert [e for c in chunks for e in c] == entries and all(len(c) <= 2048 for c in chunks)
    merged = merge_changes(entries[:3], [("p00001", None), ("p00001x", _entry("p00001x", 1))])
    assert [e.path for e in merged] == ["p00000", "p00001x", "p00002"]
