"""Routes of the studio's governance pages: the brand kit editor and the branch list with head commits."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request

from asset_store.repo.repository import DEFAULT_BRANCH
from compliance_rules.brand import VI_PATH
from serving.assets import service
from serving.assets.service import merge_permission, open_repo, require_brand, services_of
from serving.audit.service import record
from serving.auth.roles import Permission
from serving.deps import CallerDep, RequestIdDep, SessionDep
from serving.errors import Forbidden
from serving.governance import brandkit, merging
from serving.governance.schemas import (
    BranchHead,
    BrandKitPublic,
    KitSave,
    KitSaved,
    KitValidate,
    KitValidation,
    MergePreview,
    MergePreviewCreate,
)

router = APIRouter(prefix="/v1/brands/{brand_id}", tags=["governance"])
RefQuery = Annotated[str, Query(min_length=1, max_length=100, description="Branch, tag or commit id.")]


@router.get("/brand-kit", operation_id="getBrandKit")
def get_brand_kit(
    brand_id: str, request: Request, caller: CallerDep, session: SessionDep, ref: RefQuery = DEFAULT_BRANCH
) -> BrandKitPublic:
    """The brand's VI pack (``brand/vi.yaml``) at ``ref`` as data for the editor."""
    services = services_of(request)
    repo = open_repo(session, services, caller, brand_id, Permission.BRAND_READ)
    return brandkit.read(repo, services, ref)


@router.post("/brand-kit/validate", operation_id="validateBrandKit")
def validate_brand_kit(
    brand_id: str, body: KitValidate, caller: CallerDep, session: SessionDep
) -> KitValidation:
    """Check a VI pack against the schema without saving it; shows the YAML that would be committed."""
    require_brand(session, caller, brand_id, Permission.BRAND_READ)
    return brandkit.validation(body.vi)


@router.put("/brand-kit", operation_id="saveBrandKit")
def save_brand_kit(
    brand_id: str,
    body: KitSave,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> KitSaved:
    """Validate the pack (422 ``invalid_brand_kit`` with ``problems`` by field) and commit it as YAML, with
    any new logos, to ``branch``: ``main`` publishes (needs ``assets.publish``); another branch (created
    from ``from_ref`` if new) is for review and merging later."""
    services = services_of(request)
    repo = open_repo(session, services, caller, brand_id, merge_permission(body.branch))
    sha, created, changes = brandkit.save(session, services, repo, caller, brand_id, body)
    commit = repo.commit(
        body.branch,
        changes,
        author_id=caller.principal_id,
        message=body.message or "Update brand kit",
        meta={"brand_kit": True},
        expected_head=None if created else body.expected_head,
    )
    services.after_commit(session, repo, commit, body.branch, caller.principal_id)
    record(
        session,
        caller,
        "asset.commit",
        brand_id=brand_id,
        target_type="commit",
        target_id=commit.id,
        request_id=rid,
        details={
            "branch": body.branch,
            "changes": len(changes),
            "brand_kit": True,
            "created_branch": created,
        },
    )
    return KitSaved(
        branch=body.branch, created_branch=created, path=VI_PATH, blob=sha, commit=service.to_commit(commit)
    )


@router.get("/branch-heads", operation_id="listBranchHeads")
def list_branch_heads(
    brand_id: str, request: Request, caller: CallerDep, session: SessionDep
) -> list[BranchHead]:
    """Every branch with its head commit (message, author, time): main first, then the latest updated."""
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    refs = sorted(repo.branches(), key=lambda r: (r.name != DEFAULT_BRANCH, -r.updated_at.timestamp()))
    return [
        BranchHead(ref=service.to_ref(r), head=service.to_commit(repo.commit_info(r.commit_id))) for r in refs
    ]


@router.post("/merge-preview", operation_id="previewMerge")
def preview_merge(
    brand_id: str, body: MergePreviewCreate, request: Request, caller: CallerDep, session: SessionDep
) -> MergePreview:
    """What merging ``source`` into ``target`` would change and what the pre-merge gate would say (which
    assets it would refuse, and why), or the conflicts; nothing is written."""
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    if not any(caller.can(p, brand_id) for p in (Permission.ASSETS_WRITE, Permission.ASSETS_PUBLISH)):
        raise Forbidden("previewing a merge needs assets.write or assets.publish")
    return merging.preview(repo, body, caller.principal_id)
