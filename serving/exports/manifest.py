"""Judge each rendition against its placement (SPEC_* findings of the file and of its copy) and describe
it in the manifest: placement, presigned URL, sha256, bytes, frame, length, copy, tags and findings."""

from __future__ import annotations

from dataclasses import dataclass

from asset_store.blobs import blob_key
from asset_store.sql import utcnow
from compliance_rules.models import Finding, Severity
from compliance_rules.placements import FittedCopy, copy_findings, fit_copy, rendition_findings
from serving.assets.services import AssetServices
from serving.exports.plan import Skipped
from serving.exports.render import Rendered
from serving.exports.schemas import EntryStatus, FileRef, FindingOut, Manifest, ManifestEntry, SourcePublic
from serving.exports.sources import SourceAsset


@dataclass(frozen=True)
class Assessed:
    """A rendition with its fitted copy, its findings and whether it may be stored."""

    rendered: Rendered
    copy: FittedCopy
    findings: list[Finding]

    @property
    def status(self) -> EntryStatus:
        if self.rendered.facts() is None:
            return "failed"
        return "invalid" if any(f.severity is Severity.BLOCK for f in self.findings) else "ok"


def assess(rendered: Rendered, hashtags: tuple[str, ...]) -> Assessed:
    """Fit the source's copy to the placement and check the file and the copy."""
    work = rendered.work
    copy = fit_copy(work.placement, work.source.title, work.source.caption, hashtags)
    facts = rendered.facts()
    findings = [] if facts is None else rendition_findings(work.placement, facts)
    findings += copy_findings(work.placement, copy.title, copy.caption)
    return Assessed(rendered, copy, findings)


def source_ref(source: SourceAsset) -> SourcePublic:
    return SourcePublic(
        path=source.path, kind=source.kind, blob=source.version.entry.blob, commit=source.version.commit_id
    )


def file_ref(services: AssetServices, path: str, sha256: str, size: int, content_type: str) -> FileRef:
    """A stored file with a presigned GET URL valid for the asset services' TTL."""
    url = services.objects.presign_get(
        blob_key(sha256), services.presign_ttl, filename=path.rsplit("/", 1)[-1], content_type=content_type
    ).url
    return FileRef(path=path, url=url, sha256=sha256, bytes=size, content_type=content_type)


def _finding(f: Finding) -> FindingOut:
    return FindingOut(
        category=f.category,
        rule_id=f.rule_id,
        severity=f.severity.value,
        message=f.message,
        suggestion=f.suggestion,
    )


def entry(item: Assessed, file: FileRef | None = None, cover: FileRef | None = None) -> ManifestEntry:
    """The manifest line of one rendition."""
    rendered, work = item.rendered, item.rendered.work
    p = work.placement
    facts = rendered.facts()
    placed = rendered.image.placed if rendered.image else rendered.video.placed if rendered.video else None
    return ManifestEntry(
        placement=p.id,
        platform=p.platform,
        label=p.label,
        kind=p.kind,
        status=item.status,
        source=source_ref(work.source),
        file=file,
        cover=cover,
        width=facts.width if facts else None,
        height=facts.height if facts else None,
        duration_s=facts.duration_s if facts else None,
        format=facts.format if facts else None,
        video_codec=facts.video_codec if facts else None,
        audio_codec=facts.audio_codec if facts else None,
        fit=placed.fit if placed else None,
        title=item.copy.title,
        caption=item.copy.caption,
        hashtags=list(item.copy.hashtags),
        tags=list(work.source.tags),
        findings=[_finding(f) for f in item.findings],
        copy_changes=item.copy.changes,
        error=rendered.error,
        error_code=rendered.error_code,
    )


def skipped_entry(skipped: Skipped) -> ManifestEntry:
    p = skipped.placement
    return ManifestEntry(
        placement=p.id,
        platform=p.platform,
        label=p.label,
        kind=p.kind,
        status="skipped",
        source=None,
        error=skipped.reason,
        error_code="no_source",
    )


def resigned(manifest: Manifest, services: AssetServices) -> Manifest:
    """The manifest with fresh presigned URLs (the stored ones expire)."""

    def again(ref: FileRef | None) -> FileRef | None:
        return None if ref is None else file_ref(services, ref.path, ref.sha256, ref.bytes, ref.content_type)

    entries = [
        e.model_copy(update={"file": again(e.file), "cover": again(e.cover)}) for e in manifest.entries
    ]
    return manifest.model_copy(update={"entries": entries, "urls_expire_at": utcnow() + services.presign_ttl})
