"""Store generated variants as copy assets on a branch, with their lineage, in one commit."""

from __future__ import annotations

from collections.abc import Callable
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


def variant_path(job_id: str, index: int) -> str:
    """Where a copy job stores variant ``index`` (from 0)."""
    return f"copy/{job_id.lower()}/{index + 1:03d}.txt"


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

        def changes(session: Session) -> list[PutAsset]:
            return self.variant_changes(session, brand_id, job_id, brief, result)

        message = f"{len(result.variants)} {brief.platform} copy variants for {brief.product} (job {job_id})"
        return self.commit_generated(brand_id, job_id, branch, "copy", changes, message)

    def variant_changes(
        self, session: Session, brand_id: str, job_id: str, brief: CopyBrief, result: CopyResult
    ) -> list[PutAsset]:
        """Blobs stored and tree changes for each variant at ``copy/<job id>/<nnn>.txt`` (the creative job
        commits them together with their posters)."""
        return [
            PutAsset(
                variant_path(job_id, variant.index),
                self._blob(session, brand_id, job_id, variant),
                self._metadata(job_id, brief, result, variant),
            )
            for variant in result.variants
        ]

    def commit_generated(
        self,
        brand_id: str,
        job_id: str,
        branch: str | None,
        kind: str,
        changes: Callable[[Session], list[PutAsset]],
        message: str,
    ) -> dict[str, Any]:
        """Commit a job's generated assets in one commit on ``branch`` (default ``generations/<job id>``,
        created from main if new). A retried attempt that finds its paths already there commits nothing."""
        branch = branch or f"generations/{job_id.lower()}"
        with transaction(self.factory) as session:
            repo = self.assets.repository(session, brand_id)
            if branch not in {b.name for b in repo.branches()}:
                try:
                    repo.create_branch(branch, DEFAULT_BRANCH, author_id=f"job:{job_id}")
                except RefConflict:
                    pass  # a retried attempt already made it
            puts = changes(session)
            head = repo.branch(branch)
            stems = {p.path.rsplit("/", 1)[0] + "/" for p in puts}
            existing = {
                e.path for stem in stems for e in repo.list_assets(branch, prefix=stem, limit=10_000)[1]
            }
            if existing == {p.path for p in puts}:  # a retried attempt already committed them
                return {"branch": branch, "commit_id": head.commit_id, "paths": sorted(existing)}
            commit = repo.commit(
                branch,
                puts,
                author_id=f"job:{job_id}",
                message=message,
                meta={"job_id": job_id, "kind": kind},
            )
            self.assets.after_commit(session, repo, commit, branch, f"job:{job_id}")
        return {"branch": branch, "commit_id": commit.id, "paths": [p.path for p in puts]}

    def put_blob(
        self,
        session: Session,
        brand_id: str,
        job_id: str,
        data: bytes,
        kind: AssetKind,
        content_type: str,
        name: str,
    ) -> str:
        """Store generated bytes (validated like an upload, previews made) and return their sha256."""
        limit = getattr(self.assets.limits, kind.value)
        with Spool(self.assets.tmp_dir, limit) as spool:
            spool.write(data)
            spooled = spool.finish()
            ingest(
                session,
                self.assets,
                brand_id,
                spooled,
                declared_kind=kind,
                declared_content_type=content_type,
                filename=name,
                actor_id=f"job:{job_id}",
            )
            return spooled.sha256

    def _blob(self, session: Session, brand_id: str, job_id: str, variant: Variant) -> str:
        data = variant.text.encode("utf-8")
        name = f"variant-{variant.index + 1:03d}.txt"
        return self.put_blob(
            session, brand_id, job_id, data, AssetKind.copy, "text/plain; charset=utf-8", name
        )

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
