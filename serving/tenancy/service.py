"""Brand, region, agency and assignment operations, each checked against the caller's grants."""

from __future__ import annotations

from sqlalchemy import Select, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from serving.audit.service import record
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import Conflict, NotFound
from serving.tenancy.models import Agency, AgencyAssignment, Brand, Region
from serving.tenancy.schemas import AgencyCreate, AssignmentCreate, BrandCreate, BrandUpdate, RegionCreate


def _flush_unique(session: Session, what: str, code: str) -> None:
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict(f"{what} already exists", code=code) from exc


# Brands ---------------------------------------------------------------------------------------


def create_brand(session: Session, caller: Caller, body: BrandCreate, request_id: str | None) -> Brand:
    caller.require_operator()
    brand = Brand(slug=body.slug, name=body.name)
    session.add(brand)
    _flush_unique(session, f"brand {body.slug!r}", "brand_exists")
    record(
        session,
        caller,
        "brand.create",
        brand_id=brand.id,
        target_type="brand",
        target_id=brand.id,
        request_id=request_id,
        details={"slug": body.slug},
    )
    return brand


def list_brands_stmt(caller: Caller) -> Select[Brand]:
    stmt = select(Brand)
    brands = caller.brand_ids()
    return stmt if brands is None else stmt.where(Brand.id.in_(sorted(brands)))


def get_brand(session: Session, caller: Caller, brand_id: str) -> Brand:
    caller.require(Permission.BRAND_READ, brand_id)
    brand = session.get(Brand, brand_id)
    if brand is None:
        raise NotFound("brand not found")
    return brand


def update_brand(
    session: Session, caller: Caller, brand_id: str, body: BrandUpdate, request_id: str | None
) -> Brand:
    caller.require(Permission.BRAND_MANAGE, brand_id)
    brand = get_brand(session, caller, brand_id)
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    for field, value in changes.items():
        setattr(brand, field, value)
    record(
        session,
        caller,
        "brand.update",
        brand_id=brand_id,
        target_type="brand",
        target_id=brand_id,
        request_id=request_id,
        details=changes,
    )
    return brand


# Regions --------------------------------------------------------------------------------------


def create_region(
    session: Session, caller: Caller, brand_id: str, body: RegionCreate, request_id: str | None
) -> Region:
    caller.require(Permission.BRAND_MANAGE, brand_id)
    get_brand(session, caller, brand_id)
    region = Region(brand_id=brand_id, code=body.code, name=body.name)
    session.add(region)
    _flush_unique(session, f"region {body.code!r}", "region_exists")
    record(
        session,
        caller,
        "region.create",
        brand_id=brand_id,
        target_type="region",
        target_id=region.id,
        request_id=request_id,
        details={"code": body.code},
    )
    return region


def list_regions_stmt(caller: Caller, brand_id: str) -> Select[Region]:
    scope = caller.scope(brand_id)
    stmt = select(Region).where(Region.brand_id == brand_id)
    if scope.region_ids is not None:
        stmt = stmt.where(Region.id.in_(sorted(scope.region_ids)))
    return stmt


def _sees_region(caller: Caller, brand_id: str, region_id: str) -> bool:
    """Regions carry no agency: a caller sees the regions its grants at the brand cover (as the list does)."""
    try:
        scope = caller.scope(brand_id)
    except NotFound:
        return False
    return scope.region_ids is None or region_id in scope.region_ids


def get_region(session: Session, caller: Caller, brand_id: str, region_id: str) -> Region:
    region = session.get(Region, region_id)
    if region is None or region.brand_id != brand_id or not _sees_region(caller, brand_id, region_id):
        raise NotFound("region not found")
    return region


def delete_region(
    session: Session, caller: Caller, brand_id: str, region_id: str, request_id: str | None
) -> None:
    caller.require(Permission.BRAND_MANAGE, brand_id)
    region = get_region(session, caller, brand_id, region_id)
    session.delete(region)
    record(
        session,
        caller,
        "region.delete",
        brand_id=brand_id,
        target_type="region",
        target_id=region_id,
        request_id=request_id,
    )


