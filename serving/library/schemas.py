"""Wire format of the library routes."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from serving.vision.schemas import SearchHit


class LibraryPage(BaseModel):
    """Indexed assets of a branch, most recently (re)indexed first."""

    hits: list[SearchHit]
    next_cursor: str | None = Field(default=None, description="Pass back as ``cursor`` for more.")
    scanned: int = Field(description="Index rows read for this page (filters applied after reading).")


class IndexStatus(BaseModel):
    """How far the search index of a branch has caught up with the branch's head."""

    branch: str
    head_commit: str
    indexed_commit: str | None = Field(description="Last commit fully indexed; null: never indexed.")
    up_to_date: bool
    docs: int = Field(description="Assets of the branch in the index.")
    auto_index: bool = Field(description="Whether commits queue indexing by themselves.")
    job_id: str | None = Field(default=None, description="The queued or running index job, if any.")
    job_status: str | None = None


class TagName(BaseModel):
    id: str = Field(description="Tag id as stored on assets and used in filters.")
    zh: str
    en: str
    source: Literal["taxonomy", "brand"]


class LibraryFacets(BaseModel):
    """What the library's filters can offer: known tags and the branch's campaigns."""

    tags: list[TagName]
    campaigns: list[str]


ChangeKind = Literal["added", "modified", "metadata", "deleted"]


class AssetAtRef(BaseModel):
    """The asset as the head of one branch or tag holds it."""

    ref: str
    ref_kind: Literal["branch", "tag"]
    commit_id: str = Field(description="The ref's head commit.")
    present: bool = Field(description="False: the path does not exist on this ref.")
    blob: str | None = None
    kind: str | None = None
    size: int | None = None
    title: str | None = None
    compliance_status: str | None = Field(
        default=None, description="Review state of these bytes at this path; null: never submitted."
    )


class AssetVersion(BaseModel):
    """A commit that changed the asset: where a version of it begins."""

    commit_id: str
    parents: list[str]
    message: str
    author_id: str | None
    created_at: datetime
    change: ChangeKind = Field(description="metadata: same bytes, new metadata (tags, title, …).")
    blob: str | None = None
    kind: str | None = None
    size: int | None = None
    title: str | None = None
    compliance_status: str | None = None
    refs: list[str] = Field(description="Branches and tags whose head holds exactly this version.")


class AssetHistory(BaseModel):
    path: str
    refs: list[AssetAtRef]
    versions: list[AssetVersion] = Field(description="Newest first, across every branch and tag.")
    truncated: bool = Field(description="True when older history was not read (walk or version cap).")
