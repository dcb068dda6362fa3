"""Serve the built web studio (``web/dist``): precompressed assets, long-cached hashed files, SPA fallback."""

from __future__ import annotations

import mimetypes
import os
from pathlib import Path

from starlette.exceptions import HTTPException
from starlette.responses import FileResponse, Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
API_PREFIXES = ("v1/", "docs", "redoc", "openapi.json", "healthz", "readyz", "metrics")


class StudioFiles(StaticFiles):
    """Static files for a single-page app.

    A path with no file extension that is not found gets ``index.html`` (client-side routes such as
    ``/library``); ``assets/*`` (content-hashed by the build) are cached for a year; a ``.gz`` sibling
    written by the build is sent when the browser accepts gzip.
    """

    def __init__(self, directory: Path) -> None:
        super().__init__(directory=directory, html=True)
        self.root = directory

    async def get_response(self, path: str, scope: Scope) -> Response:
        requested = str(scope.get("path", "")).lstrip("/")
        if requested.startswith("v1/") or ".." in requested.split("/"):
            raise HTTPException(status_code=404)  # an unmatched API path, or a dot-dot trick: never the shell
        if scope["method"] not in ("GET", "HEAD"):  # e.g. DELETE /healthz: the API's 405, not a 404
            raise HTTPException(status_code=405, headers={"Allow": "GET, HEAD"})
        if requested.startswith(API_PREFIXES):
            raise HTTPException(status_code=404)
        gzip_ok = "gzip" in _header(scope, b"accept-encoding")
        candidate = self._resolve(path)
        if candidate is None:
            if _is_client_route(path):
                candidate = self.root / "index.html"
            else:
                raise HTTPException(status_code=404)
        return _file_response(candidate, gzip_ok, immutable=path.startswith("assets/"))

    def _resolve(self, path: str) -> Path | None:
        target = (self.root / path).resolve()
        if not target.is_relative_to(self.root.resolve()):
            return None
        if target.is_dir():
            target = target / "index.html"
        return target if target.is_file() else None


def _is_client_route(path: str) -> bool:
    last = path.rsplit("/", 1)[-1]
    return "." not in last and not path.startswith(API_PREFIXES)


def _header(scope: Scope, name: bytes) -> str:
    for key, value in scope.get("headers", []):
        if key == name:
            return str(value.decode("latin-1"))
    return ""


def _file_response(path: Path, gzip_ok: bool, *, immutable: bool) -> FileResponse:
    media_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    if path.suffix in {".js", ".css", ".html"}:
        media_type += "; charset=utf-8"
    headers = {"Cache-Control": IMMUTABLE if immutable else REVALIDATE, "Vary": "Accept-Encoding"}
    compressed = path.with_name(path.name + ".gz")
    if gzip_ok and compressed.is_file() and os.path.getmtime(compressed) >= os.path.getmtime(path):
        headers["Content-Encoding"] = "gzip"
        return FileResponse(compressed, media_type=media_type, headers=headers)
    return FileResponse(path, media_type=media_type, headers=headers)
