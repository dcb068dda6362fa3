"""The dispatcher's database side: claim due deliveries under a lease, then record what the sends did.

A claim pushes ``next_attempt_at`` one lease ahead and stamps a ``lease_token``; recording an outcome is a
compare-and-set on that token, so an outcome that arrives after the lease passed to another process (or
after a replay re-queued the delivery) changes nothing but the log. Every attempt is logged.
"""

from __future__ import annotations

import random
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from sqlalchemy import Select, Table, bindparam, insert, select, update
from sqlalchemy.orm import Session, sessionmaker

from asset_store.sql import utcnow
from serving.db import read_only_factory, transaction
from serving.events.envelope import event_body
from serving.events.models import OutboxEvent
from serving.settings import WebhookSettings
from serving.webhooks.models import WebhookAttempt, WebhookDelivery, WebhookSubscription
from serving.webhooks.retry import next_step
from serving.webhooks.secrets import signing_secrets

PENDING, SUCCEEDED, DEAD = "pending", "succeeded", "dead"


@dataclass(frozen=True)
class Outgoing:
    """One claimed delivery, ready to sign and send."""

    delivery_id: str
    token: str
    attempt: int
    tries: int
    url: str
    secrets: tuple[str, ...]
    event_id: str
    event_type: str
    body: bytes


@dataclass(frozen=True)
class Outcome:
    """What one send did (``status_code`` None: no HTTP response)."""

    delivery_id: str
    token: str
    attempt: int
    tries: int
    at: datetime
    status_code: int | None
    latency_ms: float
    error: str | None = None
    retry_after: float | None = None


def _due(now: datetime) -> Select[str]:
    """Ids of due deliveries of active subscriptions, oldest due first."""
    return (
        select(WebhookDelivery.id)
        .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
        .where(
            WebhookDelivery.status == PENDING,
            WebhookDelivery.next_attempt_at <= now,
            WebhookSubscription.active.is_(True),
        )
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id)
    )


def has_due(factory: sessionmaker[Session]) -> bool:
    """Whether any delivery is due: a read (on SQLite it takes no write lock)."""
    with transaction(read_only_factory(factory)) as session:
        return session.scalar(_due(utcnow()).limit(1)) is not None


def claim(factory: sessionmaker[Session], pepper: str, settings: WebhookSettings) -> list[Outgoing]:
    """Lease up to ``batch_size`` due deliveries of active subscriptions, oldest due first."""
    if not has_due(factory):
        return []
    now = utcnow()
    token = uuid.uuid4().hex
    with transaction(factory) as session:
        ids = list(
            session.scalars(
                _due(now).limit(settings.batch_size).with_for_update(of=WebhookDelivery, skip_locked=True)
            )
        )
        if not ids:
            return []
        session.execute(
            update(WebhookDelivery)
            .where(WebhookDelivery.id.in_(ids))
            .values(lease_token=token, next_attempt_at=now + timedelta(seconds=settings.lease_seconds))
            .execution_options(synchronize_session=False)
        )
        rows = session.execute(
            select(
                WebhookDelivery.id,
                WebhookDelivery.attempts,
                WebhookDelivery.tries,
                WebhookSubscription,
                OutboxEvent,
            )
            .join(WebhookSubscription, WebhookSubscription.id == WebhookDelivery.subscription_id)
            .join(OutboxEvent, OutboxEvent.id == WebhookDelivery.event_id)
            .where(WebhookDelivery.id.in_(ids))
            .order_by(WebhookDelivery.event_id)
        ).all()
        secrets_of: dict[str, tuple[str, ...]] = {}
        batch = []
        for delivery_id, attempts, tries, sub, event in rows:
            if sub.id not in secrets_of:
                secrets_of[sub.id] = tuple(signing_secrets(sub, pepper, now))
            batch.append(
                Outgoing(
                    delivery_id=delivery_id,
                    token=token,
                    attempt=attempts + 1,
                    tries=tries + 1,
                    url=sub.url,
                    secrets=secrets_of[sub.id],
                    event_id=event.id,
                    event_type=event.type,
                    body=event_body(event),
                )
            )
    return batch


_DELIVERIES = cast(Table, WebhookDelivery.__table__)
_RECORD = (
    update(_DELIVERIES)
    .where(_DELIVERIES.c.id == bindparam("b_id"), _DELIVERIES.c.lease_token == bindparam("b_token"))
    .values(
        status=bindparam("b_status"),
        attempts=bindparam("b_attempts"),
        tries=bindparam("b_tries"),
        next_attempt_at=bindparam("b_next"),
        lease_token=None,
        last_status_code=bindparam("b_code"),
        last_error=bindparam("b_error"),
        last_attempt_at=bindparam("b_at"),
        delivered_at=bindparam("b_delivered"),
    )
)


def record_outcomes(
    factory: sessionmaker[Session], settings: WebhookSettings, outcomes: list[Outcome], rng: random.Random
) -> dict[str, int]:
    """Store a round's outcomes in one transaction; returns how many succeeded, will retry, died."""
    updates: list[dict[str, Any]] = []
    attempts: list[dict[str, Any]] = []
    counts = {"succeeded": 0, "retrying": 0, "dead": 0}
    for out in outcomes:
        step, delay = next_step(out.tries, out.status_code, out.retry_after, settings, rng)
        counts[step] += 1
        status = {"succeeded": SUCCEEDED, "dead": DEAD}.get(step, PENDING)
        updates.append(
            {
                "b_id": out.delivery_id,
                "b_token": out.token,
                "b_status": status,
                "b_attempts": out.attempt,
                "b_tries": out.tries,
                "b_next": out.at + timedelta(seconds=delay or 0.0),
                "b_code": out.status_code,
                "b_error": out.error,
                "b_at": out.at,
                "b_delivered": out.at if status == SUCCEEDED else None,
            }
        )
        attempts.append(
            {
                "delivery_id": out.delivery_id,
                "attempt": out.attempt,
                "at": out.at,
                "status_code": out.status_code,
                "latency_ms": round(out.latency_ms, 3),
                "error": out.error,
                "outcome": step,
                "detail": {"retry_in_s": round(delay, 3)} if delay is not None else {},
            }
        )
    if not outcomes:
        return counts
    with transaction(factory) as session:
        session.execute(_RECORD, updates)
        session.execute(insert(WebhookAttempt), attempts)
    return counts
