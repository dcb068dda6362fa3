"""One asset's tags by source, as search sees them after indexing: human tags, AI tags with the tagger's
scores, brand tags learned by example, and the AI or brand tags people rejected."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.vision.taxonomy import Taxonomy
from serving.errors import NotFound
from serving.vision.analyses import load_cached
from serving.vision.models import SearchDoc
from serving.vision.schemas import AssetTagDetail, AssetTagsDetail, TagOrigin
from serving.vision.vocabulary import Vocabulary, load_custom_tags


def _names(vocabulary: Vocabulary, tag_id: str) -> tuple[str | None, str | None]:
    if tag_id in vocabulary.taxonomy:
        definition = vocabulary.taxonomy.get(tag_id)
        return definition.zh, definition.en
    custom = vocabulary.custom.get(tag_id)
    return (custom.name_zh, custom.name_en) if custom is not None else (None, None)


def asset_tags_detail(
    session: Session, taxonomy: Taxonomy, brand_id: str, branch: str, path: str
) -> AssetTagsDetail:
    """The indexed tags of ``path`` on ``branch`` (404 ``not_indexed`` before the branch is indexed)."""
    doc = session.scalar(
        select(SearchDoc).where(
            SearchDoc.brand_id == brand_id, SearchDoc.branch == branch, SearchDoc.path == path
        )
    )
    if doc is None:
        raise NotFound(
            f"{path} on {branch} is not in the search index yet (reindex the branch)", code="not_indexed"
        )
    vocabulary = Vocabulary(taxonomy, load_custom_tags(session, brand_id))
    scores: dict[str, float] = {}
    if doc.encoder:
        analysis = load_cached(session, [doc.blob], doc.encoder).get(doc.blob)
        if analysis is not None:
            scores = dict(analysis.scored_tags)
    rejected = set(doc.rejected_tags or [])
    rows: list[AssetTagDetail] = []
    sources: tuple[tuple[TagOrigin, list[str]], ...] = (
        ("human", doc.human_tags),
        ("ai", doc.ai_tags),
        ("brand", doc.brand_tags),
    )
    for source, tag_ids in sources:
        for tag_id in tag_ids or []:
            name_zh, name_en = _names(vocabulary, tag_id)
            rows.append(
                AssetTagDetail(
                    id=tag_id,
                    name_zh=name_zh,
                    name_en=name_en,
                    source=source,
                    score=round(scores[tag_id], 4) if source == "ai" and tag_id in scores else None,
                    rejected=source != "human" and tag_id in rejected,
                )
            )
    return AssetTagsDetail(
        branch=branch,
        path=path,
        blob=doc.blob,
        encoder=doc.encoder,
        tags=rows,
        effective_tags=list(doc.tags or []),
        indexed_at=doc.updated_at,
    )
