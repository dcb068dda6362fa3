"""Routes of search: text and image search, reindex, and the "you already own this" duplicate check."""

from __future__ import annotations

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query, Request, status

from asset_store.media import AssetKind
from serving.assets.service import open_repo, require_brand
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.db import transaction
from serving.deps import CallerDep, GatewayDep
from serving.vision import search as search_service
from serving.vision.duplicates import Probe, find_duplicates
from serving.vision.probes import probe_image
from serving.vision.runtime import VisionRuntime
from serving.vision.schemas import (
    MAX_LIMIT,
    DuplicateCheck,
    DuplicateMatch,
    DuplicateReport,
    ReindexRequest,
    ReindexResponse,
    SearchRequest,
    SearchResponse,
)
from serving.vision.sync import INDEX_JOB_KIND, enqueue_once

router = APIRouter(prefix="/v1/search", tags=["search"])


def runtime_of(request: Request) -> VisionRuntime:
    runtime: VisionRuntime = request.app.state.vision
    return runtime


@router.post("", operation_id="searchAssets")
async def search_assets(
    body: SearchRequest, request: Request, caller: CallerDep, gateway: GatewayDep
) -> SearchResponse:
    """Search a brand's assets by text (zh/en), by image, or both; filters narrow every leg.

    An empty query without an image is 422 ``empty_query``; a cursor from another query is 422
    ``invalid_cursor``; an image that cannot be decoded is 422 with the decoder's code."""
    return await search_service.search(runtime_of(request), gateway, caller, body)


@router.get("", operation_id="searchAssetsByQuery")
async def search_assets_get(
    request: Request,
    caller: CallerDep,
    gateway: GatewayDep,
    brand_id: Annotated[str, Query(min_length=1, max_length=40)],
    q: Annotated[str, Query(max_length=500, description="Text query.")] = "",
    branch: Annotated[str, Query(min_length=1, max_length=100)] = "main",
    kind: Annotated[list[AssetKind] | None, Query(description="Only these kinds (repeatable).")] = None,
    tag: Annotated[list[str] | None, Query(description="Hits carry every tag (repeatable).")] = None,
    any_tag: Annotated[list[str] | None, Query(description="Hits carry one of these (repeatable).")] = None,
    campaign: Annotated[str | None, Query(max_length=200, description="Only this campaign.")] = None,
    licence_valid: Annotated[
        bool | None, Query(description="True: unlicensed or licence not expired; False: expired only.")
    ] = None,
    compliance_status: Annotated[
        str | None, Query(max_length=24, description="Review state of the bytes, or 'none' (not submitted).")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 20,
    cursor: Annotated[str | None, Query(max_length=200)] = None,
) -> SearchResponse:
    """``POST /v1/search`` for a text query in the URL (the CLI and the studio's search box), with the
    same filters."""
    body = SearchRequest(
        brand_id=brand_id,
        query=q,
        branch=branch,
        kinds=kind,
        tags_all=tag or [],
        tags_any=any_tag or [],
        campaign=campaign,
        licence_valid=licence_valid,
        compliance_status=compliance_status,
        limit=limit,
        cursor=cursor,
    )
    return await search_service.search(runtime_of(request), gateway, caller, body)


def _queue_reindex(runtime: VisionRuntime, caller: Caller, body: ReindexRequest) -> str:
    with transaction(runtime.factory) as session:
        repo = open_repo(session, runtime.assets, caller, body.brand_id, Permission.ASSETS_WRITE)
        repo.branch(body.branch)
        brief: dict[str, object] = {"branch": body.branch}
        if body.full:
            brief["full"] = True
        return enqueue_once(session, body.brand_id, INDEX_JOB_KIND, brief, caller.principal_id).id


@router.post("/reindex", status_code=status.HTTP_202_ACCEPTED, operation_id="reindexBranch")
async def reindex(body: ReindexRequest, request: Request, caller: CallerDep) -> ReindexResponse:
    """Queue the job that brings a branch's search index up to its head (``full``: every asset again)."""
    job_id = await asyncio.to_thread(_queue_reindex, runtime_of(request), caller, body)
    request.app.state.bus.job_submitted()
    return ReindexResponse(job_id=job_id, branch=body.branch)


def _matches(runtime: VisionRuntime, body: DuplicateCheck, probe: Probe) -> list[DuplicateMatch]:
    with transaction(runtime.readers) as session:
        exclude = frozenset({probe.ref}) if probe.ref is not None else frozenset()
        found = find_duplicates(runtime, session, body.brand_id, probe, branch=body.branch, exclude=exclude)
    return [
        DuplicateMatch(
            branch=m.branch,
            path=m.path,
            blob=m.blob,
            kind=m.kind,
            hamming=m.hamming,
            cosine=None if m.cosine is None else round(m.cosine, 6),
            identical=m.identical,
            reasons=list(m.reasons),
        )
        for m in found
    ]


def _authorise(runtime: VisionRuntime, caller: Caller, brand_id: str) -> None:
    with transaction(runtime.readers) as session:
        require_brand(session, caller, brand_id, Permission.BRAND_READ)


@router.post("/duplicates", operation_id="findDuplicates")
async def duplicates(
    body: DuplicateCheck, request: Request, caller: CallerDep, gateway: GatewayDep
) -> DuplicateReport:
    """ "You already own this": the brand's assets that are the same image (identical bytes, pHash within
    ``max_hamming`` bits, mirror included, or embedding cosine from ``min_cosine``), both signals reported."""
    runtime = runtime_of(request)
    await asyncio.to_thread(_authorise, runtime, caller, body.brand_id)
    probe = await probe_image(runtime, gateway, caller, body.brand_id, body.image)
    matches = await asyncio.to_thread(_matches, runtime, body, probe)
    return DuplicateReport(
        matches=matches, max_hamming=runtime.max_hamming(), min_cosine=runtime.settings.duplicate_min_cosine
    )
