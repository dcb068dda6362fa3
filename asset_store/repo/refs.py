"""Branches and tags: names resolved to commits and moved only by compare-and-swap."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from asset_store.errors import InvalidAsset, RefConflict, RefNotFound
from asset_store.models import Commit, Ref
from asset_store.repo.commits import CommitInfo, load_commit
from asset_store.repo.names import looks_like_commit_id
from asset_store.sql import utcnow

RefKind = Literal["branch", "tag"]


@dataclass(frozen=True)
class RefInfo:
    name: str
    kind: RefKind
    commit_id: str
    created_by: str | None
    message: str | None
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, row: Ref) -> RefInfo:
        kind: RefKind = "tag" if row.kind == "tag" else "branch"
        return cls(row.name, kind, row.commit_id, row.created_by, row.message, row.created_at, row.updated_at)


def get_ref(session: Session, brand_id: str, name: str) -> RefInfo | None:
    row = session.get(Ref, (brand_id, name))
    return RefInfo.of(row) if row is not None else None


def require_branch(session: Session, brand_id: str, name: str) -> RefInfo:
    ref = get_ref(session, brand_id, name)
    if ref is None or ref.kind != "branch":
        raise RefNotFound(f"no branch {name!r}", code="branch_not_found", details={"branch": name})
    return ref


def list_refs(session: Session, brand_id: str, kind: RefKind) -> list[RefInfo]:
    stmt = select(Ref).where(Ref.brand_id == brand_id, Ref.kind == kind).order_by(Ref.name)
    return [RefInfo.of(row) for row in session.scalars(stmt)]


def resolve(session: Session, brand_id: str, ref: str) -> CommitInfo:
    """A branch, a tag, or a commit id (or a unique prefix of at least 7 hex digits) → its commit."""
    if not ref:
        raise InvalidAsset("a ref is required", code="invalid_ref_name")
    named = get_ref(session, brand_id, ref)
    if named is not None:
        return load_commit(session, brand_id, named.commit_id)
    if looks_like_commit_id(ref):
        stmt = select(Commit.id).where(Commit.brand_id == brand_id, Commit.id.startswith(ref)).limit(2)
        ids = list(session.scalars(stmt))
        if len(ids) == 1:
            return load_commit(session, brand_id, ids[0])
        if len(ids) > 1:
            raise InvalidAsset(
                f"commit prefix {ref!r} is ambiguous", code="ambiguous_ref", details={"ref": ref}
            )
    raise RefNotFound(f"no branch, tag or commit {ref!r}", code="ref_not_found", details={"ref": ref})


def create_ref(
    session: Session,
    brand_id: str,
    name: str,
    kind: RefKind,
    commit_id: str,
    created_by: str | None,
    message: str | None = None,
) -> RefInfo:
    """Insert a new ref; an existing name (branch or tag) is a conflict, never overwritten."""
    if get_ref(session, brand_id, name) is not None:
        raise RefConflict(f"{name!r} already exists", code="ref_exists", details={"name": name})
    now = utcnow()
    row = Ref(
        brand_id=brand_id,
        name=name,
        kind=kind,
        commit_id=commit_id,
        created_by=created_by,
        message=message,
        created_at=now,
        updated_at=now,
    )
    try:
        with session.begin_nested():
            session.add(row)
    except IntegrityError as exc:  # a concurrent writer created it first
        raise RefConflict(f"{name!r} already exists", code="ref_exists", details={"name": name}) from exc
    return RefInfo.of(row)


def move_branch(session: Session, brand_id: str, name: str, expected: str, new: str) -> None:
    """Point branch ``name`` at ``new`` if it still points at ``expected``; else raise ``ref_moved``."""
    stmt = (
        update(Ref)
        .where(Ref.brand_id == brand_id, Ref.name == name, Ref.kind == "branch", Ref.commit_id == expected)
        .values(commit_id=new, updated_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if session.execute(stmt).rowcount != 1:  # type: ignore[attr-defined]
        current = get_ref(session, brand_id, name)
        raise RefConflict(
            f"branch {name!r} moved since you read it; re-read it and retry",
            code="ref_moved",
            details={"branch": name, "expected": expected, "current": current.commit_id if current else None},
        )
    session.expire_all()


def delete_ref(
    session: Session, brand_id: str, name: str, kind: RefKind, expected: str | None = None
) -> RefInfo:
    """Remove a ref (only if it still points at ``expected`` when given)."""
    ref = get_ref(session, brand_id, name)
    if ref is None or ref.kind != kind:
        raise RefNotFound(f"no {kind} {name!r}", code=f"{kind}_not_found", details={kind: name})
    stmt = delete(Ref).where(Ref.brand_id == brand_id, Ref.name == name, Ref.kind == kind)
    if expected is not None:
        stmt = stmt.where(Ref.commit_id == expected)
    if session.execute(stmt.execution_options(synchronize_session=False)).rowcount != 1:  # type: ignore[attr-defined]
        raise RefConflict(
            f"{kind} {name!r} moved; re-read it and retry", code="ref_moved", details={kind: name}
        )
    session.expire_all()
    return ref
