"""Routes of the studio's library: browse, facets, index status, asset history, duplicates of an upload."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request

from asset_store.media import AssetKind
from serving.assets.service import open_repo, require_brand, services_of
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.db import transaction
from serving.deps import CallerDep, GatewayDep, SessionDep
from serving.library import service
from serving.library.browse import BrowseQuery, browse
from serving.library.history import asset_history
from serving.library.schemas import AssetHistory, IndexStatus, LibraryFacets, LibraryPage
from serving.vision.router import runtime_of
from serving.vision.schemas import AssetPath, DuplicateReport

router = APIRouter(prefix="/v1/brands/{brand_id}", tags=["library"])
BranchQuery = Annotated[str, Query(min_length=1, max_length=100)]


@router.get("/library", operation_id="browseLibrary")
def browse_library(
    brand_id: str,
    caller: CallerDep,
    session: SessionDep,
    branch: BranchQuery = "main",
    kind: Annotated[list[AssetKind] | None, Query(description="Only these kinds (repeatable).")] = None,
    tag: Annotated[list[str] | None, Query(max_length=20, description="Carries every tag.")] = None,
    campaign: Annotated[str | None, Query(max_length=200)] = None,
    platform: Annotated[str | None, Query(max_length=64, description="Metadata names it.")] = None,
    licence_valid: Annotated[bool | None, Query(description="False: expired licences only.")] = None,
    compliance_status: Annotated[
        str | None, Query(max_length=24, description="Review state, or 'none' for never submitted.")
    ] = None,
    blob: Annotated[str | None, Query(pattern="^[0-9a-f]{64}$", description="Holds these bytes.")] = None,
    path: Annotated[str | None, Query(max_length=512, description="Only this asset.")] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 24,
    cursor: Annotated[str | None, Query(max_length=400)] = None,
) -> LibraryPage:
    """A branch's indexed assets without a query, newest first, with the filters of search plus platform.

    Only indexed assets are listed: compare with ``getIndexStatus`` to tell the user what is still coming."""
    require_brand(session, caller, brand_id, Permission.BRAND_READ)
    query = BrowseQuery(
        brand_id=brand_id,
        branch=branch,
        kinds=tuple(kind or ()),
        tags_all=tuple(t.strip() for t in tag or () if t.strip()),
        campaign=campaign,
        platform=platform,
        licence_valid=licence_valid,
        compliance_status=compliance_status,
        blob=blob,
        path=path,
        limit=limit,
        cursor=cursor,
    )
    return browse(session, query)


@router.get("/library/facets", operation_id="getLibraryFacets")
def library_facets(
    brand_id: str, request: Request, caller: CallerDep, session: SessionDep, branch: BranchQuery = "main"
) -> LibraryFacets:
    """Tag names (zh/en) for display and filters, and the campaigns on the branch."""
    require_brand(session, caller, brand_id, Permission.BRAND_READ)
    return service.facets(session, runtime_of(request), brand_id, branch)


@router.get("/index-status", operation_id="getIndexStatus")
def index_status(
    brand_id: str, request: Request, caller: CallerDep, session: SessionDep, branch: BranchQuery = "main"
) -> IndexStatus:
    """Whether search sees the branch's head yet (indexing runs in a job after each commit)."""
    services = services_of(request)
    repo = open_repo(session, services, caller, brand_id, Permission.BRAND_READ)
    return service.index_status(session, repo, branch, services.auto_index)


@router.get("/asset-history", operation_id="getAssetHistory")
def history(
    brand_id: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    path: Annotated[AssetPath, Query()],
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
) -> AssetHistory:
    """The commits that changed the asset across every branch and tag, and what each ref holds now."""
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    return asset_history(session, repo, path, limit)


def _authorise(request: Request, caller: Caller, brand_id: str) -> None:
    with transaction(runtime_of(request).readers) as session:
        require_brand(session, caller, brand_id, Permission.BRAND_READ)


@router.get("/blobs/{sha256}/duplicates", operation_id="findBlobDuplicates")
async def blob_duplicates(
    brand_id: str,
    sha256: str,
    request: Request,
    caller: CallerDep,
    gateway: GatewayDep,
    branch: Annotated[str | None, Query(min_length=1, max_length=100)] = None,
) -> DuplicateReport:
    """Before committing an upload: the brand's assets with the same bytes or, for an image, the same
    picture (pHash, embedding, keypoints); ``branch`` limits the check to one branch."""
    await asyncio.to_thread(_authorise, request, caller, brand_id)
    return await service.blob_duplicates(runtime_of(request), gateway, brand_id, sha256, branch)
