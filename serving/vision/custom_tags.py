"""Brand custom tags by example: learn a prototype and threshold from example images (see
``serving.vision.thresholds``), then tag the brand's matching images in a job."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from typing import Any

from sqlalchemy import String, cast, select
from sqlalchemy.orm import Session

from asset_store.errors import ObjectNotFound
from asset_store.vectors import VectorFilter
from serving.audit.service import record
from serving.auth.caller import Caller
from serving.db import transaction
from serving.errors import Conflict, InvalidInput, NotFound
from serving.vision import analyses
from serving.vision.models import BrandCustomTag, SearchDoc
from serving.vision.runtime import VisionRuntime, image_collection
from serving.vision.schemas import CustomTagCreate
from serving.vision.sync import CUSTOM_TAG_JOB_KIND, enqueue_once
from serving.vision.tags import AssetTags
from serving.vision.thresholds import learn
from serving.vision.vocabulary import CustomTag
from serving.vision.writer import load_docs, refresh_points

BACKGROUND_SAMPLE = 500
MAX_TAGGED = 10_000
"""Most images one custom tag is applied to per job (the nearest ones)."""


def tag_id_for(name_en: str, name_zh: str) -> str:
    """``brand:<slug>`` from the English name (a digest of the names when it has no Latin letters)."""
    slug = re.sub(r"[^a-z0-9]+", "-", name_en.casefold()).strip("-")[:60]
    if not slug:
        slug = "t" + hashlib.sha256(f"{name_zh}|{name_en}".encode()).hexdigest()[:10]
    return f"brand:{slug}"


def _example_docs(session: Session, brand_id: str, branch: str, paths: Sequence[str]) -> list[SearchDoc]:
    docs = load_docs(session, brand_id, branch, paths)
    missing = [p for p in paths if p not in docs or docs[p].encoder is None]
    if missing:
        raise InvalidInput(
            f"{len(missing)} example(s) are not indexed images on {branch!r} yet",
            code="examples_not_indexed",
            extra={"paths": missing[:50]},
        )
    encoders = {docs[p].encoder for p in paths}
    if len(encoders) != 1:
        raise InvalidInput("the examples were indexed by different image encoders", code="invalid_examples")
    return [docs[p] for p in paths]


def _embeddings(session: Session, docs: Sequence[SearchDoc], encoder: str) -> list[list[float]]:
    cached = analyses.load_cached(session, [d.blob for d in docs], encoder)
    return [v for d in docs if (v := cached[d.blob].embedding if d.blob in cached else None)]


def create_tag(
    session: Session,
    runtime: VisionRuntime,
    caller: Caller,
    brand_id: str,
    body: CustomTagCreate,
    rid: str | None,
) -> tuple[BrandCustomTag, str]:
    """Learn the tag from the examples, store it and queue the job that applies it; (row, job id)."""
    tag_id = tag_id_for(body.name_en, body.name_zh)
    if session.get(BrandCustomTag, (brand_id, tag_id)) is not None:
        raise Conflict(f"the brand already has tag {tag_id!r}", code="custom_tag_exists")
    examples = _example_docs(session, brand_id, body.branch, list(dict.fromkeys(body.examples)))
    encoder = str(examples[0].encoder)
    vectors = _embeddings(session, examples, encoder)
    if len(vectors) < len(examples):
        raise InvalidInput("some examples have no image embedding", code="examples_not_indexed")
    others = session.scalars(
        select(SearchDoc)
        .where(
            SearchDoc.brand_id == brand_id,
            SearchDoc.branch == body.branch,
            SearchDoc.encoder == encoder,
            SearchDoc.path.not_in([d.path for d in examples]),
        )
        .order_by(SearchDoc.id)
        .limit(BACKGROUND_SAMPLE)
    ).all()
    learned = learn(vectors, _embeddings(session, others, encoder), margin=runtime.settings.custom_tag_margin)
    row = BrandCustomTag(
        brand_id=brand_id,
        id=tag_id,
        name_zh=body.name_zh,
        name_en=body.name_en,
        prototype=learned.prototype,
        threshold=learned.threshold,
        branch=body.branch,
        examples=[d.path for d in examples],
        encoder=encoder,
        stats={
            "example_scores": learned.example_scores,
            "background_p95": learned.background_p95,
            "background_size": len(others),
            "separable": learned.separable,
        },
        created_by=caller.principal_id,
    )
    session.add(row)
    session.flush()
    job = enqueue_once(session, brand_id, CUSTOM_TAG_JOB_KIND, {"tag_id": tag_id}, caller.principal_id)
    record(
        session,
        caller,
        "search.custom_tag.create",
        brand_id=brand_id,
        target_type="custom_tag",
        target_id=tag_id,
        request_id=rid,
        details={"threshold": learned.threshold, "examples": len(examples), "separable": learned.separable},
    )
    return row, job.id


def delete_tag(session: Session, caller: Caller, brand_id: str, tag_id: str, rid: str | None) -> str:
    """Remove the tag; a job takes it off the assets that carry it. Returns the job id."""
    row = session.get(BrandCustomTag, (brand_id, tag_id))
    if row is None:
        raise NotFound("custom tag not found", code="custom_tag_not_found")
    session.delete(row)
    job = enqueue_once(session, brand_id, CUSTOM_TAG_JOB_KIND, {"tag_id": tag_id}, caller.principal_id)
    record(
        session,
        caller,
        "search.custom_tag.delete",
        brand_id=brand_id,
        target_type="custom_tag",
        target_id=tag_id,
        request_id=rid,
    )
    return job.id


def _should_have(runtime: VisionRuntime, brand_id: str, tag: CustomTag) -> set[tuple[str, str]]:
    try:
        hits = runtime.vectors.search(
            image_collection(tag.encoder),
            [float(v) for v in tag.prototype],
            filter=VectorFilter(brand_id=brand_id),
            limit=MAX_TAGGED,
        )
    except ObjectNotFound:
        return set()
    return {(str(h.payload["branch"]), str(h.payload["path"])) for h in hits if h.score >= tag.threshold}


def apply_tag(runtime: VisionRuntime, brand_id: str, tag_id: str) -> dict[str, Any]:
    """Put the tag on the brand's matching images (every branch) and take it off the others."""
    with transaction(runtime.factory) as session:
        row = session.get(BrandCustomTag, (brand_id, tag_id))
        should = _should_have(runtime, brand_id, CustomTag.of(row)) if row is not None else set()
        having = session.scalars(
            select(SearchDoc).where(
                SearchDoc.brand_id == brand_id, cast(SearchDoc.brand_tags, String).like(f'%"{tag_id}"%')
            )
        ).all()
        docs = {(d.branch, d.path): d for d in having}
        for branch in {b for b, _ in should}:
            paths = [p for b, p in should if b == branch and (b, p) not in docs]
            docs.update({(branch, p): d for p, d in load_docs(session, brand_id, branch, paths).items()})
        changed: list[SearchDoc] = []
        for key, doc in docs.items():
            brand_tags = [t for t in doc.brand_tags if t != tag_id] + ([tag_id] if key in should else [])
            if brand_tags == list(doc.brand_tags):
                continue
            doc.brand_tags = brand_tags
            doc.tags = AssetTags(
                tuple(doc.human_tags), tuple(doc.ai_tags), tuple(brand_tags), tuple(doc.rejected_tags)
            ).effective()
            changed.append(doc)
        session.flush()
        refresh_points(runtime, changed)
        added = sum(1 for d in changed if tag_id in d.brand_tags)
    return {"tag_id": tag_id, "tagged": added, "untagged": len(changed) - added, "matching": len(should)}
