"""Routes of a brand's asset repository: branches, tags, commits, log, diff, merge, revert, assets."""

from __future__ import annotations

import base64
import binascii
from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status

from asset_store.repo.repository import DeleteAsset, PutAsset
from serving.assets import service
from serving.assets.ingest import parse_kind
from serving.assets.schemas import (
    AssetPublic,
    BranchCreate,
    CommitCreate,
    CommitPublic,
    DiffPublic,
    EntryPublic,
    MergeCreate,
    MergePublic,
    RefPublic,
    RevertCreate,
    TagCreate,
)
from serving.assets.service import open_repo, services_of
from serving.audit.service import record
from serving.auth.roles import Permission
from serving.deps import CallerDep, RequestIdDep, SessionDep
from serving.errors import InvalidInput
from serving.pagination import Page
from serving.webhooks.asset_events import asset_merged

router = APIRouter(prefix="/v1/brands/{brand_id}", tags=["assets"])
RefQuery = Annotated[str, Query(min_length=1, max_length=100, description="Branch, tag or commit id.")]
MAX_DIFF = 5000


@router.get("/branches", operation_id="listBranches")
def list_branches(brand_id: str, request: Request, caller: CallerDep, session: SessionDep) -> list[RefPublic]:
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    return [service.to_ref(r) for r in repo.branches()]


