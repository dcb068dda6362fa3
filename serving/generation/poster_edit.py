"""Edit a generated poster through its layered spec: new words, size, alignment or a hidden text layer →
re-rendered (``pipelines.poster.render``) with the pictures the spec names, checked like a poster job's
(text rules on the layers; palette, logo and contrast on the pixels) and committed over the rendition's
PNG and spec on a branch, with a lineage link to the version it was edited from.

Only text layers can be edited: the pictures a spec names come from the stored spec document, never
from the request, so an edit cannot reach another brand's bytes.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from PIL import Image
from pydantic import ValidationError
from sqlalchemy.orm import Session

from asset_store.blobs import Spool, blob_key
from asset_store.media import AssetKind
from asset_store.models import BlobGrant
from asset_store.repo.metadata import AssetMetadata, DerivedFrom
from asset_store.repo.repository import AssetVersion, PutAsset, Repository
from compliance_rules.checker import Checker
from compliance_rules.errors import InvalidCheckInput
from compliance_rules.models import Finding
from compliance_rules.taxonomy import resolve_industry, resolve_platform
from pipelines.poster import PosterError, TextDoesNotFit, encode_png, render
from pipelines.poster.render import text_block
from pipelines.poster.spec import LayeredSpec, TextLayer
from serving.assets.ingest import ingest
from serving.assets.services import AssetServices
from serving.compliance.service import BrandPacks
from serving.errors import InvalidInput
from serving.generation.poster_assets import SPEC_FORMAT
from serving.generation.poster_checks import pixel_findings, poster_status, text_findings
from serving.generation.studio_schemas import PosterEditCreate, PosterEditPublic, TextLayerEdit

MAX_LINEAGE = 100
SHRINK = 0.92
MIN_FIT_SHARE = 0.5
MIN_FIT_PX = 12


@dataclass(frozen=True)
class SpecDocument:
    """A stored spec asset: the layered spec, its PNG's path and the pictures it names (ref → blob)."""

    version: AssetVersion
    raw: dict[str, Any]
    spec: LayeredSpec
    png_path: str
    blobs: dict[str, str]


def read_spec(repo: Repository, services: AssetServices, ref: str, path: str) -> SpecDocument:
    """The spec document at ``path`` as of ``ref`` (422 ``not_a_poster_spec`` if it is not one)."""
    version = repo.get(ref, path)
    try:
        raw = json.loads(services.objects.read_bytes(blob_key(version.entry.blob)))
        if raw.get("format") != SPEC_FORMAT:
            raise ValueError(f"format is {raw.get('format')!r}, not {SPEC_FORMAT}")
        spec = LayeredSpec.model_validate(raw["spec"])
        blobs = {ref_: str(info["blob"]) for ref_, info in (raw.get("assets") or {}).items()}
        png_path = str(raw["rendition"])
    except (ValueError, KeyError, TypeError, AttributeError, ValidationError) as exc:
        raise InvalidInput(f"{path!r} is not a poster spec: {exc}", code="not_a_poster_spec") from exc
    return SpecDocument(version, raw, spec, png_path, blobs)


def apply_edits(spec: LayeredSpec, edits: Sequence[TextLayerEdit]) -> tuple[LayeredSpec, list[str]]:
    """The spec with ``edits`` applied to its text layers, and the names of the layers changed."""
    texts = {layer.name for layer in spec.layers if isinstance(layer, TextLayer)}
    unknown = [edit.name for edit in edits if edit.name not in texts]
    if unknown:
        raise InvalidInput(
            f"no text layer named {unknown[0]!r}; text layers: {', '.join(sorted(texts))}",
            code="unknown_layer",
            extra={"field": unknown[0]},
        )
    by_name = {edit.name: edit for edit in edits}
    layers: list[Any] = []
    changed: list[str] = []
    for layer in spec.layers:
        edit = by_name.get(layer.name)
        if edit is None or not isinstance(layer, TextLayer):
            layers.append(layer)
            continue
        update = {
            key: value
            for key, value in (("text", edit.text), ("size", edit.size), ("align", edit.align))
            if value is not None and value != getattr(layer, key)
        }
        if edit.hidden or update:
            changed.append(layer.name)
        if not edit.hidden:
            layers.append(fit(layer.model_copy(update=update), keep_size=edit.size is not None))
    omitted = tuple(dict.fromkeys((*spec.omitted, *(e.name for e in edits if e.hidden))))
    return spec.model_copy(update={"layers": tuple(layers), "omitted": omitted}), changed


def fit(layer: TextLayer, *, keep_size: bool) -> TextLayer:
    """The layer at its size if its words fit, else (unless ``keep_size``) at the largest smaller size
    down to half, in steps of 8%, at which they do; unchanged when none fits (render names the layer)."""
    size, sizes = layer.size, [layer.size]
    while not keep_size and size * SHRINK >= max(MIN_FIT_PX, layer.size * MIN_FIT_SHARE):
        size = int(size * SHRINK)
        sizes.append(size)
    for candidate in (layer.model_copy(update={"size": s}) for s in sizes):
        try:
            text_block(candidate, layer.name)
        except TextDoesNotFit:
            continue
        return candidate
    return layer


def _pictures(
    session: Session, services: AssetServices, brand_id: str, document: SpecDocument
) -> dict[str, bytes]:
    """The bytes of every picture the spec names, read by blob (each must belong to the brand)."""
    pictures: dict[str, bytes] = {}
    for ref, sha in document.blobs.items():
        if session.get(BlobGrant, (brand_id, sha)) is None:
            raise InvalidInput(f"picture {ref} of the spec is not the brand's", code="not_a_poster_spec")
        pictures[ref] = services.objects.read_bytes(blob_key(sha))
    return pictures


