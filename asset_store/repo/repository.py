"""A brand's git-like asset repository: branches, tags, commits, log, diff, merge and revert."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.errors import InvalidAsset, MergeBlocked, MergeConflict, ObjectNotFound, RefConflict
from asset_store.models import Blob, BlobGrant, Record
from asset_store.repo.commits import CommitInfo, is_ancestor, load_commit, merge_base, walk, write_commit
from asset_store.repo.gate import AllowAllGate, GateRequest, MergeGate
from asset_store.repo.hashing import content_id
from asset_store.repo.metadata import AssetMetadata, record_body
from asset_store.repo.names import validate_asset_path, validate_ref_name
from asset_store.repo.refs import (
    RefInfo,
    create_ref,
    delete_ref,
    get_ref,
    list_refs,
    move_branch,
    require_branch,
    resolve,
)
from asset_store.repo.sqlutil import insert_ignore
from asset_store.repo.tree import Change, Entry, TreeStore, TreeValue

DEFAULT_BRANCH = "main"
MAX_CHANGES_PER_COMMIT = 10_000
MAX_REPORTED_CONFLICTS = 200


@dataclass(frozen=True)
class PutAsset:
    """Add or replace the asset at ``path`` with uploaded bytes (by sha256) and metadata."""

    path: str
    blob: str
    metadata: AssetMetadata = field(default_factory=AssetMetadata)


@dataclass(frozen=True)
class DeleteAsset:
    """Remove the asset at ``path``."""

    path: str


AssetChange = PutAsset | DeleteAsset


@dataclass(frozen=True)
class AssetVersion:
    """An asset as it is at some commit."""

    path: str
    commit_id: str
    entry: Entry
    record: dict[str, Any]

    @property
    def content_type(self) -> str:
        return str(self.record.get("content_type", "application/octet-stream"))

    @property
    def metadata(self) -> dict[str, Any]:
        value = self.record.get("metadata", {})
        return dict(value) if isinstance(value, dict) else {}


@dataclass(frozen=True)
class MergeResult:
    outcome: Literal["fast_forward", "merge", "up_to_date"]
    commit: CommitInfo
    changes: list[Change]


def _same(a: Entry | None, b: Entry | None) -> bool:
    return (a is None and b is None) or (a is not None and a.same_content(b))


def _entry_json(entry: Entry | None) -> dict[str, Any] | None:
    return None if entry is None else {"blob": entry.blob, "record": entry.record, "kind": entry.kind}


class Repository:
    """One brand's repository, bound to a database session (the caller owns the transaction)."""

    def __init__(
        self, session: Session, brand_id: str, trees: TreeStore, gate: MergeGate | None = None
    ) -> None:
        self.session = session
        self.brand_id = brand_id
        self.trees = trees
        self.gate: MergeGate = gate or AllowAllGate()

    # -- set-up and refs ---------------------------------------------------------------------------
    def ensure(self) -> None:
        """Create the repository (an empty root commit on ``main``) if the brand has none yet."""
        if get_ref(self.session, self.brand_id, DEFAULT_BRANCH) is not None:
            return
        if list_refs(self.session, self.brand_id, "branch"):
            return
        root = write_commit(
            self.session, self.brand_id, self.trees.empty(self.session).id, [], None, "Initialize repository"
        )
        try:
            create_ref(self.session, self.brand_id, DEFAULT_BRANCH, "branch", root.id, None)
        except RefConflict:
            pass  # a concurrent request created it

    def branches(self) -> list[RefInfo]:
        return list_refs(self.session, self.brand_id, "branch")

    def tags(self) -> list[RefInfo]:
        return list_refs(self.session, self.brand_id, "tag")

    def branch(self, name: str) -> RefInfo:
        return require_branch(self.session, self.brand_id, name)

    def resolve(self, ref: str) -> CommitInfo:
        return resolve(self.session, self.brand_id, ref)

    def create_branch(
        self, name: str, from_ref: str = DEFAULT_BRANCH, *, author_id: str | None = None
    ) -> RefInfo:
        """A new branch at ``from_ref``: one row, whatever the number of assets."""
        validate_ref_name(name)
        commit = self.resolve(from_ref)
        return create_ref(self.session, self.brand_id, name, "branch", commit.id, author_id)

    def delete_branch(self, name: str, *, expected_head: str | None = None) -> RefInfo:
        if name == DEFAULT_BRANCH:
            raise RefConflict("the default branch cannot be deleted", code="protected_branch")
        return delete_ref(self.session, self.brand_id, name, "branch", expected_head)

    def create_tag(
        self, name: str, ref: str, *, author_id: str | None = None, message: str | None = None
    ) -> RefInfo:
        """An immutable name for a release; creating an existing tag is a conflict."""
        validate_ref_name(name)
        commit = self.resolve(ref)
        return create_ref(self.session, self.brand_id, name, "tag", commit.id, author_id, message)

    def delete_tag(self, name: str) -> RefInfo:
        return delete_ref(self.session, self.brand_id, name, "tag")

    # -- reading -----------------------------------------------------------------------------------
    def tree_at(self, commit: CommitInfo) -> TreeValue:
        return self.trees.load(self.session, commit.tree_id)

    def records(self, ids: Sequence[str]) -> dict[str, dict[str, Any]]:
        wanted = list(dict.fromkeys(ids))
        found: dict[str, dict[str, Any]] = {}
        for start in range(0, len(wanted), 500):
            stmt = select(Record.id, Record.body).where(Record.id.in_(wanted[start : start + 500]))
            found.update({rid: dict(body) for rid, body in self.session.execute(stmt)})
        return found

    def get(self, ref: str, path: str) -> AssetVersion:
        """The asset at ``path`` as of ``ref``."""
        path = validate_asset_path(path)
        commit = self.resolve(ref)
        entry = self.trees.lookup(self.session, self.tree_at(commit), path)
        if entry is None:
            raise ObjectNotFound(
                f"no asset {path!r} at {ref!r}", code="asset_not_found", details={"path": path}
            )
        return AssetVersion(path, commit.id, entry, self.records([entry.record]).get(entry.record, {}))

    def list_assets(
        self,
        ref: str,
        *,
        prefix: str = "",
        kind: str | None = None,
        after: str | None = None,
        limit: int = 100,
    ) -> tuple[CommitInfo, list[Entry], str | None]:
        """Entries under ``prefix`` in path order, after ``after``; returns (commit, page, next cursor)."""
        commit = self.resolve(ref)
        start = after if after is not None and after > prefix else prefix
        page: list[Entry] = []
        for entry in self.trees.iter_entries(self.session, self.tree_at(commit), start):
            if not entry.path.startswith(prefix):
                break
            if (after is not None and entry.path <= after) or (kind is not None and entry.kind != kind):
                continue
            if len(page) == limit:
                return commit, page, page[-1].path
            page.append(entry)
        return commit, page, None

    def log(self, ref: str, *, limit: int = 50, offset: int = 0) -> list[CommitInfo]:
        """History reachable from ``ref``, newest generation first."""
        out: list[CommitInfo] = []
        for index, commit in enumerate(walk(self.session, self.brand_id, [self.resolve(ref)])):
            if index >= offset + limit:
                break
            if index >= offset:
                out.append(commit)
        return out

    def commit_info(self, commit_id: str) -> CommitInfo:
        return load_commit(self.session, self.brand_id, commit_id)

    def diff(self, from_ref: str, to_ref: str) -> list[Change]:
        before, after = self.resolve(from_ref), self.resolve(to_ref)
        return self.trees.diff(self.session, self.tree_at(before), self.tree_at(after))

    # -- writing -----------------------------------------------------------------------------------
    def commit(
        self,
        branch: str,
        changes: Sequence[AssetChange],
        *,
        author_id: str | None,
        message: str,
        meta: dict[str, Any] | None = None,
        expected_head: str | None = None,
    ) -> CommitInfo:
        """Apply many adds, modifications and deletes at once as one commit on ``branch``."""
        head = self._head(branch, expected_head)
        if not changes:
            raise InvalidAsset("a commit needs at least one change", code="nothing_to_commit")
        if len(changes) > MAX_CHANGES_PER_COMMIT:
            raise InvalidAsset(
                f"at most {MAX_CHANGES_PER_COMMIT} changes per commit", code="too_many_changes"
            )
        entries = self._entries_for(changes)
        tree = self.tree_at(head)
        new_tree = self.trees.apply(self.session, tree, entries)
        if new_tree.id == tree.id:
            raise InvalidAsset("these changes leave the branch as it is", code="nothing_to_commit")
        self._check_gate("commit", branch, self.trees.diff(self.session, tree, new_tree))
        commit = write_commit(self.session, self.brand_id, new_tree.id, [head], author_id, message, meta)
        move_branch(self.session, self.brand_id, branch, head.id, commit.id)
        return commit

    def merge(
        self,
        source: str,
        target: str,
        *,
        author_id: str | None,
        message: str | None = None,
        expected_target_head: str | None = None,
    ) -> MergeResult:
        """Merge ``source`` into branch ``target``: fast-forward when possible, else three-way by asset."""
        ours = self._head(target, expected_target_head)
        theirs = self.resolve(source)
        if is_ancestor(self.session, self.brand_id, theirs, ours):
            return MergeResult("up_to_date", ours, [])
        base = merge_base(self.session, self.brand_id, ours, theirs)
        ours_tree, theirs_tree = self.tree_at(ours), self.tree_at(theirs)
        if base is not None and base.id == ours.id:
            changes = self.trees.diff(self.session, ours_tree, theirs_tree)
            self._check_gate(source, target, changes)
            move_branch(self.session, self.brand_id, target, ours.id, theirs.id)
            return MergeResult("fast_forward", theirs, changes)
        base_tree = self.tree_at(base) if base is not None else self.trees.empty(self.session)
        ours_changes = {c.path: c for c in self.trees.diff(self.session, base_tree, ours_tree)}
        apply: dict[str, Entry | None] = {}
        conflicts: list[dict[str, Any]] = []
        for change in self.trees.diff(self.session, base_tree, theirs_tree):
            mine = ours_changes.get(change.path)
            if mine is None:
                apply[change.path] = change.after
            elif not _same(mine.after, change.after):
                conflicts.append(
                    {
                        "path": change.path,
                        "base": _entry_json(change.before),
                        "ours": _entry_json(mine.after),
                        "theirs": _entry_json(change.after),
                    }
                )
        if conflicts:
            raise MergeConflict(
                f"{len(conflicts)} asset(s) changed on both sides; resolve them on a branch and merge again",
                details={"conflicts": conflicts[:MAX_REPORTED_CONFLICTS], "count": len(conflicts)},
            )
        new_tree = self.trees.apply(self.session, ours_tree, apply) if apply else ours_tree
        changes = self.trees.diff(self.session, ours_tree, new_tree)
        self._check_gate(source, target, changes)
        text = message or f"Merge {source} into {target}"
        commit = write_commit(
            self.session, self.brand_id, new_tree.id, [ours, theirs], author_id, text, {"merged": source}
        )
        move_branch(self.session, self.brand_id, target, ours.id, commit.id)
        return MergeResult("merge", commit, changes)

    def revert(
        self,
        branch: str,
        commit_ref: str,
        *,
        author_id: str | None,
        parent: int = 1,
        expected_head: str | None = None,
    ) -> CommitInfo:
        """Undo one commit on ``branch`` as a new commit; assets changed since are conflicts."""
        head = self._head(branch, expected_head)
        target = self.resolve(commit_ref)
        if not target.parents:
            raise InvalidAsset("the root commit cannot be reverted", code="cannot_revert_root")
        if not 1 <= parent <= len(target.parents):
            raise InvalidAsset(f"commit has {len(target.parents)} parent(s)", code="invalid_parent")
        mainline = load_commit(self.session, self.brand_id, target.parents[parent - 1])
        undo = self.trees.diff(self.session, self.tree_at(target), self.tree_at(mainline))
        head_tree = self.tree_at(head)
        apply: dict[str, Entry | None] = {}
        conflicts: list[dict[str, Any]] = []
        for change in undo:
            current = self.trees.lookup(self.session, head_tree, change.path)
            if _same(current, change.before):
                apply[change.path] = change.after
            elif not _same(current, change.after):
                conflicts.append({"path": change.path, "current": _entry_json(current)})
        if conflicts:
            raise MergeConflict(
                f"{len(conflicts)} asset(s) changed after that commit; revert by hand",
                details={"conflicts": conflicts[:MAX_REPORTED_CONFLICTS], "count": len(conflicts)},
            )
        if not apply:
            raise InvalidAsset("that commit is already undone on this branch", code="nothing_to_commit")
        new_tree = self.trees.apply(self.session, head_tree, apply)
        self._check_gate(f"revert:{target.id}", branch, self.trees.diff(self.session, head_tree, new_tree))
        first_line = target.message.splitlines()[0] if target.message else target.id[:12]
        commit = write_commit(
            self.session,
            self.brand_id,
            new_tree.id,
            [head],
            author_id,
            f'Revert "{first_line}"',
            {"reverts": target.id},
        )
        move_branch(self.session, self.brand_id, branch, head.id, commit.id)
        return commit

    # -- helpers -----------------------------------------------------------------------------------
    def _head(self, branch: str, expected_head: str | None) -> CommitInfo:
        ref = require_branch(self.session, self.brand_id, branch)
        if expected_head is not None and expected_head != ref.commit_id:
            raise RefConflict(
                f"branch {branch!r} is at {ref.commit_id[:12]}, not {expected_head[:12]}",
                code="ref_moved",
                details={"branch": branch, "expected": expected_head, "current": ref.commit_id},
            )
        return load_commit(self.session, self.brand_id, ref.commit_id)

    def _entries_for(self, changes: Sequence[AssetChange]) -> dict[str, Entry | None]:
        paths = [validate_asset_path(c.path) for c in changes]
        if len(set(paths)) != len(paths):
            raise InvalidAsset("a path appears twice in one commit", code="duplicate_path")
        puts = [(p, c) for p, c in zip(paths, changes, strict=True) if isinstance(c, PutAsset)]
        blobs = self._granted_blobs({c.blob for _, c in puts})
        out: dict[str, Entry | None] = {
            p: None for p, c in zip(paths, changes, strict=True) if isinstance(c, DeleteAsset)
        }
        records: list[dict[str, Any]] = []
        for path, put in puts:
            blob, grant = blobs[put.blob]
            body = record_body(grant.kind, grant.content_type, put.metadata)
            record_id = content_id("record", body)
            records.append({"id": record_id, "body": body})
            out[path] = Entry(path, blob.sha256, record_id, grant.kind, blob.size)
        insert_ignore(self.session, Record, list({r["id"]: r for r in records}.values()))
        return out

    def _granted_blobs(self, shas: set[str]) -> dict[str, tuple[Blob, BlobGrant]]:
        """The blobs with this brand's grant on them (kind and type as this brand uploaded them)."""
        found: dict[str, tuple[Blob, BlobGrant]] = {}
        wanted = sorted(shas)
        for start in range(0, len(wanted), 500):
            stmt = (
                select(Blob, BlobGrant)
                .join(BlobGrant, BlobGrant.sha256 == Blob.sha256)
                .where(BlobGrant.brand_id == self.brand_id, Blob.sha256.in_(wanted[start : start + 500]))
            )
            found.update({blob.sha256: (blob, grant) for blob, grant in self.session.execute(stmt)})
        missing = [s for s in wanted if s not in found]
        if missing:
            raise InvalidAsset(
                f"{len(missing)} blob(s) were not uploaded to this brand",
                code="blob_not_found",
                details={"missing": missing[:50]},
            )
        return found

    def _check_gate(self, source: str, target: str, changes: list[Change]) -> None:
        record_ids = [c.after.record for c in changes if c.after is not None]
        request = GateRequest(self.brand_id, source, target, tuple(changes), self.records(record_ids))
        violations = list(self.gate.check(self.session, request))
        if violations:
            raise MergeBlocked(
                f"the pre-merge gate refused {len(violations)} asset(s)",
                details={"violations": [v.as_dict() for v in violations[:MAX_REPORTED_CONFLICTS]]},
            )
