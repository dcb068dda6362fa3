"""Experiment tables: experiments, their arms (creative variants), daily metrics per arm and source, and
the history of traffic weights."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Float, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from asset_store.sql import Base, created_at_column, id_column, utcnow


class Experiment(Base):
    """An A/B (or multi-arm) test of creative variants; ``config`` holds the analysis settings
    (``serving.experiments.schemas.ExperimentConfig``)."""

    __tablename__ = "experiments"
    __table_args__ = (Index("ix_experiments_brand_status", "brand_id", "status"),)

    id: Mapped[str] = id_column("exp")
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"))
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(String(2000))
    status: Mapped[str] = mapped_column(String(16))
    """draft | running | stopped | concluded"""
    goal: Mapped[str] = mapped_column(String(8))
    """ctr (clicks / impressions) | cvr (conversions / clicks)"""
    branch: Mapped[str] = mapped_column(String(100))
    """Where fresh variants are looked for when an arm fatigues."""
    config: Mapped[dict[str, Any]] = mapped_column(default=dict)
    start_at: Mapped[datetime | None] = mapped_column()
    end_at: Mapped[datetime | None] = mapped_column()
    started_at: Mapped[datetime | None] = mapped_column()
    stopped_at: Mapped[datetime | None] = mapped_column()
    concluded_at: Mapped[datetime | None] = mapped_column()
    winner_arm_id: Mapped[str | None] = mapped_column(String(40))
    decision: Mapped[dict[str, Any] | None] = mapped_column()
    """How the winner was chosen: the rule's numbers, or a person's choice."""
    rebalances: Mapped[int] = mapped_column(Integer, default=0)
    """Rebalances so far; with the id it seeds the next one's random draws (reproducible)."""
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExperimentArm(Base):
    """One creative variant: an asset path pinned to a commit, optionally for one platform/placement."""

    __tablename__ = "experiment_arms"
    __table_args__ = (UniqueConstraint("experiment_id", "name"),)

    id: Mapped[str] = id_column("arm")
    experiment_id: Mapped[str] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(64))
    position: Mapped[int] = mapped_column(Integer)
    asset_path: Mapped[str] = mapped_column(String(1024))
    commit_id: Mapped[str] = mapped_column(String(64))
    blob: Mapped[str] = mapped_column(String(64))
    kind: Mapped[str] = mapped_column(String(16))
    platform: Mapped[str | None] = mapped_column(String(64))
    placement: Mapped[str | None] = mapped_column(String(64))
    weight: Mapped[float] = mapped_column(Float)
    status: Mapped[str] = mapped_column(String(16), default="active")
    """active | retired (gets no traffic, stays in the results)"""
    fatigued_at: Mapped[datetime | None] = mapped_column()
    """When a fatigue check last flagged it (cleared once it is healthy again)."""
    created_at: Mapped[datetime] = created_at_column()


class ExperimentMetric(Base):
    """One arm's numbers for one day from one source; ingest replaces the row (idempotent upsert)."""

    __tablename__ = "experiment_metrics"
    __table_args__ = (Index("ix_experiment_metrics_experiment_day", "experiment_id", "day"),)

    experiment_id: Mapped[str] = mapped_column(
        ForeignKey("experiments.id", ondelete="CASCADE"), primary_key=True
    )
    arm_id: Mapped[str] = mapped_column(
        ForeignKey("experiment_arms.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[date] = mapped_column(primary_key=True)
    source: Mapped[str] = mapped_column(String(64), primary_key=True)
    impressions: Mapped[int] = mapped_column(BigInteger)
    clicks: Mapped[int] = mapped_column(BigInteger)
    conversions: Mapped[int] = mapped_column(BigInteger)
    spend_micros: Mapped[int] = mapped_column(BigInteger)
    """Spend in millionths of the currency unit (exact sums)."""
    updated_by: Mapped[str] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)


class ExperimentWeightChange(Base):
    """The weight history: every change of the arms' traffic weights, why, and by whom."""

    __tablename__ = "experiment_weight_changes"

    id: Mapped[str] = id_column("ewc")
    experiment_id: Mapped[str] = mapped_column(ForeignKey("experiments.id", ondelete="CASCADE"), index=True)
    reason: Mapped[str] = mapped_column(String(16))
    """created | manual | rebalance | arm_added | arm_retired | concluded"""
    weights: Mapped[dict[str, Any]] = mapped_column(default=dict)
    previous: Mapped[dict[str, Any]] = mapped_column(default=dict)
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    created_by: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_at_column()
