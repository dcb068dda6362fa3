"""Write search documents: vector points first (idempotent upserts), then the SQL rows, terms and
near-duplicate pairs in the caller's transaction. A crash between the two is repaired by the next run,
which redoes the same diff."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, or_, select
from sqlalchemy.orm import Session

from asset_store.errors import ObjectNotFound
from asset_store.repo.sqlutil import insert_ignore
from asset_store.sql import utcnow
from asset_store.vectors import VectorPoint
from serving.vision.docs import DocDraft
from serving.vision.duplicates import Probe, find_duplicates
from serving.vision.models import SearchDoc, SearchDuplicate, SearchTerm
from serving.vision.runtime import VisionRuntime, image_collection, point_id, text_collection
from serving.webhooks.asset_events import assets_auto_tagged

_CHUNK = 400


def doc_payload(doc: SearchDoc) -> dict[str, Any]:
    """The payload of a doc's vector points: filterable brand, branch, kind and tags, plus extras."""
    data: dict[str, Any] = {
        "brand_id": doc.brand_id,
        "branch": doc.branch,
        "kind": doc.kind,
        "tags": list(doc.tags),
        "path": doc.path,
    }
    if doc.campaign:
        data["campaign"] = doc.campaign
    if doc.compliance_status:
        data["compliance_status"] = doc.compliance_status
    return data


def load_docs(session: Session, brand_id: str, branch: str, paths: Sequence[str]) -> dict[str, SearchDoc]:
    found: dict[str, SearchDoc] = {}
    wanted = sorted(set(paths))
    for start in range(0, len(wanted), _CHUNK):
        stmt = select(SearchDoc).where(
            SearchDoc.brand_id == brand_id,
            SearchDoc.branch == branch,
            SearchDoc.path.in_(wanted[start : start + _CHUNK]),
        )
        found.update({d.path: d for d in session.scalars(stmt)})
    return found


