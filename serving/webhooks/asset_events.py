"""Asset events, written to the outbox in the caller's transaction (the change and its event commit together).

``asset.created | asset.updated | asset.tagged | asset.deleted`` for each path a commit changes,
``asset.tagged`` again when automatic tagging changes an asset's tags, ``asset.checked`` when the
compliance check of a submitted asset is stored, ``asset.merged`` per merge and ``asset.exported`` per
exported asset (called by the export feature). The subject of a per-asset event is its blob (sha256);
the path, branch and commit are in ``data`` with the asset's tags and taxonomy (see ``cdp``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy.orm import Session

from asset_store.models import Blob, Record
from asset_store.repo.commits import CommitInfo
from asset_store.repo.repository import AssetVersion, MergeResult, Repository
from asset_store.repo.tree import Change, Entry
from serving.events.service import emit
from serving.vision.models import SearchDoc
from serving.webhooks.cdp import TagCatalog, asset_fields, automatic_tags, metadata_of

MAX_MERGE_ASSETS = 200
"""Assets listed in one ``asset.merged`` event (``changes`` counts them all)."""


def _emit_asset(session: Session, type_: str, brand_id: str, blob: str, data: dict[str, Any]) -> None:
    emit(
        session,
        type_,
        brand_id=brand_id,
        subject_type="asset",
        subject_id=blob,
        region_id=data.get("region_id"),
        data=data,
    )


def _change_type(change: Change, before_tags: list[str], after_tags: list[str]) -> str:
    if change.before is None:
        return "asset.created"
    if change.after is None:
        return "asset.deleted"
    if change.before.blob == change.after.blob and before_tags != after_tags:
        return "asset.tagged"
    return "asset.updated"


def asset_committed(session: Session, repo: Repository, commit: CommitInfo, branch: str) -> int:
    """Emit one event per path ``commit`` changed against its first parent; returns how many."""
    parent = (
        repo.tree_at(repo.commit_info(commit.parents[0])) if commit.parents else repo.trees.empty(session)
    )
    changes = repo.trees.diff(session, parent, repo.tree_at(commit))
    if not changes:
        return 0
    catalog = TagCatalog(session, repo.brand_id)
    records = repo.records([e.record for c in changes for e in (c.before, c.after) if e is not None])
    auto = automatic_tags(session, repo.brand_id, branch, [c.after for c in changes if c.after is not None])
    for change in changes:
        entry = change.after or change.before
        assert entry is not None
        body = records.get(entry.record, {})
        ai, brand = auto.get(entry.path, ([], []))
        tagging = catalog.tags(metadata_of(body), ai, brand)
        before_tags = tagging["tags"]
        if change.before is not None and change.after is not None:
            before_tags = catalog.tags(metadata_of(records.get(change.before.record, {})), ai, brand)["tags"]
        type_ = _change_type(change, before_tags, tagging["tags"])
        data = {**asset_fields(entry, body), "branch": branch, "commit_id": commit.id, **tagging}
        if type_ == "asset.tagged":
            data["tags_added"] = [t for t in tagging["tags"] if t not in before_tags]
            data["tags_removed"] = [t for t in before_tags if t not in tagging["tags"]]
        _emit_asset(session, type_, repo.brand_id, entry.blob, data)
    return len(changes)


def asset_merged(session: Session, repo: Repository, result: MergeResult, source: str, target: str) -> None:
    """One ``asset.merged`` event for a merge that moved ``target`` (nothing for ``up_to_date``)."""
    if result.outcome == "up_to_date":
        return
    catalog = TagCatalog(session, repo.brand_id)
    listed = result.changes[:MAX_MERGE_ASSETS]
    entries = [e for e in (c.after or c.before for c in listed) if e is not None]
    records = repo.records([e.record for e in entries])
    assets: list[dict[str, Any]] = []
    tag_ids: dict[str, None] = {}
    for change, entry in zip(listed, entries, strict=True):
        tags = catalog.tags(metadata_of(records.get(entry.record, {})))["tags"]
        tag_ids.update(dict.fromkeys(tags))
        assets.append(
            {
                "path": entry.path,
                "status": change.status,
                "blob": entry.blob,
                "kind": entry.kind,
                "tags": tags,
            }
        )
    counts = {s: sum(1 for c in result.changes if c.status == s) for s in ("added", "modified", "deleted")}
    emit(
        session,
        "asset.merged",
        brand_id=repo.brand_id,
        subject_type="commit",
        subject_id=result.commit.id,
        data={
            "source": source,
            "target": target,
            "outcome": result.outcome,
            "commit_id": result.commit.id,
            "changes": len(result.changes),
            **counts,
            "assets": assets,
            "truncated": len(result.changes) > len(listed),
            "taxonomy": catalog.taxonomy(tag_ids),
        },
    )


def assets_auto_tagged(
    session: Session,
    brand_id: str,
    branch: str,
    docs: Sequence[SearchDoc],
    before: Mapping[str, tuple[list[str], list[str]]],
) -> int:
    """``asset.tagged`` (source ``auto``) for each search doc whose AI or brand tags just changed;
    ``before`` holds each path's (AI, brand) tags before the write. Returns how many were emitted."""
    changed = [
        d for d in docs if (list(d.ai_tags or []), list(d.brand_tags or [])) != before.get(d.path, ([], []))
    ]
    if not changed:
        return 0
    catalog = TagCatalog(session, brand_id)
    for doc in changed:
        old_ai, old_brand = before.get(doc.path, ([], []))
        effective = list(doc.tags or [])
        data = {
            "path": doc.path,
            "blob": doc.blob,
            "record_id": doc.record_id,
            "kind": doc.kind,
            "title": doc.title,
            "campaign": doc.campaign,
            "branch": branch,
            "source": "auto",
            "tags": effective,
            "tag_sources": {
                "human": list(doc.human_tags or []),
                "ai": list(doc.ai_tags or []),
                "brand": list(doc.brand_tags or []),
            },
            "taxonomy": catalog.taxonomy(effective),
            "tags_added": [t for t in [*doc.ai_tags, *doc.brand_tags] if t not in {*old_ai, *old_brand}],
        }
        _emit_asset(session, "asset.tagged", brand_id, doc.blob, data)
    return len(changed)


