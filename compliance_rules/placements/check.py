"""SPEC_* findings for a rendition: the placement's own limits and its platform pack's, both through
:mod:`compliance_rules.specs`, plus what only a placement knows (exact frame, format, codecs, faststart,
safe zone). Also how a placement agrees with its pack (:func:`pack_disagreements`)."""

from __future__ import annotations

from dataclasses import dataclass

from compliance_rules.models import Finding, Severity, Source
from compliance_rules.placements.catalog import Resolved
from compliance_rules.specs import MediaFacts, media_specs, text_specs

VIDEO_CODEC, AUDIO_CODEC = "h264", "aac"


@dataclass(frozen=True)
class RenditionFacts:
    """What a rendition is, as probed from its bytes."""

    width: int
    height: int
    size_bytes: int
    format: str
    duration_s: float | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    faststart: bool | None = None
    focus_in_safe: bool | None = None


def _finding(p: Resolved, code: str, message: str, suggestion: str, severity: Severity) -> Finding:
    return Finding(
        category=code,
        rule_id=f"placements/{p.id}/{code}",
        severity=severity,
        message=message,
        suggestion=suggestion,
        source=Source.SPEC,
    )


def _own(p: Resolved, facts: RenditionFacts) -> list[Finding]:
    media = MediaFacts(facts.width, facts.height, facts.duration_s, facts.size_bytes)
    return [
        f.model_copy(update={"rule_id": f"placements/{p.id}/{f.category}"})
        for f in media_specs(p.spec(), p.label, media)
    ]


def _exact(p: Resolved, facts: RenditionFacts) -> list[Finding]:
    out: list[Finding] = []
    size = (facts.width, facts.height)
    if p.width is not None and p.height is not None and size != (p.width, p.height):
        out.append(
            _finding(
                p,
                "SPEC_DIMENSIONS",
                f"画面 {facts.width}×{facts.height}，{p.label}要求 {p.width}×{p.height}",
                f"导出 {p.width}×{p.height} 的版本",
                Severity.BLOCK,
            )
        )
    elif p.width is None and facts.width > p.max_width:
        out.append(
            _finding(
                p,
                "SPEC_DIMENSIONS",
                f"宽度 {facts.width}px 超过{p.label}的 {p.max_width}px",
                f"缩小到 {p.max_width}px 宽",
                Severity.BLOCK,
            )
        )
    if facts.format not in p.formats:
        accepted = "/".join(f.upper() for f in p.formats)
        out.append(
            _finding(
                p,
                "SPEC_FORMAT",
                f"文件格式 {facts.format.upper()}，{p.label}接受 {accepted}",
                f"导出为 {p.format.upper()}",
                Severity.BLOCK,
            )
        )
    return out


def _codecs(p: Resolved, facts: RenditionFacts) -> list[Finding]:
    if p.kind != "video":
        return []
    out: list[Finding] = []
    wanted_audio = AUDIO_CODEC if p.audio else None
    if facts.video_codec != VIDEO_CODEC or facts.audio_codec != wanted_audio:
        out.append(
            _finding(
                p,
                "SPEC_CODEC",
                f"编码 {facts.video_codec}/{facts.audio_codec}，{p.label}要求 H.264"
                + ("/AAC" if p.audio else "（无声）"),
                "用 H.264 High yuv420p" + (" + AAC 重新编码" if p.audio else "，去掉音轨"),
                Severity.BLOCK,
            )
        )
    if facts.faststart is False:
        out.append(
            _finding(
                p,
                "SPEC_FASTSTART",
                "MP4 索引（moov）在文件末尾，边下边播会卡住",
                "用 -movflags +faststart 重新封装",
                Severity.WARN,
            )
        )
    return out


def _safe_zone(p: Resolved, facts: RenditionFacts) -> list[Finding]:
    if facts.focus_in_safe is not False:
        return []
    return [
        _finding(
            p,
            "SPEC_SAFE_ZONE",
            f"主要内容落在{p.label}的界面遮挡区（头像、按钮、文案栏）",
            "把文字和商品放进安全区，或换一个构图",
            Severity.WARN,
        )
    ]


def pack_findings(p: Resolved, facts: RenditionFacts) -> list[Finding]:
    """The platform pack's own SPEC_* checks of the rendition, less the placement's waivers."""
    if p.pack is None or p.rules is None:
        return []
    media = MediaFacts(facts.width, facts.height, facts.duration_s, facts.size_bytes)
    return [f for f in media_specs(p.pack, p.rules, media) if f.category not in p.waive]


def rendition_findings(p: Resolved, facts: RenditionFacts) -> list[Finding]:
    """Every SPEC_* finding of a rendition for placement ``p`` (empty: it meets the placement)."""
    own = _own(p, facts) + _exact(p, facts) + _codecs(p, facts) + _safe_zone(p, facts)
    seen = {f.category for f in own}
    return own + [f for f in pack_findings(p, facts) if f.category not in seen]


def copy_findings(p: Resolved, title: str | None, caption: str | None) -> list[Finding]:
    """SPEC_* findings of the copy shipped with a rendition (the placement's limits, then the pack's)."""
    own = text_specs(p.spec(), p.label, title=title, body=caption)
    own = [f.model_copy(update={"rule_id": f"placements/{p.id}/{f.category}"}) for f in own]
    seen = {f.category for f in own}
    pack = text_specs(p.pack, p.rules, title=title, body=caption) if p.pack and p.rules else []
    return own + [f for f in pack if f.category not in seen and f.category not in p.waive]


def _ideal(p: Resolved) -> list[RenditionFacts]:
    """Renditions at the placement's extremes: its size, its shortest and longest length, its byte limit."""
    width = p.width or p.min_width
    height = p.height or round(width * p.aspect[1] / p.aspect[0])
    fmt = p.format
    lengths = [p.min_duration_s or 1.0, p.max_duration_s or 1.0] if p.kind == "video" else [None]
    sizes = [(width, height)] + (
        [(p.max_width, round(p.max_width * p.aspect[1] / p.aspect[0]))] if p.width is None else []
    )
    return [RenditionFacts(w, h, p.max_bytes, fmt, duration_s=d) for (w, h) in sizes for d in lengths]


def pack_disagreements(p: Resolved) -> list[str]:
    """Where placement ``p`` is looser than its pack: pack checks that a rendition at the placement's
    limits fails (unless waived), copy at its length limits that the pack refuses, and waivers that
    waive nothing. Empty: the placement and the pack agree."""
    if p.pack is None or p.rules is None:
        return [f"waiver of {code} without a pack" for code in p.waive]
    problems: list[str] = []
    fired: set[str] = set()
    for facts in _ideal(p):
        for finding in media_specs(
            p.pack, p.rules, MediaFacts(facts.width, facts.height, facts.duration_s, facts.size_bytes)
        ):
            fired.add(finding.category)
            if finding.category not in p.waive:
                problems.append(f"{finding.category}: {finding.message}")
    title = "标" * p.title_max_chars if p.title_max_chars else None
    caption = "文" * p.caption_max_chars if p.caption_max_chars else None
    tags = " ".join(f"#话题{i}" for i in range(p.hashtags_max or 0)) or None
    for finding in text_specs(p.pack, p.rules, title=title, body=caption):
        problems.append(f"{finding.category}: {finding.message}")
    for finding in text_specs(p.pack, p.rules, title=None, body=tags):
        problems.append(f"{finding.category}: {finding.message}")
    problems += [f"waiver of {code} waives nothing" for code in sorted(set(p.waive) - fired)]
    return problems
