"""Append domain events to the outbox inside the caller's transaction."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from serving.events.models import OutboxEvent


def emit(
    session: Session,
    type_: str,
    *,
    brand_id: str | None,
    subject_type: str,
    subject_id: str,
    data: dict[str, Any] | None = None,
    region_id: str | None = None,
    agency_id: str | None = None,
) -> OutboxEvent:
    """Add one event; it becomes visible (and deliverable) only if the caller's transaction commits."""
    event = OutboxEvent(
        brand_id=brand_id,
        type=type_,
        subject_type=subject_type,
        subject_id=subject_id,
        region_id=region_id,
        agency_id=agency_id,
        data=data or {},
    )
    session.add(event)
    return event
