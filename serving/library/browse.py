"""Browse a branch's indexed assets without a query: the library's first screen and its filters.

Rows come from the search index (``search_docs``), newest first by (updated_at, id) with a keyset cursor.
Kind, campaign, licence and blob are filtered in SQL; tags, platform and live review status on each chunk
read, with the very filter code of search (``serving.vision.candidates``) so both agree. One request reads at
most ``MAX_SCAN`` rows: a page may come back short with a cursor to go on.
"""

from __future__ import annotations

import base64
import binascii
import json
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Select, and_, or_, select
from sqlalchemy.orm import Session

from asset_store.media import AssetKind
from asset_store.models import Record
from serving.errors import InvalidInput
from serving.library.schemas import LibraryPage
from serving.vision.candidates import CANDIDATE_COLUMNS, Candidate, filter_candidates, search_hit
from serving.vision.models import SearchDoc
from serving.vision.schemas import SearchRequest
from serving.vision.sources import review_status

CHUNK = 200
MAX_SCAN = 2000


@dataclass(frozen=True)
class BrowseQuery:
    """Filters of one browse request (the same meaning as in ``SearchRequest``), plus platform, blob and
    path."""

    brand_id: str
    branch: str = "main"
    kinds: tuple[AssetKind, ...] = ()
    tags_all: tuple[str, ...] = ()
    campaign: str | None = None
    platform: str | None = None
    licence_valid: bool | None = None
    compliance_status: str | None = None
    blob: str | None = None
    path: str | None = None
    limit: int = 24
    cursor: str | None = None
    rules: SearchRequest = field(init=False)

    def __post_init__(self) -> None:
        rules = SearchRequest(
            brand_id=self.brand_id,
            branch=self.branch,
            kinds=list(self.kinds) or None,
            tags_all=list(self.tags_all),
            campaign=self.campaign,
            licence_valid=self.licence_valid,
            compliance_status=self.compliance_status,
            limit=min(self.limit, 100),
        )
        object.__setattr__(self, "rules", rules)


def encode_cursor(updated_at: datetime, doc_id: str) -> str:
    raw = json.dumps([updated_at.isoformat(), doc_id]).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, str]:
    try:
        raw = base64.urlsafe_b64decode((cursor + "=" * (-len(cursor) % 4)).encode())
        stamp, doc_id = json.loads(raw)
        return datetime.fromisoformat(str(stamp)), str(doc_id)
    except (binascii.Error, UnicodeDecodeError, ValueError, TypeError) as exc:
        raise InvalidInput("cursor is not valid", code="invalid_cursor") from exc


_COLUMNS = (SearchDoc.id, SearchDoc.updated_at, SearchDoc.record_id, *CANDIDATE_COLUMNS)


def _statement(query: BrowseQuery) -> Select[*tuple[Any, ...]]:
    stmt: Select[*tuple[Any, ...]] = select(*_COLUMNS).where(
        SearchDoc.brand_id == query.brand_id, SearchDoc.branch == query.branch
    )
    if query.kinds:
        stmt = stmt.where(SearchDoc.kind.in_([k.value for k in query.kinds]))
    if query.campaign is not None:
        stmt = stmt.where(SearchDoc.campaign == query.campaign)
    if query.blob is not None:
        stmt = stmt.where(SearchDoc.blob == query.blob)
    if query.path is not None:
        stmt = stmt.where(SearchDoc.path == query.path)
    if query.licence_valid is True:
        stmt = stmt.where(
            or_(SearchDoc.licence_expires_at.is_(None), SearchDoc.licence_expires_at >= date.today())
        )
    elif query.licence_valid is False:
        stmt = stmt.where(SearchDoc.licence_expires_at < date.today())
    if query.cursor:
        stamp, doc_id = decode_cursor(query.cursor)
        stmt = stmt.where(
            or_(
                SearchDoc.updated_at < stamp,
                and_(SearchDoc.updated_at == stamp, SearchDoc.id < doc_id),
            )
        )
    return stmt.order_by(SearchDoc.updated_at.desc(), SearchDoc.id.desc())


def _platforms(session: Session, record_ids: list[str]) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    for rid, body in session.execute(select(Record.id, Record.body).where(Record.id.in_(record_ids))):
        metadata = (body or {}).get("metadata") or {}
        found[rid] = {str(p) for p in metadata.get("platforms") or []}
    return found


def _keep(session: Session, query: BrowseQuery, rows: list[Any]) -> set[str]:
    """Ids of the rows of one chunk that pass the filters SQL did not apply."""
    docs = {row.id: Candidate(*row[3:]) for row in rows}
    kept, _ = filter_candidates(session, query.rules, docs)
    if query.platform is not None and kept:
        records = {row.id: row.record_id for row in rows if row.id in kept}
        platforms = _platforms(session, sorted(set(records.values())))
        kept = {d: c for d, c in kept.items() if query.platform in platforms.get(records[d], set())}
    return set(kept)


def browse(session: Session, query: BrowseQuery) -> LibraryPage:
    """One page of the branch's indexed assets that pass every filter."""
    stmt = _statement(query)
    picked: list[Any] = []
    scanned, last, exhausted = 0, None, False
    while scanned < MAX_SCAN and len(picked) < query.limit:
        rows = list(session.execute(_after(stmt, last).limit(CHUNK)))
        scanned += len(rows)
        kept = _keep(session, query, rows) if rows else set()
        for row in rows:
            last = row
            if row.id in kept:
                picked.append(row)
                if len(picked) == query.limit:
                    break
        if len(rows) < CHUNK and (not rows or last is rows[-1]):
            exhausted = True
            break
    if not exhausted and last is not None:
        exhausted = session.execute(_after(stmt, last).limit(1)).first() is None
    return LibraryPage(
        hits=_hits(session, query, picked),
        next_cursor=None if exhausted or last is None else encode_cursor(last.updated_at, last.id),
        scanned=scanned,
    )


def _after(stmt: Select[*tuple[Any, ...]], last: Any) -> Select[*tuple[Any, ...]]:
    if last is None:
        return stmt
    return stmt.where(
        or_(
            SearchDoc.updated_at < last.updated_at,
            and_(SearchDoc.updated_at == last.updated_at, SearchDoc.id < last.id),
        )
    )


def _hits(session: Session, query: BrowseQuery, rows: list[Any]) -> list[Any]:
    docs = [Candidate(*row[3:]) for row in rows]
    status = review_status(session, query.brand_id, [(d.path, d.blob) for d in docs])
    return [search_hit(query.rules, doc, 0.0, None, (), status) for doc in docs]
