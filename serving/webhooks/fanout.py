"""Fan-out: turn committed outbox events into one delivery per matching active subscription.

The queue is the outbox itself: events whose ``dispatched_at`` is NULL, read in id order. Being a flag,
not a cursor, it cannot skip an event whose transaction committed after a later one's (ids are made
at flush time, commits may land in another order). On PostgreSQL several processes fan out at once,
each locking its own events (``FOR UPDATE SKIP LOCKED``); on SQLite writers take turns. A delivery is
unique per (subscription, event), so doing an event twice creates nothing twice.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from asset_store.repo.sqlutil import insert_ignore
from asset_store.sql import utcnow
from serving.db import read_only_factory, transaction
from serving.events.models import OutboxEvent
from serving.webhooks.filters import matches
from serving.webhooks.models import WebhookDelivery, WebhookSubscription

PENDING = "pending"


def has_undispatched(factory: sessionmaker[Session]) -> bool:
    """Whether any event waits for the fan-out: a read (on SQLite it takes no write lock)."""
    with transaction(read_only_factory(factory)) as session:
        found = session.scalar(select(OutboxEvent.id).where(OutboxEvent.dispatched_at.is_(None)).limit(1))
    return found is not None


def fan_out(factory: sessionmaker[Session], batch_size: int) -> int:
    """Fan out up to ``batch_size`` undispatched events; returns how many events were handled."""
    if not has_undispatched(factory):
        return 0
    now = utcnow()
    with transaction(factory) as session:
        events = session.execute(
            select(OutboxEvent.id, OutboxEvent.brand_id, OutboxEvent.type, OutboxEvent.created_at)
            .where(OutboxEvent.dispatched_at.is_(None))
            .order_by(OutboxEvent.id)
            .limit(batch_size)
            .with_for_update(skip_locked=True)
        ).all()
        if not events:
            return 0
        brands = sorted({e.brand_id for e in events if e.brand_id is not None})
        subscriptions: dict[str, list[tuple[str, list[str]]]] = {}
        if brands:
            found = session.execute(
                select(
                    WebhookSubscription.id, WebhookSubscription.brand_id, WebhookSubscription.event_types
                ).where(WebhookSubscription.brand_id.in_(brands), WebhookSubscription.active.is_(True))
            )
            for sub_id, brand_id, filters in found:
                subscriptions.setdefault(brand_id, []).append((sub_id, list(filters or [])))
        rows: list[dict[str, Any]] = []
        for event in events:
            for sub_id, filters in subscriptions.get(event.brand_id or "", []):
                if matches(filters, event.type):
                    rows.append(
                        new_delivery(sub_id, event.brand_id, event.id, event.type, event.created_at, now)
                    )
        for start in range(0, len(rows), 1000):
            insert_ignore(session, WebhookDelivery, rows[start : start + 1000])
        session.execute(
            update(OutboxEvent)
            .where(OutboxEvent.id.in_([e.id for e in events]))
            .values(dispatched_at=now)
            .execution_options(synchronize_session=False)
        )
    return len(events)


def new_delivery(
    subscription_id: str, brand_id: str, event_id: str, event_type: str, event_created_at: Any, now: Any
) -> dict[str, Any]:
    """The row of a fresh delivery, due now."""
    return {
        "subscription_id": subscription_id,
        "brand_id": brand_id,
        "event_id": event_id,
        "event_type": event_type,
        "event_created_at": event_created_at,
        "status": PENDING,
        "attempts": 0,
        "tries": 0,
        "next_attempt_at": now,
    }
