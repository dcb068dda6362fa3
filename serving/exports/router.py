"""Routes: the placement catalog, submitting an export of approved creative, and its manifest."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status

from compliance_rules.placements import Placements
from serving.assets.service import services_of
from serving.deps import CallerDep, RequestIdDep, SessionDep
from serving.exports import service
from serving.exports.schemas import ExportAccepted, ExportCreate, Manifest, PlacementList

router = APIRouter(tags=["exports"])


@router.get("/v1/placements", operation_id="listPlacements")
def list_placements(
    caller: CallerDep,
    platform: Annotated[str | None, Query(max_length=64, description="A platform or pack name.")] = None,
    kind: Annotated[Literal["image", "video"] | None, Query()] = None,
) -> PlacementList:
    """Every placement renditions can be exported to, with its resolved size, limits and safe zone."""
    placements = Placements.builtin()
    chosen = placements.select(platforms=[platform]) if platform else placements.all()
    return PlacementList(
        version=placements.version,
        platforms=placements.platforms(),
        placements=[service.placement_public(p) for p in chosen if kind is None or p.kind == kind],
    )


@router.post(
    "/v1/brands/{brand_id}/exports",
    status_code=status.HTTP_201_CREATED,
    operation_id="createExport",
    responses={
        200: {"description": "Replayed: this Idempotency-Key already queued the export."},
        409: {"description": "A source is not brand-approved (code not_approved, with violations)."},
    },
)
def create_export(
    brand_id: str,
    body: ExportCreate,
    request: Request,
    response: Response,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
    idempotency_key: Annotated[str | None, Header(max_length=255, min_length=1)] = None,
) -> ExportAccepted:
    """Queue an ``export`` job of brand-approved versions to placements; follow it at ``/v1/jobs/{id}``."""
    accepted, created = service.submit(
        session, services_of(request), caller, brand_id, body, idempotency_key, rid
    )
    if created:
        session.commit()
        request.app.state.bus.job_submitted()
    else:
        response.status_code = status.HTTP_200_OK
        response.headers["Idempotent-Replayed"] = "true"
    response.headers["Location"] = f"/v1/jobs/{accepted.job.id}"
    return accepted


@router.get("/v1/brands/{brand_id}/exports/{job_id}/manifest", operation_id="getExportManifest")
def get_export_manifest(
    brand_id: str, job_id: str, request: Request, caller: CallerDep, session: SessionDep
) -> Manifest:
    """The manifest of a finished export, with freshly signed download URLs."""
    return service.manifest_of(session, services_of(request), caller, brand_id, job_id)
