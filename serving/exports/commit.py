"""The end of an export, in one transaction: every valid rendition (and video cover) stored as an asset
with lineage (derived from the exact source version, relation ``rendition``, the placement id), the
manifest stored as a JSON asset, one commit on the export branch, and the outbox
events (``asset.created`` for each new file, as every commit emits, and ``asset.exported`` for each
exported source). A retried attempt that finds the manifest already committed returns it instead."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key
from asset_store.errors import ObjectNotFound, RefConflict
from asset_store.media import AssetKind
from asset_store.repo.metadata import AssetMetadata, DerivedFrom, Generation, Lineage
from asset_store.repo.repository import PutAsset, Repository
from asset_store.sql import utcnow
from serving.db import read_only_factory, transaction
from serving.events.service import emit
from serving.exports.errors import NothingExported
from serving.exports.manifest import Assessed, entry, file_ref, resigned, skipped_entry
from serving.exports.plan import Skipped
from serving.exports.schemas import FileRef, Manifest, ManifestEntry, ManifestSummary
from serving.generation.store import GenerationStore
from serving.webhooks.cdp import TagCatalog, asset_fields, metadata_of

PIPELINE_VERSION = "renditions/1"
MODEL = "atelier-renditions"
EVENT = "asset.exported"
MAX_EVENT_RENDITIONS = 200


@dataclass(frozen=True)
class ExportRun:
    """Who and what an export commit is for."""

    job_id: str
    brand_id: str
    ref: str
    source_commit: str
    branch: str
    placements_version: str

    @property
    def manifest_path(self) -> str:
        return f"exports/{self.job_id.lower()}/manifest.json"

    @property
    def actor(self) -> str:
        return f"job:{self.job_id}"


def commit_export(
    store: GenerationStore,
    run: ExportRun,
    assessed: Sequence[Assessed],
    skipped: Sequence[Skipped],
    encodes: int,
) -> tuple[Manifest, dict[str, Any]]:
    """Store, commit and announce the export; returns the manifest and where it landed. The files are
    stored first, each in a short transaction of its own (checks and previews run there); the commit,
    the manifest and the events then take one short transaction."""
    with transaction(read_only_factory(store.factory)) as session:
        earlier = _committed(store, store.assets.repository(session, run.brand_id), run)
    if earlier is not None:
        return earlier
    if not any(item.status == "ok" for item in assessed):
        counts = {s: sum(1 for a in assessed if a.status == s) for s in ("invalid", "failed")}
        raise NothingExported(
            f"no rendition met its placement ({counts['invalid']} invalid, {counts['failed']} failed, "
            f"{len(skipped)} skipped): nothing was stored"
        )
    puts: list[PutAsset] = []
    stored: dict[str, str] = {}
    entries = [_stored(store, run, item, puts, stored) for item in assessed]
    entries += [skipped_entry(s) for s in skipped]
    manifest = _manifest(store, run, entries, encodes)
    with transaction(store.factory) as session:
        repo = store.assets.repository(session, run.brand_id)
        if run.branch not in {b.name for b in repo.branches()}:
            try:
                repo.create_branch(run.branch, run.source_commit, author_id=run.actor)
            except RefConflict:
                pass  # a retried attempt made it
        puts.append(_manifest_put(store, session, run, manifest, assessed))
        commit = repo.commit(
            run.branch,
            puts,
            author_id=run.actor,
            message=f"Export {manifest.summary.ok} renditions (job {run.job_id})",
            meta={"job_id": run.job_id, "kind": "export", "source_commit": run.source_commit},
        )
        store.assets.after_commit(session, repo, commit, run.branch, run.actor)
        _announce(session, run, commit.id, manifest, assessed)
    return manifest, {"branch": run.branch, "commit_id": commit.id, "paths": [p.path for p in puts]}


def _manifest(store: GenerationStore, run: ExportRun, entries: list[ManifestEntry], encodes: int) -> Manifest:
    now = utcnow()
    return Manifest(
        job_id=run.job_id,
        brand_id=run.brand_id,
        ref=run.ref,
        source_commit=run.source_commit,
        branch=run.branch,
        created_at=now,
        urls_expire_at=now + store.assets.presign_ttl,
        placements_version=run.placements_version,
        summary=_summary(entries, encodes),
        entries=entries,
    )


def _committed(
    store: GenerationStore, repo: Repository, run: ExportRun
) -> tuple[Manifest, dict[str, Any]] | None:
    """The manifest a previous attempt of this job committed, if any."""
    if run.branch not in {b.name for b in repo.branches()}:
        return None
    try:
        version = repo.get(run.branch, run.manifest_path)
    except ObjectNotFound:
        return None
    try:
        manifest = Manifest.model_validate(
            json.loads(store.assets.objects.read_bytes(blob_key(version.entry.blob)))
        )
    except (ValueError, ValidationError):
        return None
    paths = [run.manifest_path] + [f.path for e in manifest.entries for f in (e.file, e.cover) if f]
    return resigned(manifest, store.assets), {
        "branch": run.branch,
        "commit_id": version.commit_id,
        "paths": paths,
    }


def _stored(
    store: GenerationStore, run: ExportRun, item: Assessed, puts: list[PutAsset], stored: dict[str, str]
) -> ManifestEntry:
    """Store an ``ok`` rendition (and its cover) and describe it; others are only described."""
    if item.status != "ok":
        return entry(item)
    rendered, work = item.rendered, item.rendered.work
    meta = _metadata(run, item)
    if rendered.image is not None:
        image = rendered.image
        file = _put(
            store, run, (work.path, image.data, AssetKind.image, image.content_type), meta, puts, stored
        )
        return entry(item, file)
    assert rendered.video is not None and work.cover_path is not None
    video = rendered.video
    file = _put(store, run, (work.path, Path(video.path), AssetKind.video, "video/mp4"), meta, puts, stored)
    link = DerivedFrom(path=work.path, relation="cover")
    cover_meta = meta.model_copy(update={"lineage": Lineage(derived_from=(link,))})
    cover_file = (work.cover_path, Path(video.cover_path), AssetKind.image, "image/jpeg")
    cover = _put(store, run, cover_file, cover_meta, puts, stored)
    return entry(item, file, cover)


def _put(
    store: GenerationStore,
    run: ExportRun,
    file: tuple[str, bytes | Path, AssetKind, str],
    meta: AssetMetadata,
    puts: list[PutAsset],
    stored: dict[str, str],
) -> FileRef:
    """Store one file (a local file once, however many placements share it) and queue its tree change."""
    path, content, kind, content_type = file
    data = content if isinstance(content, bytes) else content.read_bytes()
    local = None if isinstance(content, bytes) else str(content)
    sha = stored.get(local) if local else None
    if sha is None:
        with transaction(store.factory) as session:
            name = path.rsplit("/", 1)[-1]
            sha = store.put_blob(session, run.brand_id, run.job_id, data, kind, content_type, name)
        if local:
            stored[local] = sha
    puts.append(PutAsset(path, sha, meta))
    return file_ref(store.assets, path, sha, len(data), content_type)


def _metadata(run: ExportRun, item: Assessed) -> AssetMetadata:
    """The source's metadata (tags, campaign, licence, region…) with the fitted copy and the lineage."""
    rendered, work = item.rendered, item.rendered.work
    try:
        base = AssetMetadata.model_validate(work.source.version.metadata)
    except ValidationError:
        base = AssetMetadata()
    facts = rendered.facts()
    assert facts is not None
    params: dict[str, Any] = {
        "placement": work.placement.id,
        "width": facts.width,
        "height": facts.height,
        "format": facts.format,
        "bytes": facts.size_bytes,
        "findings": sorted({f.category for f in item.findings}),
    }
    if rendered.image is not None:
        params.update(
            fit=rendered.image.placed.fit, focus=rendered.image.placed.focus, quality=rendered.image.quality
        )
    if rendered.video is not None:
        v = rendered.video
        params.update(fit=v.placed.fit, duration_s=v.duration_s, kbps_cap=v.kbps_cap, trimmed_s=v.trimmed_s)
    return base.model_copy(
        update={
            "title": (item.copy.title or base.title or "")[:300] or None,
            "description": item.copy.caption[:5000] if item.copy.caption else base.description,
            "platforms": (work.placement.platform,),
            "extra": {**base.extra, "placement": work.placement.id, "export_job": run.job_id},
            "lineage": Lineage(
                derived_from=(work.source.link("rendition"),),
                generation=Generation(
                    model=MODEL, pipeline_version=PIPELINE_VERSION, job_id=run.job_id, params=params
                ),
            ),
        }
    )


