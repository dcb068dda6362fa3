"""Liveness, readiness and Prometheus metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from fastapi import APIRouter, Request, Response
from fastapi.responses import JSONResponse
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from sqlalchemy import text

from serving import __version__
from serving.db import current_revision, head_revision

router = APIRouter(tags=["health"])


@router.get("/healthz", operation_id="healthz")
def healthz() -> dict[str, str]:
    """The process is alive."""
    return {"status": "ok", "version": __version__}


@router.get("/readyz", operation_id="readyz", responses={503: {"description": "Not ready."}})
async def readyz(request: Request) -> JSONResponse:
    """Ready: database migrated, data dir and object store usable, model deployments reachable."""
    state = request.app.state
    checks: dict[str, Any] = {}
    checks["database"] = await asyncio.to_thread(_check_database, state.engine)
    checks["data_dir"] = "ok" if state.settings.data_dir.resolve().is_dir() else "missing"
    checks["object_store"] = await asyncio.to_thread(_check_objects, state.assets.objects)
    models = await state.gateway.check()
    checks["models"] = models
    ready = all(checks[name] == "ok" for name in ("database", "data_dir", "object_store")) and all(
        v == "ok" for v in models.values()
    )
    return JSONResponse(
        {"status": "ready" if ready else "not_ready", "checks": checks}, status_code=200 if ready else 503
    )


def _check_database(engine: Any) -> str:
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        current, head = current_revision(engine), head_revision()
    except Exception as exc:  # report, don't raise: this is a probe
        return f"unreachable: {type(exc).__name__}"
    return "ok" if current == head else f"migrations pending: at {current}, code needs {head}"


def _check_objects(objects: Any) -> str:
    try:
        objects.ensure_ready()
        objects.exists("readyz/probe")
    except Exception as exc:  # report, don't raise: this is a probe
        return f"unreachable: {type(exc).__name__}"
    return "ok"


@router.get("/metrics", operation_id="metrics", response_class=Response)
def metrics(request: Request) -> Response:
    """Prometheus metrics of this process."""
    return Response(generate_latest(request.app.state.metrics_registry), media_type=CONTENT_TYPE_LATEST)
