"""Wire format of search, duplicates, tags, custom tags and asset usage."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from asset_store.media import AssetKind

MAX_LIMIT = 100
Branch = Annotated[str, StringConstraints(min_length=1, max_length=100)]
AssetPath = Annotated[str, StringConstraints(min_length=1, max_length=512)]
TagText = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Base64Image = Annotated[str, StringConstraints(min_length=1, max_length=1_400_000)]


class _In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class AssetRef(_In):
    """An asset already in the brand's repository."""

    branch: Branch = Field(default="main", description="Branch, tag or commit holding the asset.")
    path: AssetPath = Field(description="Asset path.")


class SearchRequest(_In):
    brand_id: str = Field(min_length=1, max_length=40)
    query: str | None = Field(default=None, max_length=500, description="Text query (zh or en).")
    image: AssetRef | Base64Image | None = Field(
        default=None, description="Find images like this one: an asset, or base64-encoded image bytes."
    )
    branch: Branch = Field(default="main", description="Branch to search.")
    kinds: list[AssetKind] | None = Field(default=None, max_length=6, description="Only these asset kinds.")
    tags_all: list[TagText] = Field(default_factory=list, max_length=20, description="Hits carry every tag.")
    tags_any: list[TagText] = Field(
        default_factory=list, max_length=20, description="Hits carry one of them."
    )
    campaign: str | None = Field(default=None, max_length=200, description="Only this campaign.")
    licence_valid: bool | None = Field(
        default=None, description="True: unlicensed or licence not expired; False: expired licences only."
    )
    compliance_status: str | None = Field(
        default=None,
        max_length=24,
        description="Review state of the asset's bytes (e.g. brand_approved), or 'none' for never submitted.",
    )
    limit: int = Field(default=20, ge=1, le=MAX_LIMIT)
    cursor: str | None = Field(default=None, max_length=200, description="next_cursor of the previous page.")


class SearchHit(BaseModel):
    path: str
    branch: str
    kind: str
    blob: str
    title: str | None
    score: float = Field(description="Fused score (reciprocal rank fusion over the legs that found it).")
    similarity: float | None = Field(default=None, description="Best cosine similarity among vector legs.")
    tags: list[str]
    matched: list[Literal["semantic", "keyword", "image"]]
    campaign: str | None = None
    compliance_status: str | None = None
    links: dict[str, str] = Field(description="API links: content, and preview for images and videos.")


class SearchResponse(BaseModel):
    hits: list[SearchHit]
    next_cursor: str | None = None
    took_ms: float
    legs: dict[str, int] = Field(description="Hits each leg contributed before fusion.")


class DuplicateCheck(_In):
    brand_id: str = Field(min_length=1, max_length=40)
    image: AssetRef | Base64Image = Field(description="The image to check: an asset, or base64 bytes.")
    branch: Branch | None = Field(default=None, description="Only this branch; default: every branch.")


class DuplicateMatch(BaseModel):
    branch: str
    path: str
    blob: str
    kind: str
    hamming: int | None = Field(description="pHash bits that differ (mirror considered); null: no hashes.")
    cosine: float | None = Field(description="Image-embedding cosine; null: not among the nearest.")
    identical: bool = Field(description="The very same bytes.")
    reasons: list[str] = Field(description="Which signals decided: identical, phash, embedding.")


class DuplicateReport(BaseModel):
    matches: list[DuplicateMatch]
    max_hamming: int
    min_cosine: float


class DuplicatePair(BaseModel):
    a: str
    b: str
    hamming: int | None
    cosine: float | None


class DuplicateCluster(BaseModel):
    paths: list[str]
    pairs: list[DuplicatePair]


class DuplicateClusters(BaseModel):
    branch: str
    clusters: list[DuplicateCluster]
    truncated: bool = False


class ReindexRequest(_In):
    brand_id: str = Field(min_length=1, max_length=40)
    branch: Branch = "main"
    full: bool = Field(default=False, description="Reindex every asset, not only what changed.")


class ReindexResponse(BaseModel):
    job_id: str
    branch: str


class AssetTagsEdit(_In):
    branch: Branch = "main"
    path: AssetPath
    add: list[TagText] = Field(default_factory=list, max_length=50, description="Tags to add (ids or names).")
    remove: list[TagText] = Field(default_factory=list, max_length=50, description="Tags to remove.")
    expected_head: str | None = Field(default=None, max_length=64, description="Refuse if the branch moved.")


class AssetTagsPublic(BaseModel):
    branch: str
    path: str
    commit_id: str | None = Field(description="The commit that stored the edit; null when nothing changed.")
    tags: list[str] = Field(description="Tags stored with the asset (human).")
    rejected_tags: list[str]
    effective_tags: list[str] = Field(description="What search uses once the branch is reindexed.")


class CustomTagCreate(_In):
    name_zh: TagText
    name_en: TagText
    branch: Branch = "main"
    examples: list[AssetPath] = Field(min_length=3, max_length=100, description="Example image paths.")


class CustomTagPublic(BaseModel):
    id: str
    name_zh: str
    name_en: str
    threshold: float
    branch: str
    examples: list[str]
    encoder: str
    example_scores: list[float]
    background_p95: float | None
    separable: bool
    created_by: str
    created_at: datetime
    job_id: str | None = None


class UsageRef(BaseModel):
    branch: str
    path: str
    kind: str
    relation: str | None = None


class AssetUsage(BaseModel):
    branch: str
    path: str
    blob: str
    same_blob: list[UsageRef] = Field(description="Other places of the brand holding the same bytes.")
    derived: list[UsageRef] = Field(description="Assets whose lineage names this one.")
    sources: list[UsageRef] = Field(description="Assets this one's lineage names.")


TagOrigin = Literal["human", "ai", "brand"]


class AssetTagDetail(BaseModel):
    """One tag of an asset and where it came from."""

    id: str = Field(description="Taxonomy id, brand tag id, or a free tag as written.")
    name_zh: str | None = None
    name_en: str | None = None
    source: TagOrigin
    score: float | None = Field(default=None, description="The tagger's confidence, for AI tags.")
    rejected: bool = Field(default=False, description="An AI or brand tag a person removed: not effective.")


class AssetTagsDetail(BaseModel):
    branch: str
    path: str
    blob: str
    encoder: str | None = Field(description="The image encoder whose analysis gave the AI tags.")
    tags: list[AssetTagDetail]
    effective_tags: list[str] = Field(description="What search uses: human ∪ (AI ∪ brand − rejected).")
    indexed_at: datetime
