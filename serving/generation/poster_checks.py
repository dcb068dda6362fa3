"""Compliance checks of composed posters, cheap where the layered spec already knows the answer.

The words on a poster are known exactly from its spec, so they go through the text rules as text (no OCR
needed); palette and logo are checked on the pixels (the logo only round the box the spec put it in); OCR,
when asked, reads one rendition to confirm that the headline is legible and that no other text (from a
background picture) breaks a rule. Tints, shades and gradients between brand colours count as on palette;
colours from elsewhere (a photo, an off-brand palette) do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from PIL import Image

from compliance_rules.brand import BrandVI
from compliance_rules.checker import Checker
from compliance_rules.media_checks import logo_findings as media_logo_findings
from compliance_rules.media_checks import palette_findings
from compliance_rules.models import Finding, Severity, Source, Verdict, verdict_of
from pipelines.ocr import OcrLine
from pipelines.poster.colour import BODY_MIN_CONTRAST, HEADLINE_MIN_CONTRAST
from pipelines.poster.spec import LayeredSpec, PixelBox, TextLayer

FLAGGING = frozenset(
    {
        "BRAND_OFF_PALETTE",
        "BRAND_LOGO_MISSING",
        "BRAND_LOGO_TOO_SMALL",
        "SPEC_TEXT_ILLEGIBLE",
        "SPEC_TEXT_LOW_CONTRAST",
    }
)
"""Warnings that still flag a poster: the brand VI and legibility must hold on every pixel."""
LARGE_TEXT_PX = 24
"""WCAG's large text (18 pt at 96 dpi): 3:1 contrast is enough, smaller text needs 4.5:1."""
LEGIBLE_RECALL = 0.6
"""Share of the headline's characters OCR must read back for the poster to count as legible."""
PALETTE_SIDE = 360
"""Dominant colours are measured on the rendition box-reduced to about this many pixels a side."""


def _polygon(box: PixelBox) -> tuple[tuple[float, float], ...]:
    left, top, right, bottom = box
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def _around(box: PixelBox, image: Image.Image, pad: float = 0.25) -> PixelBox:
    left, top, right, bottom = box
    dx, dy = round((right - left) * pad), round((bottom - top) * pad)
    return (max(0, left - dx), max(0, top - dy), min(image.width, right + dx), min(image.height, bottom + dy))


def logo_findings(
    image: Image.Image, spec: LayeredSpec, brand: BrandVI, logos: Mapping[str, Image.Image]
) -> list[Finding]:
    """Each required VI logo must be found where the spec drew the logo (the whole canvas when the spec
    has no logo layer), at least at its minimum width."""
    placed = next((layer.box for layer in spec.layers if layer.name == "logo"), None)
    region = _around(placed, image) if placed is not None else None
    return media_logo_findings([image], brand, logos, region=region)


def contrast_findings(spec: LayeredSpec) -> list[Finding]:
    """Text layers below WCAG AA contrast (3:1 for large text, 4.5:1 below 24 px): the compositor found no
    brand colour legible enough on what is behind them."""
    findings = []
    for layer in spec.layers:
        if not isinstance(layer, TextLayer) or layer.contrast is None:
            continue
        minimum = HEADLINE_MIN_CONTRAST if layer.size >= LARGE_TEXT_PX else BODY_MIN_CONTRAST
        if layer.contrast < minimum - 0.05:
            findings.append(
                Finding(
                    category="SPEC_TEXT_LOW_CONTRAST",
                    rule_id="poster/contrast",
                    severity=Severity.WARN,
                    message=f"{layer.name} 对比度 {layer.contrast:.1f}，低于 {minimum}",
                    suggestion="换用更深或更浅的品牌色，或给文字加底板",
                    source=Source.IMAGE,
                    box=_polygon(layer.box),
                )
            )
    return findings


def pixel_findings(
    image: Image.Image, spec: LayeredSpec, brand: BrandVI | None, logos: Mapping[str, Image.Image]
) -> list[Finding]:
    """Palette, logo and contrast findings of one rendition."""
    findings = contrast_findings(spec)
    if brand is not None:
        findings += palette_findings(image, brand, allow_blends=True, max_side=PALETTE_SIDE)
        findings += logo_findings(image, spec, brand, logos)
    return findings


def text_findings(
    checker: Checker, spec: LayeredSpec, *, industry: str | None, platform: str | None, brand: BrandVI | None
) -> list[Finding]:
    """Every text layer through the rules (findings boxed on the layer), then the brand's required
    disclaimers and words over the rendition's whole text."""
    layers = [layer for layer in spec.layers if isinstance(layer, TextLayer)]
    findings: list[Finding] = []
    for layer in layers:
        for finding in checker.text_findings(
            layer.text, industry=industry, platform=platform, brand=brand, source=Source.IMAGE, presence=False
        ):
            findings.append(finding.model_copy(update={"box": _polygon(layer.box)}))
    if brand is not None:
        text = "\n".join(layer.text for layer in layers) or " "
        findings += brand.presence_findings(text, Source.IMAGE)
    return findings


def ocr_findings(
    checker: Checker,
    lines: Sequence[OcrLine],
    spec: LayeredSpec,
    *,
    industry: str | None,
    platform: str | None,
    brand: BrandVI | None,
) -> list[Finding]:
    """Rules over the text OCR read (text no layer placed, e.g. in a background picture, included) and
    SPEC_TEXT_ILLEGIBLE when OCR cannot read the headline back."""
    findings: list[Finding] = []
    for line in lines:
        for finding in checker.text_findings(
            line.text, industry=industry, platform=platform, brand=brand, source=Source.OCR, presence=False
        ):
            findings.append(finding.model_copy(update={"box": line.box}))
    headline = next(
        (layer for layer in spec.layers if isinstance(layer, TextLayer) and layer.name == "headline"), None
    )
    if headline is not None:
        wanted = [ch for ch in headline.text if not ch.isspace()]
        read = "".join(line.text for line in lines)
        recall = sum(ch in read for ch in wanted) / max(len(wanted), 1)
        if recall < LEGIBLE_RECALL:
            findings.append(
                Finding(
                    category="SPEC_TEXT_ILLEGIBLE",
                    rule_id="poster/legibility",
                    severity=Severity.WARN,
                    message=f"OCR 只读出标题 {recall:.0%} 的字（{spec.size.name}）",
                    suggestion="加大标题字号或提高与背景的对比度",
                    source=Source.OCR,
                    box=_polygon(headline.box),
                )
            )
    return findings


def poster_status(findings: Sequence[Finding]) -> tuple[Verdict, str]:
    """The verdict over a poster's findings and its status: ``flagged`` on a blocking finding or a VI /
    legibility warning (see FLAGGING), else ``ok``."""
    verdict = verdict_of(list(findings))
    flagged = verdict == Verdict.BLOCK or any(
        f.category in FLAGGING and f.severity != Severity.INFO for f in findings
    )
    return verdict, "flagged" if flagged else "ok"
