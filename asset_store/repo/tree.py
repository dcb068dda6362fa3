"""Trees: the sorted map path → entry of one commit, stored as content-addressed ranges.

A tree is a list of ranges; each range is a sorted run of entries whose boundaries fall where the hash of
a path says so (content-defined chunking). A change rewrites only the ranges it touches, so trees of two
commits share every untouched range, a commit's cost grows with what it changes, not with the size of
the tree, and a diff skips ranges both sides share.
"""

from __future__ import annotations

import hashlib
from bisect import bisect_left, bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from threading import Lock
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.errors import ObjectNotFound
from asset_store.models import Tree, TreeRange
from asset_store.repo.hashing import content_id
from asset_store.repo.sqlutil import insert_ignore

TARGET_RANGE = 256
"""Average entries per range: a path ends a range when its hash is 0 modulo this."""
MAX_RANGE = 2048
"""Hard cap on entries per range."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One asset in a tree: its bytes (blob), its metadata (record), kind and size."""

    path: str
    blob: str
    record: str
    kind: str
    size: int

    def row(self) -> list[Any]:
        return [self.path, self.blob, self.record, self.kind, self.size]

    @classmethod
    def from_row(cls, row: list[Any]) -> Entry:
        return cls(str(row[0]), str(row[1]), str(row[2]), str(row[3]), int(row[4]))

    def same_content(self, other: Entry | None) -> bool:
        return other is not None and self.blob == other.blob and self.record == other.record


@dataclass(frozen=True, slots=True)
class RangeRef:
    id: str
    first: str
    last: str
    count: int


@dataclass(frozen=True)
class TreeValue:
    """A loaded tree: its ranges in path order."""

    id: str
    ranges: tuple[RangeRef, ...]

    @property
    def count(self) -> int:
        return sum(r.count for r in self.ranges)

    @property
    def firsts(self) -> list[str]:
        return [r.first for r in self.ranges]


@dataclass(frozen=True, slots=True)
class Change:
    """How one path differs between two trees (None: absent on that side)."""

    path: str
    before: Entry | None
    after: Entry | None

    @property
    def status(self) -> Literal["added", "modified", "deleted"]:
        if self.before is None:
            return "added"
        return "deleted" if self.after is None else "modified"


def _ends_range(path: str) -> bool:
    digest = hashlib.sha256(path.encode()).digest()
    return int.from_bytes(digest[:4], "big") % TARGET_RANGE == 0


def chunk(entries: list[Entry]) -> list[list[Entry]]:
    """Split sorted entries at content-defined boundaries (and at MAX_RANGE)."""
    chunks: list[list[Entry]] = []
    current: list[Entry] = []
    for entry in entries:
        current.append(entry)
        if _ends_range(entry.path) or len(current) >= MAX_RANGE:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


def merge_changes(entries: list[Entry], changes: list[tuple[str, Entry | None]]) -> list[Entry]:
    """Apply sorted ``(path, entry or None for delete)`` changes to sorted entries."""
    out: list[Entry] = []
    i = 0
    for path, new in changes:
        while i < len(entries) and entries[i].path < path:
            out.append(entries[i])
            i += 1
        exists = i < len(entries) and entries[i].path == path
        if new is None and not exists:
            raise ObjectNotFound(
                f"no asset at {path!r} to delete", code="asset_not_found", details={"path": path}
            )
        if exists:
            i += 1
        if new is not None:
            out.append(new)
    out.extend(entries[i:])
    return out


class _LRU:
    def __init__(self, size: int) -> None:
        self._size = size
        self._data: OrderedDict[str, Any] = OrderedDict()
        self._lock = Lock()

    def get(self, key: str) -> Any:
        with self._lock:
            value = self._data.get(key)
            if value is not None:
                self._data.move_to_end(key)
            return value

    def put(self, key: str, value: Any) -> None:
        with self._lock:
            self._data[key] = value
            self._data.move_to_end(key)
            while len(self._data) > self._size:
                self._data.popitem(last=False)


