"""The versions an export reads: pinned to one commit, images and videos only, copied to local files,
with what each rendition needs from them (size, a poster's content box, copy, tags)."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError
from sqlalchemy.orm import Session

from asset_store.blobs import blob_key
from asset_store.errors import AssetStoreError
from asset_store.models import Blob
from asset_store.repo.metadata import DerivedFrom
from asset_store.repo.repository import AssetVersion, Repository
from pipelines.poster.spec import LayeredSpec
from pipelines.renditions.poster import content_box
from pipelines.video.types import Box
from serving.assets.services import AssetServices
from serving.errors import InvalidInput
from serving.exports.brief import MAX_SOURCES, ExportBrief

KINDS = ("image", "video")
_STEM = re.compile(r"[^0-9A-Za-z\u4e00-\u9fff_-]+")


@dataclass(frozen=True)
class SourceAsset:
    """One source version, on local disk, with what its renditions need."""

    version: AssetVersion
    kind: str
    width: int
    height: int
    duration_s: float | None
    file: Path
    focus: Box | None
    title: str | None
    caption: str | None
    tags: tuple[str, ...]

    @property
    def path(self) -> str:
        return self.version.path

    @property
    def stem(self) -> str:
        """A file-name-safe stem of the source path."""
        name = self.path.rsplit("/", 1)[-1].rsplit(".", 1)[0]
        return _STEM.sub("-", name).strip("-") or "source"

    def link(self, relation: str) -> DerivedFrom:
        """A lineage link to exactly this version."""
        return DerivedFrom(
            path=self.path, commit=self.version.commit_id, blob=self.version.entry.blob, relation=relation
        )


def find_versions(repo: Repository, commit_id: str, brief: ExportBrief) -> list[AssetVersion]:
    """The image and video versions the brief names at ``commit_id`` (a named path of another kind or
    a prefix with none is a 422 ``invalid_brief``)."""
    if brief.paths:
        versions = [repo.get(commit_id, path) for path in brief.paths]
        wrong = [f"{v.path} ({v.entry.kind})" for v in versions if v.entry.kind not in KINDS]
        if wrong:
            raise InvalidInput(
                f"paths: only images and videos are exported, not {', '.join(wrong)}", code="invalid_brief"
            )
        return versions
    assert brief.prefix is not None
    _, entries, _ = repo.list_assets(commit_id, prefix=brief.prefix, limit=10_000)
    chosen = [e for e in entries if e.kind in KINDS]
    if not chosen:
        raise InvalidInput(f"prefix: no image or video under {brief.prefix!r}", code="invalid_brief")
    if len(chosen) > MAX_SOURCES:
        raise InvalidInput(
            f"prefix: {len(chosen)} images and videos, at most {MAX_SOURCES} per export", code="invalid_brief"
        )
    records = repo.records([e.record for e in chosen])
    return [AssetVersion(e.path, commit_id, e, records.get(e.record, {})) for e in chosen]


def load_sources(
    session: Session,
    services: AssetServices,
    repo: Repository,
    versions: list[AssetVersion],
    brief: ExportBrief,
    folder: Path,
) -> list[SourceAsset]:
    """Each version's bytes in ``folder`` and what its renditions need."""
    caption = brief.caption or _copy_text(services, repo, versions[0].commit_id, brief.copy_asset)
    out = []
    for index, version in enumerate(versions):
        blob = session.get(Blob, version.entry.blob)
        if blob is None or not blob.width or not blob.height:
            raise InvalidInput(
                f"{version.path}: the stored file has no known frame size", code="invalid_source"
            )
        suffix = version.path.rsplit(".", 1)[-1] if "." in version.path.rsplit("/", 1)[-1] else "bin"
        local = folder / f"{index:02d}.{suffix}"
        services.objects.download(blob_key(version.entry.blob), local)
        title, own_caption = _source_copy(version.metadata)
        out.append(
            SourceAsset(
                version=version,
                kind=version.entry.kind,
                width=int(blob.width),
                height=int(blob.height),
                duration_s=blob.duration_s,
                file=local,
                focus=_poster_focus(services, repo, version) if version.entry.kind == "image" else None,
                title=brief.title or title,
                caption=caption or own_caption,
                tags=tuple(str(t.get("name")) for t in version.metadata.get("tags", []) if t.get("name")),
            )
        )
    return out


def _generation(metadata: dict[str, Any]) -> dict[str, Any]:
    lineage = metadata.get("lineage")
    generation = lineage.get("generation") if isinstance(lineage, dict) else None
    return generation if isinstance(generation, dict) else {}


def _source_copy(metadata: dict[str, Any]) -> tuple[str | None, str | None]:
    """Title and caption from the source: a poster's copy, a video's script, else title/description."""
    generation = _generation(metadata)
    params = generation.get("params") if isinstance(generation.get("params"), dict) else {}
    copy = params.get("copy") if isinstance(params, dict) else None
    title, caption = metadata.get("title"), metadata.get("description")
    if isinstance(copy, dict):
        points = copy.get("selling_points") or []
        parts = [copy.get("subhead"), *points, copy.get("cta")]
        caption = caption or "，".join(str(p) for p in parts if p) or None
        title = copy.get("headline") or title
    elif str(generation.get("pipeline_version", "")).startswith("video/") and generation.get("prompt"):
        caption = caption or "".join(str(generation["prompt"]).splitlines())
    return (str(title) if title else None), (str(caption) if caption else None)


def _copy_text(services: AssetServices, repo: Repository, commit_id: str, path: str | None) -> str | None:
    if path is None:
        return None
    version = repo.get(commit_id, path)
    if version.entry.kind != "copy":
        raise InvalidInput(f"copy_asset: {path!r} is a {version.entry.kind}, not copy", code="invalid_brief")
    return (
        services.objects.read_bytes(blob_key(version.entry.blob)).decode("utf-8", "replace").strip() or None
    )


def _poster_focus(services: AssetServices, repo: Repository, version: AssetVersion) -> Box | None:
    """A generated poster's content box, from the layered spec stored next to it (None: not a poster)."""
    params = _generation(version.metadata).get("params")
    spec_path = params.get("spec") if isinstance(params, dict) else None
    if not isinstance(spec_path, str):
        return None
    try:
        spec_version = repo.get(version.commit_id, spec_path)
        document = json.loads(services.objects.read_bytes(blob_key(spec_version.entry.blob)))
        if document.get("rendition") != version.path:
            return None
        return content_box(LayeredSpec.model_validate(document["spec"]))
    except (AssetStoreError, ValueError, KeyError, TypeError, AttributeError, ValidationError):
        return None  # no usable spec: the renditions keep the salient region instead
