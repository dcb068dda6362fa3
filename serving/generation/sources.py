"""Source assets of generation jobs: one way to find an asset at a ref, check its kind and link it in
lineage, and one way to name the brief field a problem is in."""

from __future__ import annotations

from asset_store.blobs import blob_key
from asset_store.repo.metadata import DerivedFrom
from asset_store.repo.repository import AssetVersion, Repository
from serving.errors import InvalidInput
from serving.generation.store import GenerationStore


def invalid_field(field: str, message: str) -> InvalidInput:
    """A 422 ``invalid_brief`` naming the brief field."""
    return InvalidInput(f"{field}: {message}", code="invalid_brief", extra={"field": field})


def asset_of_kind(repo: Repository, ref: str, path: str, kind: str, field: str) -> AssetVersion:
    """The asset at ``path`` as of ``ref``, refused (naming ``field``) unless it is a ``kind``;
    ``ObjectNotFound`` (asset_not_found) names a missing path."""
    version = repo.get(ref, path)
    if version.entry.kind != kind:
        article = "an" if kind[:1] in "aeiou" else "a"
        raise invalid_field(field, f"{path!r} is a {version.entry.kind}, not {article} {kind}")
    return version


def link_to(version: AssetVersion, relation: str) -> DerivedFrom:
    """A lineage link to exactly this version of the asset."""
    return DerivedFrom(
        path=version.path, commit=version.commit_id, blob=version.entry.blob, relation=relation
    )


def read_asset(
    store: GenerationStore, repo: Repository, ref: str, path: str, kind: str, field: str
) -> tuple[bytes, DerivedFrom, AssetVersion]:
    """An asset's bytes, a lineage link to it (relation ``field``) and its version."""
    version = asset_of_kind(repo, ref, path, kind, field)
    data = store.assets.objects.read_bytes(blob_key(version.entry.blob))
    return data, link_to(version, field), version
