"""Asset search: several legs, fused by reciprocal rank fusion, then filtered and paged.

Text query: *semantic* (the query's multilingual embedding against the text collection: Chinese finds
English and back; hits under the semantic floor only fill the list after the fused ones), *keyword*
(tags the query names, through the tag payload index; shared terms in the inverted index; and the
colours it names, 红色 or blue, among its nearest semantic hits) and, with a CLIP-like encoder, *image*
(the query in the image space). Image query: nearest neighbours in the image collection. The rows hits
are made of, and the filters, live in ``serving.vision.candidates`` (browse shares them). Every leg is an
index lookup bounded by ``search.candidates``; filters are applied in the vector index where it can and on
the fused candidates (at most a few hundred rows) for the rest, so no query scans the brand's assets.
"""

from __future__ import annotations

import asyncio
import logging
import math
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.errors import ObjectNotFound
from asset_store.vectors import VectorFilter
from serving.assets.service import require_brand
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.db import transaction
from serving.errors import InvalidInput
from serving.gateway.protocol import ModelCallUnsupported, ModelGateway
from serving.vision.candidates import (
    Candidate,
    MatchLabel,
    filter_candidates,
    load_candidates,
    search_hit,
)
from serving.vision.colour_words import colour_terms_of, query_colours
from serving.vision.cursor import decode_cursor, encode_cursor, fingerprint
from serving.vision.duplicates import Probe
from serving.vision.fusion import Fused, fuse_with_tail
from serving.vision.models import SearchDoc, SearchIndexState, SearchTerm
from serving.vision.probes import probe_image
from serving.vision.runtime import VisionRuntime, image_collection, text_collection
from serving.vision.schemas import SearchRequest, SearchResponse
from serving.vision.terms import query_terms
from serving.vision.vocabulary import Vocabulary, load_custom_tags

log = logging.getLogger(__name__)
__all__ = ["Candidate", "Leg", "Vectors", "load_candidates", "search"]
TERM_POSTINGS = 1000
"""Postings read per query term (the rarest terms decide; a very common term is capped)."""
WEAK_SEMANTIC_MIN_SCORE = 0.15
"""Least cosine for a semantic hit under ``search.semantic_min_score`` to fill the tail: about the 95th
percentile of the cosines of unrelated query/asset pairs with the multilingual USE (related pairs of a
short query and an image's label/tag text often score 0.15-0.25)."""


@dataclass
class Vectors:
    """What the models said about the query, computed before the index work."""

    text: list[float] | None = None
    image_text: list[float] | None = None
    probe: Probe | None = None


@dataclass
class Leg:
    """One ranked list of paths (best first) with the similarity each was found at, if any."""

    label: MatchLabel
    name: str
    paths: list[str] = field(default_factory=list)
    scores: dict[str, float] = field(default_factory=dict)
    fused: bool = True
    """False: a tail leg, ranked after every fused hit instead of taking part in the fusion."""


async def search(
    runtime: VisionRuntime, gateway: ModelGateway, caller: Caller, body: SearchRequest
) -> SearchResponse:
    """Run one search for ``caller`` (scoped to a brand the caller may read)."""
    started = time.perf_counter()
    query = (body.query or "").strip()
    if not query and body.image is None:
        raise InvalidInput("give a query, an image, or both", code="empty_query")
    digest = fingerprint(body.model_dump(mode="json", exclude={"limit", "cursor"}))
    offset = decode_cursor(body.cursor, digest)
    await asyncio.to_thread(_authorise, runtime, caller, body.brand_id)
    vectors = await _model_vectors(runtime, gateway, caller, body, query)
    legs, page, more, status = await asyncio.to_thread(_rank, runtime, body, query, vectors, offset)
    hits = [search_hit(body, doc, f.score, _similarity(legs, f.id), f.legs, status) for f, doc in page]
    return SearchResponse(
        hits=hits,
        next_cursor=encode_cursor(offset + body.limit, digest) if more else None,
        took_ms=round((time.perf_counter() - started) * 1000, 2),
        legs={leg.name: len(leg.paths) for leg in legs},
    )


def _similarity(legs: Sequence[Leg], path: str) -> float | None:
    scores = [leg.scores[path] for leg in legs if path in leg.scores]
    return max(scores) if scores else None


