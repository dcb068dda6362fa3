"""Wire schemas for brands, regions, agencies, assignments, users and memberships."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field, StrictBool, StringConstraints

from serving.auth.roles import Role
from serving.schemas_common import SLUG_PATTERN, PublicModel, RequestModel

SlugStr = Annotated[str, StringConstraints(pattern=SLUG_PATTERN)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=200)]
Email = Annotated[
    str, StringConstraints(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$", max_length=320, to_lower=True)
]
Password = Annotated[str, StringConstraints(min_length=12, max_length=256)]


class BrandCreate(RequestModel):
    slug: SlugStr
    name: Name


class BrandUpdate(RequestModel):
    name: Name | None = None


class BrandPublic(PublicModel):
    id: str
    slug: str
    name: str
    created_at: datetime


class RegionCreate(RequestModel):
    code: SlugStr
    name: Name


class RegionPublic(PublicModel):
    id: str
    brand_id: str
    code: str
    name: str
    created_at: datetime


class AgencyCreate(RequestModel):
    slug: SlugStr
    name: Name


class AgencyPublic(PublicModel):
    id: str
    slug: str
    name: str
    created_at: datetime


class AssignmentCreate(RequestModel):
    agency_id: str = Field(max_length=40)
    region_id: str | None = Field(default=None, max_length=40, description="Limit to one region; null: all.")


class AssignmentPublic(PublicModel):
    id: str
    agency_id: str
    brand_id: str
    region_id: str | None
    created_at: datetime


class MembershipCreate(RequestModel):
    brand_id: str = Field(max_length=40)
    role: Role
    region_id: str | None = Field(default=None, max_length=40)


class MembershipPublic(PublicModel):
    id: str
    user_id: str
    brand_id: str
    role: Role
    region_id: str | None
    created_at: datetime


class UserCreate(RequestModel):
    email: Email
    display_name: Name
    password: Password | None = Field(default=None, description="For studio login; omit for key-only users.")
    agency_id: str | None = Field(default=None, max_length=40, description="Set for agency staff.")
    is_operator: StrictBool = Field(
        default=False, description="Platform operator; only operators may set it."
    )
    memberships: list[MembershipCreate] = Field(default_factory=list, max_length=100)


class UserUpdate(RequestModel):
    display_name: Name | None = None
    password: Password | None = None
    is_active: StrictBool | None = None


class UserPublic(PublicModel):
    id: str
    email: str
    display_name: str
    agency_id: str | None
    is_active: bool
    is_operator: bool
    created_at: datetime
    memberships: list[MembershipPublic] = Field(default_factory=list)
