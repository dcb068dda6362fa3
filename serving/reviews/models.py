"""Review tables: items (one per submitted asset version), decisions (append-only history), comments,
and the brand's reviewed exceptions (false alarms the engine honours for that brand)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from asset_store.sql import Base, created_at_column, id_column, utcnow


class ReviewItem(Base):
    """One asset version on its way to publication: the exact blob and record at ``path``.

    Resubmissions are new items in the same ``thread_id`` (the first item's id) with ``version_no`` + 1.
    ``revision`` grows with every change of state or assignment; writes compare-and-swap on it.
    """

    __tablename__ = "review_items"
    __table_args__ = (
        Index("ix_review_items_version", "brand_id", "path", "blob", "record_id"),
        Index("ix_review_items_queue", "brand_id", "state", "due_at"),
    )

    id: Mapped[str] = id_column("rev")
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id", ondelete="SET NULL"))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id", ondelete="SET NULL"), index=True)
    thread_id: Mapped[str] = mapped_column(String(40), index=True)
    version_no: Mapped[int] = mapped_column(Integer, default=1)
    previous_id: Mapped[str | None] = mapped_column(String(40))
    superseded_by: Mapped[str | None] = mapped_column(String(40))

    branch: Mapped[str] = mapped_column(String(200))
    path: Mapped[str] = mapped_column(String(1024))
    commit_id: Mapped[str] = mapped_column(String(64))
    blob: Mapped[str] = mapped_column(String(64))
    record_id: Mapped[str] = mapped_column(String(64))
    asset_kind: Mapped[str] = mapped_column(String(16))
    industry: Mapped[str | None] = mapped_column(String(32))
    platform: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str | None] = mapped_column(Text)

    state: Mapped[str] = mapped_column(String(24), index=True)
    revision: Mapped[int] = mapped_column(Integer, default=1)
    submitted_by: Mapped[str] = mapped_column(String(64))
    submitter_user_id: Mapped[str | None] = mapped_column(String(40), index=True)
    assignee_id: Mapped[str | None] = mapped_column(String(40), index=True)
    assigned_at: Mapped[datetime | None] = mapped_column()
    due_at: Mapped[datetime | None] = mapped_column()
    check_job_id: Mapped[str | None] = mapped_column(String(40))

    ai_verdict: Mapped[str | None] = mapped_column(String(8))
    ai_findings: Mapped[dict[str, Any] | None] = mapped_column()
    """``{"findings": [...], "excused": [...]}`` as the AI check left them (findings carry an index)."""
    ai_checked_at: Mapped[datetime | None] = mapped_column()
    open_blocking: Mapped[int] = mapped_column(Integer, default=0)
    """Blocking findings not marked as false alarms; brand approval then needs an override."""
    override_reason: Mapped[str | None] = mapped_column(Text)

    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column()


class ReviewDecision(Base):
    """One step of an item's history (append-only): submit, AI check, claim, approve, reject, …"""

    __tablename__ = "review_decisions"

    id: Mapped[str] = id_column("rvd")
    item_id: Mapped[str] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[str] = mapped_column(String(40), index=True)
    brand_id: Mapped[str] = mapped_column(String(40), index=True)
    agency_id: Mapped[str | None] = mapped_column(String(40), index=True)
    level: Mapped[str] = mapped_column(String(16))
    action: Mapped[str] = mapped_column(String(32))
    from_state: Mapped[str | None] = mapped_column(String(24))
    to_state: Mapped[str | None] = mapped_column(String(24))
    actor_id: Mapped[str | None] = mapped_column(String(64))
    actor_user_id: Mapped[str | None] = mapped_column(String(40))
    reason: Mapped[str | None] = mapped_column(Text)
    data: Mapped[dict[str, Any]] = mapped_column(default=dict)
    at: Mapped[datetime] = created_at_column()


class ReviewComment(Base):
    """A comment in an item's thread, optionally anchored to a finding, a text span or an image region."""

    __tablename__ = "review_comments"

    id: Mapped[str] = id_column("rvc")
    item_id: Mapped[str] = mapped_column(ForeignKey("review_items.id", ondelete="CASCADE"), index=True)
    thread_id: Mapped[str] = mapped_column(String(40), index=True)
    brand_id: Mapped[str] = mapped_column(String(40), index=True)
    author_id: Mapped[str] = mapped_column(String(64))
    author_user_id: Mapped[str | None] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(Text)
    anchor: Mapped[dict[str, Any] | None] = mapped_column()
    created_at: Mapped[datetime] = created_at_column()


class ReviewedException(Base):
    """A finding a brand reviewer marked as a false alarm: the engine excuses this rule on this matched
    text for this brand until the exception is revoked."""

    __tablename__ = "reviewed_exceptions"
    __table_args__ = (UniqueConstraint("brand_id", "rule_id", "matched"),)

    id: Mapped[str] = id_column("rvx")
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(48))
    matched: Mapped[str] = mapped_column(String(200))
    """The matched text, normalised (what the engine compares)."""
    context: Mapped[str | None] = mapped_column(Text)
    """The text around the finding when it was marked (eval data for the rule authors)."""
    reason: Mapped[str] = mapped_column(Text)
    source_item_id: Mapped[str | None] = mapped_column(String(40))
    created_by: Mapped[str] = mapped_column(String(64))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_at_column()
    revoked_at: Mapped[datetime | None] = mapped_column()
    revoked_by: Mapped[str | None] = mapped_column(String(64))
