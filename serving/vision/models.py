"""Tables of vision and search: analyses by content, search documents, keyword terms, index state per
branch, brand custom tags and near-duplicate pairs."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Date,
    Float,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from asset_store.sql import Base, created_at_column, id_column, utcnow

BRANCH_LEN = 100
PATH_LEN = 1024
ENCODER_LEN = 120
TERM_LEN = 48


class VisionAnalysis(Base):
    """What the image model learned about some bytes: analysed once per (blob, encoder), for every brand.

    ``analysis`` is the ImageAnalysis JSON without its embedding; the embedding is kept as float32 bytes.
    A failed analysis is cached too (``error_code``), so a corrupt image is not retried on every reindex.
    """

    __tablename__ = "vision_analyses"

    blob: Mapped[str] = mapped_column(String(64), primary_key=True)
    encoder: Mapped[str] = mapped_column(String(ENCODER_LEN), primary_key=True)
    analysis: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    embedding: Mapped[bytes | None] = mapped_column(LargeBinary)
    ocr: Mapped[bool] = mapped_column(default=False)
    """Whether the OCR stage was asked for (a later run that wants OCR redoes an analysis without it)."""
    error_code: Mapped[str | None] = mapped_column(String(64))
    error_detail: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()


class SearchDoc(Base):
    """One asset as search sees it on one branch: text for keywords, effective tags, hashes, filters."""

    __tablename__ = "search_docs"
    __table_args__ = (
        UniqueConstraint("brand_id", "branch", "path"),
        Index("ix_search_docs_blob", "brand_id", "blob"),
        Index("ix_search_docs_phash", "brand_id", "phash"),
        Index("ix_search_docs_campaign", "brand_id", "campaign"),
    )

    id: Mapped[str] = id_column("sdoc")
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    branch: Mapped[str] = mapped_column(String(BRANCH_LEN))
    path: Mapped[str] = mapped_column(String(PATH_LEN))
    blob: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    title: Mapped[str | None] = mapped_column(String(300))
    text: Mapped[str] = mapped_column(Text, default="")
    """Keyword text: title, file name, copy text, OCR text, tag names (zh + en)."""
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Effective tags: human ∪ (AI ∪ brand − rejected)."""
    human_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    ai_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    brand_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    rejected_tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    derived_from: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    phash: Mapped[str | None] = mapped_column(String(16))
    dhash: Mapped[str | None] = mapped_column(String(16))
    phash_flipped: Mapped[str | None] = mapped_column(String(16))
    phash_centre: Mapped[str | None] = mapped_column(String(16))
    encoder: Mapped[str | None] = mapped_column(String(ENCODER_LEN))
    """Image space of this doc's image point (None: no image point)."""
    text_dim: Mapped[int | None] = mapped_column(Integer)
    """Dimension of this doc's text point (None: no text point)."""
    analysis_error: Mapped[str | None] = mapped_column(String(64))
    campaign: Mapped[str | None] = mapped_column(String(200))
    licence_expires_at: Mapped[date | None] = mapped_column(Date)
    compliance_status: Mapped[str | None] = mapped_column(String(24))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class SearchTerm(Base):
    """The keyword inverted index: one row per (term, doc); looked up by (brand, term, branch)."""

    __tablename__ = "search_terms"

    brand_id: Mapped[str] = mapped_column(String(40), primary_key=True)
    term: Mapped[str] = mapped_column(String(TERM_LEN), primary_key=True)
    branch: Mapped[str] = mapped_column(String(BRANCH_LEN), primary_key=True)
    doc_id: Mapped[str] = mapped_column(
        ForeignKey("search_docs.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class SearchIndexState(Base):
    """How far the search index of one branch has caught up: the last commit fully indexed."""

    __tablename__ = "search_index_state"

    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True)
    branch: Mapped[str] = mapped_column(String(BRANCH_LEN), primary_key=True)
    commit_id: Mapped[str | None] = mapped_column(String(64))
    image_encoder: Mapped[str | None] = mapped_column(String(ENCODER_LEN))
    text_dim: Mapped[int | None] = mapped_column(Integer)
    docs: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)


class BrandCustomTag(Base):
    """A brand's own tag learned from example images: a prototype vector and a cosine threshold."""

    __tablename__ = "brand_custom_tags"

    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True)
    id: Mapped[str] = mapped_column(String(80), primary_key=True)
    name_zh: Mapped[str] = mapped_column(String(64))
    name_en: Mapped[str] = mapped_column(String(64))
    prototype: Mapped[list[float]] = mapped_column(JSON)
    threshold: Mapped[float] = mapped_column(Float)
    branch: Mapped[str] = mapped_column(String(BRANCH_LEN))
    examples: Mapped[list[str]] = mapped_column(JSON)
    encoder: Mapped[str] = mapped_column(String(ENCODER_LEN))
    stats: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()


class SearchDuplicate(Base):
    """Two assets on one branch that look the same (``path_a`` < ``path_b``), found while indexing."""

    __tablename__ = "search_duplicates"
    __table_args__ = (Index("ix_search_duplicates_path_b", "brand_id", "branch", "path_b"),)

    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True)
    branch: Mapped[str] = mapped_column(String(BRANCH_LEN), primary_key=True)
    path_a: Mapped[str] = mapped_column(String(PATH_LEN), primary_key=True)
    path_b: Mapped[str] = mapped_column(String(PATH_LEN), primary_key=True)
    hamming: Mapped[int | None] = mapped_column(Integer)
    cosine: Mapped[float | None] = mapped_column(Float)
    found_at: Mapped[datetime] = created_at_column()
