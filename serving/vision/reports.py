"""Read-only reports over the search index: near-duplicate clusters of a branch, and where an asset's
bytes are reused and which assets derive from it."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.repo.repository import Repository
from serving.vision.duplicates import clusters
from serving.vision.models import SearchDoc, SearchDuplicate, SearchTerm
from serving.vision.schemas import AssetUsage, DuplicateCluster, DuplicateClusters, DuplicatePair, UsageRef
from serving.vision.terms import lineage_term
from serving.vision.writer import load_docs

MAX_PAIRS = 20_000
MAX_REFS = 500


def duplicate_clusters(session: Session, brand_id: str, branch: str, limit: int) -> DuplicateClusters:
    """Groups of near-duplicate assets recorded by the index job, largest first."""
    rows = session.scalars(
        select(SearchDuplicate)
        .where(SearchDuplicate.brand_id == brand_id, SearchDuplicate.branch == branch)
        .order_by(SearchDuplicate.path_a, SearchDuplicate.path_b)
        .limit(MAX_PAIRS + 1)
    ).all()
    truncated = len(rows) > MAX_PAIRS
    rows = rows[:MAX_PAIRS]
    groups = clusters([(r.path_a, r.path_b) for r in rows])
    where: dict[str, int] = {path: index for index, group in enumerate(groups) for path in group}
    pairs: dict[int, list[DuplicatePair]] = {}
    for row in rows:
        pairs.setdefault(where[row.path_a], []).append(
            DuplicatePair(a=row.path_a, b=row.path_b, hamming=row.hamming, cosine=row.cosine)
        )
    out = [DuplicateCluster(paths=g, pairs=pairs.get(i, [])) for i, g in enumerate(groups[:limit])]
    return DuplicateClusters(branch=branch, clusters=out, truncated=truncated or len(groups) > limit)


def _refs(session: Session, brand_id: str, terms: list[str]) -> list[SearchDoc]:
    doc_ids = select(SearchTerm.doc_id).where(SearchTerm.brand_id == brand_id, SearchTerm.term.in_(terms))
    stmt = select(SearchDoc).where(SearchDoc.id.in_(doc_ids)).order_by(SearchDoc.branch, SearchDoc.path)
    return list(session.scalars(stmt.limit(MAX_REFS)))


def asset_usage(session: Session, repo: Repository, branch: str, path: str) -> AssetUsage:
    """Where the asset's bytes appear in the brand, and lineage in both directions."""
    version = repo.get(branch, path)
    blob = version.entry.blob
    same = session.scalars(
        select(SearchDoc)
        .where(SearchDoc.brand_id == repo.brand_id, SearchDoc.blob == blob)
        .order_by(SearchDoc.branch, SearchDoc.path)
        .limit(MAX_REFS)
    ).all()
    derived: list[UsageRef] = []
    for doc in _refs(
        session, repo.brand_id, [lineage_term("path", version.path), lineage_term("blob", blob)]
    ):
        relation = next(
            (
                d.get("relation")
                for d in doc.derived_from
                if d.get("path") == version.path or d.get("blob") == blob
            ),
            None,
        )
        derived.append(UsageRef(branch=doc.branch, path=doc.path, kind=doc.kind, relation=relation))
    lineage = version.metadata.get("lineage") or {}
    named = [d for d in lineage.get("derived_from", []) if isinstance(d, dict) and d.get("path")]
    docs = load_docs(session, repo.brand_id, branch, [str(d["path"]) for d in named])
    sources = [
        UsageRef(
            branch=branch,
            path=str(d["path"]),
            kind=docs[d["path"]].kind if d["path"] in docs else "unknown",
            relation=str(d.get("relation", "derived")),
        )
        for d in named
    ]
    return AssetUsage(
        branch=branch,
        path=version.path,
        blob=blob,
        same_blob=[
            UsageRef(branch=d.branch, path=d.path, kind=d.kind)
            for d in same
            if (d.branch, d.path) != (branch, version.path)
        ],
        derived=derived,
        sources=sources,
    )