@router.post("/branches", status_code=status.HTTP_201_CREATED, operation_id="createBranch")
def create_branch(
    brand_id: str,
    body: BranchCreate,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> RefPublic:
    """Branch off any ref; O(1) whatever the number of assets."""
    services = services_of(request)
    repo = open_repo(session, services, caller, brand_id, Permission.ASSETS_WRITE)
    ref = repo.create_branch(body.name, body.from_ref, author_id=caller.principal_id)
    services.branch_changed(session, brand_id, ref.name, caller.principal_id)
    record(
        session,
        caller,
        "asset.branch.create",
        brand_id=brand_id,
        target_type="branch",
        target_id=ref.name,
        request_id=rid,
        details={"commit": ref.commit_id},
    )
    return service.to_ref(ref)


@router.get("/branches/{name:path}", operation_id="getBranch")
def get_branch(
    brand_id: str, name: str, request: Request, caller: CallerDep, session: SessionDep
) -> RefPublic:
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    return service.to_ref(repo.branch(name))


@router.delete("/branches/{name:path}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteBranch")
def delete_branch(
    brand_id: str,
    name: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
    expected_head: Annotated[str | None, Query(max_length=64)] = None,
) -> Response:
    services = services_of(request)
    repo = open_repo(session, services, caller, brand_id, Permission.ASSETS_WRITE)
    ref = repo.delete_branch(name, expected_head=expected_head)
    services.branch_changed(session, brand_id, name, caller.principal_id)
    record(
        session,
        caller,
        "asset.branch.delete",
        brand_id=brand_id,
        target_type="branch",
        target_id=name,
        request_id=rid,
        details={"commit": ref.commit_id},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/tags", operation_id="listTags")
def list_tags(brand_id: str, request: Request, caller: CallerDep, session: SessionDep) -> list[RefPublic]:
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    return [service.to_ref(r) for r in repo.tags()]


@router.post("/tags", status_code=status.HTTP_201_CREATED, operation_id="createTag")
def create_tag(
    brand_id: str,
    body: TagCreate,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> RefPublic:
    """Name a release; tags never move."""
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.ASSETS_PUBLISH)
    ref = repo.create_tag(body.name, body.ref, author_id=caller.principal_id, message=body.message)
    record(
        session,
        caller,
        "asset.tag.create",
        brand_id=brand_id,
        target_type="tag",
        target_id=ref.name,
        request_id=rid,
        details={"commit": ref.commit_id},
    )
    return service.to_ref(ref)


@router.delete("/tags/{name:path}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteTag")
def delete_tag(
    brand_id: str, name: str, request: Request, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> Response:
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.ASSETS_PUBLISH)
    ref = repo.delete_tag(name)
    record(
        session,
        caller,
        "asset.tag.delete",
        brand_id=brand_id,
        target_type="tag",
        target_id=name,
        request_id=rid,
        details={"commit": ref.commit_id},
    )
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.post("/commits", status_code=status.HTTP_201_CREATED, operation_id="createCommit")
def create_commit(
    brand_id: str,
    body: CommitCreate,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> CommitPublic:
    """Commit many changes at once; 409 ``ref_moved`` if ``expected_head`` is stale (re-read and retry).

    Committing to ``main`` publishes, like a merge: it needs ``assets.publish`` and passes the gate."""
    services = services_of(request)
    repo = open_repo(session, services, caller, brand_id, service.merge_permission(body.branch))
    changes = [
        PutAsset(c.path, c.blob, c.metadata) if c.op == "put" else DeleteAsset(c.path) for c in body.changes
    ]
    commit = repo.commit(
        body.branch,
        changes,
        author_id=caller.principal_id,
        message=body.message,
        meta=body.meta,
        expected_head=body.expected_head,
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
        details={"branch": body.branch, "changes": len(changes)},
    )
    return service.to_commit(commit)


@router.get("/commits", operation_id="listCommits")
def list_commits(
    brand_id: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    ref: RefQuery = "main",
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=100_000)] = 0,
) -> list[CommitPublic]:
    """History reachable from ``ref``, newest first."""
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    return [service.to_commit(c) for c in repo.log(ref, limit=limit, offset=offset)]


@router.get("/commits/{commit_id}", operation_id="getCommit")
def get_commit(
    brand_id: str, commit_id: str, request: Request, caller: CallerDep, session: SessionDep
) -> CommitPublic:
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    return service.to_commit(repo.resolve(commit_id))


@router.get("/diff", operation_id="diffRefs")
def diff_refs(
    brand_id: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    from_ref: Annotated[str, Query(alias="from", min_length=1, max_length=100)],
    to_ref: Annotated[str, Query(alias="to", min_length=1, max_length=100)],
    limit: Annotated[int, Query(ge=1, le=MAX_DIFF)] = 1000,
) -> DiffPublic:
    """Assets added, modified or deleted going from ``from`` to ``to``."""
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    before, after = repo.resolve(from_ref), repo.resolve(to_ref)
    changes = repo.diff(before.id, after.id)
    return DiffPublic(
        from_commit=before.id,
        to_commit=after.id,
        changes=[service.to_change(c) for c in changes[:limit]],
        truncated=len(changes) > limit,
    )


@router.post("/merges", operation_id="mergeRefs")
def merge_refs(
    brand_id: str,
    body: MergeCreate,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> MergePublic:
    """Merge ``source`` into ``target`` (fast-forward or three-way); conflicts and gate refusals are 409."""
    services = services_of(request)
    repo = open_repo(session, services, caller, brand_id, service.merge_permission(body.target))
    result = repo.merge(
        body.source,
        body.target,
        author_id=caller.principal_id,
        message=body.message,
        expected_target_head=body.expected_target_head,
    )
    if result.outcome != "up_to_date":
        services.branch_changed(session, brand_id, body.target, caller.principal_id)
        asset_merged(session, repo, result, body.source, body.target)
        record(
            session,
            caller,
            "asset.merge",
            brand_id=brand_id,
            target_type="branch",
            target_id=body.target,
            request_id=rid,
            details={
                "source": body.source,
                "outcome": result.outcome,
                "commit": result.commit.id,
                "changes": len(result.changes),
            },
        )
    return MergePublic(
        outcome=result.outcome,
        commit=service.to_commit(result.commit),
        changes=[service.to_change(c) for c in result.changes[:MAX_DIFF]],
    )


@router.post("/reverts", status_code=status.HTTP_201_CREATED, operation_id="revertCommit")
def revert_commit(
    brand_id: str,
    body: RevertCreate,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> CommitPublic:
    """Roll back one commit as a new commit on ``branch``."""
    services = services_of(request)
    repo = open_repo(session, services, caller, brand_id, service.merge_permission(body.branch))
    commit = repo.revert(
        body.branch,
        body.commit,
        author_id=caller.principal_id,
        parent=body.parent,
        expected_head=body.expected_head,
    )
    services.after_commit(session, repo, commit, body.branch, caller.principal_id)
    record(
        session,
        caller,
        "asset.revert",
        brand_id=brand_id,
        target_type="commit",
        target_id=commit.id,
        request_id=rid,
        details={"branch": body.branch, "reverts": commit.meta.get("reverts")},
    )
    return service.to_commit(commit)


def _decode_after(cursor: str | None) -> str | None:
    if cursor is None:
        return None
    try:
        padded = (cursor + "=" * (-len(cursor) % 4)).encode("ascii")
        value = base64.b64decode(padded, altchars=b"-_", validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError) as exc:
        raise InvalidInput("cursor is not valid", code="invalid_cursor") from exc
    if not value:
        raise InvalidInput("cursor is not valid", code="invalid_cursor")
    return value


@router.get("/assets", operation_id="listAssets")
def list_assets(
    brand_id: str,
    request: Request,
    caller: CallerDep,
    session: SessionDep,
    ref: RefQuery = "main",
    prefix: Annotated[str, Query(max_length=512, description="Only paths starting with this.")] = "",
    kind: Annotated[str | None, Query(max_length=16)] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(max_length=1000)] = None,
) -> Page[EntryPublic]:
    """Assets at ``ref`` in path order."""
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    wanted = parse_kind(kind)
    after = _decode_after(cursor)
    _, entries, last = repo.list_assets(
        ref, prefix=prefix, kind=wanted.value if wanted else None, after=after, limit=limit
    )
    next_cursor = base64.urlsafe_b64encode(last.encode()).decode().rstrip("=") if last else None
    items = [e for e in (service.to_entry(x) for x in entries) if e is not None]
    return Page[EntryPublic](items=items, next_cursor=next_cursor)


@router.get("/tree/{path:path}", operation_id="getAsset")
def get_asset(
    brand_id: str, path: str, request: Request, caller: CallerDep, session: SessionDep, ref: RefQuery = "main"
) -> AssetPublic:
    """One asset with its metadata and lineage as of ``ref``."""
    repo = open_repo(session, services_of(request), caller, brand_id, Permission.BRAND_READ)
    return service.to_asset(session, services_of(request), repo.get(ref, path))
