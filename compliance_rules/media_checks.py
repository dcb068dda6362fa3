"""Images and video through the same rules: OCR text with boxes, brand palette and logo, frames, subtitles."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from pathlib import Path

import numpy as np
from PIL import Image

from compliance_rules.brand import BrandVI
from compliance_rules.checker import Checker
from compliance_rules.exceptions import ExceptionSet
from compliance_rules.models import Finding, Severity, Source
from compliance_rules.vi_logo import find_logo
from compliance_rules.vi_pixels import (
    ColorShare,
    PaletteColor,
    delta_e_2000,
    off_palette,
    parse_hex,
    srgb_to_lab,
)
from pipelines.ocr import OcrLine

OcrFn = Callable[[Image.Image], list[OcrLine]]
VIDEO_EVERY_S = 2.0
VIDEO_MAX_FRAMES = 20
LOGO_FRAMES = 4
"""Frames of a video searched for the logo (it must appear in at least one: usually the end card)."""
NEUTRALS = ("#FFFFFF", "#000000", "#1A1A1A")
"""Neutral ends of tints and shades (white, black and the usual near-black)."""
_BLEND_STEPS = np.linspace(0.0, 1.0, 33)


def _default_ocr(image: Image.Image) -> list[OcrLine]:
    from pipelines.ocr import ocr_image

    return ocr_image(image)


def _vi(
    code: str,
    brand: BrandVI,
    severity: Severity,
    message: str,
    suggestion: str,
    box: tuple[tuple[float, float], ...] | None = None,
) -> Finding:
    return Finding(
        category=code,
        rule_id=f"brand_vi_{brand.brand}/{code}",
        severity=severity,
        message=message,
        suggestion=suggestion,
        source=Source.IMAGE,
        box=box,
    )


def text_in_image(
    checker: Checker,
    image: Image.Image,
    *,
    industry: str | None,
    platform: str | None,
    brand: BrandVI | None,
    ocr: OcrFn | None = None,
    frame_s: float | None = None,
    exceptions: ExceptionSet | None = None,
) -> tuple[list[Finding], str]:
    """Rule findings on each OCR line (with its box), and the image's whole text. ``exceptions`` (the brand's
    reviewed ones) decide, as for copy, whether the models name further categories at their secondary bar."""
    lines = (ocr or _default_ocr)(image)
    findings: list[Finding] = []
    for line in lines:
        for finding in checker.text_findings(
            line.text,
            industry=industry,
            platform=platform,
            brand=brand,
            source=Source.OCR,
            presence=False,
            exceptions=exceptions,
        ):
            findings.append(finding.model_copy(update={"box": line.box, "frame_s": frame_s}))
    return findings, "\n".join(line.text for line in lines)


def blend_explained(colour: ColorShare, brand: BrandVI) -> bool:
    """Whether ``colour`` is (within tolerance) a mix of two brand colours or of a brand colour and a
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