# Agencies -------------------------------------------------------------------------------------


def create_agency(session: Session, caller: Caller, body: AgencyCreate, request_id: str | None) -> Agency:
    caller.require_operator()
    agency = Agency(slug=body.slug, name=body.name)
    session.add(agency)
    _flush_unique(session, f"agency {body.slug!r}", "agency_exists")
    record(
        session,
        caller,
        "agency.create",
        target_type="agency",
        target_id=agency.id,
        request_id=request_id,
        details={"slug": body.slug},
    )
    return agency


def _is_agency_directory_reader(caller: Caller) -> bool:
    """Operators and brand admins (not agency staff) see the group's whole agency directory."""
    if caller.is_operator:
        return True
    managed = caller.brand_ids(Permission.BRAND_MANAGE)
    return caller.agency_id is None and bool(managed)


def list_agencies_stmt(caller: Caller) -> Select[Agency]:
    stmt = select(Agency)
    if _is_agency_directory_reader(caller):
        return stmt
    if caller.agency_id is not None:
        return stmt.where(Agency.id == caller.agency_id)
    brands = sorted(caller.brand_ids() or set())
    assigned = select(AgencyAssignment.agency_id).where(AgencyAssignment.brand_id.in_(brands))
    return stmt.where(Agency.id.in_(assigned))


def get_agency(session: Session, caller: Caller, agency_id: str) -> Agency:
    agency = session.scalar(list_agencies_stmt(caller).where(Agency.id == agency_id))
    if agency is None:
        raise NotFound("agency not found")
    return agency


# Assignments ----------------------------------------------------------------------------------


def assign_agency(
    session: Session, caller: Caller, brand_id: str, body: AssignmentCreate, request_id: str | None
) -> AgencyAssignment:
    caller.require(Permission.BRAND_MANAGE, brand_id)
    get_brand(session, caller, brand_id)
    if session.get(Agency, body.agency_id) is None:
        raise NotFound("agency not found", code="agency_not_found")
    if body.region_id is not None:
        get_region(session, caller, brand_id, body.region_id)
    duplicate = session.scalar(
        select(AgencyAssignment).where(
            AgencyAssignment.agency_id == body.agency_id,
            AgencyAssignment.brand_id == brand_id,
            AgencyAssignment.region_id.is_(None)
            if body.region_id is None
            else AgencyAssignment.region_id == body.region_id,
        )
    )
    if duplicate is not None:
        raise Conflict("this agency is already assigned here", code="assignment_exists")
    assignment = AgencyAssignment(agency_id=body.agency_id, brand_id=brand_id, region_id=body.region_id)
    session.add(assignment)
    _flush_unique(session, "assignment", "assignment_exists")
    record(
        session,
        caller,
        "agency.assign",
        brand_id=brand_id,
        target_type="agency",
        target_id=body.agency_id,
        request_id=request_id,
        details={"region_id": body.region_id, "assignment_id": assignment.id},
    )
    return assignment


def list_assignments_stmt(caller: Caller, brand_id: str) -> Select[AgencyAssignment]:
    scope = caller.scope(brand_id)
    stmt = select(AgencyAssignment).where(AgencyAssignment.brand_id == brand_id)
    if scope.agency_id is not None:
        stmt = stmt.where(AgencyAssignment.agency_id == scope.agency_id)
    return stmt


def unassign_agency(
    session: Session, caller: Caller, brand_id: str, assignment_id: str, request_id: str | None
) -> None:
    caller.require(Permission.BRAND_MANAGE, brand_id)
    assignment = session.get(AgencyAssignment, assignment_id)
    if assignment is None or assignment.brand_id != brand_id:
        raise NotFound("assignment not found")
    session.delete(assignment)
    record(
        session,
        caller,
        "agency.unassign",
        brand_id=brand_id,
        target_type="agency",
        target_id=assignment.agency_id,
        request_id=request_id,
        details={"assignment_id": assignment_id},
    )
