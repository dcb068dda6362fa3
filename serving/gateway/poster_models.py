"""Posters as the gateway carries them: a plain, serialisable call (brand kit, shared images, one item
per poster) and reply (PNG bytes, layered specs, pixel findings, OCR lines), and the worker that answers
it with the CPU compositor (in process, in a Ray Serve replica, or in the test fake).

Shared images (logo, product, background) travel once per call, not once per poster.
"""

from __future__ import annotations

import hashlib
import io
import threading
from collections.abc import Callable

from PIL import Image
from pydantic import BaseModel, ConfigDict, Field

from compliance_rules.brand import BrandVI
from compliance_rules.models import Finding
from pipelines.ocr import OcrLine
from pipelines.poster import (
    BackgroundInput,
    BrandKit,
    Palette,
    Poster,
    PosterCopy,
    PosterError,
    PosterRequest,
    TextDoesNotFit,
    compose,
)
from pipelines.poster.spec import LayeredSpec
from serving.generation.poster_checks import pixel_findings

OcrFn = Callable[[Image.Image], list[OcrLine]]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class PosterItem(_Model):
    """One poster to compose: its words, the templates to try in order, palette and seed."""

    index: int = Field(ge=0, description="The caller's number for this poster.")
    content: PosterCopy
    templates: tuple[str, ...] = Field(min_length=1, description="Tried in order; the first that fits.")
    palette: Palette
    seed: int
    drop_optional: bool = Field(
        default=False, description="When no template fits, try again without sub-head and selling points."
    )


class PosterCall(_Model):
    """Posters sharing a brand kit, images, sizes and checks."""

    brand: BrandKit
    items: tuple[PosterItem, ...] = Field(min_length=1)
    sizes: tuple[str, ...] = Field(min_length=1, description="Platform size names.")
    product: bytes | None = None
    background: BackgroundInput = BackgroundInput()
    qr_url: str | None = None
    vi: BrandVI | None = Field(default=None, description="VI pack for the palette and logo checks.")
    logos: dict[str, bytes] = Field(default_factory=dict, description="VI logo path → image bytes.")
    ocr: bool = Field(default=False, description="OCR the smallest rendition of each poster.")


class RenditionOut(_Model):
    """One size of a poster: PNG, the spec that draws it, what the pixel checks found."""

    png: bytes
    spec: LayeredSpec
    findings: tuple[Finding, ...] = ()


class ComposedPoster(_Model):
    """A composed poster, or why it could not be (``error``: text_does_not_fit or invalid_poster)."""

    index: int
    template: str | None = None
    palette: str | None = None
    seed: int = 0
    dropped: tuple[str, ...] = Field(default=(), description="Optional text left out so that it fits.")
    renditions: tuple[RenditionOut, ...] = ()
    ocr_size: str | None = Field(default=None, description="The rendition OCR read, if any.")
    ocr_lines: tuple[OcrLine, ...] = ()
    ocr_skipped: str | None = Field(default=None, description="Why OCR was asked for but not run.")
    error: str | None = Field(default=None, pattern="^(text_does_not_fit|invalid_poster)$")
    field: str | None = None
    message: str | None = None


class PosterReply(_Model):
    posters: tuple[ComposedPoster, ...] = ()
    error: str | None = Field(default=None, pattern="^(unavailable|invalid)$")
    message: str | None = None


def _default_ocr(image: Image.Image) -> list[OcrLine]:
    from pipelines.ocr import ocr_image

    return ocr_image(image)


class PosterWorker:
    """Composes, encodes and pixel-checks posters; ``ocr=None`` means no OCR model here."""

    def __init__(self, ocr: OcrFn | None = _default_ocr) -> None:
        self._ocr = ocr
        self._logos: dict[str, Image.Image] = {}
        self._lock = threading.Lock()

    def compose(self, call: PosterCall) -> PosterReply:
        """Every item of ``call``; compositor errors come back per poster, never as an exception."""
        logos = {path: self._logo(data) for path, data in call.logos.items()}
        return PosterReply(posters=tuple(self._one(call, item, logos) for item in call.items))

    def _logo(self, data: bytes) -> Image.Image:
        key = hashlib.sha256(data).hexdigest()
        with self._lock:
            image = self._logos.get(key)
        if image is None:
            image = Image.open(io.BytesIO(data))
            image.load()
            with self._lock:
                self._logos[key] = image
        return image

    def _request(
        self, call: PosterCall, item: PosterItem, template: str, content: PosterCopy
    ) -> PosterRequest:
        return PosterRequest(
            template=template,
            content=content,
            brand=call.brand,
            palette=item.palette,
            background=call.background,
            product=call.product,
            qr_url=call.qr_url,
            sizes=call.sizes,
            seed=item.seed,
        )

    def _fit(self, call: PosterCall, item: PosterItem) -> tuple[Poster, tuple[str, ...]]:
        """The first template (then, if allowed, the first without optional text) the words fit."""
        trimmed = item.content.model_copy(update={"subhead": None, "selling_points": ()})
        attempts: list[tuple[PosterCopy, tuple[str, ...]]] = [(item.content, ())]
        if item.drop_optional and trimmed != item.content:
            attempts.append((trimmed, ("subhead", "selling_points")))
        first: TextDoesNotFit | None = None
        for content, dropped in attempts:
            for template in item.templates:
                try:
                    return compose(self._request(call, item, template, content)), dropped
                except TextDoesNotFit as exc:
                    first = first or exc
        assert first is not None
        raise first

    def _one(self, call: PosterCall, item: PosterItem, logos: dict[str, Image.Image]) -> ComposedPoster:
        try:
            poster, dropped = self._fit(call, item)
        except TextDoesNotFit as exc:
            return ComposedPoster(
                index=item.index, seed=item.seed, error="text_does_not_fit", field=exc.field, message=str(exc)
            )
        except PosterError as exc:
            return ComposedPoster(
                index=item.index, seed=item.seed, error="invalid_poster", field=exc.field, message=str(exc)
            )
        renditions = tuple(
            RenditionOut(
                png=r.png,
                spec=r.spec,
                findings=tuple(pixel_findings(r.image, r.spec, call.vi, logos)),
            )
            for r in poster.renditions
        )
        out = ComposedPoster(
            index=item.index,
            template=poster.template,
            palette=poster.palette,
            seed=poster.seed,
            dropped=dropped,
            renditions=renditions,
        )
        if not call.ocr:
            return out
        if self._ocr is None:
            return out.model_copy(update={"ocr_skipped": "no OCR model on this deployment"})
        smallest = min(poster.renditions, key=lambda r: r.size.width * r.size.height)
        lines = tuple(self._ocr(smallest.image))
        return out.model_copy(update={"ocr_size": smallest.size.name, "ocr_lines": lines})
