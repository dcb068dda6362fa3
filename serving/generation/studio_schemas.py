"""Wire format of the studio's helper routes: editing a generated poster's text and layout through its
layered spec, and the brand's recent generation jobs (newest first, summarised)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from compliance_rules.models import Finding, Verdict
from serving.jobs.schemas import JobError, JobStatus
from serving.schemas_common import RequestModel


class TextLayerEdit(RequestModel):
    """New text and look of one text layer of the spec (named by its slot, e.g. ``headline``)."""

    name: str = Field(min_length=1, max_length=64, description="The text layer's name (its slot).")
    text: str | None = Field(
        default=None, min_length=1, max_length=500, description="New words; re-broken to fit the layer's box."
    )
    size: int | None = Field(default=None, ge=8, le=600, description="Font size in pixels.")
    align: Literal["left", "center", "right"] | None = Field(
        default=None, description="Horizontal alignment."
    )
    hidden: bool = Field(default=False, description="Leave the layer (and its plate) out.")


class PosterEditCreate(RequestModel):
    """Edit a generated poster rendition through its layered spec and re-render it.

    The edited PNG and spec replace the rendition at the same paths, as a new commit on ``branch``."""

    spec_path: str = Field(
        min_length=1,
        max_length=512,
        description="The rendition's spec asset, e.g. posters/<job>/001-douyin.json.",
    )
    ref: str = Field(min_length=1, max_length=200, description="Branch or commit the spec is read at.")
    branch: str | None = Field(
        default=None, min_length=1, max_length=200, description="Branch to commit to; default: ``ref``."
    )
    layers: list[TextLayerEdit] = Field(min_length=1, max_length=40, description="Edits of text layers.")
    industry: str | None = Field(default=None, max_length=40, description="Compliance industry of the check.")
    platform: str | None = Field(default=None, max_length=40, description="Compliance platform of the check.")


class PosterEditPublic(BaseModel):
    """The re-rendered rendition: where it is stored and what the checks found on it."""

    branch: str
    commit_id: str
    path: str = Field(description="The PNG rendition.")
    spec_path: str
    verdict: Verdict
    status: Literal["ok", "flagged"]
    findings: list[Finding]
    spec: dict[str, Any] = Field(description="The edited layered spec.")


class RecentJobPublic(BaseModel):
    """A generation job as a list of earlier results shows it (no result body)."""

    id: str
    kind: str
    status: JobStatus
    progress: float
    created_at: datetime
    finished_at: datetime | None
    error: JobError | None
    product: str | None = Field(description="The brief's product (copy, creative) or hook text (video).")
    platform: str | None = Field(description="Copy platform or video preset.")
    count: int | None = Field(description="Variants asked for.")
    branch: str | None = Field(description="Where the results were committed, once finished.")
