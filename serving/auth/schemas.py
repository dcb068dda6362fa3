"""Wire schemas for API keys, sessions and the caller."""

from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import Field

from serving.auth.roles import Role
from serving.schemas_common import PublicModel, RequestModel


class ApiKeyCreate(RequestModel):
    name: str = Field(min_length=1, max_length=200)
    kind: Literal["system", "user"] = Field(
        default="system", description="system: scoped to brand_id and role; user: acts as the calling user."
    )
    brand_id: str | None = Field(default=None, max_length=40, description="Required for system keys.")
    role: Role | None = Field(default=None, description="Required for system keys.")
    expires_at: datetime | None = Field(default=None, description="Optional expiry (UTC, timezone required).")


class ApiKeyPublic(PublicModel):
    id: str
    name: str
    kind: str
    prefix: str
    brand_id: str | None
    role: str | None
    user_id: str | None
    created_by: str | None
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None
    last_used_at: datetime | None


class ApiKeyCreated(ApiKeyPublic):
    token: str = Field(description="The key itself. Shown once; store it now.")


class SessionCreate(RequestModel):
    email: str = Field(max_length=320)
    password: str = Field(max_length=256)


class SessionPublic(PublicModel):
    token: str
    user_id: str
    expires_at: datetime


class GrantPublic(PublicModel):
    brand_id: str
    role: Role
    region_ids: list[str] | None
    agency_id: str | None


class CallerPublic(PublicModel):
    principal_id: str
    display_name: str | None = None
    email: str | None = None
    kind: str
    key_id: str | None
    user_id: str | None
    agency_id: str | None
    is_operator: bool
    grants: list[GrantPublic]
