"""Region-limited grants cannot act on the whole brand (no escalation through keys or memberships)."""

from __future__ import annotations

from serving.auth.caller import Caller
from serving.auth.roles import BRAND_WIDE_PERMISSIONS, Grant, Permission, Role


def test_region_limited_admin_loses_brand_wide_permissions() -> None:
    limited = Grant("brd_a", Role.BRAND_ADMIN, frozenset({"reg_north"}))
    assert not (limited.permissions & BRAND_WIDE_PERMISSIONS)
    assert Permission.JOBS_CREATE in limited.permissions
    caller = Caller(principal_id="usr_1", kind="user", grants=(limited,))
    assert not caller.can(Permission.API_KEYS_MANAGE, "brd_a")
    assert not caller.can(Permission.MEMBERS_MANAGE, "brd_a")
    assert caller.can(Permission.JOBS_READ, "brd_a")


def test_brand_wide_admin_keeps_management() -> None:
    caller = Caller(principal_id="usr_2", kind="user", grants=(Grant("brd_a", Role.BRAND_ADMIN),))
    for permission in BRAND_WIDE_PERMISSIONS:
        assert caller.can(permission, "brd_a")
