"""RFC 9457 problem+json responses and the exception handlers that produce them."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DataError
from starlette.exceptions import HTTPException as StarletteHTTPException

from asset_store import errors as store_errors
from compliance_rules.errors import ComplianceError
from serving.errors import AtelierError

PROBLEM_MEDIA_TYPE = "application/problem+json"
log = logging.getLogger(__name__)

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthenticated",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "rate_limited",
}


def problem_response(
    status: int, code: str, title: str, detail: str, instance: str | None = None, **extra: Any
) -> JSONResponse:
    """Build an ``application/problem+json`` response with a stable ``code``."""
    body: dict[str, Any] = {
        "type": f"https://atelier.dev/problems/{code}",
        "title": title,
        "status": status,
        "detail": detail,
        "code": code,
    }
    if instance:
        body["instance"] = instance
    body.update(extra)
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return JSONResponse(body, status_code=status, media_type=PROBLEM_MEDIA_TYPE, headers=headers)


_STORE_STATUS: tuple[tuple[type[store_errors.AssetStoreError], int, str], ...] = (
    (store_errors.AssetTooLarge, 413, "Payload too large"),
    (store_errors.InvalidAsset, 422, "Invalid asset"),
    (store_errors.ObjectNotFound, 404, "Not found"),
    (store_errors.RefNotFound, 404, "Not found"),
    (store_errors.RefConflict, 409, "Conflict"),
    (store_errors.MergeConflict, 409, "Merge conflict"),
    (store_errors.MergeBlocked, 409, "Merge blocked"),
    (store_errors.StorageUnavailable, 503, "Storage unavailable"),
    (store_errors.MissingDependency, 503, "Missing dependency"),
)


def store_error_status(exc: store_errors.AssetStoreError) -> tuple[int, str]:
    """HTTP status and title for an asset store error (500 for an unknown subclass)."""
    for cls, status, title in _STORE_STATUS:
        if isinstance(exc, cls):
            return status, title
    return 500, "Internal error"


def install_problem_handlers(app: FastAPI) -> None:
    """Register handlers so every error leaves as problem+json, never as a bare 500 page."""

    @app.exception_handler(AtelierError)
    async def _atelier(request: Request, exc: AtelierError) -> JSONResponse:
        return problem_response(exc.status, exc.code, exc.title, exc.detail, request.url.path, **exc.extra)

    @app.exception_handler(store_errors.AssetStoreError)
    async def _store(request: Request, exc: store_errors.AssetStoreError) -> JSONResponse:
        status, title = store_error_status(exc)
        if status >= 500:
            log.warning("asset store error on %s %s: %s", request.method, request.url.path, exc)
        extra = {"details": exc.details} if exc.details else {}
        return problem_response(status, exc.code, title, exc.message, request.url.path, **extra)

    @app.exception_handler(ComplianceError)
    async def _compliance(request: Request, exc: ComplianceError) -> JSONResponse:
        extra = {"details": exc.details} if exc.details else {}
        return problem_response(422, exc.code, "Cannot check", exc.message, request.url.path, **extra)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"loc": list(err.get("loc", ())), "msg": err.get("msg", ""), "type": err.get("type", "")}
            for err in exc.errors()
        ]
        return problem_response(
            422,
            "validation_error",
            "Invalid request",
            "The request does not match the schema.",
            request.url.path,
            errors=errors,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = _HTTP_CODES.get(exc.status_code, "http_error")
        return problem_response(exc.status_code, code, str(exc.detail), str(exc.detail), request.url.path)

    @app.exception_handler(DataError)
    async def _data(request: Request, exc: DataError) -> JSONResponse:
        # The database refused a value (e.g. a NUL character, which PostgreSQL text cannot hold).
        log.warning("database refused a value on %s %s: %s", request.method, request.url.path, exc.orig)
        return problem_response(
            422,
            "invalid_input",
            "Invalid input",
            "A value in the request cannot be stored or searched for.",
            request.url.path,
        )

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return problem_response(
            500, "internal_error", "Internal error", "An unexpected error occurred.", request.url.path
        )
