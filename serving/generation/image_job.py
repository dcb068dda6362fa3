"""The ``image`` generation job: a prompt (and, for image-to-image or inpainting, an asset to start from)
→ N pictures from the diffusion deployment, committed as image assets with their lineage.

Pictures land at ``images/<job id>/<nnn>.png`` on ``generations/<job id>`` (or the brief's branch), each
with the model, prompt, negative prompt, seed and parameters, and the source asset for image-to-image and
inpainting, ready for review and merging.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

from pydantic import BaseModel, ConfigDict, Field, model_validator
from sqlalchemy.orm import Session

from asset_store.media import AssetKind
from asset_store.repo.metadata import AssetMetadata, DerivedFrom, Generation, Lineage, Source
from asset_store.repo.repository import DEFAULT_BRANCH, PutAsset
from pipelines.image.types import PLATFORM_SIZES, AdapterWeight, GenerationMode, ImageParams, size_for
from serving.db import transaction
from serving.errors import InvalidInput, ServiceUnavailable
from serving.gateway.image_models import GeneratedPicture, ImageCall
from serving.generation.sources import read_asset
from serving.generation.store import GenerationStore
from serving.jobs.kinds import JobContext, JobKind

RESOURCE = "generation"
PIPELINE_VERSION = "image/1"


class ImageJobBrief(BaseModel):
    """What to draw, at which size, from which asset, and where the pictures go."""

    model_config = ConfigDict(extra="forbid")

    prompt: str = Field(min_length=1, max_length=2000)
    negative_prompt: str = Field(default="", max_length=2000)
    mode: GenerationMode = Field(default="text", description="text, image (image-to-image) or inpaint.")
    platform: str | None = Field(
        default=None, description=f"Size by platform shape ({', '.join(sorted(PLATFORM_SIZES))})."
    )
    width: int | None = Field(default=None, description="Pixels (multiple of 8); or give a platform.")
    height: int | None = Field(default=None, description="Pixels (multiple of 8); or give a platform.")
    count: int = Field(default=4, ge=1, le=16)
    seed: int = Field(default=0, ge=0, le=2**32 - 1)
    steps: int = Field(default=30, ge=1, le=150)
    guidance: float = Field(default=5.0, ge=0.0, le=30.0)
    strength: float = Field(default=0.75, gt=0.0, le=1.0)
    adapters: tuple[AdapterWeight, ...] = Field(default=(), max_length=8)
    init_asset: str | None = Field(
        default=None, max_length=512, description="Path of the picture to start from."
    )
    mask_asset: str | None = Field(
        default=None, max_length=512, description="Inpainting mask (white = redraw)."
    )
    ref: str = Field(default=DEFAULT_BRANCH, max_length=200, description="Branch or commit to read them at.")
    branch: str | None = Field(default=None, max_length=200, description="Default generations/<job id>.")
    commit: bool = Field(default=True, description="Store the pictures as image assets.")

    @model_validator(mode="after")
    def _consistent(self) -> ImageJobBrief:
        if self.platform is not None:
            if self.width is not None or self.height is not None:
                raise ValueError("give either platform or width and height, not both")
            size_for(self.platform)  # names the known platforms
        if self.mode == "text" and (self.init_asset or self.mask_asset):
            raise ValueError("mode 'text' takes no init_asset or mask_asset; use mode 'image' or 'inpaint'")
        if self.mode != "text" and not self.init_asset:
            raise ValueError(f"mode {self.mode!r} needs init_asset")
        if self.mode == "inpaint" and not self.mask_asset:
            raise ValueError("mode 'inpaint' needs mask_asset (white = redraw, black = keep)")
        self.params()  # size and prompt rules of the generator
        return self

    def params(self) -> ImageParams:
        """The generator's parameters (platform sizes for an SDXL-class model)."""
        width, height = (
            size_for(self.platform) if self.platform else (self.width or 1024, self.height or 1024)
        )
        return ImageParams(
            prompt=self.prompt,
            negative_prompt=self.negative_prompt,
            width=width,
            height=height,
            count=self.count,
            seed=self.seed,
            steps=self.steps,
            guidance=self.guidance,
            strength=self.strength,
            adapters=self.adapters,
        )


