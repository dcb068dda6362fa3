"""The ``export`` job's brief: which versions (paths or a prefix at a ref) go to which placements."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from asset_store.repo.repository import DEFAULT_BRANCH
from compliance_rules.placements import Placements, UnknownPlacement

MAX_SOURCES = 50
X264Preset = Literal["ultrafast", "superfast", "veryfast", "faster", "fast", "medium"]


class ExportBrief(BaseModel):
    """What to export. Every source must be brand-approved at exactly the version read."""

    model_config = ConfigDict(extra="forbid")

    ref: str = Field(
        default="main",
        min_length=1,
        max_length=200,
        description="Branch, tag or commit to read the sources at.",
    )
    paths: list[str] = Field(default_factory=list, max_length=MAX_SOURCES, description="Source asset paths.")
    prefix: str | None = Field(
        default=None,
        min_length=1,
        max_length=512,
        description="Or: every image and video under this prefix (a campaign's set).",
    )
    placements: list[str] = Field(default_factory=list, max_length=100, description="Placement ids.")
    platforms: list[str] = Field(
        default_factory=list, max_length=40, description="Platform (or pack) names: all their placements."
    )
    pick: Literal["each", "closest_aspect"] = Field(
        default="each",
        description="each: every source of a placement's kind gets a rendition; closest_aspect: one "
        "rendition per placement, from the source whose shape is nearest (one creative in several sizes).",
    )
    title: str | None = Field(default=None, max_length=300, description="Title; default: the source's copy.")
    caption: str | None = Field(
        default=None, max_length=5000, description="Caption; default: the copy asset's or the source's."
    )
    copy_asset: str | None = Field(default=None, max_length=512, description="A copy asset used as caption.")
    hashtags: list[str] = Field(default_factory=list, max_length=30, description="Hashtags, without '#'.")
    branch: str | None = Field(
        default=None, max_length=100, description="Branch the renditions land on; default exports/<job id>."
    )
    x264_preset: X264Preset = Field(default="veryfast", description="Video encoder speed/size trade-off.")

    @field_validator("branch")
    @classmethod
    def _not_main(cls, value: str | None) -> str | None:
        if value == DEFAULT_BRANCH:
            raise ValueError("renditions land on a branch of their own; main takes them through review")
        return value

    @field_validator("paths")
    @classmethod
    def _distinct(cls, value: list[str]) -> list[str]:
        if len(set(value)) != len(value):
            raise ValueError("a path is listed twice")
        return value

    @model_validator(mode="after")
    def _scope(self) -> ExportBrief:
        if bool(self.paths) == (self.prefix is not None):
            raise ValueError("give either paths or a prefix")
        if not self.placements and not self.platforms:
            raise ValueError("name placements or platforms (GET /v1/placements lists them)")
        try:
            Placements.builtin().select(self.placements, self.platforms)
        except UnknownPlacement as exc:
            raise ValueError(f"{exc.message} (GET /v1/placements lists them)") from exc
        return self
