"""The outbox: one row per domain event, committed with the change it describes (delivery reads it)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Index, String, column
from sqlalchemy.orm import Mapped, mapped_column

from asset_store.sql import Base, created_at_column, id_column


class OutboxEvent(Base):
    """A domain event, e.g. ``review.brand_approved``; ids are time-ordered and serve as the feed cursor."""

    __tablename__ = "outbox_events"
    __table_args__ = (
        # the webhook fan-out's queue: events not yet turned into deliveries, in id order
        Index(
            "ix_outbox_events_undispatched",
            "id",
            postgresql_where=column("dispatched_at").is_(None),
            sqlite_where=column("dispatched_at").is_(None),
        ),
        # the NATS feed's queue: events not yet published to JetStream, in id order
        Index(
            "ix_outbox_events_unpublished",
            "id",
            postgresql_where=column("published_at").is_(None),
            sqlite_where=column("published_at").is_(None),
        ),
    )

    id: Mapped[str] = id_column("evt")
    brand_id: Mapped[str | None] = mapped_column(String(40), index=True)
    type: Mapped[str] = mapped_column(String(64), index=True)
    subject_type: Mapped[str] = mapped_column(String(32))
    subject_id: Mapped[str] = mapped_column(String(64), index=True)
    region_id: Mapped[str | None] = mapped_column(String(40))
    agency_id: Mapped[str | None] = mapped_column(String(40))
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_at: Mapped[datetime] = created_at_column()
    dispatched_at: Mapped[datetime | None] = mapped_column()
    """When the webhook fan-out made this event's deliveries (``serving.webhooks.fanout``)."""
    published_at: Mapped[datetime | None] = mapped_column()
    """When the NATS feed published this event to JetStream (``serving.nats_feed``)."""
