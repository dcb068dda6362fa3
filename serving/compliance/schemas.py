"""Wire format of compliance checks."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, Field, model_validator

from compliance_rules.models import CheckResult
from serving.schemas_common import RequestModel

MAX_TEXT = 100_000


class AssetToCheck(RequestModel):
    path: str = Field(min_length=1, max_length=512, description="Asset path in the brand's repository.")
    ref: str = Field(default="main", min_length=1, max_length=100, description="Branch, tag or commit.")


class MediaIn(RequestModel):
    width: int | None = Field(default=None, ge=1, le=100_000)
    height: int | None = Field(default=None, ge=1, le=100_000)
    duration_s: float | None = Field(default=None, ge=0, le=86_400)
    size_bytes: int | None = Field(default=None, ge=0)


class CheckRequest(RequestModel):
    """Copy to check (``text`` and/or ``title``), or an asset of the brand; industry and platform scope
    the rules; ``brand_id`` adds the brand's VI pack (``brand/vi.yaml`` on its ``main``)."""

    text: str | None = Field(default=None, max_length=MAX_TEXT, description="Body copy.")
    title: str | None = Field(default=None, max_length=1000, description="Title / headline.")
    industry: str | None = Field(
        default=None, max_length=40, description="e.g. cosmetics, finance_insurance."
    )
    platform: str | None = Field(default=None, max_length=40, description="e.g. douyin, xiaohongshu, taobao.")
    brand_id: str | None = Field(default=None, max_length=40)
    asset: AssetToCheck | None = Field(
        default=None, description="Check this asset (copy, image or video; needs brand_id)."
    )
    image_base64: str | None = Field(
        default=None, max_length=14_000_000, description="An image (PNG/JPEG/WebP, base64, ≤ 10 MB) to check."
    )
    media: MediaIn | None = Field(default=None, description="File facts for platform specs.")
    depth: Literal["fast", "full"] = Field(
        default="fast",
        description="fast (default): rules and the n-gram model, for real-time interception (well under a "
        "millisecond); full: adds the semantic second opinion (sentence embedding, several ms per text; "
        "catches paraphrases without trigger words), as the review queue and generation use. It applies to "
        "the copy (text, title, a copy asset); text read from an image or video (OCR, subtitles) always gets "
        "the full check, as reading it takes seconds anyway.",
    )

    @model_validator(mode="after")
    def _something(self) -> CheckRequest:
        if self.text is None and self.title is None and self.asset is None and self.image_base64 is None:
            raise ValueError("give text, title, image_base64 or asset")
        if self.asset is not None and self.brand_id is None:
            raise ValueError("an asset check needs brand_id")
        return self


class CheckResponse(CheckResult):
    brand_vi: str | None = Field(default=None, description="The brand VI pack applied, as path@commit.")
    asset: str | None = Field(default=None, description="The asset checked, as path@commit.")


class CheckLine(BaseModel):
    """One input line of ``atelier compliance check --input F.jsonl``."""

    id: str | int
    text: str
    industry: str | None = None
    platform: str | None = None
    title: str | None = None
