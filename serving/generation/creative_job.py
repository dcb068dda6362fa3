"""The ``creative`` generation job: one brief → N complete creatives. The copywriting pipeline writes N
compliant, distinct variants (as the ``copy`` job does), then each variant becomes a poster over the
templates and palettes, rendered at two platform sizes (by the copy platform unless given), checked like
the ``poster`` job's, and everything lands in one commit: ``copy/<job id>/<nnn>.txt`` and
``posters/<job id>/<nnn>-<size>.png`` (+ ``.json`` spec), each poster's lineage linking its copy variant.

A variant's words that fit no template are tried again without sub-head and selling points; words that
still do not fit fail the job, naming the creative and the slot, with nothing committed.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from typing import Any, ClassVar

from pydantic import BaseModel, Field, ValidationError, field_validator, model_validator
from sqlalchemy.orm import Session

from asset_store.repo.metadata import DerivedFrom
from pipelines.poster import PosterCopy, plan_posters
from serving.errors import InvalidInput
from serving.gateway.poster_models import PosterItem
from serving.generation.copy_job import CopyJobBrief
from serving.generation.copy_run import run_copywriting
from serving.generation.copywriting.brief import CopyBrief, parse_brief
from serving.generation.copywriting.result import CopyResult, Variant
from serving.generation.poster_assets import poster_changes
from serving.generation.poster_copy import copy_from_fields, copy_from_text, with_required_disclaimers
from serving.generation.poster_inputs import (
    PosterInputs,
    PosterLook,
    known_sizes,
    load_inputs,
    require_kit_parts,
)
from serving.generation.poster_job import result as poster_result
from serving.generation.poster_render import CheckedPoster, CheckScope, PlannedItem, make_posters
from serving.generation.store import GenerationStore, variant_path
from serving.jobs.kinds import JobContext, JobKind

RESOURCE = "generation"
MAX_RENDITIONS = 600
SIZES_BY_PLATFORM: dict[str, tuple[str, str]] = {
    "xiaohongshu": ("xiaohongshu", "taobao"),
    "douyin": ("douyin", "xiaohongshu"),
    "kuaishou": ("douyin", "xiaohongshu"),
    "bilibili": ("offline_screen", "xiaohongshu"),
    "wechat": ("wechat_cover", "xiaohongshu"),
    "taobao": ("taobao", "xiaohongshu"),
    "weibo": ("xiaohongshu", "taobao"),
    "offline_screen": ("offline_screen", "douyin"),
}
"""The two renditions of a creative's poster by the copy platform (others: xiaohongshu and taobao)."""


class CreativePoster(PosterLook):
    """Poster options of a creative brief: the look, the sizes and the fixed small print."""

    sizes: tuple[str, ...] | None = Field(
        default=None, min_length=1, max_length=5, description="Platform size names; default two by platform."
    )
    price: str | None = Field(default=None, max_length=40, description="e.g. ¥199.")
    cta: str | None = Field(default=None, max_length=40, description="Call to action, e.g. 立即抢购.")
    disclaimer: str | None = Field(default=None, max_length=400, description="Legal small print.")

    @field_validator("sizes")
    @classmethod
    def _sizes(cls, value: tuple[str, ...] | None) -> tuple[str, ...] | None:
        return known_sizes(value) if value is not None else None


class CreativeJobBrief(CopyJobBrief):
    """A copy brief (``num_variants`` creatives) plus the poster options."""

    poster: CreativePoster = Field(default_factory=CreativePoster)

    @model_validator(mode="after")
    def _bounded(self) -> CreativeJobBrief:
        if self.num_variants * len(self.sizes()) > MAX_RENDITIONS:
            raise ValueError(f"num_variants x sizes is over {MAX_RENDITIONS} renditions per job")
        require_kit_parts(self.poster, self.use_brand_kit)
        return self

    def sizes(self) -> tuple[str, ...]:
        return self.poster.sizes or SIZES_BY_PLATFORM.get(self.platform, ("xiaohongshu", "taobao"))


def poster_copy(variant: Variant, brief: CopyBrief, look: CreativePoster, inputs: PosterInputs) -> PosterCopy:
    """A variant's words in poster shape, with the brand's required disclaimers."""
    extra: dict[str, Any] = {"price": look.price, "cta": look.cta, "disclaimer": look.disclaimer}
    try:
        content = copy_from_fields(variant.fields, variant.text, selling_points=brief.selling_points, **extra)
    except (ValidationError, ValueError):
        content = copy_from_text(variant.text, **extra)
    return with_required_disclaimers(content, inputs.vi)


