"""The feed's database side: the lease, the oldest unpublished events as messages, marking them published.

The queue is the outbox itself: events whose ``published_at`` is NULL, in id order (a flag, not a cursor,
for the reason ``serving.webhooks.fanout`` gives). Only the lease holder reads and marks it, so the rows
need no locks; reads go through read-only sessions (on SQLite they never wait for the write lock).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import CursorResult, or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from asset_store.repo.sqlutil import insert_ignore
from asset_store.sql import utcnow
from serving.db import read_only_factory, transaction
from serving.events.envelope import event_body
from serving.events.models import OutboxEvent
from serving.nats_feed.models import EventFeedLease
from serving.nats_feed.subjects import event_subject

FEED = "nats"
"""The lease row of the NATS feed."""
MSG_ID_HEADER = "Nats-Msg-Id"
EVENT_TYPE_HEADER = "Atelier-Event-Type"


@dataclass(frozen=True)
class Message:
    """One event, ready to publish."""

    event_id: str
    subject: str
    body: bytes
    headers: dict[str, str]


def to_message(event: OutboxEvent, prefix: str) -> Message:
    """The message of ``event``: its subject, the webhooks' JSON envelope, dedupe and type headers."""
    headers = {
        MSG_ID_HEADER: event.id,
        EVENT_TYPE_HEADER: event.type,
        "Content-Type": "application/json; charset=utf-8",
    }
    return Message(event.id, event_subject(prefix, event.brand_id, event.type), event_body(event), headers)


def has_unpublished(factory: sessionmaker[Session]) -> bool:
    """Whether any event waits for the feed: a read."""
    with transaction(read_only_factory(factory)) as session:
        found = session.scalar(select(OutboxEvent.id).where(OutboxEvent.published_at.is_(None)).limit(1))
    return found is not None


def unpublished(factory: sessionmaker[Session], prefix: str, limit: int) -> list[Message]:
    """The ``limit`` oldest unpublished events, in id order, as messages."""
    with transaction(read_only_factory(factory)) as session:
        events = session.scalars(
            select(OutboxEvent)
            .where(OutboxEvent.published_at.is_(None))
            .order_by(OutboxEvent.id)
            .limit(limit)
        )
        return [to_message(event, prefix) for event in events]


def mark_published(factory: sessionmaker[Session], event_ids: list[str]) -> int:
    """Stamp ``published_at`` on those events (the ones not stamped yet); returns how many changed."""
    if not event_ids:
        return 0
    with transaction(factory) as session:
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(OutboxEvent)
            .where(OutboxEvent.id.in_(event_ids), OutboxEvent.published_at.is_(None))
            .values(published_at=utcnow())
            .execution_options(synchronize_session=False)
        )
        return result.rowcount


def take_lease(factory: sessionmaker[Session], holder: str, seconds: float) -> datetime | None:
    """Take the feed's lease, or renew it, for ``seconds``; returns its new expiry, None while another
    process holds it. A read first, so a process that is not the holder takes no write lock."""
    now = utcnow()
    with transaction(read_only_factory(factory)) as session:
        lease = session.get(EventFeedLease, FEED)
        if lease is not None and lease.holder not in (None, holder) and lease.expires_at > now:
            return None
    expires = now + timedelta(seconds=seconds)
    with transaction(factory) as session:
        if lease is None:
            insert_ignore(session, EventFeedLease, [{"name": FEED, "holder": None, "expires_at": now}])
        result: CursorResult[Any] = session.execute(  # type: ignore[assignment]
            update(EventFeedLease)
            .where(
                EventFeedLease.name == FEED,
                or_(
                    EventFeedLease.holder == holder,
                    EventFeedLease.holder.is_(None),
                    EventFeedLease.expires_at <= now,
                ),
            )
            .values(holder=holder, expires_at=expires)
        )
        return expires if result.rowcount == 1 else None


def release_lease(factory: sessionmaker[Session], holder: str) -> None:
    """Give the lease up (if still ours), so another process publishes without waiting for it to run out."""
    with transaction(factory) as session:
        session.execute(
            update(EventFeedLease)
            .where(EventFeedLease.name == FEED, EventFeedLease.holder == holder)
            .values(holder=None, expires_at=utcnow())
        )
