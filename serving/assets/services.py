"""Everything the asset routes share, built once in the app factory from settings."""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

from sqlalchemy.orm import Session

from asset_store.media import AssetKind, SizeLimits
from asset_store.objects import ObjectStore, UrlSigner, open_object_store
from asset_store.repo.commits import CommitInfo
from asset_store.repo.gate import AllowAllGate, MergeGate
from asset_store.repo.repository import Repository
from asset_store.repo.tree import TreeStore
from serving.errors import InvalidInput
from serving.settings import Settings
from serving.webhooks.asset_events import asset_committed


@dataclass
class AssetServices:
    """Object store, URL signer, tree cache, pre-merge gate and upload limits."""

    objects: ObjectStore
    signer: UrlSigner
    limits: SizeLimits
    tmp_dir: Path
    presign_ttl: timedelta
    trees: TreeStore = field(default_factory=TreeStore)
    gate: MergeGate = field(default_factory=AllowAllGate)
    auto_index: bool = False
    """Queue a search index job whenever a branch moves (``search.auto_index``)."""

    def repository(self, session: Session, brand_id: str) -> Repository:
        """The brand's repository in ``session``, created on first use."""
        repo = Repository(session, brand_id, self.trees, self.gate)
        repo.ensure()
        return repo

    def branch_changed(self, session: Session, brand_id: str, branch: str, principal_id: str) -> None:
        """The hook every commit, merge, revert and branch creation or deletion calls: the search index of
        ``branch`` catches up in a job (queued in ``session``'s transaction, coalesced)."""
        if self.auto_index:
            from serving.vision.sync import request_index

            request_index(session, brand_id, branch, principal_id)

    def after_commit(
        self, session: Session, repo: Repository, commit: CommitInfo, branch: str, principal_id: str
    ) -> None:
        """What follows every new commit on ``branch``, in the commit's transaction: the search index
        catches up (:meth:`branch_changed`) and one asset event per changed path goes to the outbox."""
        self.branch_changed(session, repo.brand_id, branch, principal_id)
        asset_committed(session, repo, commit, branch)


def _limits(settings: Settings) -> SizeLimits:
    overrides: dict[str, int] = {}
    known = {k.value for k in AssetKind}
    for kind, value in settings.assets.max_bytes.items():
        if kind not in known:
            raise InvalidInput(f"assets.max_bytes: unknown kind {kind!r}", code="invalid_settings")
        overrides[kind] = value
    return SizeLimits(
        max_image_pixels=settings.assets.max_image_pixels,
        max_video_seconds=settings.assets.max_video_seconds,
        **overrides,
    )


def build_asset_services(settings: Settings) -> AssetServices:
    """Open the configured object store (not contacted yet: call ``objects.ensure_ready()``); the
    default branch is gated by the review queue unless ``reviews.gate_main`` is off."""
    pepper = settings.auth.key_pepper.get_secret_value().encode()
    secret = hmac.new(pepper, b"atelier/object-urls/v1", hashlib.sha256).digest()
    base_url = settings.assets.public_url or f"http://{settings.api.host}:{settings.api.port}"
    signer = UrlSigner(secret, base_url)
    store = settings.object_store
    objects = open_object_store(
        store.backend,
        root=settings.data_dir / "objects",
        signer=signer,
        endpoint=store.endpoint,
        bucket=store.bucket,
        access_key=store.access_key,
        secret_key=store.secret_key.get_secret_value() if store.secret_key else None,
        secure=store.secure,
        region=store.region,
    )
    gate: MergeGate = AllowAllGate()
    if settings.reviews.gate_main:
        from serving.reviews.gate import ReviewGate

        gate = ReviewGate(settings.reviews.gate_exempt_prefixes)
    return AssetServices(
        objects=objects,
        signer=signer,
        limits=_limits(settings),
        tmp_dir=settings.data_dir / "tmp" / "uploads",
        presign_ttl=timedelta(seconds=settings.assets.presign_ttl_seconds),
        gate=gate,
        auto_index=settings.search.auto_index,
    )
