"""Tenancy tables: brand → region, agencies assigned to brands/regions, users and memberships."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from asset_store.sql import Base, created_at_column, id_column


class Brand(Base):
    __tablename__ = "brands"

    id: Mapped[str] = id_column("brd")
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()


class Region(Base):
    __tablename__ = "regions"
    __table_args__ = (UniqueConstraint("brand_id", "code"),)

    id: Mapped[str] = id_column("reg")
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(String(64))
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()


class Agency(Base):
    __tablename__ = "agencies"

    id: Mapped[str] = id_column("agc")
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = created_at_column()


class AgencyAssignment(Base):
    """An agency works for a brand, either everywhere (region_id NULL) or in one region."""

    __tablename__ = "agency_assignments"
    __table_args__ = (UniqueConstraint("agency_id", "brand_id", "region_id"),)

    id: Mapped[str] = id_column("asg")
    agency_id: Mapped[str] = mapped_column(ForeignKey("agencies.id", ondelete="CASCADE"), index=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at_column()


class User(Base):
    __tablename__ = "users"

    id: Mapped[str] = id_column("usr")
    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(200))
    password_hash: Mapped[str | None] = mapped_column(String(300))
    agency_id: Mapped[str | None] = mapped_column(ForeignKey("agencies.id", ondelete="RESTRICT"), index=True)
    is_active: Mapped[bool] = mapped_column(Boolean, default=True)
    is_operator: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = created_at_column()


class Membership(Base):
    """A user's role at a brand, optionally limited to one region."""

    __tablename__ = "memberships"
    __table_args__ = (UniqueConstraint("user_id", "brand_id", "role", "region_id"),)

    id: Mapped[str] = id_column("mem")
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    brand_id: Mapped[str] = mapped_column(ForeignKey("brands.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(32))
    region_id: Mapped[str | None] = mapped_column(ForeignKey("regions.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_at_column()
