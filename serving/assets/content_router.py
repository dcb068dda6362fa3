"""Routes that move bytes: direct and presigned uploads, asset content and previews, signed object URLs."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import RedirectResponse, StreamingResponse
from sqlalchemy.orm import Session, sessionmaker

from asset_store.blobs import blob_key, check_sha, preview_key
from asset_store.errors import AssetTooLarge, InvalidAsset, ObjectNotFound
from asset_store.models import Blob, BlobGrant
from asset_store.objects import ObjectStore
from serving.assets import service, uploads
from serving.assets.ingest import parse_kind, spool_stream
from serving.assets.schemas import BlobPublic, UploadCreate, UploadPublic
from serving.assets.service import open_repo, require_brand, services_of
from serving.assets.services import AssetServices
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.db import transaction
from serving.deps import CallerDep, SessionDep, get_session_factory
from serving.problem import problem_response

router = APIRouter(tags=["assets"])
STREAMED_UPLOADS = (
    ("POST", re.compile(r"^/v1/brands/[^/]+/blobs$")),
    ("PUT", re.compile(r"^/v1/objects/signed/[^/]+$")),
)
"""Routes whose large bodies stream to disk under per-kind limits instead of the JSON body limit."""
RefQuery = Annotated[str, Query(min_length=1, max_length=100, description="Branch, tag or commit id.")]
_BINARY_BODY = {
    "requestBody": {
        "required": True,
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}


def _declared_length(request: Request, limit: int) -> None:
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        raise AssetTooLarge(
            f"the upload exceeds {limit} bytes", code="asset_too_large", details={"limit": limit}
        )


@router.post(
    "/v1/brands/{brand_id}/blobs",
    status_code=status.HTTP_201_CREATED,
    operation_id="uploadBlob",
    openapi_extra=_BINARY_BODY,
    responses={200: {"description": "This brand had already uploaded these exact bytes."}},
)
async def upload_blob(
    brand_id: str,
    request: Request,
    response: Response,
    caller: CallerDep,
    kind: Annotated[
        str | None, Query(max_length=16, description="Expected kind; checked against the bytes.")
    ] = None,
    filename: Annotated[str | None, Query(max_length=255)] = None,
) -> BlobPublic:
    """Upload bytes as the raw request body (Content-Type declares the type; the bytes must agree).

    The file is validated (real type sniffed, size limit per kind, image bomb guard, video probed) and
    stored once by sha256; commit it to a branch by ``sha256``.
    """
    factory = get_session_factory(request)
    services = services_of(request)
    await run_in_threadpool(_check_brand, factory, caller, brand_id, Permission.ASSETS_WRITE)
    declared_kind = parse_kind(kind)
    limit = services.limits.limit_for(declared_kind) if declared_kind else services.limits.largest
    _declared_length(request, limit)
    content_type = request.headers.get("content-type")
    spool = await spool_stream(request.stream(), services, limit)
    with spool:
        spooled = spool.finish()
        result = await run_in_threadpool(
            uploads.ingest_in_transaction,
            factory,
            services,
            brand_id,
            spooled,
            declared_kind,
            content_type,
            filename,
            caller.principal_id,
        )
    if not result.created:
        response.status_code = status.HTTP_200_OK
    return result


def _check_brand(
    factory: sessionmaker[Session], caller: Caller, brand_id: str, permission: Permission
) -> None:
    with transaction(factory) as session:
        require_brand(session, caller, brand_id, permission)


@router.get("/v1/brands/{brand_id}/blobs/{sha256}", operation_id="getBlob")
def get_blob(brand_id: str, sha256: str, caller: CallerDep, session: SessionDep) -> BlobPublic:
    """A blob this brand uploaded."""
    require_brand(session, caller, brand_id, Permission.BRAND_READ)
    check_sha(sha256)
    blob = session.get(Blob, sha256)
    grant = session.get(BlobGrant, (brand_id, sha256))
    if blob is None or grant is None:
        raise ObjectNotFound("blob not found", code="blob_not_found")
    return service.to_blob(blob, grant, created=False)


@router.post(
    "/v1/brands/{brand_id}/uploads", status_code=status.HTTP_201_CREATED, operation_id="createUpload"
)
def create_upload(
    brand_id: str, body: UploadCreate, request: Request, caller: CallerDep, session: SessionDep
) -> UploadPublic:
    """Get a presigned URL to PUT a large file straight to the object store, then complete the upload."""
    require_brand(session, caller, brand_id, Permission.ASSETS_WRITE)
    return uploads.create(session, services_of(request), caller, brand_id, body)


@router.get("/v1/brands/{brand_id}/uploads/{upload_id}", operation_id="getUpload")
def get_upload(
    brand_id: str, upload_id: str, request: Request, caller: CallerDep, session: SessionDep
) -> UploadPublic:
    require_brand(session, caller, brand_id, Permission.ASSETS_WRITE)
    return uploads.public(
        session, services_of(request), uploads.load(session, brand_id, upload_id, caller), presign=True
    )


@router.post("/v1/brands/{brand_id}/uploads/{upload_id}/complete", operation_id="completeUpload")
def complete_upload(brand_id: str, upload_id: str, request: Request, caller: CallerDep) -> UploadPublic:
    """Check the uploaded bytes like a direct upload and store them by sha256; the staging copy is removed."""
    factory = get_session_factory(request)
    _check_brand(factory, caller, brand_id, Permission.ASSETS_WRITE)
    return uploads.complete(factory, services_of(request), caller, brand_id, upload_id)


@dataclass(frozen=True)
class _Located:
    key: str
    content_type: str
    size: int | None
    etag: str
    filename: str


def _locate(
    factory: sessionmaker[Session],
    services: AssetServices,
    caller: Caller,
    brand_id: str,
    path: str,
    ref: str,
    role: str | None,
) -> _Located:
    with transaction(factory) as session:
        version = open_repo(session, services, caller, brand_id, Permission.BRAND_READ).get(ref, path)
        sha, filename = version.entry.blob, version.path.rsplit("/", 1)[-1]
        if role is None:
            return _Located(blob_key(sha), version.content_type, version.entry.size, sha, filename)
        blob = session.get(Blob, sha)
        preview = (blob.previews or {}).get(role) if blob else None
        if not preview:
            raise ObjectNotFound(f"no {role} for {path!r}", code="preview_not_found", details={"role": role})
        return _Located(preview_key(sha, role), str(preview["content_type"]), None, f"{sha}-{role}", filename)


def _byte_range(header: str | None, size: int) -> tuple[int, int] | None:
    """(offset, length) of a single ``bytes=a-b`` range; None for the whole object."""
    match = re.fullmatch(r"bytes=(\d*)-(\d*)", header or "")
    if not match or (not match.group(1) and not match.group(2)):
        return None
    if match.group(1):
        start = int(match.group(1))
        end = int(match.group(2)) if match.group(2) else size - 1
    else:
        start, end = max(size - int(match.group(2)), 0), size - 1
    if start >= size or end < start:
        raise _Unsatisfiable
    return start, min(end, size - 1) - start + 1


def _stream(objects: ObjectStore, key: str, offset: int, length: int | None) -> Iterator[bytes]:
    return objects.iter_bytes(key, offset=offset, length=length)


class _Unsatisfiable(Exception):
    pass


def _etag_matches(header: str | None, etag: str) -> bool:
    """RFC 9110 If-None-Match: ``*`` or a list of (possibly weak) tags, compared weakly."""
    if not header:
        return False
    tags = [t.strip().removeprefix("W/") for t in header.split(",")]
    return "*" in tags or etag in tags


SAFE_CONTENT_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'; img-src 'self' data:; media-src 'self'",
}
"""Uploaded bytes (an SVG with a script, say) never run as a page of the API's origin."""