def palette_findings(
    image: Image.Image, brand: BrandVI, *, allow_blends: bool = False, max_side: int | None = None
) -> list[Finding]:
    """BRAND_OFF_PALETTE for each dominant colour outside the brand palette. ``allow_blends``: tints,
    shades and gradients between brand colours count as on palette (designs made from the palette);
    ``max_side``: measure on the image box-reduced to about that side (shares barely move, 3-4× faster)."""
    if not brand.palette:
        return []
    palette = [PaletteColor(name=c.name, hex=c.hex, tolerance_de=c.tolerance_de) for c in brand.palette]
    factor = max(1, max(image.size) // max_side) if max_side else 1
    measured = image.reduce(factor) if factor > 1 else image
    off = [
        colour
        for colour in off_palette(measured, palette, min_share=brand.palette_min_share)
        if not (allow_blends and blend_explained(colour, brand))
    ]
    return [
        _vi(
            "BRAND_OFF_PALETTE",
            brand,
            Severity.WARN,
            f"主色 {colour.hex} 占画面 {colour.share:.0%}，不在品牌色板内",
            "改用品牌色板中的颜色：" + "、".join(f"{c.name} {c.hex}" for c in palette),
        )
        for colour in off
    ]


def logo_findings(
    images: list[Image.Image],
    brand: BrandVI,
    logos: Mapping[str, Image.Image],
    *,
    region: tuple[int, int, int, int] | None = None,
) -> list[Finding]:
    """Each required logo must appear in one of ``images``, at least at its minimum size (relative to the
    whole image). ``region`` (left, top, right, bottom): search only there, e.g. where a layout put the
    logo; boxes are reported in whole-image pixels."""
    left0, top0 = (region[0], region[1]) if region else (0, 0)
    searched = [image.crop(region) if region else image for image in images]
    findings: list[Finding] = []
    for spec in brand.logos:
        logo = logos.get(spec.path)
        if logo is None:
            findings.append(
                _vi(
                    "BRAND_LOGO_UNAVAILABLE",
                    brand,
                    Severity.INFO,
                    f"品牌标志文件 {spec.path} 不存在，未检查",
                    f"把标志上传到品牌资产库的 {spec.path}",
                )
            )
            continue
        matches = [(image, find_logo(part, logo)) for image, part in zip(images, searched, strict=True)]
        hits = [(image, m) for image, m in matches if m.found]
        if not hits:
            if spec.required:
                findings.append(
                    _vi(
                        "BRAND_LOGO_MISSING",
                        brand,
                        Severity.BLOCK,
                        f"画面中没有找到品牌标志（{spec.path}）",
                        "按品牌规范放置标志",
                    )
                )
            continue
        image, best = max(hits, key=lambda item: item[1].width_px or 0)
        width = best.width_px or 0
        too_small = (spec.min_width_px is not None and width < spec.min_width_px) or (
            spec.min_width_ratio is not None and width < spec.min_width_ratio * image.width
        )
        if too_small:
            left, top, right, bottom = best.box or (0, 0, 0, 0)
            left, top, right, bottom = left + left0, top + top0, right + left0, bottom + top0
            findings.append(
                _vi(
                    "BRAND_LOGO_TOO_SMALL",
                    brand,
                    Severity.WARN,
                    f"品牌标志宽 {width}px，小于规范要求",
                    "放大标志到规范最小尺寸以上",
                    box=((left, top), (right, top), (right, bottom), (left, bottom)),
                )
            )
    return findings


def check_image(
    checker: Checker,
    image: Image.Image,
    *,
    industry: str | None = None,
    platform: str | None = None,
    brand: BrandVI | None = None,
    logos: Mapping[str, Image.Image] | None = None,
    ocr: OcrFn | None = None,
    exceptions: ExceptionSet | None = None,
) -> list[Finding]:
    """OCR text through every rule, plus the brand's disclaimers, palette and logos on the pixels."""
    findings, text = text_in_image(
        checker, image, industry=industry, platform=platform, brand=brand, ocr=ocr, exceptions=exceptions
    )
    if brand is not None:
        findings += [
            f.model_copy(update={"source": Source.OCR}) for f in brand.presence_findings(text or " ")
        ]
        findings += palette_findings(image, brand)
        findings += logo_findings([image], brand, logos or {})
    return findings


def check_video(
    checker: Checker,
    path: Path,
    *,
    industry: str | None = None,
    platform: str | None = None,
    brand: BrandVI | None = None,
    logos: Mapping[str, Image.Image] | None = None,
    ocr: OcrFn | None = None,
    every_s: float = VIDEO_EVERY_S,
    max_frames: int = VIDEO_MAX_FRAMES,
    exceptions: ExceptionSet | None = None,
) -> list[Finding]:
    """Sampled frames through the image text rules, subtitles through the text rules, logo on a few frames.

    A finding seen on several frames is reported once, at its first frame.
    """
    from pipelines.frames import extract_subtitles, sample_frames

    frames = sample_frames(path, every_s=every_s, max_frames=max_frames)
    findings: list[Finding] = []
    seen: set[tuple[str, str]] = set()
    texts: list[str] = []
    for at, frame in frames:
        frame_findings, text = text_in_image(
            checker,
            frame,
            industry=industry,
            platform=platform,
            brand=brand,
            ocr=ocr,
            frame_s=at,
            exceptions=exceptions,
        )
        texts.append(text)
        for finding in frame_findings:
            key = (finding.rule_id, finding.matched)
            if key not in seen:
                seen.add(key)
                findings.append(finding.model_copy(update={"source": Source.VIDEO}))
    for start, _end, line in extract_subtitles(path):
        for finding in checker.text_findings(
            line,
            industry=industry,
            platform=platform,
            brand=brand,
            source=Source.SUBTITLE,
            presence=False,
            exceptions=exceptions,
        ):
            findings.append(finding.model_copy(update={"frame_s": start}))
        texts.append(line)
    if brand is not None:
        findings += brand.presence_findings("\n".join(texts) or " ", Source.VIDEO)
        step = max(1, len(frames) // LOGO_FRAMES)
        sample = [frame for _, frame in frames[::-1][::step][:LOGO_FRAMES]]
        findings += logo_findings(sample, brand, logos or {})
    return findings
