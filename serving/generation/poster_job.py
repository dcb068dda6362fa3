"""The ``poster`` generation job: copy (inline, or copy assets) → N differentiated posters over templates
and palettes, each rendered at every requested platform size on the poster deployment, checked (text from
the layered spec, palette and logo on the pixels, OCR when asked), and committed as image assets with
their layered specs and lineage on ``generations/<job id>`` in one commit.

A copy that cannot fit fails the job, naming the poster and the slot, with nothing committed.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from sqlalchemy.orm import Session

from asset_store.repo.metadata import DerivedFrom
from compliance_rules.errors import InvalidCheckInput
from compliance_rules.taxonomy import resolve_industry, resolve_platform
from pipelines.poster import PosterCopy, plan_posters
from serving.db import transaction
from serving.errors import InvalidInput
from serving.gateway.poster_models import PosterItem
from serving.generation.poster_assets import poster_changes, rendition_paths
from serving.generation.poster_copy import copy_from_fields, with_required_disclaimers
from serving.generation.poster_inputs import PosterDesign, PosterInputs, copy_asset, known_sizes, load_inputs
from serving.generation.poster_render import CheckedPoster, CheckScope, PlannedItem, make_posters, summary
from serving.generation.store import GenerationStore
from serving.jobs.kinds import JobContext, JobKind

RESOURCE = "generation"
MAX_POSTERS = 200
MAX_RENDITIONS = 600


class PosterJobBrief(PosterDesign):
    """The copy to use, how many posters at which sizes, and where they go."""

    copies: tuple[PosterCopy, ...] = Field(default=(), max_length=50, description="Inline copy.")
    copy_assets: tuple[str, ...] = Field(
        default=(), max_length=50, description="Paths of copy assets at ref (e.g. a copy job's variants)."
    )
    selling_points: tuple[str, ...] = Field(
        default=(), max_length=8, description="For copy assets that have none of their own."
    )
    price: str | None = Field(default=None, max_length=40, description="For copy assets, e.g. ¥199.")
    cta: str | None = Field(default=None, max_length=40, description="For copy assets, e.g. 立即抢购.")
    disclaimer: str | None = Field(default=None, max_length=400, description="For copy assets.")
    sizes: tuple[str, ...] = Field(
        default=("xiaohongshu",), min_length=1, max_length=5, description="Platform size names."
    )
    n: int | None = Field(default=None, ge=1, le=MAX_POSTERS, description="Posters; default one per copy.")
    seed: int = Field(default=0, ge=0, le=2**31 - 1)
    industry: str | None = Field(default=None, description="Compliance industry of the text rules.")
    platform: str | None = Field(default=None, description="Compliance platform of the text rules.")
    branch: str | None = Field(default=None, max_length=200, description="Default generations/<job id>.")
    commit: bool = Field(default=True, description="Store the posters as assets.")

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        return known_sizes(value)

    @field_validator("industry")
    @classmethod
    def _industry(cls, value: str | None) -> str | None:
        try:
            return resolve_industry(value)
        except InvalidCheckInput as exc:
            raise ValueError(exc.message) from None

    @field_validator("platform")
    @classmethod
    def _platform(cls, value: str | None) -> str | None:
        try:
            return resolve_platform(value)
        except InvalidCheckInput as exc:
            raise ValueError(exc.message) from None

    @model_validator(mode="after")
    def _enough(self) -> PosterJobBrief:
        if not self.copies and not self.copy_assets:
            raise ValueError("give copies or copy_assets: a poster needs words")
        if self.posters() * len(self.sizes) > MAX_RENDITIONS:
            raise ValueError(f"n x sizes is over {MAX_RENDITIONS} renditions per job")
        return self

    def posters(self) -> int:
        return self.n or len(self.copies) + len(self.copy_assets)


def _copy_assets(
    store: GenerationStore, brand_id: str, brief: PosterJobBrief
) -> list[tuple[PosterCopy, DerivedFrom]]:
    out = []
    with transaction(store.factory) as session:
        repo = store.assets.repository(session, brand_id)
        for number, path in enumerate(brief.copy_assets):
            fields, text, link = copy_asset(store, repo, brief.ref, path)
            try:
                content = copy_from_fields(
                    fields,
                    text,
                    selling_points=brief.selling_points,
                    price=brief.price,
                    cta=brief.cta,
                    disclaimer=brief.disclaimer,
                )
            except (ValidationError, ValueError) as exc:
                raise InvalidInput(
                    f"copy_assets[{number}] ({path}): no usable poster copy: {exc}", code="invalid_brief"
                ) from exc
            out.append((content, link))
    return out


def _plan(
    brief: PosterJobBrief, inputs: PosterInputs, copies: list[tuple[PosterCopy, DerivedFrom | None]]
) -> list[PlannedItem]:
    contents = [with_required_disclaimers(content, inputs.vi) for content, _ in copies]
    plan = plan_posters(contents, brief.template_names(), inputs.palettes(brief), brief.posters(), brief.seed)
    return [
        PlannedItem(
            PosterItem(
                index=i, content=p.content, templates=(str(p.template),), palette=p.palette, seed=p.seed
            ),
            copy_link=copies[p.copy_index][1],
            copy_index=p.copy_index,
        )
        for i, p in enumerate(plan)
    ]


class PosterJob(JobKind):
    name: ClassVar[str] = "poster"
    brief_model: ClassVar[type[BaseModel]] = PosterJobBrief

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, PosterJobBrief)
        store = ctx.resources.get(RESOURCE)
        if not isinstance(store, GenerationStore):
            raise RuntimeError("the generation store is not available to this job runner")
        inputs = await asyncio.to_thread(load_inputs, store, ctx.brand_id, brief, brief.use_brand_kit)
        copies: list[tuple[PosterCopy, DerivedFrom | None]] = [(c, None) for c in brief.copies]
        copies += await asyncio.to_thread(_copy_assets, store, ctx.brand_id, brief)
        planned = _plan(brief, inputs, copies)
        await ctx.progress(0.05, f"composing {len(planned)} posters at {len(brief.sizes)} sizes")

        async def progress(done: int, total: int) -> None:
            await ctx.progress(0.05 + 0.8 * done / total, f"{done}/{total} posters composed")

        scope = CheckScope(store.checker, brief.industry, brief.platform, inputs.vi)
        base = inputs.call(brief, brief.sizes, (planned[0].item,))
        checked = await make_posters(ctx.gateway, base, planned, scope, progress)
        ctx.raise_if_cancelled()
        stored: dict[str, Any] | None = None
        if brief.commit:
            await ctx.progress(0.9, "storing the posters as assets")
            stored = await asyncio.to_thread(_commit, store, ctx.brand_id, ctx.job_id, brief, inputs, checked)
        return result(ctx.job_id, checked, stored)


def result(job_id: str, checked: list[CheckedPoster], stored: dict[str, Any] | None) -> dict[str, Any]:
    """The job result: every poster with its status, findings and stored paths."""
    posters = [
        summary(poster, [rendition_paths(job_id, poster.composed.index + 1, size) for size in poster.sizes()])
        if stored is not None
        else summary(poster, None)
        for poster in checked
    ]
    flagged = sum(1 for poster in checked if poster.status == "flagged")
    out: dict[str, Any] = {"posters": posters, "flagged": flagged}
    if stored is not None:
        out["assets"] = stored
    return out


def _commit(
    store: GenerationStore,
    brand_id: str,
    job_id: str,
    brief: PosterJobBrief,
    inputs: PosterInputs,
    checked: list[CheckedPoster],
) -> dict[str, Any]:
    def changes(session: Session) -> list[Any]:
        return poster_changes(store, session, brand_id, job_id, checked, inputs.asset_paths, inputs.sources)

    message = f"{len(checked)} posters at {', '.join(brief.sizes)} for job {job_id}"
    return store.commit_generated(brand_id, job_id, brief.branch, "poster", changes, message)