class ImageJob(JobKind):
    name: ClassVar[str] = "image"
    brief_model: ClassVar[type[BaseModel]] = ImageJobBrief

    async def run(self, ctx: JobContext, brief: BaseModel) -> dict[str, Any]:
        assert isinstance(brief, ImageJobBrief)
        store = ctx.resources.get(RESOURCE)
        if not isinstance(store, GenerationStore):
            raise RuntimeError("the generation store is not available to this job runner")
        params = brief.params()
        sources = await asyncio.to_thread(_read_sources, store, ctx.brand_id, brief)
        await ctx.progress(0.05, f"generating {params.count} images of {params.width}×{params.height}")
        call = ImageCall(
            params=params,
            mode=brief.mode,
            init=sources[0][0] if sources else None,
            mask=sources[1][0] if len(sources) > 1 else None,
        )
        reply = await ctx.gateway.generate_images(call)
        if reply.error == "unavailable":
            raise ServiceUnavailable(
                reply.message or "the image model is unavailable", code="image_model_unavailable"
            )
        if reply.error is not None:
            raise InvalidInput(reply.message or "the image request was refused", code="invalid_image_request")
        ctx.raise_if_cancelled()
        out: dict[str, Any] = {
            "model": reply.pictures[0].model if reply.pictures else None,
            "images": [p.model_dump(mode="json", exclude={"png"}) for p in reply.pictures],
        }
        if brief.commit and reply.pictures:
            await ctx.progress(0.9, "storing the images as assets")
            derived = tuple(link for _, link in sources)
            out["assets"] = await asyncio.to_thread(
                _commit, store, ctx.brand_id, ctx.job_id, brief, reply.pictures, derived
            )
        return out


def _read_sources(
    store: GenerationStore, brand_id: str, brief: ImageJobBrief
) -> list[tuple[bytes, DerivedFrom]]:
    """``(bytes, lineage link)`` of the init image and the mask, read at ``brief.ref``."""
    wanted = [(brief.init_asset, "init"), (brief.mask_asset, "mask")]
    with transaction(store.factory) as session:
        repo = store.assets.repository(session, brand_id)
        return [
            read_asset(store, repo, brief.ref, path, "image", relation)[:2]
            for path, relation in wanted
            if path
        ]


def _commit(
    store: GenerationStore,
    brand_id: str,
    job_id: str,
    brief: ImageJobBrief,
    pictures: tuple[GeneratedPicture, ...],
    derived: tuple[DerivedFrom, ...],
) -> dict[str, Any]:
    stem = f"images/{job_id.lower()}"

    def changes(session: Session) -> list[PutAsset]:
        return [
            PutAsset(
                f"{stem}/{p.index + 1:03d}.png",
                store.put_blob(
                    session, brand_id, job_id, p.png, AssetKind.image, "image/png", f"{p.index + 1:03d}.png"
                ),
                _metadata(job_id, brief, p, derived),
            )
            for p in pictures
        ]

    message = f"{len(pictures)} generated images ({brief.mode}) for job {job_id}"
    return store.commit_generated(brand_id, job_id, brief.branch, "image", changes, message)


def _metadata(
    job_id: str, brief: ImageJobBrief, picture: GeneratedPicture, derived: tuple[DerivedFrom, ...]
) -> AssetMetadata:
    return AssetMetadata(
        title=brief.prompt[:300],
        platforms=(brief.platform,) if brief.platform else (),
        source=Source(generated=True),
        lineage=Lineage(
            derived_from=derived,
            generation=Generation(
                model=picture.model[:200],
                prompt=brief.prompt,
                negative_prompt=brief.negative_prompt or None,
                seed=picture.seed,
                pipeline_version=PIPELINE_VERSION,
                job_id=job_id,
                params={
                    "mode": picture.mode,
                    "index": picture.index,
                    "width": picture.width,
                    "height": picture.height,
                    "steps": brief.steps,
                    "guidance": brief.guidance,
                    "strength": brief.strength if brief.mode != "text" else None,
                    "adapters": [a.model_dump() for a in picture.adapters],
                },
            ),
        ),
    )
