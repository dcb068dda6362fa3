"""Poster design options shared by the ``poster`` and ``creative`` jobs, and reading what they name from
the brand's repository: the VI pack and logo (the brand kit), product and background pictures, copy."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from asset_store.errors import ObjectNotFound
from asset_store.repo.metadata import DerivedFrom
from asset_store.repo.repository import DEFAULT_BRANCH, Repository
from compliance_rules.brand import BrandVI
from pipelines.poster import (
    PLATFORM_SIZES,
    BackgroundInput,
    BrandKit,
    Palette,
    PosterError,
    builtin_templates,
    palette_variants,
)
from pipelines.poster.assets import asset_ref
from serving.db import transaction
from serving.errors import InvalidInput
from serving.gateway.poster_models import PosterCall, PosterItem
from serving.generation.sources import invalid_field, read_asset
from serving.generation.store import GenerationStore

OcrMode = Literal["auto", "always", "never"]


def known_sizes(sizes: tuple[str, ...]) -> tuple[str, ...]:
    """Platform size names, checked (the error names the known ones)."""
    unknown = [s for s in sizes if s not in PLATFORM_SIZES]
    if unknown:
        raise ValueError(f"unknown platform size {unknown[0]!r}; known: {', '.join(PLATFORM_SIZES)}")
    if len(set(sizes)) != len(sizes):
        raise ValueError("a size is named twice")
    return sizes


class BackgroundBrief(BaseModel):
    """A palette style drawn by the template, or a picture from the repository (e.g. an image job's)."""

    model_config = ConfigDict(extra="forbid")

    style: Literal["gradient", "pattern", "solid"] | None = Field(
        default=None, description="Palette gradient, pattern or solid; None: the template's."
    )
    image_asset: str | None = Field(default=None, max_length=512, description="Path of a picture at ref.")
    darken: float | None = Field(
        default=None, ge=0, le=0.9, description="Darken a picture; None: template's."
    )
    blur: float | None = Field(default=None, ge=0, le=40, description="Blur a picture; None: template's.")
    focal: tuple[float, float] = Field(default=(0.5, 0.5), description="Crop centre of a picture, fractions.")

    @model_validator(mode="after")
    def _one_kind(self) -> BackgroundBrief:
        if self.style is not None and self.image_asset is not None:
            raise ValueError("give either style or image_asset, not both")
        return self


class PosterLook(BaseModel):
    """How posters look: templates, palette, pictures, QR code, OCR, and where the pictures are read."""

    model_config = ConfigDict(extra="forbid")

    templates: tuple[str, ...] = Field(default=(), max_length=20, description="Template names; empty: all.")
    palette: Palette | None = Field(default=None, description="Colour scheme; None: the brand kit's.")
    product_asset: str | None = Field(default=None, max_length=512, description="Product picture path.")
    background: BackgroundBrief = Field(default_factory=BackgroundBrief)
    qr_url: str | None = Field(default=None, min_length=1, max_length=1000, description="QR code target.")
    logo_asset: str | None = Field(
        default=None, max_length=512, description="Logo path; default: the VI pack's first logo."
    )
    ocr: OcrMode = Field(
        default="auto",
        description="OCR the smallest rendition of each poster: always, never, or auto (only over a "
        "background picture, where text the poster did not place may hide; placed text is checked "
        "exactly from the layered spec).",
    )
    ref: str = Field(
        default=DEFAULT_BRANCH, max_length=200, description="Branch or commit to read assets at."
    )

    @field_validator("templates")
    @classmethod
    def _templates(cls, value: tuple[str, ...]) -> tuple[str, ...]:
        known = builtin_templates()
        unknown = [name for name in value if name not in known]
        if unknown:
            raise ValueError(f"unknown template {unknown[0]!r}; known: {', '.join(sorted(known))}")
        return tuple(dict.fromkeys(value))

    def template_names(self) -> list[str]:
        """The chosen templates, or every built-in one."""
        return list(self.templates) or sorted(builtin_templates())

    def wants_ocr(self) -> bool:
        return self.ocr == "always" or (self.ocr == "auto" and self.background.image_asset is not None)


class PosterDesign(PosterLook):
    """A poster job's look and whether the brand kit applies."""

    use_brand_kit: bool = Field(
        default=True, description="Build the kit from brand/vi.yaml on main and check the VI on the pixels."
    )

    @model_validator(mode="after")
    def _kit_parts(self) -> PosterDesign:
        require_kit_parts(self, self.use_brand_kit)
        return self


def require_kit_parts(look: PosterLook, use_brand_kit: bool) -> None:
    """Without the brand kit, the brief itself must give the palette and the logo."""
    if not use_brand_kit:
        missing = [name for name in ("palette", "logo_asset") if getattr(look, name) is None]
        if missing:
            raise ValueError(f"without the brand kit (use_brand_kit false) give {' and '.join(missing)}")


@dataclass(frozen=True)
class PosterInputs:
    """Everything read from the repository that every poster of a job shares."""

    kit: BrandKit
    vi: BrandVI | None
    logos: dict[str, bytes]
    product: bytes | None
    background: BackgroundInput
    sources: tuple[DerivedFrom, ...]
    asset_paths: dict[str, str]
    """Content reference (``sha256:…``) of each picture a spec names → its path in the repository."""

    def palettes(self, design: PosterLook) -> list[Palette]:
        """Differentiated schemes of the chosen (or the kit's) palette."""
        return palette_variants(design.palette or self.kit.palette)

    def call(self, design: PosterLook, sizes: tuple[str, ...], items: tuple[PosterItem, ...]) -> PosterCall:
        """The gateway call for ``items`` (the shared pictures travel once per call)."""
        return PosterCall(
            brand=self.kit,
            items=items,
            sizes=sizes,
            product=self.product,
            background=self.background,
            qr_url=design.qr_url,
            vi=self.vi,
            logos=self.logos,
            ocr=design.wants_ocr(),
        )


def _kit(design: PosterLook, vi: BrandVI | None, logo: bytes, brand_id: str) -> BrandKit:
    try:
        if vi is not None:
            return BrandKit.from_vi(vi, logo=logo)
        if design.palette is None:
            raise invalid_field("palette", "no brand VI pack to take the colours from; give a palette")
        return BrandKit(name=brand_id, palette=design.palette, logo=logo)
    except PosterError as exc:
        raise InvalidInput(f"brand kit: {exc}", code="invalid_brand_kit", extra={"field": exc.field}) from exc


def load_inputs(
    store: GenerationStore, brand_id: str, design: PosterLook, use_brand_kit: bool
) -> PosterInputs:
    """Read the brand kit, logos and pictures ``design`` names (sync: run it in a worker thread)."""
    vi = store.brand_kit(brand_id) if use_brand_kit else None
    sources: list[DerivedFrom] = []
    logos: dict[str, bytes] = {}
    with transaction(store.factory) as session:
        repo = store.assets.repository(session, brand_id)
        for spec in vi.logos if vi is not None else ():
            try:
                logos[spec.path] = read_asset(store, repo, DEFAULT_BRANCH, spec.path, "image", "logo")[0]
            except ObjectNotFound:
                continue  # reported by the logo check as BRAND_LOGO_UNAVAILABLE
        logo_path = design.logo_asset or (vi.logos[0].path if vi is not None and vi.logos else None)
        if logo_path is None:
            raise invalid_field("logo_asset", "no logo: the brand VI pack names none; give logo_asset")
        logo_ref = design.ref if design.logo_asset else DEFAULT_BRANCH
        logo, link, _ = read_asset(store, repo, logo_ref, logo_path, "image", "logo")
        sources.append(link)
        product = None
        if design.product_asset:
            product, link, _ = read_asset(store, repo, design.ref, design.product_asset, "image", "product")
            sources.append(link)
        background = BackgroundInput(style=design.background.style)
        if design.background.image_asset:
            path = design.background.image_asset
            image, link, _ = read_asset(store, repo, design.ref, path, "image", "background")
            sources.append(link)
            background = BackgroundInput(
                image=image,
                focal=design.background.focal,
                darken=design.background.darken,
                blur=design.background.blur,
            )
    paths = {asset_ref(data): link.path for data, link in _pictures(logo, product, background, sources)}
    return PosterInputs(
        kit=_kit(design, vi, logo, brand_id),
        vi=vi,
        logos=logos,
        product=product,
        background=background,
        sources=tuple(sources),
        asset_paths=paths,
    )


def _pictures(
    logo: bytes, product: bytes | None, background: BackgroundInput, sources: list[DerivedFrom]
) -> list[tuple[bytes, DerivedFrom]]:
    datas = [logo, product, background.image]
    return [(data, link) for data, link in zip([d for d in datas if d is not None], sources, strict=True)]


def copy_asset(
    store: GenerationStore, repo: Repository, ref: str, path: str
) -> tuple[dict[str, Any], str, DerivedFrom]:
    """A copy asset's stored fields (a copy job's variant keeps them in its lineage), its text and a
    lineage link to it."""
    data, link, version = read_asset(store, repo, ref, path, "copy", "copy")
    generation = (version.metadata.get("lineage") or {}).get("generation") or {}
    fields = (generation.get("params") or {}).get("fields") or {}
    return (fields if isinstance(fields, dict) else {}), data.decode("utf-8", errors="replace"), link
