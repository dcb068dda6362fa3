"""Routes for brands, regions, agencies and agency assignments."""

from __future__ import annotations

from fastapi import APIRouter, Path, status

from serving.deps import CallerDep, PageDep, RequestIdDep, SessionDep, SettingsDep
from serving.pagination import Page, page_of
from serving.tenancy import service
from serving.tenancy.models import Agency, AgencyAssignment, Brand, Region
from serving.tenancy.schemas import (
    AgencyCreate,
    AgencyPublic,
    AssignmentCreate,
    AssignmentPublic,
    BrandCreate,
    BrandPublic,
    BrandUpdate,
    RegionCreate,
    RegionPublic,
)

router = APIRouter(prefix="/v1", tags=["tenancy"])
BrandId = Path(max_length=40)


@router.post("/brands", status_code=status.HTTP_201_CREATED, operation_id="createBrand")
def create_brand(body: BrandCreate, caller: CallerDep, session: SessionDep, rid: RequestIdDep) -> BrandPublic:
    """Create a brand (platform operators)."""
    return BrandPublic.model_validate(service.create_brand(session, caller, body, rid))


@router.get("/brands", operation_id="listBrands")
def list_brands(
    caller: CallerDep, session: SessionDep, page: PageDep, settings: SettingsDep
) -> Page[BrandPublic]:
    """Brands the caller holds a grant at."""
    return page_of(
        session,
        service.list_brands_stmt(caller),
        Brand.id,
        page,
        settings.api.max_page_size,
        BrandPublic.model_validate,
    )


@router.get("/brands/{brand_id}", operation_id="getBrand")
def get_brand(caller: CallerDep, session: SessionDep, brand_id: str = BrandId) -> BrandPublic:
    return BrandPublic.model_validate(service.get_brand(session, caller, brand_id))


@router.patch("/brands/{brand_id}", operation_id="updateBrand")
def update_brand(
    body: BrandUpdate, caller: CallerDep, session: SessionDep, rid: RequestIdDep, brand_id: str = BrandId
) -> BrandPublic:
    return BrandPublic.model_validate(service.update_brand(session, caller, brand_id, body, rid))


@router.post("/brands/{brand_id}/regions", status_code=status.HTTP_201_CREATED, operation_id="createRegion")
def create_region(
    body: RegionCreate, caller: CallerDep, session: SessionDep, rid: RequestIdDep, brand_id: str = BrandId
) -> RegionPublic:
    return RegionPublic.model_validate(service.create_region(session, caller, brand_id, body, rid))


@router.get("/brands/{brand_id}/regions", operation_id="listRegions")
def list_regions(
    caller: CallerDep, session: SessionDep, page: PageDep, settings: SettingsDep, brand_id: str = BrandId
) -> Page[RegionPublic]:
    service.get_brand(session, caller, brand_id)
    stmt = service.list_regions_stmt(caller, brand_id)
    return page_of(session, stmt, Region.id, page, settings.api.max_page_size, RegionPublic.model_validate)


@router.get("/brands/{brand_id}/regions/{region_id}", operation_id="getRegion")
def get_region(
    caller: CallerDep, session: SessionDep, region_id: str, brand_id: str = BrandId
) -> RegionPublic:
    return RegionPublic.model_validate(service.get_region(session, caller, brand_id, region_id))


@router.delete(
    "/brands/{brand_id}/regions/{region_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="deleteRegion",
)
def delete_region(
    caller: CallerDep, session: SessionDep, rid: RequestIdDep, region_id: str, brand_id: str = BrandId
) -> None:
    service.delete_region(session, caller, brand_id, region_id, rid)


@router.post("/agencies", status_code=status.HTTP_201_CREATED, operation_id="createAgency")
def create_agency(
    body: AgencyCreate, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> AgencyPublic:
    """Create an agency (platform operators)."""
    return AgencyPublic.model_validate(service.create_agency(session, caller, body, rid))


@router.get("/agencies", operation_id="listAgencies")
def list_agencies(
    caller: CallerDep, session: SessionDep, page: PageDep, settings: SettingsDep
) -> Page[AgencyPublic]:
    return page_of(
        session,
        service.list_agencies_stmt(caller),
        Agency.id,
        page,
        settings.api.max_page_size,
        AgencyPublic.model_validate,
    )


@router.get("/agencies/{agency_id}", operation_id="getAgency")
def get_agency(agency_id: str, caller: CallerDep, session: SessionDep) -> AgencyPublic:
    return AgencyPublic.model_validate(service.get_agency(session, caller, agency_id))


@router.post("/brands/{brand_id}/agencies", status_code=status.HTTP_201_CREATED, operation_id="assignAgency")
def assign_agency(
    body: AssignmentCreate, caller: CallerDep, session: SessionDep, rid: RequestIdDep, brand_id: str = BrandId
) -> AssignmentPublic:
    """Assign an agency to the brand, everywhere or in one region."""
    return AssignmentPublic.model_validate(service.assign_agency(session, caller, brand_id, body, rid))


@router.get("/brands/{brand_id}/agencies", operation_id="listAssignments")
def list_assignments(
    caller: CallerDep, session: SessionDep, page: PageDep, settings: SettingsDep, brand_id: str = BrandId
) -> Page[AssignmentPublic]:
    service.get_brand(session, caller, brand_id)
    stmt = service.list_assignments_stmt(caller, brand_id)
    return page_of(
        session, stmt, AgencyAssignment.id, page, settings.api.max_page_size, AssignmentPublic.model_validate
    )


@router.delete(
    "/brands/{brand_id}/agencies/{assignment_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="unassignAgency",
)
def unassign_agency(
    caller: CallerDep, session: SessionDep, rid: RequestIdDep, assignment_id: str, brand_id: str = BrandId
) -> None:
    service.unassign_agency(session, caller, brand_id, assignment_id, rid)
