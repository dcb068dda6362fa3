"""The delivery log of an endpoint, and replays: one delivery, or every event of a time range."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from asset_store.repo.sqlutil import insert_ignore
from asset_store.sql import utcnow
from serving.audit.service import record
from serving.auth.caller import Caller
from serving.errors import InvalidInput, NotFound
from serving.events.models import OutboxEvent
from serving.pagination import Page, PageParams, page_of
from serving.webhooks.fanout import new_delivery
from serving.webhooks.filters import matches
from serving.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from serving.webhooks.schemas import (
    AttemptPublic,
    DeliveryDetail,
    DeliveryPublic,
    DeliveryStatus,
    ReplayRange,
    ReplayResult,
)
from serving.webhooks.service import get_webhook

MAX_REPLAY = 10_000
"""Most events one range replay may queue (narrow the range for more)."""


def to_public(d: WebhookDelivery) -> DeliveryPublic:
    return DeliveryPublic(
        id=d.id,
        webhook_id=d.subscription_id,
        event_id=d.event_id,
        event_type=d.event_type,
        event_created_at=d.event_created_at,
        status=d.status,  # type: ignore[arg-type]
        attempts=d.attempts,
        tries=d.tries,
        next_attempt_at=d.next_attempt_at if d.status == "pending" else None,
        last_status_code=d.last_status_code,
        last_error=d.last_error,
        last_attempt_at=d.last_attempt_at,
        delivered_at=d.delivered_at,
        created_at=d.created_at,
    )


def list_deliveries(
    session: Session,
    caller: Caller,
    brand_id: str,
    webhook_id: str,
    page: PageParams,
    max_limit: int,
    status: DeliveryStatus | None = None,
    event_id: str | None = None,
) -> Page[DeliveryPublic]:
    """An endpoint's deliveries, oldest first."""
    sub = get_webhook(session, caller, brand_id, webhook_id)
    stmt = select(WebhookDelivery).where(WebhookDelivery.subscription_id == sub.id)
    if status is not None:
        stmt = stmt.where(WebhookDelivery.status == status)
    if event_id is not None:
        stmt = stmt.where(WebhookDelivery.event_id == event_id)
    return page_of(session, stmt, WebhookDelivery.id, page, max_limit, to_public)


def _delivery(session: Session, sub: WebhookSubscription, delivery_id: str) -> WebhookDelivery:
    delivery = session.get(WebhookDelivery, delivery_id)
    if delivery is None or delivery.subscription_id != sub.id:
        raise NotFound("delivery not found", code="delivery_not_found")
    return delivery


def get_delivery(
    session: Session, caller: Caller, brand_id: str, webhook_id: str, delivery_id: str
) -> DeliveryDetail:
    """A delivery with every attempt made."""
    delivery = _delivery(session, get_webhook(session, caller, brand_id, webhook_id), delivery_id)
    attempts = session.scalars(
        select(WebhookAttempt).where(WebhookAttempt.delivery_id == delivery.id).order_by(WebhookAttempt.id)
    )
    log = [
        AttemptPublic(
            attempt=a.attempt,
            at=a.at,
            status_code=a.status_code,
            latency_ms=a.latency_ms,
            error=a.error,
            outcome=a.outcome,  # type: ignore[arg-type]
            detail=dict(a.detail or {}),
        )
        for a in attempts
    ]
    return DeliveryDetail(**to_public(delivery).model_dump(), log=log)


def _requeue_values() -> dict[str, Any]:
    return {"status": "pending", "tries": 0, "next_attempt_at": utcnow(), "lease_token": None}


def replay_delivery(
    session: Session, caller: Caller, brand_id: str, webhook_id: str, delivery_id: str, rid: str | None
) -> DeliveryPublic:
    """Queue one delivery again, whatever its state: it is sent at once with a fresh try count."""
    sub = get_webhook(session, caller, brand_id, webhook_id)
    delivery = _delivery(session, sub, delivery_id)
    for key, value in _requeue_values().items():
        setattr(delivery, key, value)
    session.flush()
    record(
        session,
        caller,
        "webhook.replay",
        brand_id=brand_id,
        target_type="webhook_delivery",
        target_id=delivery.id,
        request_id=rid,
        details={"webhook_id": sub.id, "event_id": delivery.event_id},
    )
    return to_public(delivery)


def replay_range(
    session: Session, caller: Caller, brand_id: str, webhook_id: str, body: ReplayRange, rid: str | None
) -> ReplayResult:
    """Send every event of the brand created in [since, until) that the endpoint's filters (or the
    body's) select: existing deliveries are queued again, missing ones (events from before the endpoint
    existed or while it was inactive) are created."""
    sub = get_webhook(session, caller, brand_id, webhook_id)
    until = body.until or utcnow()
    if body.since.tzinfo is None or until.tzinfo is None:
        raise InvalidInput("since and until need a timezone", code="naive_datetime")
    if until <= body.since:
        raise InvalidInput("until must be after since", code="empty_range")
    filters = sub.event_types if body.event_types is None else body.event_types
    events = session.execute(
        select(OutboxEvent.id, OutboxEvent.type, OutboxEvent.created_at)
        .where(
            OutboxEvent.brand_id == brand_id,
            OutboxEvent.created_at >= body.since,
            OutboxEvent.created_at < until,
        )
        .order_by(OutboxEvent.id)
    ).all()
    wanted = [e for e in events if matches(filters, e.type)]
    if len(wanted) > MAX_REPLAY:
        raise InvalidInput(
            f"{len(wanted)} events in that range; replay at most {MAX_REPLAY} at once",
            code="replay_too_large",
        )
    existing: dict[str, str] = {}
    ids = [e.id for e in wanted]
    for start in range(0, len(ids), 500):
        found = session.execute(
            select(WebhookDelivery.event_id, WebhookDelivery.status).where(
                WebhookDelivery.subscription_id == sub.id,
                WebhookDelivery.event_id.in_(ids[start : start + 500]),
            )
        )
        for event_id, status in found:
            existing[event_id] = status
    again = [e for e in ids if e in existing and (body.include_succeeded or existing[e] != "succeeded")]
    now = utcnow()
    fresh = [
        new_delivery(sub.id, brand_id, e.id, e.type, e.created_at, now)
        for e in wanted
        if e.id not in existing
    ]
    for start in range(0, len(again), 500):
        session.execute(
            update(WebhookDelivery)
            .where(
                WebhookDelivery.subscription_id == sub.id,
                WebhookDelivery.event_id.in_(again[start : start + 500]),
            )
            .values(**_requeue_values())
            .execution_options(synchronize_session=False)
        )
    for start in range(0, len(fresh), 1000):
        insert_ignore(session, WebhookDelivery, fresh[start : start + 1000])
    result = ReplayResult(requeued=len(again), created=len(fresh))
    record(
        session,
        caller,
        "webhook.replay_range",
        brand_id=brand_id,
        target_type="webhook",
        target_id=sub.id,
        request_id=rid,
        details={"since": body.since.isoformat(), "until": until.isoformat(), **result.model_dump()},
    )
    return result