class DocWriter:
    """Writes one branch's documents for one brand."""

    def __init__(self, runtime: VisionRuntime, brand_id: str, branch: str) -> None:
        self.runtime = runtime
        self.brand_id = brand_id
        self.branch = branch

    def write(self, session: Session, drafts: Sequence[DocDraft], deleted: Sequence[str]) -> None:
        existing = load_docs(session, self.brand_id, self.branch, [*(d.path for d in drafts), *deleted])
        gone = [existing[p] for p in deleted if p in existing]
        before = {d.path: _points(existing.get(d.path)) for d in drafts}
        tags_before = {p: (list(d.ai_tags or []), list(d.brand_tags or [])) for p, d in existing.items()}
        docs = [self._row(session, existing.get(d.path), d) for d in drafts]
        session.flush()
        assets_auto_tagged(session, self.brand_id, self.branch, docs, tags_before)
        self._vectors(docs, drafts, gone, before)
        self._terms(session, docs, drafts)
        for doc in gone:
            session.delete(doc)
        self._duplicates(session, docs, drafts, [d.path for d in gone])
        session.flush()

    def _row(self, session: Session, doc: SearchDoc | None, draft: DocDraft) -> SearchDoc:
        if doc is None:
            doc = SearchDoc(brand_id=self.brand_id, branch=self.branch, path=draft.path)
            session.add(doc)
        hashes = draft.hashes or {}
        doc.blob, doc.record_id, doc.kind = draft.blob, draft.record_id, draft.kind
        doc.title, doc.text = draft.title, draft.text
        doc.tags = draft.tags.effective()
        doc.human_tags, doc.ai_tags = list(draft.tags.human), list(draft.tags.ai)
        doc.brand_tags, doc.rejected_tags = list(draft.tags.brand), list(draft.tags.rejected)
        doc.derived_from = draft.derived_from
        doc.phash, doc.dhash = hashes.get("phash"), hashes.get("dhash")
        doc.phash_flipped, doc.phash_centre = hashes.get("phash_flipped"), hashes.get("phash_centre")
        doc.analysis_error = draft.analysis_error
        doc.campaign, doc.licence_expires_at = draft.campaign, draft.licence_expires_at
        doc.compliance_status = draft.compliance_status
        doc.updated_at = utcnow()
        doc.encoder = draft.encoder if draft.embedding else None
        doc.text_dim = len(draft.text_vector) if draft.text_vector else None
        return doc

    def _vectors(
        self,
        docs: Sequence[SearchDoc],
        drafts: Sequence[DocDraft],
        gone: Sequence[SearchDoc],
        before: dict[str, tuple[str | None, int | None]],
    ) -> None:
        upserts: dict[tuple[str, int], list[VectorPoint]] = defaultdict(list)
        removals: dict[str, list[str]] = defaultdict(list)
        for doc, draft in zip(docs, drafts, strict=True):
            pid = point_id(self.brand_id, self.branch, doc.path)
            old_encoder, old_dim = before[doc.path]
            data = doc_payload(doc)
            if draft.embedding and doc.encoder:
                upserts[(image_collection(doc.encoder), len(draft.embedding))].append(
                    VectorPoint(pid, draft.embedding, data)
                )
            if old_encoder and old_encoder != doc.encoder:
                removals[image_collection(old_encoder)].append(pid)
            if draft.text_vector and doc.text_dim:
                upserts[(text_collection(doc.text_dim), doc.text_dim)].append(
                    VectorPoint(pid, draft.text_vector, data)
                )
            if old_dim and old_dim != doc.text_dim:
                removals[text_collection(old_dim)].append(pid)
        for doc in gone:
            pid = point_id(self.brand_id, self.branch, doc.path)
            if doc.encoder:
                removals[image_collection(doc.encoder)].append(pid)
            if doc.text_dim:
                removals[text_collection(doc.text_dim)].append(pid)
        for (name, dim), points in upserts.items():
            self.runtime.ensure_collection(name, dim)
            self.runtime.vectors.upsert(name, points)
            self.runtime.count_writes(name, len(points))
        for name, ids in removals.items():
            try:
                self.runtime.vectors.delete(name, ids)
            except ObjectNotFound:
                pass  # the collection never existed here: nothing to remove

    def _terms(self, session: Session, docs: Sequence[SearchDoc], drafts: Sequence[DocDraft]) -> None:
        ids = [d.id for d in docs]
        for start in range(0, len(ids), _CHUNK):
            session.execute(
                delete(SearchTerm)
                .where(SearchTerm.doc_id.in_(ids[start : start + _CHUNK]))
                .execution_options(synchronize_session=False)
            )
        rows = [
            {"brand_id": self.brand_id, "term": term, "branch": self.branch, "doc_id": doc.id}
            for doc, draft in zip(docs, drafts, strict=True)
            for term in draft.terms
        ]
        for start in range(0, len(rows), 2000):
            insert_ignore(session, SearchTerm, rows[start : start + 2000])

    def _duplicates(
        self, session: Session, docs: Sequence[SearchDoc], drafts: Sequence[DocDraft], deleted: Sequence[str]
    ) -> None:
        touched = [*(d.path for d in docs), *deleted]
        for start in range(0, len(touched), _CHUNK):
            chunk = touched[start : start + _CHUNK]
            session.execute(
                delete(SearchDuplicate)
                .where(
                    SearchDuplicate.brand_id == self.brand_id,
                    SearchDuplicate.branch == self.branch,
                    or_(SearchDuplicate.path_a.in_(chunk), SearchDuplicate.path_b.in_(chunk)),
                )
                .execution_options(synchronize_session=False)
            )
        session.flush()
        rows: dict[tuple[str, str], dict[str, Any]] = {}
        for doc, draft in zip(docs, drafts, strict=True):
            if doc.encoder is None and doc.phash is None:
                continue
            probe = Probe(doc.encoder, draft.embedding, _hashes_of(doc), doc.blob)
            own = frozenset({(self.branch, doc.path)})
            found = find_duplicates(
                self.runtime, session, self.brand_id, probe, branch=self.branch, exclude=own, neighbours=10
            )
            for match in found:
                a, b = sorted((doc.path, match.path))
                rows[(a, b)] = {
                    "brand_id": self.brand_id,
                    "branch": self.branch,
                    "path_a": a,
                    "path_b": b,
                    "hamming": match.hamming,
                    "cosine": match.cosine,
                    "found_at": utcnow(),
                }
        insert_ignore(session, SearchDuplicate, list(rows.values()))


def _points(doc: SearchDoc | None) -> tuple[str | None, int | None]:
    """The image space and text dimension of the points a doc has now."""
    return (doc.encoder, doc.text_dim) if doc is not None else (None, None)


def _hashes_of(doc: SearchDoc) -> dict[str, str] | None:
    if doc.phash and doc.dhash and doc.phash_flipped:
        found = {"phash": doc.phash, "dhash": doc.dhash, "phash_flipped": doc.phash_flipped}
        return {**found, "phash_centre": doc.phash_centre} if doc.phash_centre else found
    return None


def refresh_points(runtime: VisionRuntime, docs: Sequence[SearchDoc]) -> None:
    """Rewrite the payload of docs' vector points (after their tags changed), keeping their vectors."""
    by_collection: dict[str, list[VectorPoint]] = defaultdict(list)
    for doc in docs:
        pid = point_id(doc.brand_id, doc.branch, doc.path)
        names = [image_collection(doc.encoder)] if doc.encoder else []
        names += [text_collection(doc.text_dim)] if doc.text_dim else []
        for name in names:
            try:
                hit = runtime.vectors.get(name, pid)
            except ObjectNotFound:
                continue
            if hit is not None and hit.vector:
                by_collection[name].append(VectorPoint(pid, hit.vector, doc_payload(doc)))
    for name, points in by_collection.items():
        runtime.vectors.upsert(name, points)
