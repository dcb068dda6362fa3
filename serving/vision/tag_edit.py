"""Edit an asset's tags by committing new metadata: a real, audited commit through the repository."""

from __future__ import annotations

from sqlalchemy.orm import Session

from asset_store.repo.metadata import AssetMetadata
from asset_store.repo.repository import PutAsset
from serving.assets.services import AssetServices
from serving.audit.service import record
from serving.auth.caller import Caller
from serving.vision.runtime import VisionRuntime
from serving.vision.schemas import AssetTagsEdit, AssetTagsPublic
from serving.vision.tags import AssetTags, edit_tags, metadata_tags, rejected_tags
from serving.vision.vocabulary import Vocabulary, load_custom_tags
from serving.vision.writer import load_docs


def edit_asset_tags(
    session: Session,
    services: AssetServices,
    runtime: VisionRuntime,
    caller: Caller,
    brand_id: str,
    body: AssetTagsEdit,
    rid: str | None,
) -> AssetTagsPublic:
    """Add and remove tags of the asset at ``body.path`` on ``body.branch`` (no commit if nothing changes)."""
    repo = services.repository(session, brand_id)
    version = repo.get(body.branch, body.path)
    vocabulary = Vocabulary(runtime.taxonomy(), load_custom_tags(session, brand_id))
    before = AssetMetadata.model_validate(version.metadata)
    after = edit_tags(before, body.add, body.remove, vocabulary.canonical)
    commit_id: str | None = None
    if after != before:
        commit = repo.commit(
            body.branch,
            [PutAsset(version.path, version.entry.blob, after)],
            author_id=caller.principal_id,
            message=f"Tags of {version.path}: "
            + ", ".join([*(f"+{t}" for t in body.add), *(f"-{t}" for t in body.remove)]),
            meta={"kind": "tags"},
            expected_head=body.expected_head,
        )
        commit_id = commit.id
        record(
            session,
            caller,
            "asset.tags",
            brand_id=brand_id,
            target_type="asset",
            target_id=version.path,
            request_id=rid,
            details={"branch": body.branch, "commit": commit.id, "add": body.add, "remove": body.remove},
        )
        services.after_commit(session, repo, commit, body.branch, caller.principal_id)
    stored = after.model_dump(mode="json")
    human, ai_meta = metadata_tags(stored, vocabulary.canonical)
    doc = load_docs(session, brand_id, body.branch, [version.path]).get(version.path)
    effective = AssetTags(
        human=tuple(human),
        ai=tuple(dict.fromkeys([*ai_meta, *(doc.ai_tags if doc else [])])),
        brand=tuple(doc.brand_tags if doc else []),
        rejected=tuple(rejected_tags(stored, vocabulary.canonical)),
    ).effective()
    return AssetTagsPublic(
        branch=body.branch,
        path=version.path,
        commit_id=commit_id,
        tags=[t.name for t in after.tags],
        rejected_tags=list(after.rejected_tags),
        effective_tags=effective,
    )
