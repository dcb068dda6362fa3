"""Store generated variants as copy assets on a branch, with their lineage, in one commit."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from asset_store.blobs import Spool
from asset_store.errors import RefConflict
from asset_store.media import AssetKind
from asset_store.repo.metadata import AssetMetadata, Generation, Lineage, Source, Tag, TagSource
from asset_store.repo.repository import DEFAULT_BRANCH, PutAsset
from compliance_rules.brand import BrandVI
from compliance_rules.checker import Checker
from serving.assets.ingest import ingest
from serving.assets.services import AssetServices
from serving.compliance.service import BrandPacks
from serving.db import transaction
from serving.generation.copy_settings import CopywritingSettings
from serving.generation.copywriting.brief import CopyBrief
from serving.generation.copywriting.result import CopyResult, Variant

PIPELINE_VERSION = "copywriting/1"


@dataclass(frozen=True)
class GenerationStore:
    """What generation jobs share with the app: the database, the asset store, the compliance checker."""

    factory: sessionmaker[Session]
    assets: AssetServices
    checker: Checker
    model_id: str
    """The configured LLM (recorded in lineage when the backend does not say)."""
    concurrent_requests: int | None = None
    """Copy requests a job keeps in flight on the LLM deployment (its batch); None: rounds."""
    copywriting: CopywritingSettings = field(default_factory=CopywritingSettings)
    brand_packs: BrandPacks = field(default_factory=BrandPacks)
    """The brands' VI packs (brand voice, required and forbidden words) for copy jobs."""

    def brand_kit(self, brand_id: str) -> BrandVI | None:
        """The brand's VI pack from ``main`` (None when the brand has none)."""
        with transaction(self.factory) as session:
            loaded = self.brand_packs.load(session, self.assets, brand_id)
        return loaded[0] if loaded is not None else None

    def commit_variants(
        self, brand_id: str, job_id: str, branch: str | None, brief: CopyBrief, result: CopyResult
    ) -> dict[str, Any]:
        """Put each variant at ``copy/<job id>/<nnn>.txt`` on ``branch`` (created from main if new)."""
        branch = branch or f"generations/{job_id.lower()}"
        stem = f"copy/{job_id.lower()}"
        with transaction(self.factory) as session:
            repo = self.assets.repository(session, brand_id)
            if branch not in {b.name for b in repo.branches()}:
                try:
                    repo.create_branch(branch, DEFAULT_BRANCH, author_id=f"job:{job_id}")
                except RefConflict:
                    pass  # a retried attempt already made it
            changes = [
                PutAsset(
                    f"{stem}/{variant.index + 1:03d}.txt",
                    self._blob(session, brand_id, job_id, variant),
                    self._metadata(job_id, brief, result, variant),
                )
                for variant in result.variants
            ]
            head = repo.branch(branch)
            existing = {e.path for e in repo.list_assets(branch, prefix=f"{stem}/", limit=10_000)[1]}
            if existing == {c.path for c in changes}:  # a retried attempt already committed them
                return {"branch": branch, "commit_id": head.commit_id, "paths": sorted(existing)}
            commit = repo.commit(
                branch,
                changes,
                author_id=f"job:{job_id}",
                message=f"{len(changes)} {brief.platform} copy variants for {brief.product} (job {job_id})",
                meta={"job_id": job_id, "kind": "copy"},
            )
            self.assets.branch_changed(session, brand_id, branch, f"job:{job_id}")
        return {"branch": branch, "commit_id": commit.id, "paths": [c.path for c in changes]}

    def _blob(self, session: Session, brand_id: str, job_id: str, variant: Variant) -> str:
        data = variant.text.encode("utf-8")
        with Spool(self.assets.tmp_dir, self.assets.limits.copy) as spool:
            spool.write(data)
            spooled = spool.finish()
            ingest(
                session,
                self.assets,
                brand_id,
                spooled,
                declared_kind=AssetKind.copy,
                declared_content_type="text/plain; charset=utf-8",
                filename=f"variant-{variant.index + 1:03d}.txt",
                actor_id=f"job:{job_id}",
            )
            return spooled.sha256

    def _metadata(self, job_id: str, brief: CopyBrief, result: CopyResult, variant: Variant) -> AssetMetadata:
        title = variant.fields.get("title") or variant.fields.get("headline") or variant.fields.get("slogan")
        plan = variant.plan.model_dump(mode="json")
        tags = [Tag(name=str(v)[:64], source=TagSource.AI) for k, v in plan.items() if k in ("angle", "hook")]
        lineage = result.lineage
        return AssetMetadata(
            title=str(title)[:300] if isinstance(title, str) else None,
            tags=tuple(tags),
            platforms=(brief.platform,),
            language="zh-CN" if brief.language == "zh" else brief.language,
            source=Source(generated=True),
            lineage=Lineage(
                generation=Generation(
                    model=f"{lineage.backend}:{lineage.model_id}"[:200],
                    prompt=brief.model_dump_json()[:20000],
                    seed=lineage.seed,
                    pipeline_version=f"{PIPELINE_VERSION}+{lineage.prompt_version}"[:64],
                    job_id=job_id,
                    params={
                        "variant_index": variant.index,
                        "plan": plan,
                        "status": variant.status,
                        "verdict": variant.verdict,
                        "fields": variant.fields,
                    },
                )
            ),
        )
