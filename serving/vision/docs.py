"""One asset version → its search document: keyword text and terms, the text view that is embedded,
effective tags, hashes and the filter fields."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from serving.vision.analyses import Analysis
from serving.vision.colour_words import image_colour_terms
from serving.vision.tags import AssetTags, metadata_tags, rejected_tags
from serving.vision.terms import doc_terms, lineage_term
from serving.vision.vocabulary import Vocabulary

MAX_TEXT = 8000
"""Characters of keyword text kept per document."""
LABEL_MIN_SCORE = 0.05
"""Classifier labels at least this likely are named in the embedded text view of an image."""
OCR_TAG_SCORE = 0.5
"""Score of a tag named by the text printed in an image (ranked with the classifier's tags)."""
MAX_VIEW = 2000
"""Characters of text embedded per document (the text encoder reads ~a paragraph anyway)."""


@dataclass(frozen=True)
class Source:
    """What the indexer read about one asset version."""

    path: str
    blob: str
    record_id: str
    kind: str
    metadata: Mapping[str, Any]
    copy_text: str | None = None
    analysis: Analysis | None = None
    compliance_status: str | None = None


@dataclass
class DocDraft:
    """A search document ready to be written (SQL row, terms, and its vector points' inputs)."""

    path: str
    blob: str
    record_id: str
    kind: str
    title: str | None
    text: str
    text_view: str
    terms: list[str]
    tags: AssetTags
    derived_from: list[dict[str, Any]]
    embedding: list[float] | None = None
    encoder: str | None = None
    hashes: dict[str, str] | None = None
    analysis_error: str | None = None
    campaign: str | None = None
    licence_expires_at: date | None = None
    compliance_status: str | None = None
    text_vector: list[float] | None = field(default=None)


def _filename(path: str) -> str:
    name = path.rsplit("/", 1)[-1]
    stem = name.rsplit(".", 1)[0] if "." in name else name
    return stem.replace("_", " ").replace("-", " ")


def _licence_end(metadata: Mapping[str, Any]) -> date | None:
    licence = metadata.get("licence")
    value = licence.get("expires_on") if isinstance(licence, Mapping) else None
    try:
        return date.fromisoformat(value) if isinstance(value, str) else None
    except ValueError:
        return None


def _lineage(metadata: Mapping[str, Any]) -> list[dict[str, Any]]:
    lineage = metadata.get("lineage")
    sources = lineage.get("derived_from") if isinstance(lineage, Mapping) else None
    out: list[dict[str, Any]] = []
    for item in sources or []:
        if isinstance(item, Mapping) and isinstance(item.get("path"), str):
            out.append(
                {"path": item["path"], "blob": item.get("blob"), "relation": item.get("relation", "derived")}
            )
    return out


def _join(*parts: str | None) -> str:
    return "\n".join(p.strip() for p in parts if p and p.strip())


def _image_tags(analysis: Analysis, vocabulary: Vocabulary) -> list[str]:
    """The tagger's tags merged with the tags the image's printed text names (a poster saying 拿铁 is
    about coffee whatever the classifier saw), best score first."""
    scores = dict(analysis.scored_tags)
    text = analysis.ocr_text
    for tag in vocabulary.taxonomy.text_tags(text, OCR_TAG_SCORE) if text else []:
        scores[tag.id] = max(scores.get(tag.id, 0.0), tag.score)
    return sorted(scores, key=lambda tag_id: (-scores[tag_id], -tag_id.count("/"), tag_id))


def build_doc(source: Source, vocabulary: Vocabulary) -> DocDraft:
    """The search document of one asset version (pure: the caller read everything it needs)."""
    meta = source.metadata
    analysis = source.analysis if source.analysis is not None and source.analysis.error is None else None
    human, ai_meta = metadata_tags(meta, vocabulary.canonical)
    title = meta.get("title") if isinstance(meta.get("title"), str) else None
    body = (source.copy_text or "")[:MAX_TEXT]
    # copy is tagged by the taxonomy words it contains; images and video posters by the image model
    seen = vocabulary.match_query(_join(title, body[:MAX_VIEW])) if source.kind == "copy" else []
    ai = list(dict.fromkeys([*ai_meta, *(_image_tags(analysis, vocabulary) if analysis else []), *seen]))
    embedding = analysis.embedding if analysis else None
    encoder = analysis.encoder if analysis and embedding else None
    tags = AssetTags(
        human=tuple(human),
        ai=tuple(ai),
        brand=tuple(vocabulary.brand_tags_for(encoder, embedding)),
        rejected=tuple(rejected_tags(meta, vocabulary.canonical)),
    )
    description = meta.get("description") if isinstance(meta.get("description"), str) else None
    campaign = meta.get("campaign") if isinstance(meta.get("campaign"), str) else None
    ocr_text = analysis.ocr_text if analysis else None
    label_words = ", ".join(analysis.label_names(LABEL_MIN_SCORE)) if analysis else None
    tag_words = vocabulary.words(tags.effective())
    filename = _filename(source.path)
    text = _join(title, filename, description, body, ocr_text, tag_words, campaign)[:MAX_TEXT]
    if source.kind == "copy":
        view = _join(title, body or description)
    else:
        view = _join(title, description, label_words, vocabulary.names(tags.effective()), ocr_text)
    derived = _lineage(meta)
    terms = doc_terms(title, filename, description, campaign, tag_words, ocr_text, body)
    terms += image_colour_terms(analysis.colours) if analysis else []
    terms += [lineage_term("path", d["path"]) for d in derived]
    terms += [lineage_term("blob", d["blob"]) for d in derived if isinstance(d.get("blob"), str)]
    return DocDraft(
        path=source.path,
        blob=source.blob,
        record_id=source.record_id,
        kind=source.kind,
        title=(title or source.path.rsplit("/", 1)[-1])[:300],
        text=text,
        text_view=view[:MAX_VIEW],
        terms=list(dict.fromkeys(terms)),
        tags=tags,
        derived_from=derived,
        embedding=embedding,
        encoder=encoder,
        hashes=analysis.hashes if analysis else None,
        analysis_error=source.analysis.error if source.analysis is not None else None,
        campaign=campaign[:200] if campaign else None,
        licence_expires_at=_licence_end(meta),
        compliance_status=source.compliance_status,
    )
