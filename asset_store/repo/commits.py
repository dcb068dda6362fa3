"""Commits: writing them, reading them, walking history and finding merge bases."""

from __future__ import annotations

import heapq
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.errors import RefNotFound
from asset_store.models import Commit
from asset_store.repo.hashing import content_id
from asset_store.sql import utcnow


@dataclass(frozen=True)
class CommitInfo:
    """A commit as the repository hands it out."""

    id: str
    brand_id: str
    tree_id: str
    parents: tuple[str, ...]
    generation: int
    author_id: str | None
    message: str
    created_at: datetime
    meta: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, row: Commit) -> CommitInfo:
        return cls(
            id=row.id,
            brand_id=row.brand_id,
            tree_id=row.tree_id,
            parents=tuple(row.parents),
            generation=row.generation,
            author_id=row.author_id,
            message=row.message,
            created_at=row.created_at,
            meta=dict(row.meta or {}),
        )


def write_commit(
    session: Session,
    brand_id: str,
    tree_id: str,
    parents: list[CommitInfo],
    author_id: str | None,
    message: str,
    meta: dict[str, Any] | None = None,
) -> CommitInfo:
    """Add a commit row; its id hashes everything it says, including the time."""
    now = utcnow()
    meta = dict(meta or {})
    parent_ids = [p.id for p in parents]
    generation = 1 + max((p.generation for p in parents), default=0)
    commit_id = content_id(
        "commit",
        {
            "brand": brand_id,
            "tree": tree_id,
            "parents": parent_ids,
            "author": author_id,
            "message": message,
            "meta": meta,
            "time": now.isoformat(),
        },
    )
    row = Commit(
        id=commit_id,
        brand_id=brand_id,
        tree_id=tree_id,
        parents=parent_ids,
        generation=generation,
        author_id=author_id,
        message=message,
        meta=meta,
        created_at=now,
    )
    session.add(row)
    session.flush()
    return CommitInfo.of(row)


def load_commits(session: Session, brand_id: str, ids: Iterable[str]) -> dict[str, CommitInfo]:
    """Commits of one brand by id (missing ids are simply absent)."""
    wanted = list(dict.fromkeys(ids))
    found: dict[str, CommitInfo] = {}
    for start in range(0, len(wanted), 500):
        stmt = select(Commit).where(Commit.brand_id == brand_id, Commit.id.in_(wanted[start : start + 500]))
        for row in session.scalars(stmt):
            found[row.id] = CommitInfo.of(row)
    return found


def load_commit(session: Session, brand_id: str, commit_id: str) -> CommitInfo:
    found = load_commits(session, brand_id, [commit_id])
    if commit_id not in found:
        raise RefNotFound(
            f"commit {commit_id} not found", code="commit_not_found", details={"commit": commit_id}
        )
    return found[commit_id]


def walk(
    session: Session, brand_id: str, starts: list[CommitInfo], min_generation: int = 0
) -> Iterable[CommitInfo]:
    """Every ancestor of ``starts`` (themselves included) once, newest generation first."""
    heap: list[tuple[int, str, CommitInfo]] = [(-c.generation, c.id, c) for c in starts]
    heapq.heapify(heap)
    seen = {c.id for c in starts}
    while heap:
        _, _, commit = heapq.heappop(heap)
        yield commit
        fresh = [p for p in commit.parents if p not in seen]
        seen.update(fresh)
        for parent in load_commits(session, brand_id, fresh).values():
            if parent.generation >= min_generation:
                heapq.heappush(heap, (-parent.generation, parent.id, parent))


def is_ancestor(session: Session, brand_id: str, ancestor: CommitInfo, descendant: CommitInfo) -> bool:
    """Whether ``ancestor`` is reachable from ``descendant`` (a commit is its own ancestor)."""
    return any(
        c.id == ancestor.id for c in walk(session, brand_id, [descendant], min_generation=ancestor.generation)
    )


def merge_base(session: Session, brand_id: str, a: CommitInfo, b: CommitInfo) -> CommitInfo | None:
    """The common ancestor of ``a`` and ``b`` with the highest generation, or None.

    Walks both histories together, newest generation first, marking each commit with the side(s) it is
    reachable from; a commit's marks are final when it is popped (its children, all of higher generation,
    came first), so the first commit marked by both sides is the answer. Only the diverged part of the
    history is read, not all of it.
    """
    side_a, side_b = 1, 2
    marks: dict[str, int] = {a.id: side_a}
    marks[b.id] = marks.get(b.id, 0) | side_b
    commits = {a.id: a, b.id: b}
    heap: list[tuple[int, str]] = [(-c.generation, c.id) for c in {a.id: a, b.id: b}.values()]
    heapq.heapify(heap)
    queued = {a.id, b.id}
    while heap:
        _, commit_id = heapq.heappop(heap)
        commit, mark = commits[commit_id], marks[commit_id]
        if mark == side_a | side_b:
            return commit
        missing = [p for p in commit.parents if p not in commits]
        commits.update(load_commits(session, brand_id, missing))
        for parent_id in commit.parents:
            marks[parent_id] = marks.get(parent_id, 0) | mark
            if parent_id not in queued and parent_id in commits:
                queued.add(parent_id)
                heapq.heappush(heap, (-commits[parent_id].generation, parent_id))
    return None
