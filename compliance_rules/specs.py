"""Platform format specs (title/body length, hashtags, aspect, duration, file size) as SPEC_* findings."""

from __future__ import annotations

import re
from dataclasses import dataclass

from compliance_rules.models import Finding, Severity, Source
from compliance_rules.schema import PlatformSpec

_HASHTAG = re.compile(r"#[^#\s]+")


@dataclass(frozen=True)
class MediaFacts:
    """What is known about the creative's file (from the asset store's probe)."""

    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    size_bytes: int | None = None


def _finding(
    code: str, platform: str, message: str, suggestion: str, severity: Severity = Severity.BLOCK
) -> Finding:
    return Finding(
        category=code,
        rule_id=f"platform_{platform}/{code}",
        severity=severity,
        message=message,
        suggestion=suggestion,
        source=Source.SPEC,
    )


def _ratio(text: str) -> float:
    width, _, height = text.partition(":")
    return float(width) / float(height)


def text_specs(spec: PlatformSpec, platform: str, *, title: str | None, body: str | None) -> list[Finding]:
    findings: list[Finding] = []
    if title is not None and spec.title_max_chars is not None and len(title) > spec.title_max_chars:
        findings.append(
            _finding(
                "SPEC_TITLE_TOO_LONG",
                platform,
                f"标题 {len(title)} 字，超过{platform}上限 {spec.title_max_chars} 字",
                f"把标题缩短到 {spec.title_max_chars} 字以内",
            )
        )
    if body is not None and spec.body_max_chars is not None and len(body) > spec.body_max_chars:
        findings.append(
            _finding(
                "SPEC_BODY_TOO_LONG",
                platform,
                f"正文 {len(body)} 字，超过{platform}上限 {spec.body_max_chars} 字",
                f"把正文缩短到 {spec.body_max_chars} 字以内",
            )
        )
    tags = len(_HASHTAG.findall((title or "") + " " + (body or "")))
    if spec.hashtags_max is not None and tags > spec.hashtags_max:
        findings.append(
            _finding(
                "SPEC_TOO_MANY_HASHTAGS",
                platform,
                f"话题标签 {tags} 个，超过 {spec.hashtags_max} 个",
                f"保留最相关的 {spec.hashtags_max} 个话题",
                Severity.WARN,
            )
        )
    return findings


def media_specs(spec: PlatformSpec, platform: str, media: MediaFacts) -> list[Finding]:
    findings: list[Finding] = []
    if media.width and media.height and spec.aspect_ratios:
        actual = media.width / media.height
        ratios = "/".join(spec.aspect_ratios)
        if not any(abs(actual - _ratio(r)) / _ratio(r) <= spec.aspect_tolerance for r in spec.aspect_ratios):
            findings.append(
                _finding(
                    "SPEC_ASPECT_RATIO",
                    platform,
                    f"画面 {media.width}×{media.height} 不是{platform}支持的比例（{ratios}）",
                    f"裁切或重新排版为 {spec.aspect_ratios[0]}",
                )
            )
    if media.width and spec.min_width_px and media.width < spec.min_width_px:
        findings.append(
            _finding(
                "SPEC_RESOLUTION_TOO_LOW",
                platform,
                f"宽度 {media.width}px 低于 {spec.min_width_px}px",
                f"导出至少 {spec.min_width_px}px 宽的版本",
            )
        )
    if media.duration_s is not None:
        if spec.max_duration_s is not None and media.duration_s > spec.max_duration_s:
            findings.append(
                _finding(
                    "SPEC_DURATION_TOO_LONG",
                    platform,
                    f"时长 {media.duration_s:.1f}s 超过 {spec.max_duration_s:g}s",
                    f"剪辑到 {spec.max_duration_s:g} 秒以内",
                )
            )
        if spec.min_duration_s is not None and media.duration_s < spec.min_duration_s:
            findings.append(
                _finding(
                    "SPEC_DURATION_TOO_SHORT",
                    platform,
                    f"时长 {media.duration_s:.1f}s 短于 {spec.min_duration_s:g}s",
                    f"延长到至少 {spec.min_duration_s:g} 秒",
                )
            )
    if (
        media.size_bytes is not None
        and spec.max_file_mb is not None
        and media.size_bytes > spec.max_file_mb * 2**20
    ):
        findings.append(
            _finding(
                "SPEC_FILE_TOO_LARGE",
                platform,
                f"文件 {media.size_bytes / 2**20:.1f}MB 超过 {spec.max_file_mb:g}MB",
                "降低码率或分辨率后重新导出",
            )
        )
    return findings
