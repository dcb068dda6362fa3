"""Wire format of the asset routes: blobs, uploads, branches, tags, commits, diffs, merges, assets."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field

from asset_store.repo.metadata import AssetMetadata
from serving.schemas_common import RequestModel

RefName = Annotated[str, Field(min_length=1, max_length=100, description="Branch or tag name.")]
RefSpec = Annotated[
    str, Field(min_length=1, max_length=100, description="Branch, tag, or commit id (or a unique prefix).")
]
CommitId = Annotated[
    str, Field(min_length=7, max_length=64, pattern=r"^[0-9a-f]+$", description="Commit id.")
]
Sha256 = Annotated[str, Field(pattern=r"^[0-9a-f]{64}$", description="sha256 of the bytes, hex.")]
AssetPath = Annotated[
    str, Field(min_length=1, max_length=512, description="Asset path, e.g. 'kv/618/main.png'.")
]


class PreviewPublic(BaseModel):
    role: str = Field(description="thumbnail or poster.")
    content_type: str
    width: int
    height: int


class BlobPublic(BaseModel):
    """Uploaded bytes, validated and stored once; commit them to a branch by ``sha256``."""

    sha256: str
    size: int
    kind: str
    content_type: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    info: dict[str, Any] = Field(default_factory=dict, description="Codec, fps, page count, …")
    previews: list[PreviewPublic] = Field(default_factory=list)
    created: bool = Field(default=True, description="False when this brand had uploaded these bytes before.")


class UploadCreate(RequestModel):
    """Ask for a presigned URL to upload large files straight to the object store."""

    kind: str = Field(description="Asset kind: image, video, audio, copy, template, brand_kit.")
    content_type: str = Field(
        min_length=3, max_length=128, description="The Content-Type the client will send."
    )
    filename: str | None = Field(default=None, max_length=255, description="Original file name.")


class PresignedPublic(BaseModel):
    url: str
    method: str
    headers: dict[str, str]
    expires_at: datetime


class UploadPublic(BaseModel):
    id: str
    status: Literal["pending", "complete", "failed", "expired"]
    kind: str
    content_type: str
    filename: str | None
    expires_at: datetime
    upload: PresignedPublic | None = Field(default=None, description="Where to PUT the bytes (pending only).")
    blob: BlobPublic | None = Field(default=None, description="The stored blob once complete.")


class BranchCreate(RequestModel):
    name: RefName
    from_ref: RefSpec = Field(default="main", description="Where the branch starts.")


class TagCreate(RequestModel):
    name: RefName
    ref: RefSpec = Field(default="main", description="What the tag names.")
    message: str | None = Field(default=None, max_length=2000, description="Release note.")


class RefPublic(BaseModel):
    name: str
    kind: Literal["branch", "tag"]
    commit_id: str
    created_by: str | None
    message: str | None
    created_at: datetime
    updated_at: datetime


class PutChange(RequestModel):
    op: Literal["put"] = "put"
    path: AssetPath
    blob: Sha256
    metadata: AssetMetadata = Field(default_factory=AssetMetadata)


class DeleteChange(RequestModel):
    op: Literal["delete"]
    path: AssetPath


ChangeIn = Annotated[PutChange | DeleteChange, Field(discriminator="op")]


class CommitCreate(RequestModel):
    """Add, modify and delete many assets at once on one branch."""

    branch: RefName
    message: str = Field(min_length=1, max_length=5000)
    changes: list[ChangeIn] = Field(min_length=1, max_length=10_000)
    expected_head: CommitId | None = Field(
        default=None, description="Fail with 409 ref_moved unless the branch is still at this commit."
    )
    meta: dict[str, Any] = Field(default_factory=dict, description="Free-form commit metadata.")


class CommitPublic(BaseModel):
    id: str
    parents: list[str]
    tree_id: str
    generation: int
    author_id: str | None
    message: str
    meta: dict[str, Any]
    created_at: datetime


class EntryPublic(BaseModel):
    path: str
    kind: str
    size: int
    blob: str


class ChangePublic(BaseModel):
    path: str
    status: Literal["added", "modified", "deleted"]
    before: EntryPublic | None
    after: EntryPublic | None


class DiffPublic(BaseModel):
    from_commit: str
    to_commit: str
    changes: list[ChangePublic]
    truncated: bool = Field(description="True when more changes exist than were returned.")


class MergeCreate(RequestModel):
    source: RefSpec
    target: RefName = Field(default="main")
    message: str | None = Field(default=None, max_length=5000)
    expected_target_head: CommitId | None = Field(default=None, description="CAS guard on the target.")


class MergePublic(BaseModel):
    outcome: Literal["fast_forward", "merge", "up_to_date"]
    commit: CommitPublic
    changes: list[ChangePublic]


class RevertCreate(RequestModel):
    branch: RefName
    commit: RefSpec
    parent: int = Field(default=1, ge=1, le=16, description="For a merge commit: which parent is mainline.")
    expected_head: CommitId | None = None


class AssetPublic(BaseModel):
    """An asset as of a commit: bytes, metadata and lineage."""

    path: str
    commit_id: str
    kind: str
    size: int
    blob: str
    content_type: str
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    metadata: dict[str, Any]
    previews: list[PreviewPublic] = Field(default_factory=list)
    links: dict[str, str] = Field(
        default_factory=dict,
        description="Presigned URLs: 'content' and one per preview role; no auth needed.",
    )
    links_expire_at: datetime | None = None
