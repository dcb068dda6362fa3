"""GET /v1/events: the outbox as a feed, for systems that poll rather than receive webhooks."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel
from sqlalchemy import select

from serving.auth.roles import Permission
from serving.deps import CallerDep, PageDep, SessionDep, SettingsDep
from serving.events.models import OutboxEvent
from serving.pagination import Page, page_of

router = APIRouter(prefix="/v1/events", tags=["events"])


class EventPublic(BaseModel):
    id: str
    type: str
    brand_id: str | None
    subject_type: str
    subject_id: str
    data: dict[str, Any]
    created_at: datetime


def to_public(event: OutboxEvent) -> EventPublic:
    return EventPublic(
        id=event.id,
        type=event.type,
        brand_id=event.brand_id,
        subject_type=event.subject_type,
        subject_id=event.subject_id,
        data=dict(event.data or {}),
        created_at=event.created_at,
    )


@router.get("", operation_id="listEvents")
def list_events(
    caller: CallerDep,
    session: SessionDep,
    page: PageDep,
    settings: SettingsDep,
    brand_id: Annotated[str | None, Query(max_length=40)] = None,
    type_prefix: Annotated[str | None, Query(max_length=64, description="e.g. 'review.'")] = None,
    subject_id: Annotated[str | None, Query(max_length=64)] = None,
) -> Page[EventPublic]:
    """Events the caller may see, oldest first; keep ``next_cursor`` to resume where you stopped."""
    stmt = select(OutboxEvent).where(
        caller.row_filter(
            Permission.BRAND_READ, OutboxEvent.brand_id, OutboxEvent.region_id, OutboxEvent.agency_id
        )
    )
    if brand_id is not None:
        stmt = stmt.where(OutboxEvent.brand_id == brand_id)
    if type_prefix:
        stmt = stmt.where(OutboxEvent.type.startswith(type_prefix, autoescape=True))
    if subject_id is not None:
        stmt = stmt.where(OutboxEvent.subject_id == subject_id)
    return page_of(session, stmt, OutboxEvent.id, page, settings.api.max_page_size, to_public)