def _rank(
    runtime: VisionRuntime, body: SearchRequest, query: str, vectors: Vectors, offset: int
) -> tuple[list[Leg], list[tuple[Fused, Candidate]], bool, dict[tuple[str, str], str]]:
    """Run the legs, fuse them, and read and filter fused candidates in order only until the page (and
    one more, to know whether a next page exists) is full."""
    with transaction(runtime.readers) as session:
        legs = _run_legs(session, runtime, body, query, vectors)
        fused = fuse_with_tail(
            [(leg.label, leg.paths) for leg in legs if leg.fused],
            [(leg.label, leg.paths) for leg in legs if not leg.fused],
            k=runtime.settings.rrf_k,
            depth=runtime.settings.candidates,
        )
        need = offset + body.limit + 1
        step = max(2 * need, 50)
        kept: list[tuple[Fused, Candidate]] = []
        status: dict[tuple[str, str], str] = {}
        for start in range(0, len(fused), step):
            chunk = fused[start : start + step]
            found = load_candidates(session, body.brand_id, body.branch, [f.id for f in chunk])
            docs, seen = filter_candidates(session, body, found)
            status.update(seen)
            kept += [(f, docs[f.id]) for f in chunk if f.id in docs]
            if len(kept) >= need:
                break
    return legs, kept[offset : offset + body.limit], len(kept) >= need, status


def _authorise(runtime: VisionRuntime, caller: Caller, brand_id: str) -> None:
    with transaction(runtime.readers) as session:
        require_brand(session, caller, brand_id, Permission.BRAND_READ)


async def _model_vectors(
    runtime: VisionRuntime, gateway: ModelGateway, caller: Caller, body: SearchRequest, query: str
) -> Vectors:
    out = Vectors()
    if body.image is not None:
        out.probe = await probe_image(runtime, gateway, caller, body.brand_id, body.image)
    if query:
        text, image_text = await asyncio.gather(
            gateway.embed_texts([query]), _image_text(runtime, gateway, query)
        )
        out.text, out.image_text = text[0], image_text
    return out


async def _image_text(runtime: VisionRuntime, gateway: ModelGateway, query: str) -> list[float] | None:
    """The query in the image space when the encoder has a text tower (learned once), else None."""
    if runtime.image_text is False:
        return None
    try:
        (vector,) = await gateway.encode_image_texts([query])
    except ModelCallUnsupported:
        runtime.image_text = False
        return None
    except Exception as exc:  # a text→image leg is a bonus; the other legs still answer
        log.warning("text→image embedding failed: %s: %s", type(exc).__name__, exc)
        return None
    runtime.image_text = True
    return vector


def _filter(body: SearchRequest) -> VectorFilter:
    return VectorFilter(
        brand_id=body.brand_id,
        branch=body.branch,
        kinds=tuple(k.value for k in body.kinds or ()),
        tags_all=tuple(body.tags_all),
        tags_any=tuple(body.tags_any),
        extra={"campaign": body.campaign} if body.campaign else {},
    )


def _vector_leg(
    runtime: VisionRuntime,
    leg: Leg,
    collection: str,
    vector: Sequence[float],
    flt: VectorFilter,
    min_score: float = -1.0,
) -> Leg:
    try:
        hits = runtime.vectors.search(collection, vector, filter=flt, limit=runtime.settings.candidates)
    except ObjectNotFound:  # nothing indexed in that space yet
        return leg
    for hit in hits:
        path = str(hit.payload.get("path", ""))
        if path and path not in leg.scores and hit.score >= min_score:
            leg.paths.append(path)
            leg.scores[path] = hit.score
    return leg


def _run_legs(
    session: Session, runtime: VisionRuntime, body: SearchRequest, query: str, vectors: Vectors
) -> list[Leg]:
    flt = _filter(body)
    legs: list[Leg] = []
    if vectors.text is not None:
        text = text_collection(len(vectors.text))
        legs += _semantic_legs(session, runtime, body, query, text, vectors.text, flt)
        vocabulary = Vocabulary(runtime.taxonomy(), load_custom_tags(session, body.brand_id))
        named = vocabulary.match_query(query)
        if named:
            tag_flt = replace(flt, tags_any=tuple(named))
            legs.append(_vector_leg(runtime, Leg("keyword", "keyword_tags"), text, vectors.text, tag_flt))
        legs.append(_term_leg(session, runtime, body, query))
    if vectors.image_text is not None:
        state = session.get(SearchIndexState, (body.brand_id, body.branch))
        if state is not None and state.image_encoder:
            collection = image_collection(state.image_encoder)
            floor = runtime.settings.image_text_min_score
            legs.append(
                _vector_leg(
                    runtime, Leg("image", "text_to_image"), collection, vectors.image_text, flt, floor
                )
            )
    probe = vectors.probe
    if probe is not None and probe.encoder and probe.embedding:
        collection = image_collection(probe.encoder)
        leg = _vector_leg(runtime, Leg("image", "image"), collection, probe.embedding, flt)
        if probe.ref is not None and probe.ref[0] == body.branch:
            leg.paths = [p for p in leg.paths if p != probe.ref[1]]
        legs.append(leg)
    return [leg for leg in legs if leg.paths]


