"""Compliance checks of composed posters, cheap where the layered spec already knows the answer.

The words on a poster are known exactly from its spec, so they go through the text rules as text (no OCR
needed); palette and logo are checked on the pixels (the logo only round the box the spec put it in); OCR,
when asked, reads one rendition to confirm that the headline is legible and that no other text (from a
background picture) breaks a rule. Tints, shades and gradients between brand colours count as on palette;
colours from elsewhere (a photo, an off-brand palette) do not.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from PIL import Image

from compliance_rules.brand import BrandVI
from compliance_rules.checker import Checker
from compliance_rules.models import Finding, Severity, Source, Verdict, verdict_of
from compliance_rules.vi_pixels import (
    ColorShare,
    PaletteColor,
    delta_e_2000,
    find_logo,
    off_palette,
    srgb_to_lab,
)
from pipelines.ocr import OcrLine
from pipelines.poster.colour import BODY_MIN_CONTRAST, HEADLINE_MIN_CONTRAST, parse_hex
from pipelines.poster.spec import LayeredSpec, PixelBox, TextLayer

NEUTRALS = ("#FFFFFF", "#000000", "#1A1A1A")
"""Neutral ends of tints and shades (the brand kit's default light and dark)."""
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
_BLEND_STEPS = np.linspace(0.0, 1.0, 33)
PALETTE_SIDE = 360
"""Dominant colours are measured on the rendition box-reduced to about this many pixels a side."""


def _vi(
    brand: BrandVI, code: str, severity: Severity, message: str, suggestion: str, **extra: object
) -> Finding:
    return Finding(
        category=code,
        rule_id=f"brand_vi_{brand.brand}/{code}",
        severity=severity,
        message=message,
        suggestion=suggestion,
        source=Source.IMAGE,
        **extra,  # type: ignore[arg-type]
    )


def _polygon(box: PixelBox) -> tuple[tuple[float, float], ...]:
    left, top, right, bottom = box
    return ((left, top), (right, top), (right, bottom), (left, bottom))


def blend_explained(colour: ColorShare, brand: BrandVI) -> bool:
    """Whether ``colour`` is (within tolerance) a mix of two brand colours or a brand colour and a
    neutral: what gradients, translucent blocks and anti-aliased edges between brand colours make."""
    entries = [(entry.hex, entry.tolerance_de) for entry in brand.palette]
    ends = entries + [(hex_, 10.0) for hex_ in NEUTRALS]
    target = np.asarray(colour.lab)[None]
    for i, (a, tol_a) in enumerate(entries):
        rgb_a = np.asarray(parse_hex(a), dtype=np.float64)
        for b, tol_b in ends[i + 1 :]:
            rgb_b = np.asarray(parse_hex(b), dtype=np.float64)
            mix = rgb_a[None] * (1 - _BLEND_STEPS[:, None]) + rgb_b[None] * _BLEND_STEPS[:, None]
            if float(np.min(delta_e_2000(srgb_to_lab(mix), target))) <= max(tol_a, tol_b):
                return True
    return False


def palette_findings(image: Image.Image, brand: BrandVI) -> list[Finding]:
    """BRAND_OFF_PALETTE for each dominant colour that is neither a brand colour nor a blend of them."""
    if not brand.palette:
        return []
    palette = [PaletteColor(name=c.name, hex=c.hex, tolerance_de=c.tolerance_de) for c in brand.palette]
    factor = max(1, max(image.size) // PALETTE_SIDE)
    small = image.reduce(factor) if factor > 1 else image  # shares barely move; 3-4x faster
    off = [
        c
        for c in off_palette(small, palette, min_share=brand.palette_min_share)
        if not blend_explained(c, brand)
    ]
    allowed = "、".join(f"{c.name} {c.hex}" for c in brand.palette)
    return [
        _vi(
            brand,
            "BRAND_OFF_PALETTE",
            Severity.WARN,
            f"主色 {c.hex} 占画面 {c.share:.0%}，不在品牌色板内",
            f"改用品牌色板中的颜色：{allowed}",
        )
        for c in off
    ]


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
    region = _around(placed, image) if placed is not None else (0, 0, image.width, image.height)
    crop = image.crop(region)
    findings: list[Finding] = []
    for logo_spec in brand.logos:
        logo = logos.get(logo_spec.path)
        if logo is None:
            message = f"品牌标志文件 {logo_spec.path} 不存在，未检查"
            findings.append(_vi(brand, "BRAND_LOGO_UNAVAILABLE", Severity.INFO, message, "上传标志"))
            continue
        match = find_logo(crop, logo)
        if not match.found or match.box is None:
            if logo_spec.required:
                message = f"画面中没有找到品牌标志（{logo_spec.path}）"
                findings.append(
                    _vi(brand, "BRAND_LOGO_MISSING", Severity.BLOCK, message, "按品牌规范放置标志")
                )
            continue
        width = match.width_px or 0
        too_small = (logo_spec.min_width_px is not None and width < logo_spec.min_width_px) or (
            logo_spec.min_width_ratio is not None and width < logo_spec.min_width_ratio * image.width
        )
        if too_small:
            left, top, right, bottom = match.box
            box = (left + region[0], top + region[1], right + region[0], bottom + region[1])
            message = f"品牌标志宽 {width}px，小于规范要求"
            findings.append(
                _vi(brand, "BRAND_LOGO_TOO_SMALL", Severity.WARN, message, "放大标志", box=_polygon(box))
            )
    return findings


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
        findings += palette_findings(image, brand) + logo_findings(image, spec, brand, logos)
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
