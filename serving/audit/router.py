"""Read the audit log (append-only; there is no route that changes it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Query
from sqlalchemy import select

from serving.audit.models import AuditEvent
from serving.auth.roles import Permission
from serving.deps import CallerDep, PageDep, SessionDep, SettingsDep
from serving.pagination import Page, page_of
from serving.schemas_common import PublicModel

router = APIRouter(prefix="/v1/audit", tags=["audit"])


class AuditEventPublic(PublicModel):
    id: str
    at: datetime
    actor_id: str | None
    actor_kind: str
    action: str
    brand_id: str | None
    target_type: str | None
    target_id: str | None
    outcome: str
    request_id: str | None
    details: dict[str, Any]


@router.get("", operation_id="listAuditEvents")
def list_audit_events(
    caller: CallerDep,
    session: SessionDep,
    page: PageDep,
    settings: SettingsDep,
    brand_id: str | None = Query(default=None, max_length=40),
    action: str | None = Query(default=None, max_length=64),
) -> Page[AuditEventPublic]:
    """Audit events of brands where the caller may read the audit log; platform events for operators."""
    stmt = select(AuditEvent).where(caller.row_filter(Permission.AUDIT_READ, AuditEvent.brand_id))
    if brand_id is not None:
        caller.require(Permission.AUDIT_READ, brand_id)
        stmt = stmt.where(AuditEvent.brand_id == brand_id)
    if action is not None:
        stmt = stmt.where(AuditEvent.action == action)
    return page_of(
        session, stmt, AuditEvent.id, page, settings.api.max_page_size, AuditEventPublic.model_validate
    )
