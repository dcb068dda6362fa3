"""Write audit events in the same transaction as the change they describe."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from serving.audit.models import AuditEvent
from serving.auth.caller import Caller


def record(
    session: Session,
    caller: Caller | None,
    action: str,
    *,
    brand_id: str | None = None,
    target_type: str | None = None,
    target_id: str | None = None,
    outcome: str = "success",
    request_id: str | None = None,
    details: dict[str, Any] | None = None,
) -> AuditEvent:
    """Append one audit event (flushed, committed with the caller's transaction)."""
    event = AuditEvent(
        actor_id=caller.principal_id if caller else None,
        actor_kind=caller.kind if caller else "anonymous",
        action=action,
        brand_id=brand_id,
        target_type=target_type,
        target_id=target_id,
        outcome=outcome,
        request_id=request_id,
        details=details or {},
    )
    session.add(event)
    session.flush()
    return event