def _semantic_legs(
    session: Session,
    runtime: VisionRuntime,
    body: SearchRequest,
    query: str,
    collection: str,
    vector: Sequence[float],
    flt: VectorFilter,
) -> list[Leg]:
    """The semantic hits at or above ``search.semantic_min_score`` take part in the fusion; weaker ones
    (down to ``WEAK_SEMANTIC_MIN_SCORE``) only fill the list after every fused hit, so they never crowd
    out a tag or term match yet a query that names nothing the index knows still gets its nearest
    assets. When the query names colours, the nearest hits (at any score) in those colours are a
    keyword leg of their own: "红色碗里的水果" lifts the red images among the fruit-like ones."""
    floor = runtime.settings.semantic_min_score
    every = _vector_leg(runtime, Leg("semantic", "semantic"), collection, vector, flt)
    strong = [p for p in every.paths if every.scores[p] >= floor]
    weak = [p for p in every.paths if WEAK_SEMANTIC_MIN_SCORE <= every.scores[p] < floor]
    legs = [
        Leg("semantic", "semantic", strong, {p: every.scores[p] for p in strong}),
        Leg("semantic", "semantic_weak", weak, {p: every.scores[p] for p in weak}, fused=False),
    ]
    colours = query_colours(query)
    if colours and every.paths:
        legs.append(_colour_leg(session, body, colours, every))
    return legs


def _colour_leg(session: Session, body: SearchRequest, colours: Sequence[str], nearest: Leg) -> Leg:
    """The ``nearest`` semantic hits whose image has one of ``colours`` (its index terms say so), more of
    the named colours first, then nearest first. Two point lookups per hit (doc id by path, then the
    colour terms by doc id), never a colour's whole posting list."""
    terms = colour_terms_of(colours)
    named: dict[str, int] = {}
    for start in range(0, len(nearest.paths), 400):
        rows = session.execute(
            select(SearchDoc.id, SearchDoc.path).where(
                SearchDoc.brand_id == body.brand_id,
                SearchDoc.branch == body.branch,
                SearchDoc.path.in_(nearest.paths[start : start + 400]),
            )
        )
        ids = {str(doc_id): str(path) for doc_id, path in rows}
        stmt = select(SearchTerm.doc_id).where(
            SearchTerm.brand_id == body.brand_id,
            SearchTerm.branch == body.branch,
            SearchTerm.term.in_(terms),
            SearchTerm.doc_id.in_(list(ids)),
        )
        for doc_id in session.scalars(stmt):
            named[ids[doc_id]] = named.get(ids[doc_id], 0) + 1
    paths = sorted(named, key=lambda p: (-named[p], -nearest.scores[p], p))
    return Leg("keyword", "keyword_colours", paths, {p: nearest.scores[p] for p in paths})


def _term_leg(session: Session, runtime: VisionRuntime, body: SearchRequest, query: str) -> Leg:
    """Docs sharing terms with the query: most terms matched first, rarer terms weighing more."""
    terms = query_terms(query)
    leg = Leg("keyword", "keyword_terms")
    if not terms:
        return leg
    where = (SearchTerm.brand_id == body.brand_id, SearchTerm.branch == body.branch)
    postings = {
        term: list(
            session.scalars(
                select(SearchTerm.doc_id).where(*where, SearchTerm.term == term).limit(TERM_POSTINGS)
            )
        )
        for term in terms
    }
    weight = {t: 1.0 + 1.0 / (1 + len(ids)) for t, ids in postings.items()}
    candidates = Counter(doc for ids in postings.values() for doc in ids)
    needed = max(1, math.ceil(0.6 * len(terms)))
    shortlist = [d for d, _ in candidates.most_common(runtime.settings.candidates * 2)]
    matched: dict[str, list[str]] = {}
    for start in range(0, len(shortlist), 400):  # exact counts (a capped posting list may have missed some)
        stmt = select(SearchTerm.doc_id, SearchTerm.term).where(
            *where, SearchTerm.term.in_(terms), SearchTerm.doc_id.in_(shortlist[start : start + 400])
        )
        for doc_id, term in session.execute(stmt):
            matched.setdefault(doc_id, []).append(term)
    ranked = sorted(
        (d for d, ts in matched.items() if len(ts) >= needed),
        key=lambda d: (-len(matched[d]), -sum(weight[t] for t in matched[d]), d),
    )[: runtime.settings.candidates]
    rows = session.execute(select(SearchDoc.id, SearchDoc.path).where(SearchDoc.id.in_(ranked)))
    paths = {str(doc_id): str(path) for doc_id, path in rows}
    leg.paths = [paths[d] for d in ranked if d in paths]
    return leg
