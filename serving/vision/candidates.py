"""Search candidates: the light row a hit is made from, the filters every search and browse applies to it,
and the hit it becomes. Shared by ``serving.vision.search`` and ``serving.library.browse`` so both agree on
what a filter means and what a hit looks like."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Literal
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.orm import Session

from serving.vision.models import SearchDoc
from serving.vision.schemas import SearchHit, SearchRequest
from serving.vision.sources import review_status

MatchLabel = Literal["semantic", "keyword", "image"]
LABELS: tuple[MatchLabel, ...] = ("semantic", "keyword", "image")
"""The match labels a hit may carry, in the order ``SearchHit.matched`` lists them."""
_READ_CHUNK = 400


@dataclass(frozen=True)
class Candidate:
    """The columns of a search doc a hit needs (lighter than the ORM row: one JSON column, not six).

    The fields are in the order of ``CANDIDATE_COLUMNS``, so ``Candidate(*row)`` builds one from a row that
    selected them."""

    path: str
    branch: str
    kind: str
    blob: str
    title: str | None
    tags: list[str]
    campaign: str | None
    licence_expires_at: date | None
    compliance_status: str | None


CANDIDATE_COLUMNS = (
    SearchDoc.path,
    SearchDoc.branch,
    SearchDoc.kind,
    SearchDoc.blob,
    SearchDoc.title,
    SearchDoc.tags,
    SearchDoc.campaign,
    SearchDoc.licence_expires_at,
    SearchDoc.compliance_status,
)
"""The ``search_docs`` columns a :class:`Candidate` is made of, in its field order."""


def load_candidates(
    session: Session, brand_id: str, branch: str, paths: Sequence[str]
) -> dict[str, Candidate]:
    """The candidates of ``paths`` on a brand's branch, by path (paths not indexed are left out)."""
    found: dict[str, Candidate] = {}
    for start in range(0, len(paths), _READ_CHUNK):
        stmt = select(*CANDIDATE_COLUMNS).where(
            SearchDoc.brand_id == brand_id,
            SearchDoc.branch == branch,
            SearchDoc.path.in_(paths[start : start + _READ_CHUNK]),
        )
        found.update({row[0]: Candidate(*row) for row in session.execute(stmt)})
    return found


def filter_candidates(
    session: Session, body: SearchRequest, docs: dict[str, Candidate]
) -> tuple[dict[str, Candidate], dict[tuple[str, str], str]]:
    """The candidates (keyed as given) that pass every filter of ``body``, and the live review status read
    on the way (``{(path, blob): status}``; empty unless ``compliance_status`` is filtered).

    The vector legs of a search filter in the index already; this also covers the keyword legs and the
    fields the index cannot filter: licence dates (against today) and the live review status."""
    kinds = {k.value for k in body.kinds or ()}
    today = date.today()
    kept: dict[str, Candidate] = {}
    for key, doc in docs.items():
        tags = set(doc.tags)
        if kinds and doc.kind not in kinds:
            continue
        if not set(body.tags_all) <= tags or (body.tags_any and not tags & set(body.tags_any)):
            continue
        if body.campaign is not None and doc.campaign != body.campaign:
            continue
        if body.licence_valid is not None:
            valid = doc.licence_expires_at is None or doc.licence_expires_at >= today
            if valid != body.licence_valid:
                continue
        kept[key] = doc
    status: dict[tuple[str, str], str] = {}
    if body.compliance_status is not None and kept:
        status = review_status(session, body.brand_id, [(d.path, d.blob) for d in kept.values()])
        kept = {
            k: d for k, d in kept.items() if status.get((d.path, d.blob), "none") == body.compliance_status
        }
    return kept, status


def search_hit(
    body: SearchRequest,
    doc: Candidate,
    score: float,
    similarity: float | None,
    legs: Sequence[str],
    status: dict[tuple[str, str], str],
) -> SearchHit:
    """The wire form of one candidate: links to its content (and preview for images and videos), the
    fused ``score``, the best leg ``similarity`` (None when no leg measured one), the match labels of
    ``legs`` and its review status (live from ``status`` when read, else the indexed one)."""
    base = f"/v1/brands/{quote(body.brand_id)}"
    ref = f"?ref={quote(body.branch, safe='')}"
    links = {"content": f"{base}/raw/{quote(doc.path)}{ref}"}
    if doc.kind in ("image", "video"):
        links["preview"] = f"{base}/previews/{quote(doc.path)}{ref}"
    return SearchHit(
        path=doc.path,
        branch=doc.branch,
        kind=doc.kind,
        blob=doc.blob,
        title=doc.title,
        score=round(score, 6),
        similarity=None if similarity is None or similarity < -0.5 else round(similarity, 6),
        tags=list(doc.tags),
        matched=[leg for leg in LABELS if leg in legs],
        campaign=doc.campaign,
        compliance_status=status.get((doc.path, doc.blob), doc.compliance_status),
        links=links,
    )
