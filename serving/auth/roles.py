"""Roles, the permissions each grants, and the grant a caller holds at a brand."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class Role(StrEnum):
    CREATIVE = "creative"
    AGENCY_REVIEWER = "agency_reviewer"
    BRAND_REVIEWER = "brand_reviewer"
    BRAND_ADMIN = "brand_admin"
    SYSTEM = "system"


class Permission(StrEnum):
    BRAND_READ = "brand.read"
    BRAND_MANAGE = "brand.manage"
    MEMBERS_MANAGE = "members.manage"
    API_KEYS_MANAGE = "api_keys.manage"
    AUDIT_READ = "audit.read"
    JOBS_CREATE = "jobs.create"
    JOBS_READ = "jobs.read"
    REVIEW_AGENCY = "review.agency"
    REVIEW_BRAND = "review.brand"
    ASSETS_WRITE = "assets.write"
    ASSETS_PUBLISH = "assets.publish"
    WEBHOOKS_MANAGE = "webhooks.manage"
    EXPERIMENTS_MANAGE = "experiments.manage"


ROLE_PERMISSIONS: dict[Role, frozenset[Permission]] = {
    Role.CREATIVE: frozenset(
        {Permission.BRAND_READ, Permission.JOBS_CREATE, Permission.JOBS_READ, Permission.ASSETS_WRITE}
    ),
    Role.AGENCY_REVIEWER: frozenset({Permission.BRAND_READ, Permission.JOBS_READ, Permission.REVIEW_AGENCY}),
    Role.BRAND_REVIEWER: frozenset(
        {
            Permission.BRAND_READ,
            Permission.JOBS_READ,
            Permission.REVIEW_BRAND,
            Permission.AUDIT_READ,
            Permission.ASSETS_PUBLISH,
        }
    ),
    Role.BRAND_ADMIN: frozenset(Permission) - {Permission.REVIEW_AGENCY},
    Role.SYSTEM: frozenset(
        {
            Permission.BRAND_READ,
            Permission.JOBS_CREATE,
            Permission.JOBS_READ,
            Permission.ASSETS_WRITE,
            Permission.WEBHOOKS_MANAGE,
            Permission.EXPERIMENTS_MANAGE,
        }
    ),
}

BRAND_WIDE_PERMISSIONS = frozenset(
    {
        Permission.BRAND_MANAGE,
        Permission.MEMBERS_MANAGE,
        Permission.API_KEYS_MANAGE,
        Permission.AUDIT_READ,
        Permission.WEBHOOKS_MANAGE,
        Permission.EXPERIMENTS_MANAGE,
    }
)
"""Permissions that act on the whole brand; a grant limited to some regions never carries them."""

AGENCY_ROLES = frozenset({Role.CREATIVE, Role.AGENCY_REVIEWER})
"""Roles an agency's staff may hold; brand_reviewer and brand_admin belong to the brand's own people."""


@dataclass(frozen=True)
class Grant:
    """What a caller may do at one brand.

    ``region_ids`` None means every region of the brand; ``agency_id`` set means the caller acts for
    that agency and sees only that agency's work.
    """

    brand_id: str
    role: Role
    region_ids: frozenset[str] | None = None
    agency_id: str | None = None

    @property
    def permissions(self) -> frozenset[Permission]:
        granted = ROLE_PERMISSIONS[self.role]
        return granted if self.region_ids is None else granted - BRAND_WIDE_PERMISSIONS