async def _serve(request: Request, located: _Located, download: bool) -> Response:
    objects = services_of(request).objects
    headers = {
        "ETag": f'"{located.etag}"',
        "Cache-Control": "private, max-age=60",
        "Accept-Ranges": "bytes",
        **SAFE_CONTENT_HEADERS,
    }
    if _etag_matches(request.headers.get("if-none-match"), headers["ETag"]):
        return Response(status_code=status.HTTP_304_NOT_MODIFIED, headers=headers)
    if download:
        headers["Content-Disposition"] = f"attachment; filename*=UTF-8''{_quote(located.filename)}"
    size = (
        located.size
        if located.size is not None
        else (await run_in_threadpool(objects.stat, located.key)).size
    )
    try:
        window = _byte_range(request.headers.get("range"), size)
    except _Unsatisfiable:
        refused = problem_response(
            416,
            "range_not_satisfiable",
            "Range not satisfiable",
            f"the object has {size} bytes",
            request.url.path,
        )
        refused.headers["Content-Range"] = f"bytes */{size}"
        return refused
    offset, length = window if window else (0, size)
    headers["Content-Length"] = str(length)
    code = status.HTTP_200_OK
    if window:
        code = status.HTTP_206_PARTIAL_CONTENT
        headers["Content-Range"] = f"bytes {offset}-{offset + length - 1}/{size}"
    chunks = await run_in_threadpool(_stream, objects, located.key, offset, length)
    return StreamingResponse(chunks, status_code=code, media_type=located.content_type, headers=headers)


