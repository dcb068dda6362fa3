"""Webhook tables: subscriptions (endpoints), one delivery per (event, subscription), and its attempts."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Float, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from asset_store.sql import Base, created_at_column, id_column, utcnow


class WebhookSubscription(Base):
    """A brand's endpoint. Its signing secret is never stored: it is derived from the server pepper and
    ``secret_salt`` (see ``serving.webhooks.secrets``), so a database copy alone cannot forge signatures."""

    __tablename__ = "webhook_subscriptions"

    id: Mapped[str] = id_column("whk")
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str | None] = mapped_column(String(300))
    event_types: Mapped[list[str]] = mapped_column(JSON, default=list)
    """Filters: an exact type, a prefix ending in '.', or '*'; empty means every event."""
    active: Mapped[bool] = mapped_column(default=True)
    secret_salt: Mapped[str] = mapped_column(String(64))
    previous_salt: Mapped[str | None] = mapped_column(String(64))
    previous_expires_at: Mapped[datetime | None] = mapped_column()
    """Until then deliveries carry a second ``v1`` signature made with the secret before the rotation."""
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class WebhookDelivery(Base):
    """One event owed to one subscription. ``pending`` until a 2xx (``succeeded``) or until it runs out
    of tries (``dead``). A claim is a lease: it pushes ``next_attempt_at`` ahead and sets ``lease_token``;
    a dispatcher that dies leaves the delivery to be claimed again when that time passes."""

    __tablename__ = "webhook_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "event_id"),
        Index("ix_webhook_deliveries_due", "status", "next_attempt_at"),
        Index("ix_webhook_deliveries_subscription", "subscription_id", "id"),
    )

    id: Mapped[str] = id_column("whd")
    subscription_id: Mapped[str] = mapped_column(ForeignKey("webhook_subscriptions.id", ondelete="CASCADE"))
    brand_id: Mapped[str] = mapped_column(String(40))
    event_id: Mapped[str] = mapped_column(ForeignKey("outbox_events.id", ondelete="CASCADE"), index=True)
    event_type: Mapped[str] = mapped_column(String(64))
    event_created_at: Mapped[datetime] = mapped_column()
    status: Mapped[str] = mapped_column(String(16))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    """Every attempt ever made (numbers the log across replays)."""
    tries: Mapped[int] = mapped_column(Integer, default=0)
    """Attempts since the delivery was last queued (backoff and the dead letter count these)."""
    next_attempt_at: Mapped[datetime] = mapped_column()
    lease_token: Mapped[str | None] = mapped_column(String(32))
    last_status_code: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column()
    delivered_at: Mapped[datetime | None] = mapped_column()
    created_at: Mapped[datetime] = created_at_column()


class WebhookAttempt(Base):
    """The delivery log: one row per HTTP attempt."""

    __tablename__ = "webhook_attempts"

    id: Mapped[str] = id_column("wha")
    delivery_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_deliveries.id", ondelete="CASCADE"), index=True
    )
    attempt: Mapped[int] = mapped_column(Integer)
    at: Mapped[datetime] = mapped_column()
    status_code: Mapped[int | None] = mapped_column(Integer)
    latency_ms: Mapped[float] = mapped_column(Float)
    error: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str] = mapped_column(String(16))
    """succeeded | retrying | dead"""
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    """e.g. ``{"retry_in_s": 20.0}`` or ``{"replay": true}``."""
