"""Posters as assets: each rendition's PNG is an ``image`` asset at ``posters/<job id>/<nnn>-<size>.png``
and its layered spec a ``template`` asset (JSON) next to it, ``….json``, which the studio edits and
re-renders (``pipelines.poster.render``) with the pictures it names, mapped to their repository paths.
Both carry the lineage: template, palette, seed, copy asset, product, background and logo."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence

from sqlalchemy.orm import Session

from asset_store.media import AssetKind
from asset_store.repo.metadata import AssetMetadata, DerivedFrom, Generation, Lineage, Source
from asset_store.repo.repository import PutAsset
from pipelines.poster.spec import ImageLayer, PhotoLayer
from serving.gateway.poster_models import RenditionOut
from serving.generation.poster_render import CheckedPoster
from serving.generation.store import GenerationStore

PIPELINE_VERSION = "poster/1"
MODEL = "atelier-poster-compositor"
SPEC_FORMAT = "atelier.poster_spec/1"


def rendition_paths(job_id: str, number: int, size: str) -> tuple[str, str]:
    """PNG and spec paths of one rendition (``number`` counts from 1)."""
    stem = f"posters/{job_id.lower()}/{number:03d}-{size}"
    return f"{stem}.png", f"{stem}.json"


def spec_document(rendition: RenditionOut, png_path: str, asset_paths: Mapping[str, str]) -> bytes:
    """The spec asset: the layered spec, the PNG it draws and where each picture it names is stored."""
    refs = {
        layer.asset: asset_paths.get(layer.asset)
        for layer in rendition.spec.layers
        if isinstance(layer, PhotoLayer | ImageLayer)
    }
    document = {
        "format": SPEC_FORMAT,
        "rendition": png_path,
        "spec": rendition.spec.model_dump(mode="json"),
        "assets": {ref: {"path": path, "blob": ref.removeprefix("sha256:")} for ref, path in refs.items()},
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _metadata(
    job_id: str,
    poster: CheckedPoster,
    index: int,
    paths: tuple[str, str],
    sources: Sequence[DerivedFrom],
    prompt: str | None,
) -> AssetMetadata:
    png_path, spec_path = paths
    rendition = poster.composed.renditions[index]
    spec = rendition.spec
    copy_link = poster.planned.copy_link
    findings = [
        {
            "category": f.category,
            "severity": f.severity.value,
            "matched": f.matched or None,
            "message": f.message,
        }
        for f in poster.findings[index]
    ]
    return AssetMetadata(
        title=poster.content.headline[:300],
        platforms=(spec.size.name,),
        source=Source(generated=True),
        lineage=Lineage(
            derived_from=(*((copy_link,) if copy_link else ()), *sources),
            generation=Generation(
                model=MODEL,
                prompt=prompt,
                seed=spec.seed,
                pipeline_version=PIPELINE_VERSION,
                job_id=job_id,
                params={
                    "template": spec.template,
                    "variant": spec.variant,
                    "palette": spec.palette,
                    "size": spec.size.name,
                    "width": spec.size.width,
                    "height": spec.size.height,
                    "poster": poster.composed.index + 1,
                    "copy_index": poster.planned.copy_index,
                    "copy": poster.content.model_dump(mode="json", exclude_none=True),
                    "dropped": list(poster.composed.dropped),
                    "status": poster.status,
                    "verdict": poster.verdict.value,
                    "findings": findings,
                    "rendition": png_path,
                    "spec": spec_path,
                },
            ),
        ),
    )


def poster_changes(
    store: GenerationStore,
    session: Session,
    brand_id: str,
    job_id: str,
    posters: Sequence[CheckedPoster],
    asset_paths: Mapping[str, str],
    sources: Sequence[DerivedFrom] = (),
    prompt: str | None = None,
) -> list[PutAsset]:
    """Blobs stored and tree changes for every rendition of ``posters`` (PNG and spec)."""
    puts: list[PutAsset] = []
    for poster in posters:
        for index, rendition in enumerate(poster.composed.renditions):
            size = rendition.spec.size.name
            png_path, spec_path = rendition_paths(job_id, poster.composed.index + 1, size)
            meta = _metadata(job_id, poster, index, (png_path, spec_path), sources, prompt)
            name = png_path.rsplit("/", 1)[1]
            png = store.put_blob(session, brand_id, job_id, rendition.png, AssetKind.image, "image/png", name)
            document = spec_document(rendition, png_path, asset_paths)
            spec_name = spec_path.rsplit("/", 1)[1]
            spec = store.put_blob(
                session, brand_id, job_id, document, AssetKind.template, "application/json", spec_name
            )
            puts += [PutAsset(png_path, png, meta), PutAsset(spec_path, spec, meta)]
    return puts