def _quote(name: str) -> str:
    from urllib.parse import quote

    return quote(name, safe="")


@router.get("/v1/brands/{brand_id}/raw/{path:path}", operation_id="getAssetContent", response_class=Response)
async def get_asset_content(
    brand_id: str,
    path: str,
    request: Request,
    caller: CallerDep,
    ref: RefQuery = "main",
    download: bool = False,
    redirect: Annotated[bool, Query(description="307 to a presigned object-store URL instead.")] = False,
) -> Response:
    """The asset's bytes at ``ref`` (Range requests supported), or a redirect to a presigned URL."""
    services = services_of(request)
    located = await run_in_threadpool(
        _locate, get_session_factory(request), services, caller, brand_id, path, ref, None
    )
    if redirect:
        name = located.filename if download else None
        url = services.objects.presign_get(
            located.key, services.presign_ttl, filename=name, content_type=located.content_type
        ).url
        return RedirectResponse(url, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    return await _serve(request, located, download)


@router.get(
    "/v1/brands/{brand_id}/previews/{path:path}", operation_id="getAssetPreview", response_class=Response
)
async def get_asset_preview(
    brand_id: str,
    path: str,
    request: Request,
    caller: CallerDep,
    ref: RefQuery = "main",
    role: Annotated[str, Query(pattern="^(thumbnail|poster)$")] = "thumbnail",
) -> Response:
    """The asset's thumbnail (images, videos) or poster frame (videos)."""
    located = await run_in_threadpool(
        _locate, get_session_factory(request), services_of(request), caller, brand_id, path, ref, role
    )
    return await _serve(request, located, False)


@router.get("/v1/objects/signed/{token}", operation_id="getSignedObject", response_class=Response)
async def get_signed_object(token: str, request: Request) -> Response:
    """Download through a presigned URL of the local object store (the signature is the credential)."""
    services = services_of(request)
    grant = services.signer.verify(token, "GET")
    stat = await run_in_threadpool(services.objects.stat, grant.key)
    located = _Located(
        grant.key,
        grant.content_type or stat.content_type,
        stat.size,
        stat.etag or grant.key,
        grant.filename or grant.key.rsplit("/", 1)[-1],
    )
    return await _serve(request, located, grant.filename is not None)


@router.put("/v1/objects/signed/{token}", operation_id="putSignedObject", openapi_extra=_BINARY_BODY)
async def put_signed_object(
    token: str, request: Request, content_type: Annotated[str | None, Header()] = None
) -> Response:
    """Upload through a presigned URL of the local object store; only staging keys can be written."""
    services = services_of(request)
    grant = services.signer.verify(token, "PUT")
    if not grant.key.startswith("staging/"):
        raise InvalidAsset("this URL cannot write there", code="invalid_signature")
    if grant.content_type and (content_type or "").split(";")[0].strip() != grant.content_type:
        raise InvalidAsset(
            "send the Content-Type the URL was signed for",
            code="content_type_mismatch",
            details={"expected": grant.content_type},
        )
    factory = get_session_factory(request)
    kind = await run_in_threadpool(uploads.pending_kind, factory, grant.key.removeprefix("staging/"))
    limit = services.limits.limit_for(kind)
    _declared_length(request, limit)
    spool = await spool_stream(request.stream(), services, limit)
    with spool:
        spooled = spool.finish()
        await run_in_threadpool(services.objects.put_file, grant.key, spooled.path, grant.content_type or "")
    return Response(status_code=status.HTTP_200_OK)
