"""The authenticated caller and the checks every route makes with it."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

from sqlalchemy import ColumnElement, and_, false, or_, true

from serving.auth.roles import Grant, Permission
from serving.errors import Forbidden, NotFound

CallerKind = Literal["user", "system", "operator"]


@dataclass(frozen=True)
class Scope:
    """Which rows of one brand a caller sees: all regions (None) or some, all agencies (None) or one."""

    brand_id: str
    region_ids: frozenset[str] | None
    agency_id: str | None


@dataclass(frozen=True)
class Caller:
    """Who is calling: a user (by key or session), a system key, or a platform operator."""

    principal_id: str
    kind: CallerKind
    key_id: str | None = None
    user_id: str | None = None
    agency_id: str | None = None
    is_operator: bool = False
    grants: tuple[Grant, ...] = field(default=())

    def grants_at(self, brand_id: str) -> list[Grant]:
        return [g for g in self.grants if g.brand_id == brand_id]

    def can(self, permission: Permission, brand_id: str) -> bool:
        return self.is_operator or any(permission in g.permissions for g in self.grants_at(brand_id))

    def require(self, permission: Permission, brand_id: str, *, what: str = "brand") -> None:
        """Raise NotFound if the caller has no grant at the brand (its existence is not revealed),
        Forbidden if it has one but not this permission."""
        if self.is_operator:
            return
        grants = self.grants_at(brand_id)
        if not grants:
            raise NotFound(f"{what} not found")
        if not any(permission in g.permissions for g in grants):
            raise Forbidden(f"your role at this brand does not allow {permission.value}")

    def brand_ids(self, permission: Permission = Permission.BRAND_READ) -> set[str] | None:
        """Brands where the caller holds ``permission``; None means every brand (operator)."""
        if self.is_operator:
            return None
        return {g.brand_id for g in self.grants if permission in g.permissions}

    def scope(self, brand_id: str, permission: Permission = Permission.BRAND_READ) -> Scope:
        """The union of the caller's grants at ``brand_id`` that carry ``permission``."""
        if self.is_operator:
            return Scope(brand_id, None, None)
        grants = [g for g in self.grants_at(brand_id) if permission in g.permissions]
        if not grants:
            raise NotFound("brand not found")
        regions: frozenset[str] | None = frozenset()
        agency: str | None = grants[0].agency_id
        for grant in grants:
            if grant.region_ids is None or regions is None:
                regions = None
            else:
                regions = regions | grant.region_ids
            if grant.agency_id is None:
                agency = None
        return Scope(brand_id, regions, agency)

    def sees(
        self, permission: Permission, brand_id: str, region_id: str | None, agency_id: str | None
    ) -> bool:
        """Whether a row with these tenancy columns is visible to the caller."""
        if self.is_operator:
            return True
        try:
            scope = self.scope(brand_id, permission)
        except NotFound:
            return False
        if scope.region_ids is not None and region_id not in scope.region_ids:
            return False
        return scope.agency_id is None or scope.agency_id == agency_id

    def row_filter(
        self, permission: Permission, brand_col: Any, region_col: Any = None, agency_col: Any = None
    ) -> ColumnElement[bool]:
        """A WHERE clause that keeps only rows the caller may see with ``permission``."""
        brands = self.brand_ids(permission)
        if brands is None:
            return true()
        clauses: list[ColumnElement[bool]] = []
        for brand_id in sorted(brands):
            scope = self.scope(brand_id, permission)
            parts: list[ColumnElement[bool]] = [brand_col == brand_id]
            if region_col is not None and scope.region_ids is not None:
                parts.append(region_col.in_(sorted(scope.region_ids)))
            if agency_col is not None and scope.agency_id is not None:
                parts.append(agency_col == scope.agency_id)
            clauses.append(and_(*parts))
        return or_(*clauses) if clauses else false()

    def require_operator(self) -> None:
        if not self.is_operator:
            raise Forbidden("only a platform operator may do this", code="operator_required")