def draw(spec: LayeredSpec, pictures: dict[str, bytes]) -> Image.Image:
    """Render an edited spec; words that no longer fit are a 422 ``text_does_not_fit`` naming the layer."""
    try:
        return render(spec, pictures)
    except TextDoesNotFit as exc:
        raise InvalidInput(
            f"{exc.message} — shorten the words or pick a smaller size",
            code="text_does_not_fit",
            extra={"field": exc.field},
        ) from exc
    except PosterError as exc:
        raise InvalidInput(str(exc), code="invalid_poster", extra={"field": exc.field}) from exc


def _scope(body: PosterEditCreate) -> tuple[str | None, str | None]:
    try:
        return resolve_industry(body.industry), resolve_platform(body.platform)
    except InvalidCheckInput as exc:
        raise InvalidInput(exc.message, code="invalid_check_scope") from exc


def check(
    session: Session,
    services: AssetServices,
    checker: Checker,
    packs: BrandPacks,
    brand_id: str,
    body: PosterEditCreate,
    spec: LayeredSpec,
    image: Image.Image,
) -> list[Finding]:
    """Text rules on the spec's words, then palette, logo and contrast on the pixels (brand VI if any)."""
    industry, platform = _scope(body)
    loaded = packs.load(session, services, brand_id)
    vi = loaded[0] if loaded is not None else None
    logos = packs.logos(services.repository(session, brand_id), services, vi) if vi is not None else {}
    found = text_findings(checker, spec, industry=industry, platform=platform, brand=vi)
    return found + pixel_findings(image, spec, vi, logos)


def store_bytes(
    session: Session,
    services: AssetServices,
    brand_id: str,
    actor_id: str,
    data: bytes,
    kind: AssetKind,
    content_type: str,
    name: str,
) -> str:
    """Store bytes as an upload would be (validated, previews made) and return their sha256."""
    with Spool(services.tmp_dir, getattr(services.limits, kind.value)) as spool:
        spool.write(data)
        spooled = spool.finish()
        ingest(
            session,
            services,
            brand_id,
            spooled,
            declared_kind=kind,
            declared_content_type=content_type,
            filename=name,
            actor_id=actor_id,
        )
        return spooled.sha256


def edited_metadata(
    before: AssetVersion, changed: list[str], findings: list[Finding], verdict: str, status: str
) -> AssetMetadata:
    """The rendition's metadata, its lineage linking the version it was edited from, its check updated."""
    meta = AssetMetadata.model_validate(before.metadata)
    link = DerivedFrom(path=before.path, commit=before.commit_id, blob=before.entry.blob, relation="edit")
    lineage = meta.lineage
    derived = (*lineage.derived_from, link)[-MAX_LINEAGE:]
    generation = lineage.generation
    if generation is not None:
        summary = [
            {
                "category": f.category,
                "severity": f.severity.value,
                "matched": f.matched or None,
                "message": f.message,
            }
            for f in findings
        ]
        params = {**generation.params, "status": status, "verdict": verdict, "findings": summary}
        params["edited_layers"] = sorted({*params.get("edited_layers", []), *changed})
        generation = generation.model_copy(update={"params": params})
    return meta.model_copy(
        update={"lineage": lineage.model_copy(update={"derived_from": derived, "generation": generation})}
    )


@dataclass(frozen=True)
class EditEnv:
    """What an edit needs from the app."""

    services: AssetServices
    checker: Checker
    packs: BrandPacks


def edit_poster(
    session: Session, repo: Repository, env: EditEnv, brand_id: str, actor_id: str, body: PosterEditCreate
) -> PosterEditPublic:
    """Apply ``body``'s edits, re-render, check and commit the rendition's PNG and spec on the branch."""
    services = env.services
    document = read_spec(repo, services, body.ref, body.spec_path)
    spec, changed = apply_edits(document.spec, body.layers)
    image = draw(spec, _pictures(session, services, brand_id, document))
    findings = check(session, services, env.checker, env.packs, brand_id, body, spec, image)
    verdict, status = poster_status(findings)
    before = repo.get(body.ref, document.png_path)
    meta = edited_metadata(before, changed, findings, verdict.value, status)
    png_name, spec_name = document.png_path.rsplit("/", 1)[-1], body.spec_path.rsplit("/", 1)[-1]
    png = store_bytes(
        session, services, brand_id, actor_id, encode_png(image), AssetKind.image, "image/png", png_name
    )
    raw = {**document.raw, "spec": spec.model_dump(mode="json")}
    text = json.dumps(raw, ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    spec_blob = store_bytes(
        session, services, brand_id, actor_id, text, AssetKind.template, "application/json", spec_name
    )
    branch = body.branch or body.ref
    commit = repo.commit(
        branch,
        [PutAsset(document.png_path, png, meta), PutAsset(body.spec_path, spec_blob, meta)],
        author_id=actor_id,
        message=f"edit poster {document.png_path}: {', '.join(changed) or 'no change'}",
        meta={"kind": "poster_edit", "layers": changed},
    )
    services.after_commit(session, repo, commit, branch, actor_id)
    return PosterEditPublic(
        branch=branch,
        commit_id=commit.id,
        path=document.png_path,
        spec_path=body.spec_path,
        verdict=verdict,
        status="flagged" if status == "flagged" else "ok",
        findings=findings,
        spec=spec.model_dump(mode="json"),
    )
