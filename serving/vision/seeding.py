"""A new branch starts from a copy of an indexed branch's index (usually main's), so creating a campaign or
generation branch costs a copy, not a re-analysis and re-embedding of the whole library; the indexer then
applies only the diff between the two heads."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import delete, insert, select
from sqlalchemy.orm import Session

from asset_store.errors import ObjectNotFound
from asset_store.repo.repository import DEFAULT_BRANCH
from asset_store.sql import new_id, utcnow
from asset_store.vectors import VectorPoint
from serving.db import transaction
from serving.jobs.models import Job
from serving.jobs.schemas import JobStatus
from serving.vision.models import SearchDoc, SearchDuplicate, SearchIndexState, SearchTerm
from serving.vision.runtime import VisionRuntime, image_collection, point_id, text_collection
from serving.vision.sync import INDEX_JOB_KIND
from serving.vision.writer import doc_payload

CHUNK = 500
_COLUMNS = [c.key for c in SearchDoc.__table__.columns if c.key not in ("id", "branch", "updated_at")]


def pick_donor(session: Session, brand_id: str, branch: str) -> SearchIndexState | None:
    """An indexed branch to start from: main first, else any; not one whose index is being updated (its
    docs may already be past its recorded commit)."""
    states = session.scalars(
        select(SearchIndexState).where(
            SearchIndexState.brand_id == brand_id,
            SearchIndexState.branch != branch,
            SearchIndexState.commit_id.is_not(None),
        )
    ).all()
    busy = session.scalars(
        select(Job.brief).where(
            Job.brand_id == brand_id, Job.kind == INDEX_JOB_KIND, Job.status == JobStatus.RUNNING.value
        )
    ).all()
    running = {b.get("branch") for b in busy if isinstance(b, dict)}
    ready = sorted(
        (s for s in states if s.branch not in running), key=lambda s: (s.branch != DEFAULT_BRANCH, s.branch)
    )
    return ready[0] if ready else None


def copy_branch(runtime: VisionRuntime, brand_id: str, source: str, target: str) -> int:
    """Replace ``target``'s docs, terms, duplicate pairs and vector points by copies of ``source``'s."""
    with transaction(runtime.factory) as session:
        _clear(session, brand_id, target)
        last = ""
        copied = 0
        while True:
            docs = session.scalars(
                select(SearchDoc)
                .where(SearchDoc.brand_id == brand_id, SearchDoc.branch == source, SearchDoc.id > last)
                .order_by(SearchDoc.id)
                .limit(CHUNK)
            ).all()
            if not docs:
                break
            last = docs[-1].id
            copied += len(docs)
            _copy_chunk(session, runtime, list(docs), target)
        pairs = session.scalars(
            select(SearchDuplicate).where(
                SearchDuplicate.brand_id == brand_id, SearchDuplicate.branch == source
            )
        ).all()
        rows = [
            {
                "brand_id": brand_id,
                "branch": target,
                "path_a": p.path_a,
                "path_b": p.path_b,
                "hamming": p.hamming,
                "cosine": p.cosine,
                "found_at": p.found_at,
            }
            for p in pairs
        ]
        for start in range(0, len(rows), CHUNK):
            session.execute(insert(SearchDuplicate), rows[start : start + CHUNK])
    return copied


def _clear(session: Session, brand_id: str, branch: str) -> None:
    quiet = {"synchronize_session": False}
    doc_ids = select(SearchDoc.id).where(SearchDoc.brand_id == brand_id, SearchDoc.branch == branch)
    session.execute(delete(SearchTerm).where(SearchTerm.doc_id.in_(doc_ids)).execution_options(**quiet))
    session.execute(
        delete(SearchDoc)
        .where(SearchDoc.brand_id == brand_id, SearchDoc.branch == branch)
        .execution_options(**quiet)
    )
    session.execute(
        delete(SearchDuplicate)
        .where(SearchDuplicate.brand_id == brand_id, SearchDuplicate.branch == branch)
        .execution_options(**quiet)
    )


def _copy_chunk(session: Session, runtime: VisionRuntime, docs: list[SearchDoc], target: str) -> None:
    now = utcnow()
    new_ids = {d.id: new_id("sdoc") for d in docs}
    rows: list[dict[str, Any]] = [
        {**{c: getattr(d, c) for c in _COLUMNS}, "id": new_ids[d.id], "branch": target, "updated_at": now}
        for d in docs
    ]
    session.execute(insert(SearchDoc), rows)
    terms = session.execute(
        select(SearchTerm.term, SearchTerm.doc_id).where(SearchTerm.doc_id.in_(list(new_ids)))
    ).all()
    term_rows = [
        {"brand_id": docs[0].brand_id, "term": term, "branch": target, "doc_id": new_ids[doc_id]}
        for term, doc_id in terms
    ]
    for start in range(0, len(term_rows), 5 * CHUNK):
        session.execute(insert(SearchTerm), term_rows[start : start + 5 * CHUNK])
    _copy_points(runtime, docs, target)


def _copy_points(runtime: VisionRuntime, docs: list[SearchDoc], target: str) -> None:
    points: dict[str, list[VectorPoint]] = defaultdict(list)
    for doc in docs:
        payload = {**doc_payload(doc), "branch": target}
        source_id, target_id = (
            point_id(doc.brand_id, doc.branch, doc.path),
            point_id(doc.brand_id, target, doc.path),
        )
        names = [image_collection(doc.encoder)] if doc.encoder else []
        names += [text_collection(doc.text_dim)] if doc.text_dim else []
        for name in names:
            try:
                hit = runtime.vectors.get(name, source_id)
            except ObjectNotFound:
                continue
            if hit is not None and hit.vector:
                points[name].append(VectorPoint(target_id, hit.vector, payload))
    for name, batch in points.items():
        runtime.vectors.upsert(name, batch)
        runtime.count_writes(name, len(batch))