def _manifest_put(
    store: GenerationStore, session: Session, run: ExportRun, manifest: Manifest, assessed: Sequence[Assessed]
) -> PutAsset:
    data = manifest.model_dump_json(indent=2).encode("utf-8")
    sources = {a.rendered.work.source.path: a.rendered.work.source for a in assessed}
    meta = AssetMetadata(
        title=f"Export manifest (job {run.job_id})",
        extra={"export_job": run.job_id, "format": manifest.format},
        lineage=Lineage(derived_from=tuple(s.link("export") for s in sources.values())),
    )
    name = run.manifest_path.rsplit("/", 1)[-1]
    sha = store.put_blob(
        session, run.brand_id, run.job_id, data, AssetKind.template, "application/json", name
    )
    return PutAsset(run.manifest_path, sha, meta)


def _summary(entries: list[ManifestEntry], encodes: int) -> ManifestSummary:
    count = {s: sum(1 for e in entries if e.status == s) for s in ("ok", "invalid", "failed", "skipped")}
    size = sum(f.bytes for e in entries for f in (e.file, e.cover) if f is not None)
    return ManifestSummary(**count, bytes=size, video_encodes=encodes)


def _announce(
    session: Session, run: ExportRun, commit_id: str, manifest: Manifest, assessed: Sequence[Assessed]
) -> None:
    """One ``asset.exported`` event per exported source version (subject: its blob, as for every asset
    event), with its CDP fields and tags and the renditions made of it."""
    catalog = TagCatalog(session, run.brand_id)
    sources = {a.rendered.work.source.path: a.rendered.work.source for a in assessed}
    for path, source in sources.items():
        made = [e for e in manifest.entries if e.status == "ok" and e.source and e.source.path == path]
        if not made:
            continue
        body = source.version.record
        emit(
            session,
            EVENT,
            brand_id=run.brand_id,
            subject_type="asset",
            subject_id=source.version.entry.blob,
            region_id=metadata_of(body).get("region_id"),
            data={
                **asset_fields(source.version.entry, body),
                "branch": run.branch,
                "commit_id": commit_id,
                "source_commit": run.source_commit,
                "job_id": run.job_id,
                "manifest": run.manifest_path,
                "renditions": [_rendition_event(e) for e in made][:MAX_EVENT_RENDITIONS],
                "rendition_count": len(made),
                **catalog.tags(metadata_of(body)),
            },
        )


def _rendition_event(e: ManifestEntry) -> dict[str, Any]:
    assert e.file is not None
    return {
        "placement": e.placement,
        "platform": e.platform,
        "path": e.file.path,
        "sha256": e.file.sha256,
        "bytes": e.file.bytes,
        "width": e.width,
        "height": e.height,
        "duration_s": e.duration_s,
    }