def asset_checked(
    session: Session,
    *,
    brand_id: str,
    branch: str,
    entry: Entry,
    verdict: str,
    categories: Sequence[str],
    blocking: int,
    review_item_id: str | None = None,
    region_id: str | None = None,
    agency_id: str | None = None,
) -> None:
    """``asset.checked``: the compliance verdict stored for one asset version. ``region_id`` and
    ``agency_id`` (of the review item) decide who sees the event; the region defaults to the asset's."""
    record = session.get(Record, entry.record)
    body = dict(record.body) if record is not None else {}
    if not entry.size:
        blob = session.get(Blob, entry.blob)
        entry = Entry(entry.path, entry.blob, entry.record, entry.kind, blob.size if blob else 0)
    ai, brand = automatic_tags(session, brand_id, branch, [entry]).get(entry.path, ([], []))
    data = {
        **asset_fields(entry, body),
        "branch": branch,
        "verdict": verdict,
        "categories": list(categories),
        "blocking": blocking,
        "review_item_id": review_item_id,
        **TagCatalog(session, brand_id).tags(metadata_of(body), ai, brand),
    }
    emit(
        session,
        "asset.checked",
        brand_id=brand_id,
        subject_type="asset",
        subject_id=entry.blob,
        region_id=region_id or data.get("region_id"),
        agency_id=agency_id,
        data=data,
    )


def asset_exported(
    session: Session,
    brand_id: str,
    version: AssetVersion,
    *,
    export_id: str,
    platforms: Sequence[str],
    renditions: Sequence[Mapping[str, Any]] = (),
    manifest_url: str | None = None,
) -> None:
    """``asset.exported``: the hook for the export feature, called in the transaction that records an
    export of ``version`` (one event per exported asset; the subject is the export)."""
    body = dict(version.record)
    data = {
        **asset_fields(version.entry, body),
        "commit_id": version.commit_id,
        "export_id": export_id,
        "export_platforms": list(platforms),
        "renditions": [dict(r) for r in renditions],
        "manifest_url": manifest_url,
        **TagCatalog(session, brand_id).tags(metadata_of(body)),
    }
    emit(
        session,
        "asset.exported",
        brand_id=brand_id,
        subject_type="export",
        subject_id=export_id,
        region_id=data.get("region_id"),
        data=data,
    )
