"""Wire schemas of exports: the request, what a submission returns, placements, and the manifest (stored
as a JSON asset next to the renditions and returned in the job result)."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field

from serving.exports.brief import ExportBrief
from serving.jobs.schemas import JobPublic

MANIFEST_FORMAT = "atelier.export_manifest/1"
EntryStatus = Literal["ok", "invalid", "failed", "skipped"]


class ExportCreate(ExportBrief):
    """An export request: the ``export`` job's brief (``ref`` is pinned to its commit on submission)."""


class SourcePublic(BaseModel):
    path: str
    kind: str
    blob: str = Field(description="sha256 of the exported version's bytes.")
    commit: str = Field(description="The commit the version was read at.")


class ExportAccepted(BaseModel):
    """The queued export job and what it will read (every source brand-approved at this commit)."""

    job: JobPublic
    commit_id: str
    sources: list[SourcePublic]
    placements: list[str]
    renditions_planned: int


class PlacementPublic(BaseModel):
    id: str
    platform: str
    rules: str | None = Field(description="Platform pack whose rules and specs apply.")
    label: str
    kind: str
    width: int | None = Field(description="Fixed output width (None: follows the source).")
    height: int | None
    aspect: str
    min_width: int
    max_width: int
    format: str
    max_bytes: int
    min_duration_s: float | None
    max_duration_s: float | None
    fps: int | None
    title_max_chars: int | None
    caption_max_chars: int | None
    hashtags_max: int | None
    safe_zone: dict[str, float] = Field(description="Fractions of the frame kept clear of platform UI.")


class PlacementList(BaseModel):
    version: str
    platforms: list[str]
    placements: list[PlacementPublic]


class FileRef(BaseModel):
    """A stored file: its asset path, a presigned download URL (expiring) and its checksum."""

    path: str
    url: str
    sha256: str
    bytes: int
    content_type: str


class FindingOut(BaseModel):
    category: str
    rule_id: str
    severity: str
    message: str
    suggestion: str | None = None


class ManifestEntry(BaseModel):
    """One placement × source: the rendition, its copy, tags and SPEC_* findings."""

    placement: str
    platform: str
    label: str
    kind: str
    status: EntryStatus = Field(
        description="ok: stored; invalid: failed its checks, not stored; failed; skipped."
    )
    source: SourcePublic | None
    file: FileRef | None = None
    cover: FileRef | None = None
    width: int | None = None
    height: int | None = None
    duration_s: float | None = None
    format: str | None = None
    video_codec: str | None = None
    audio_codec: str | None = None
    fit: str | None = Field(default=None, description="scale, crop or pad.")
    title: str | None = None
    caption: str | None = None
    hashtags: list[str] = Field(default_factory=list)
    tags: list[str] = Field(default_factory=list)
    findings: list[FindingOut] = Field(default_factory=list)
    copy_changes: list[str] = Field(default_factory=list)
    error: str | None = None
    error_code: str | None = None


class ManifestSummary(BaseModel):
    ok: int
    invalid: int
    failed: int
    skipped: int
    bytes: int
    video_encodes: int = Field(description="Distinct video encodes (equal plans share one).")


class Manifest(BaseModel):
    format: str = MANIFEST_FORMAT
    job_id: str
    brand_id: str
    ref: str
    source_commit: str
    branch: str
    created_at: datetime
    urls_expire_at: datetime
    placements_version: str
    summary: ManifestSummary
    entries: list[ManifestEntry]
