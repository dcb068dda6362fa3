"""The feed's lease: which process publishes the outbox to NATS now (one row per feed)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from asset_store.sql import Base


class EventFeedLease(Base):
    """Held by one process at a time, until ``expires_at``; the holder renews it while it publishes.

    The per-event progress is ``outbox_events.published_at``; this row only says who may publish, so the
    stream receives the outbox in order even with several API processes."""

    __tablename__ = "event_feed_leases"

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str | None] = mapped_column(String(64))
    expires_at: Mapped[datetime] = mapped_column()
