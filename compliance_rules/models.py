"""What a compliance check returns: findings with spans in the original text, and a verdict."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Category(StrEnum):
    """The contract categories (DESIGN.md); brand VI and platform specs use ``BRAND_*`` / ``SPEC_*`` codes."""

    ABSOLUTE_TERMS = "ABSOLUTE_TERMS"
    STATE_SYMBOLS = "STATE_SYMBOLS"
    MEDICAL_CLAIMS = "MEDICAL_CLAIMS"
    GUARANTEES = "GUARANTEES"
    SUPERSTITION = "SUPERSTITION"
    DISCRIMINATION = "DISCRIMINATION"
    VULGAR = "VULGAR"
    DISPARAGING = "DISPARAGING"
    MINORS = "MINORS"
    FALSE_ENDORSEMENT = "FALSE_ENDORSEMENT"
    PLATFORM_DIVERSION = "PLATFORM_DIVERSION"
    PLATFORM_INDUCEMENT = "PLATFORM_INDUCEMENT"


def is_category_code(code: str) -> bool:
    """A contract category, or a ``BRAND_*`` / ``SPEC_*`` code."""
    return code in Category.__members__ or code.startswith(("BRAND_", "SPEC_"))


class Severity(StrEnum):
    BLOCK = "block"
    WARN = "warn"
    INFO = "info"


class Verdict(StrEnum):
    PASS = "pass"
    WARN = "warn"
    BLOCK = "block"


class Source(StrEnum):
    """Where the checked text or pixels came from."""

    TEXT = "text"
    TITLE = "title"
    OCR = "ocr"
    IMAGE = "image"
    SUBTITLE = "subtitle"
    VIDEO = "video"
    SPEC = "spec"


class Finding(BaseModel):
    """One problem, explained: what rule, where, why (law), and how to fix it."""

    model_config = ConfigDict(frozen=True)

    category: str = Field(description="Contract category or a BRAND_*/SPEC_* code.")
    rule_id: str = Field(description="Stable id of the rule that fired, e.g. 'ad_law_cn/ABS-001'.")
    severity: Severity
    span: tuple[int, int] | None = Field(
        default=None, description="[start, end) in code points of the ORIGINAL text of `source`."
    )
    matched: str = Field(default="", description="The original text that matched.")
    law_ref: str | None = Field(default=None, description="Legal basis, e.g. 《广告法》第九条第（三）项.")
    message: str = Field(default="", description="What is wrong, in plain words.")
    suggestion: str | None = Field(default=None, description="A compliant rewrite or what to do instead.")
    source: Source = Field(default=Source.TEXT)
    box: tuple[tuple[float, float], ...] | None = Field(
        default=None, description="Polygon in image pixels for OCR/image findings."
    )
    frame_s: float | None = Field(default=None, description="Time in the video, for video findings.")
    rewrite: str | None = Field(default=None, description="Compliant replacement for `matched`, when known.")


class ExcusedFinding(BaseModel):
    """A finding that a reviewed exception of the brand (a marked false alarm) excused."""

    model_config = ConfigDict(frozen=True)

    finding: Finding
    exception_id: str = Field(description="The reviewed exception that excused it.")


class CheckResult(BaseModel):
    """The verdict and every finding; ``rewrite`` applies the suggested replacements to the text."""

    verdict: Verdict
    findings: list[Finding]
    rewrite: str | None = Field(default=None, description="The text with known rewrites applied, if any.")
    packs: list[str] = Field(default_factory=list, description="Rule packs (name@version) that were applied.")
    excused: list[ExcusedFinding] = Field(
        default_factory=list,
        description="Findings the brand's reviewed exceptions excused (not counted in the verdict).",
    )


def verdict_of(findings: list[Finding]) -> Verdict:
    """block if any finding blocks, warn if any warns, else pass."""
    severities = {f.severity for f in findings}
    if Severity.BLOCK in severities:
        return Verdict.BLOCK
    if Severity.WARN in severities:
        return Verdict.WARN
    return Verdict.PASS