class TreeStore:
    """Reads and writes trees and ranges; caches them (they are immutable) across sessions."""

    def __init__(self, cache_size: int = 4096) -> None:
        self._trees = _LRU(256)
        self._ranges = _LRU(cache_size)

    # -- reading -----------------------------------------------------------------------------------
    def load(self, session: Session, tree_id: str) -> TreeValue:
        cached: TreeValue | None = self._trees.get(tree_id)
        if cached is not None:
            return cached
        row = session.get(Tree, tree_id)
        if row is None:
            raise ObjectNotFound(f"tree {tree_id} not found", code="tree_not_found")
        value = TreeValue(row.id, tuple(RangeRef(r[0], r[1], r[2], int(r[3])) for r in row.ranges))
        self._trees.put(tree_id, value)
        return value

    def entries_of(self, session: Session, range_ids: Iterable[str]) -> dict[str, list[Entry]]:
        """Entries of each range, fetching the uncached ones in one query."""
        requested = list(dict.fromkeys(range_ids))
        found: dict[str, list[Entry]] = {}
        missing: list[str] = []
        for rid in requested:
            cached = self._ranges.get(rid)
            if cached is None:
                missing.append(rid)
            else:
                found[rid] = cached
        for start in range(0, len(missing), 500):
            batch = missing[start : start + 500]
            for rid, rows in session.execute(
                select(TreeRange.id, TreeRange.entries).where(TreeRange.id.in_(batch))
            ):
                entries = [Entry.from_row(r) for r in rows]
                self._ranges.put(rid, entries)
                found[rid] = entries
        if any(rid not in found for rid in requested):
            raise ObjectNotFound("a tree range is missing", code="tree_not_found")
        return found

    def lookup(self, session: Session, tree: TreeValue, path: str) -> Entry | None:
        """The entry at ``path``, or None."""
        if not tree.ranges:
            return None
        index = bisect_right(tree.firsts, path) - 1
        if index < 0:
            return None
        entries = self.entries_of(session, [tree.ranges[index].id])[tree.ranges[index].id]
        pos = bisect_left([e.path for e in entries], path)
        if pos < len(entries) and entries[pos].path == path:
            return entries[pos]
        return None

    def iter_entries(self, session: Session, tree: TreeValue, start: str = "") -> Iterator[Entry]:
        """Entries with ``path >= start`` in path order."""
        index = max(bisect_right(tree.firsts, start) - 1, 0)
        for ref in tree.ranges[index:]:
            for entry in self.entries_of(session, [ref.id])[ref.id]:
                if entry.path >= start:
                    yield entry

    def diff(self, session: Session, before: TreeValue, after: TreeValue) -> list[Change]:
        """Paths that differ, in path order; ranges both trees share are skipped unread."""
        if before.id == after.id:
            return []
        shared = {r.id for r in before.ranges} & {r.id for r in after.ranges}
        left_ids = [r.id for r in before.ranges if r.id not in shared]
        right_ids = [r.id for r in after.ranges if r.id not in shared]
        loaded = self.entries_of(session, left_ids + right_ids)
        left = [e for rid in left_ids for e in loaded[rid]]
        right = [e for rid in right_ids for e in loaded[rid]]
        return _diff_sorted(left, right)

    # -- writing -----------------------------------------------------------------------------------
    def save_chunks(self, session: Session, chunks: list[list[Entry]]) -> list[RangeRef]:
        refs: list[RangeRef] = []
        rows: list[dict[str, Any]] = []
        for entries in chunks:
            body = [e.row() for e in entries]
            rid = content_id("range", body)
            rows.append({"id": rid, "entries": body})
            refs.append(RangeRef(rid, entries[0].path, entries[-1].path, len(entries)))
        insert_ignore(session, TreeRange, rows)
        return refs

    def save_tree(self, session: Session, ranges: list[RangeRef]) -> TreeValue:
        body = [[r.id, r.first, r.last, r.count] for r in ranges]
        tree_id = content_id("tree", body)
        insert_ignore(session, Tree, [{"id": tree_id, "ranges": body, "count": sum(r.count for r in ranges)}])
        return TreeValue(tree_id, tuple(ranges))

    def empty(self, session: Session) -> TreeValue:
        return self.save_tree(session, [])

    def apply(self, session: Session, tree: TreeValue, changes: Mapping[str, Entry | None]) -> TreeValue:
        """A new tree with ``changes`` (path → entry, or None to delete) applied; writes new ranges only."""
        ordered = sorted(changes.items())
        if not tree.ranges:
            return self.save_tree(session, self.save_chunks(session, chunk(merge_changes([], ordered))))
        firsts = tree.firsts
        by_range: dict[int, list[tuple[str, Entry | None]]] = {}
        for path, entry in ordered:
            by_range.setdefault(max(bisect_right(firsts, path) - 1, 0), []).append((path, entry))
        self.entries_of(session, [tree.ranges[i].id for i in by_range])  # prefetch in one query
        out: list[RangeRef] = []
        pos = 0
        for start in sorted(by_range):
            if start < pos:
                continue
            out.extend(tree.ranges[pos:start])
            out_refs, pos = self._rewrite_run(session, tree, start, by_range)
            out.extend(out_refs)
        out.extend(tree.ranges[pos:])
        return self.save_tree(session, out)

    def _rewrite_run(
        self,
        session: Session,
        tree: TreeValue,
        start: int,
        by_range: dict[int, list[tuple[str, Entry | None]]],
    ) -> tuple[list[RangeRef], int]:
        """Rewrite ranges from ``start`` until the last new range ends on a natural boundary."""
        out: list[RangeRef] = []
        buffer: list[Entry] = []
        index = start
        while True:
            ref = tree.ranges[index]
            loaded = self.entries_of(session, [ref.id])[ref.id]
            buffer = merge_changes(buffer + loaded, by_range.get(index, []))
            index += 1
            if index < len(tree.ranges) and index in by_range:
                continue
            chunks = chunk(buffer)
            if index < len(tree.ranges) and chunks and not _ends_range(chunks[-1][-1].path):
                out.extend(self.save_chunks(session, chunks[:-1]))
                buffer = chunks[-1]
                continue
            out.extend(self.save_chunks(session, chunks))
            return out, index


def _diff_sorted(left: list[Entry], right: list[Entry]) -> list[Change]:
    changes: list[Change] = []
    i = j = 0
    while i < len(left) or j < len(right):
        a = left[i] if i < len(left) else None
        b = right[j] if j < len(right) else None
        if b is None or (a is not None and a.path < b.path):
            assert a is not None
            changes.append(Change(a.path, a, None))
            i += 1
        elif a is None or b.path < a.path:
            changes.append(Change(b.path, None, b))
            j += 1
        else:
            if not a.same_content(b) or a.kind != b.kind:
                changes.append(Change(a.path, a, b))
            i += 1
            j += 1
    return changes
