"""An asset's history across every branch and tag: the commits that changed it, and what each ref holds.

The commits reachable from every ref are walked together, newest generation first (each once, however
many refs share it), up to ``MAX_WALK``; a commit starts a version of the asset when its entry at the path
differs from every parent's (so a merge that takes one side's version adds nothing). Each lookup reads one
tree range, cached across requests.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from asset_store.repo.commits import CommitInfo, load_commits, walk
from asset_store.repo.names import validate_asset_path
from asset_store.repo.refs import RefInfo
from asset_store.repo.repository import Repository
from asset_store.repo.tree import Entry
from serving.library.schemas import AssetAtRef, AssetHistory, AssetVersion, ChangeKind
from serving.vision.sources import review_status

MAX_WALK = 1000
"""Commits read at most per request; older history is reported as truncated."""


class _Entries:
    """The asset's entry at any commit, memoised."""

    def __init__(self, repo: Repository, path: str) -> None:
        self.repo, self.path = repo, path
        self.commits: dict[str, CommitInfo] = {}
        self._at: dict[str, Entry | None] = {}

    def at(self, commit: CommitInfo) -> Entry | None:
        if commit.id not in self._at:
            self._at[commit.id] = self.repo.trees.lookup(
                self.repo.session, self.repo.tree_at(commit), self.path
            )
        return self._at[commit.id]

    def of_parents(self, commit: CommitInfo) -> list[Entry | None]:
        missing = [p for p in commit.parents if p not in self.commits]
        if missing:
            self.commits.update(load_commits(self.repo.session, self.repo.brand_id, missing))
        return [self.at(self.commits[p]) for p in commit.parents if p in self.commits]


def _same(a: Entry | None, b: Entry | None) -> bool:
    return (a is None and b is None) or (a is not None and a.same_content(b))


def _change(entry: Entry | None, parents: Sequence[Entry | None]) -> ChangeKind | None:
    """How ``entry`` differs from its parents' entries; None when it is one of theirs."""
    if any(_same(entry, p) for p in parents):
        return None
    if entry is None:
        return "deleted" if parents else None
    present = [p for p in parents if p is not None]
    if not present:
        return "added"
    return "metadata" if any(p.blob == entry.blob for p in present) else "modified"


def _heads(repo: Repository) -> list[tuple[RefInfo, CommitInfo]]:
    refs = [*repo.branches(), *repo.tags()]
    commits = load_commits(repo.session, repo.brand_id, sorted({r.commit_id for r in refs}))
    return [(r, commits[r.commit_id]) for r in refs if r.commit_id in commits]


def _titles(repo: Repository, entries: Sequence[Entry | None]) -> dict[str, str | None]:
    records = repo.records([e.record for e in entries if e is not None])
    out: dict[str, str | None] = {}
    for rid, body in records.items():
        metadata: dict[str, Any] = body.get("metadata") or {}
        title = metadata.get("title")
        out[rid] = str(title) if title else None
    return out


def asset_history(session: Session, repo: Repository, path: str, limit: int) -> AssetHistory:
    """The versions of ``path`` (newest first, at most ``limit``) and the asset at each branch and tag."""
    path = validate_asset_path(path)
    entries = _Entries(repo, path)
    heads = _heads(repo)
    for _, commit in heads:
        entries.commits[commit.id] = commit
    changes: list[tuple[CommitInfo, Entry | None, ChangeKind]] = []
    truncated = False
    for index, commit in enumerate(walk(session, repo.brand_id, list({c.id: c for _, c in heads}.values()))):
        if index >= MAX_WALK or len(changes) >= limit:
            truncated = True
            break
        entries.commits[commit.id] = commit
        entry = entries.at(commit)
        change = _change(entry, entries.of_parents(commit))
        if change is not None:
            changes.append((commit, entry, change))
    changes.sort(key=lambda c: (c[0].created_at, c[0].generation), reverse=True)
    at_heads = [(ref, commit, entries.at(commit)) for ref, commit in heads]
    shown = [e for _, _, e in at_heads] + [e for _, e, _ in changes]
    titles = _titles(repo, shown)
    status = review_status(session, repo.brand_id, [(path, e.blob) for e in shown if e is not None])
    refs = [_at_ref(ref, commit, entry, titles, status, path) for ref, commit, entry in at_heads]
    versions = [
        _version(commit, entry, change, titles, status, path, at_heads) for commit, entry, change in changes
    ]
    refs.sort(key=lambda r: (r.ref_kind != "branch", r.ref != "main", not r.present, r.ref))
    return AssetHistory(path=path, refs=refs, versions=versions, truncated=truncated)


def _at_ref(
    ref: RefInfo,
    commit: CommitInfo,
    entry: Entry | None,
    titles: dict[str, str | None],
    status: dict[tuple[str, str], str],
    path: str,
) -> AssetAtRef:
    return AssetAtRef(
        ref=ref.name,
        ref_kind="tag" if ref.kind == "tag" else "branch",
        commit_id=commit.id,
        present=entry is not None,
        blob=entry.blob if entry else None,
        kind=entry.kind if entry else None,
        size=entry.size if entry else None,
        title=titles.get(entry.record) if entry else None,
        compliance_status=status.get((path, entry.blob)) if entry else None,
    )


def _version(
    commit: CommitInfo,
    entry: Entry | None,
    change: ChangeKind,
    titles: dict[str, str | None],
    status: dict[tuple[str, str], str],
    path: str,
    at_heads: Sequence[tuple[RefInfo, CommitInfo, Entry | None]],
) -> AssetVersion:
    holders = [ref.name for ref, _, held in at_heads if entry is not None and entry.same_content(held)]
    return AssetVersion(
        commit_id=commit.id,
        parents=list(commit.parents),
        message=commit.message,
        author_id=commit.author_id,
        created_at=commit.created_at,
        change=change,
        blob=entry.blob if entry else None,
        kind=entry.kind if entry else None,
        size=entry.size if entry else None,
        title=titles.get(entry.record) if entry else None,
        compliance_status=status.get((path, entry.blob)) if entry else None,
        refs=holders,
    )
