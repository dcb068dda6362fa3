"""Index status of a branch, the library's facets, and duplicates of bytes uploaded but not committed yet."""

from __future__ import annotations

import asyncio

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key, check_sha
from asset_store.errors import ObjectNotFound
from asset_store.models import BlobGrant
from asset_store.repo.repository import Repository
from serving.db import transaction
from serving.gateway.protocol import ModelGateway
from serving.jobs.models import Job
from serving.jobs.schemas import JobStatus
from serving.library.schemas import IndexStatus, LibraryFacets, TagName
from serving.vision import analyses
from serving.vision.analyses import Analysis
from serving.vision.duplicates import Probe, find_duplicates
from serving.vision.models import BrandCustomTag, SearchDoc, SearchIndexState
from serving.vision.runtime import VisionRuntime
from serving.vision.schemas import DuplicateMatch, DuplicateReport
from serving.vision.sync import INDEX_JOB_KIND

MAX_CAMPAIGNS = 200
RECENT_JOBS = 50


def index_status(session: Session, repo: Repository, branch: str, auto_index: bool) -> IndexStatus:
    """Whether the branch's index has caught up with its head, and the job on its way if not."""
    head = repo.branch(branch).commit_id
    empty = repo.tree_at(repo.resolve(head)).count == 0
    state = session.get(SearchIndexState, (repo.brand_id, branch))
    jobs = session.scalars(
        select(Job)
        .where(
            Job.brand_id == repo.brand_id,
            Job.kind == INDEX_JOB_KIND,
            Job.status.in_([JobStatus.QUEUED.value, JobStatus.RUNNING.value]),
        )
        .order_by(Job.created_at.desc())
        .limit(RECENT_JOBS)
    )
    job = next((j for j in jobs if (j.brief or {}).get("branch") == branch), None)
    indexed = state.commit_id if state else None
    return IndexStatus(
        branch=branch,
        head_commit=head,
        indexed_commit=indexed,
        up_to_date=indexed == head or (indexed is None and empty),  # nothing to index yet
        docs=state.docs if state else 0,
        auto_index=auto_index,
        job_id=job.id if job else None,
        job_status=job.status if job else None,
    )


def facets(session: Session, runtime: VisionRuntime, brand_id: str, branch: str) -> LibraryFacets:
    """The taxonomy's tags, the brand's own tags, and the campaigns named on the branch."""
    tags = [TagName(id=d.id, zh=d.zh, en=d.en, source="taxonomy") for d in runtime.taxonomy().all()]
    custom = session.scalars(
        select(BrandCustomTag).where(BrandCustomTag.brand_id == brand_id).order_by(BrandCustomTag.id)
    )
    tags += [TagName(id=t.id, zh=t.name_zh, en=t.name_en, source="brand") for t in custom]
    campaigns = session.scalars(
        select(SearchDoc.campaign)
        .where(SearchDoc.brand_id == brand_id, SearchDoc.branch == branch, SearchDoc.campaign.is_not(None))
        .distinct()
        .order_by(SearchDoc.campaign)
        .limit(MAX_CAMPAIGNS)
    )
    return LibraryFacets(tags=tags, campaigns=[c for c in campaigns if c])


def _granted_kind(runtime: VisionRuntime, brand_id: str, sha256: str) -> str:
    with transaction(runtime.readers) as session:
        grant = session.get(BlobGrant, (brand_id, sha256))
        if grant is None:
            raise ObjectNotFound("blob not found", code="blob_not_found")
        return grant.kind


async def _image_probe(runtime: VisionRuntime, gateway: ModelGateway, sha256: str) -> Probe:
    """Embedding and hashes of stored image bytes (analysed once, then cached like indexed assets)."""
    space = await runtime.image_space(gateway)
    cached = await asyncio.to_thread(_cached, runtime, sha256, space.encoder)
    if cached is None:
        data = await asyncio.to_thread(runtime.assets.objects.read_bytes, blob_key(sha256))
        (result,) = await gateway.analyse_images([data], ocr=False)
        cached = Analysis.from_result(sha256, result, space.encoder, False)
        await asyncio.to_thread(_store, runtime, cached)
    if cached.error is not None:  # undecodable as an image: only identical bytes can match
        return Probe(None, None, None, blob=sha256)
    return Probe(cached.encoder, cached.embedding, cached.hashes, blob=sha256)


def _cached(runtime: VisionRuntime, blob: str, encoder: str) -> Analysis | None:
    with transaction(runtime.readers) as session:
        return analyses.load_cached(session, [blob], encoder).get(blob)


def _store(runtime: VisionRuntime, analysis: Analysis) -> None:
    with transaction(runtime.factory) as session:
        analyses.store(session, [analysis])


def _matches(runtime: VisionRuntime, brand_id: str, probe: Probe, branch: str | None) -> list[DuplicateMatch]:
    with transaction(runtime.readers) as session:
        found = find_duplicates(runtime, session, brand_id, probe, branch=branch)
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


async def blob_duplicates(
    runtime: VisionRuntime, gateway: ModelGateway, brand_id: str, sha256: str, branch: str | None
) -> DuplicateReport:
    """Assets of the brand holding these uploaded bytes or, for an image, a near-duplicate of them."""
    check_sha(sha256)
    kind = await asyncio.to_thread(_granted_kind, runtime, brand_id, sha256)
    probe = (
        await _image_probe(runtime, gateway, sha256) if kind == "image" else Probe(None, None, None, sha256)
    )
    matches = await asyncio.to_thread(_matches, runtime, brand_id, probe, branch)
    return DuplicateReport(
        matches=matches, max_hamming=runtime.max_hamming(), min_cosine=runtime.settings.duplicate_min_cosine
    )
