"""The JSON envelope of an outbox event as it leaves Atelier: the body of a webhook POST and of a NATS
message alike."""

from __future__ import annotations

import json

from serving.events.models import OutboxEvent


def event_body(event: OutboxEvent) -> bytes:
    """The JSON document POSTed for ``event`` (compact, UTF-8)."""
    document = {
        "id": event.id,
        "type": event.type,
        "created_at": event.created_at.isoformat(),
        "brand_id": event.brand_id,
        "region_id": event.region_id,
        "agency_id": event.agency_id,
        "subject": {"type": event.subject_type, "id": event.subject_id},
        "data": event.data or {},
    }
    return json.dumps(document, ensure_ascii=False, separators=(",", ":"), default=str).encode()
