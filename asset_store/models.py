"""SQL tables of the asset store: blobs, brand grants on blobs, uploads, and the git-like repository.

Trees, ranges and records are content-addressed (their id is the sha256 of their canonical JSON), so they
are immutable, shared by every commit and branch that holds them, and safe to cache forever.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, Float, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from asset_store.sql import Base, created_at_column, id_column

SHA_LEN = 64


class Blob(Base):
    """One distinct byte string, stored once in the object store under its sha256."""

    __tablename__ = "asset_blobs"

    sha256: Mapped[str] = mapped_column(String(SHA_LEN), primary_key=True)
    size: Mapped[int] = mapped_column(BigInteger)
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(128))
    width: Mapped[int | None] = mapped_column(Integer)
    height: Mapped[int | None] = mapped_column(Integer)
    duration_s: Mapped[float | None] = mapped_column(Float)
    info: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    previews: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()


class BlobGrant(Base):
    """A brand may reference a blob in its commits only once it uploaded those bytes itself."""

    __tablename__ = "asset_blob_grants"

    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True)
    sha256: Mapped[str] = mapped_column(ForeignKey("asset_blobs.sha256"), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16))
    """The kind this brand uploaded them as (the same JSON may be one brand's template, another's kit)."""
    content_type: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str | None] = mapped_column(String(255))
    created_by: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()


class UploadSession(Base):
    """A presigned upload: the client PUTs bytes to a staging key, then completes it."""

    __tablename__ = "asset_uploads"

    id: Mapped[str] = id_column("upl")
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    content_type: Mapped[str] = mapped_column(String(128))
    filename: Mapped[str | None] = mapped_column(String(255))
    staging_key: Mapped[str] = mapped_column(String(255))
    status: Mapped[str] = mapped_column(String(16), default="pending")
    sha256: Mapped[str | None] = mapped_column(String(SHA_LEN))
    created_by: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime]
    created_at: Mapped[datetime] = created_at_column()


class Record(Base):
    """Metadata and lineage of an asset version, content-addressed."""

    __tablename__ = "asset_records"

    id: Mapped[str] = mapped_column(String(SHA_LEN), primary_key=True)
    body: Mapped[dict[str, Any]] = mapped_column(JSON)


class TreeRange(Base):
    """A sorted run of tree entries; trees share unchanged ranges, so a commit writes only what changed."""

    __tablename__ = "asset_ranges"

    id: Mapped[str] = mapped_column(String(SHA_LEN), primary_key=True)
    entries: Mapped[list[Any]] = mapped_column(JSON)


class Tree(Base):
    """A whole tree: the ordered list of its ranges with their first and last paths."""

    __tablename__ = "asset_trees"

    id: Mapped[str] = mapped_column(String(SHA_LEN), primary_key=True)
    ranges: Mapped[list[Any]] = mapped_column(JSON)
    count: Mapped[int] = mapped_column(Integer)


class Commit(Base):
    """A commit of a brand's repository; the id hashes tree, parents, author, message, metadata and time."""

    __tablename__ = "asset_commits"
    __table_args__ = (Index("ix_asset_commits_brand_created", "brand_id", "created_at"),)

    id: Mapped[str] = mapped_column(String(SHA_LEN), primary_key=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    tree_id: Mapped[str] = mapped_column(ForeignKey("asset_trees.id"))
    parents: Mapped[list[Any]] = mapped_column(JSON)
    generation: Mapped[int] = mapped_column(Integer)
    author_id: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str] = mapped_column(Text)
    meta: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    created_at: Mapped[datetime] = created_at_column()


class Ref(Base):
    """A branch or tag: a name pointing at a commit, moved only by compare-and-swap."""

    __tablename__ = "asset_refs"

    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), primary_key=True)
    kind: Mapped[str] = mapped_column(String(8))
    commit_id: Mapped[str] = mapped_column(ForeignKey("asset_commits.id"))
    created_by: Mapped[str | None] = mapped_column(String(64))
    message: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = created_at_column()