def _plan(
    job_id: str, brief: CreativeJobBrief, copy: CopyBrief, result: CopyResult, inputs: PosterInputs
) -> list[PlannedItem]:
    templates = brief.poster.template_names()
    placeholder = PosterCopy(headline="-")
    designs = plan_posters(
        [placeholder], templates, inputs.palettes(brief.poster), len(result.variants), copy.seed
    )
    planned = []
    for number, (variant, design) in enumerate(zip(result.variants, designs, strict=True)):
        first = templates.index(str(design.template))
        order = (*templates[first:], *templates[:first])  # the planned template, then the others as fallbacks
        link = DerivedFrom(
            path=variant_path(job_id, variant.index),
            blob=hashlib.sha256(variant.text.encode("utf-8")).hexdigest(),
            relation="copy",
        )
        item = PosterItem(
            index=number,
            content=poster_copy(variant, copy, brief.poster, inputs),
            templates=order,
            palette=design.palette,
            seed=design.seed,
            drop_optional=True,
        )
        planned.append(PlannedItem(item, copy_link=link, copy_index=variant.index))
    return planned


class CreativeJob(JobKind):
    name: ClassVar[str] = "creative"
    brief_model: ClassVar[type[BaseModel]] = CreativeJobBrief

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, CreativeJobBrief)
        store = ctx.resources.get(RESOURCE)
        if not isinstance(store, GenerationStore):
            raise RuntimeError("the generation store is not available to this job runner")
        copy = parse_brief(brief.model_dump(exclude={"branch", "commit", "use_brand_kit", "poster"}))
        inputs = await asyncio.to_thread(load_inputs, store, ctx.brand_id, brief.poster, brief.use_brand_kit)
        await ctx.progress(0.0, f"writing {copy.num_variants} copy variants")
        result = await run_copywriting(ctx, store, copy, inputs.vi, span=(0.0, 0.7))
        if not result.variants:
            raise InvalidInput(f"no usable copy: {result.shortfall}", code="no_copy_variants")
        ctx.raise_if_cancelled()
        planned = _plan(ctx.job_id, brief, copy, result, inputs)
        sizes = brief.sizes()
        await ctx.progress(0.7, f"composing {len(planned)} posters at {', '.join(sizes)}")

        async def progress(done: int, total: int) -> None:
            await ctx.progress(0.7 + 0.2 * done / total, f"{done}/{total} posters composed")

        scope = CheckScope(store.checker, copy.industry, copy.platform, inputs.vi)
        base = inputs.call(brief.poster, sizes, (planned[0].item,))
        checked = await make_posters(ctx.gateway, base, planned, scope, progress)
        ctx.raise_if_cancelled()
        stored: dict[str, Any] | None = None
        if brief.commit:
            await ctx.progress(0.92, f"storing {len(checked)} creatives")
            stored = await asyncio.to_thread(
                _commit, store, ctx.brand_id, ctx.job_id, brief, copy, result, inputs, checked
            )
        out = poster_result(ctx.job_id, checked, stored)
        out["copy"] = json.loads(result.model_dump_json())
        out["creatives"] = [
            {
                "index": poster.composed.index,
                "copy_asset": poster.planned.copy_link.path if stored and poster.planned.copy_link else None,
                "copy_status": result.variants[poster.composed.index].status,
                "poster_status": poster.status,
            }
            for poster in checked
        ]
        return out


def _commit(
    store: GenerationStore,
    brand_id: str,
    job_id: str,
    brief: CreativeJobBrief,
    copy: CopyBrief,
    result: CopyResult,
    inputs: PosterInputs,
    checked: list[CheckedPoster],
) -> dict[str, Any]:
    prompt = copy.model_dump_json()[:20000]

    def changes(session: Session) -> list[Any]:
        puts = store.variant_changes(session, brand_id, job_id, copy, result)
        return puts + poster_changes(
            store, session, brand_id, job_id, checked, inputs.asset_paths, inputs.sources, prompt
        )

    message = f"{len(checked)} creatives (copy + posters at {', '.join(brief.sizes())}) for job {job_id}"
    return store.commit_generated(brand_id, job_id, brief.branch, "creative", changes, message)
