"""Brand-scoped routes of search: tag edits, custom tags by example, duplicate clusters, asset usage."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from sqlalchemy import select

from serving.assets.service import merge_permission, open_repo, require_brand, services_of
from serving.auth.roles import Permission
from serving.deps import CallerDep, RequestIdDep, SessionDep
from serving.vision import custom_tags, reports
from serving.vision.models import BrandCustomTag
from serving.vision.router import runtime_of
from serving.vision.schemas import (
    AssetPath,
    AssetTagsDetail,
    AssetTagsEdit,
    AssetTagsPublic,
    AssetUsage,
    CustomTagCreate,
    CustomTagPublic,
    DuplicateClusters,
)
from serving.vision.tag_detail import asset_tags_detail
from serving.vision.tag_edit import edit_asset_tags

router = APIRouter(prefix="/v1/brands/{brand_id}", tags=["search"])
BranchQuery = Annotated[str, Query(min_length=1, max_length=100)]


def _custom_tag(row: BrandCustomTag, job_id: str | None = None) -> CustomTagPublic:
    stats = dict(row.stats or {})
    return CustomTagPublic(
        id=row.id,
        name_zh=row.name_zh,
        name_en=row.name_en,
        threshold=row.threshold,
        branch=row.branch,
        examples=list(row.examples),
        encoder=row.encoder,
        example_scores=list(stats.get("example_scores", [])),
        background_p95=stats.get("background_p95"),
        separable=bool(stats.get("separable", True)),
        created_by=row.created_by,
        created_at=row.created_at,
        job_id=job_id,
    )


@router.patch("/asset-tags", operation_id="editAssetTags")
def edit_tags(
    brand_id: str,
    body: AssetTagsEdit,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> AssetTagsPublic:
    """Add or remove an asset's tags as a commit (409 ``ref_moved`` on a stale ``expected_head``). A removed
    AI or brand tag is remembered in ``rejected_tags``: re-tagging never brings it back."""
    require_brand(session, caller, brand_id, merge_permission(body.branch))
    return edit_asset_tags(session, services_of(request), runtime_of(request), caller, brand_id, body, rid)


@router.get("/asset-tags", operation_id="getAssetTags")
def asset_tags(
    brand_id: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    path: Annotated[AssetPath, Query()],
    branch: BranchQuery = "main",
) -> AssetTagsDetail:
    """An asset's tags by source as indexed: human, AI (with the tagger's scores), brand tags learned by
    example, and which AI or brand tags people rejected (404 ``not_indexed`` before indexing)."""
    require_brand(session, caller, brand_id, Permission.BRAND_READ)
    return asset_tags_detail(session, runtime_of(request).taxonomy(), brand_id, branch, path)


@router.get("/custom-tags", operation_id="listCustomTags")
def list_custom_tags(brand_id: str, caller: CallerDep, session: SessionDep) -> list[CustomTagPublic]:
    require_brand(session, caller, brand_id, Permission.BRAND_READ)
    rows = session.scalars(
        select(BrandCustomTag).where(BrandCustomTag.brand_id == brand_id).order_by(BrandCustomTag.id)
    )
    return [_custom_tag(r) for r in rows]


@router.post("/custom-tags", status_code=status.HTTP_201_CREATED, operation_id="createCustomTag")
def create_custom_tag(
    brand_id: str,
    body: CustomTagCreate,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> CustomTagPublic:
    """Learn a brand tag from at least three example images (indexed already); a job then tags the
    brand's images that look like them (tag id ``brand:<slug of name_en>``)."""
    require_brand(session, caller, brand_id, Permission.BRAND_MANAGE)
    row, job_id = custom_tags.create_tag(session, runtime_of(request), caller, brand_id, body, rid)
    return _custom_tag(row, job_id)


@router.delete(
    "/custom-tags/{tag_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteCustomTag"
)
def delete_custom_tag(
    brand_id: str, tag_id: str, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> Response:
    """Remove a brand tag; a job takes it off the assets carrying it."""
    require_brand(session, caller, brand_id, Permission.BRAND_MANAGE)
    custom_tags.delete_tag(session, caller, brand_id, tag_id, rid)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/duplicates", operation_id="listDuplicateClusters")
def duplicate_clusters(
    brand_id: str,
    caller: CallerDep,
    session: SessionDep,
    branch: BranchQuery = "main",
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
) -> DuplicateClusters:
    """Groups of near-duplicate assets on a branch, found while indexing, largest first."""
    require_brand(session, caller, brand_id, Permission.BRAND_READ)
    return reports.duplicate_clusters(session, brand_id, branch, limit)


@router.get("/asset-usage", operation_id="getAssetUsage")
def asset_usage(
    brand_id: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    path: Annotated[AssetPath, Query()],
    branch: BranchQuery = "main",
) -> AssetUsage:
    """Where the asset's bytes are used elsewhere in the brand, and which assets derive from it."""
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    return reports.asset_usage(session, repo, branch, path)
