"""User and membership operations: who may see, create and change whom."""

from __future__ import annotations

from sqlalchemy import Select, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from serving.audit.service import record
from serving.auth.caller import Caller
from serving.auth.roles import AGENCY_ROLES, Permission
from serving.auth.secrets import hash_password
from serving.errors import Conflict, Forbidden, InvalidInput, NotFound
from serving.tenancy.models import Agency, AgencyAssignment, Membership, Region, User
from serving.tenancy.schemas import MembershipCreate, UserCreate, UserUpdate


def _managed_brands(caller: Caller) -> set[str] | None:
    return caller.brand_ids(Permission.MEMBERS_MANAGE)


def visible_users_stmt(caller: Caller) -> Select[User]:
    """Operators see everyone; others see themselves and members of brands they manage."""
    managed = _managed_brands(caller)
    if managed is None:
        return select(User)
    members = select(Membership.user_id).where(Membership.brand_id.in_(sorted(managed)))
    return select(User).where(or_(User.id == caller.user_id, User.id.in_(members)))


def get_user(session: Session, caller: Caller, user_id: str) -> User:
    user = session.scalar(visible_users_stmt(caller).where(User.id == user_id))
    if user is None:
        raise NotFound("user not found")
    return user


def visible_memberships(session: Session, caller: Caller, user: User) -> list[Membership]:
    """A user's memberships, cut to brands the caller manages unless it is the user or an operator."""
    rows = list(
        session.scalars(select(Membership).where(Membership.user_id == user.id).order_by(Membership.id))
    )
    managed = _managed_brands(caller)
    if managed is None or caller.user_id == user.id:
        return rows
    return [m for m in rows if m.brand_id in managed]


def _check_membership(
    session: Session, caller: Caller, user_agency: str | None, body: MembershipCreate
) -> None:
    caller.require(Permission.MEMBERS_MANAGE, body.brand_id)
    if body.region_id is not None:
        region = session.get(Region, body.region_id)
        if region is None or region.brand_id != body.brand_id:
            raise NotFound("region not found", code="region_not_found")
    if user_agency is None:
        return
    if body.role not in AGENCY_ROLES:
        raise InvalidInput(
            f"agency staff may hold only {', '.join(sorted(r.value for r in AGENCY_ROLES))}",
            code="role_not_allowed_for_agency",
        )
    assignments = session.scalars(
        select(AgencyAssignment).where(
            AgencyAssignment.agency_id == user_agency, AgencyAssignment.brand_id == body.brand_id
        )
    ).all()
    regions = {a.region_id for a in assignments}
    if not assignments or (None not in regions and body.region_id not in regions):
        raise InvalidInput(
            "the user's agency is not assigned to this brand/region", code="agency_not_assigned"
        )


def _add_membership(session: Session, user: User, body: MembershipCreate) -> Membership:
    existing = session.scalar(
        select(Membership).where(
            Membership.user_id == user.id,
            Membership.brand_id == body.brand_id,
            Membership.role == body.role.value,
            Membership.region_id.is_(None)
            if body.region_id is None
            else Membership.region_id == body.region_id,
        )
    )
    if existing is not None:
        raise Conflict("the user already has this membership", code="membership_exists")
    membership = Membership(
        user_id=user.id, brand_id=body.brand_id, role=body.role.value, region_id=body.region_id
    )
    session.add(membership)
    session.flush()
    return membership


def create_user(session: Session, caller: Caller, body: UserCreate, request_id: str | None) -> User:
    if not caller.is_operator:
        if body.is_operator:
            raise Forbidden("only operators may create operators", code="operator_required")
        if not body.memberships:
            raise InvalidInput(
                "give at least one membership at a brand you manage", code="membership_required"
            )
    if body.agency_id is not None and session.get(Agency, body.agency_id) is None:
        raise NotFound("agency not found", code="agency_not_found")
    for membership in body.memberships:
        _check_membership(session, caller, body.agency_id, membership)
    user = User(
        email=body.email,
        display_name=body.display_name,
        password_hash=hash_password(body.password) if body.password else None,
        agency_id=body.agency_id,
        is_operator=body.is_operator,
    )
    session.add(user)
    try:
        with session.begin_nested():
            session.flush()
    except IntegrityError as exc:
        raise Conflict("a user with this email already exists", code="user_exists") from exc
    for membership in body.memberships:
        _add_membership(session, user, membership)
    audit_brands: list[str | None] = [*sorted({m.brand_id for m in body.memberships})] or [None]
    for brand_id in audit_brands:
        record(
            session,
            caller,
            "user.create",
            brand_id=brand_id,
            target_type="user",
            target_id=user.id,
            request_id=request_id,
            details={"email": body.email, "agency_id": body.agency_id},
        )
    return user


def update_user(
    session: Session, caller: Caller, user_id: str, body: UserUpdate, request_id: str | None
) -> User:
    user = get_user(session, caller, user_id)
    is_self = caller.user_id == user.id
    if user.is_operator and not (is_self or caller.is_operator):
        raise Forbidden("only an operator may change an operator's account", code="operator_required")
    changes = body.model_dump(exclude_unset=True, exclude_none=True)
    if "password" in changes and not (is_self or caller.is_operator):
        raise Forbidden("only the user or an operator may set a password")
    if "is_active" in changes:
        brands = {
            m.brand_id for m in session.scalars(select(Membership).where(Membership.user_id == user.id))
        }
        managed = _managed_brands(caller)
        if is_self or (managed is not None and not brands <= managed):
            raise Forbidden("deactivating needs an admin of every brand the user belongs to")
        user.is_active = body.is_active if body.is_active is not None else user.is_active
    if body.display_name is not None:
        user.display_name = body.display_name
    if body.password is not None:
        user.password_hash = hash_password(body.password)
    logged = {k: v for k, v in changes.items() if k != "password"} | (
        {"password": "changed"} if body.password else {}
    )
    record(
        session,
        caller,
        "user.update",
        target_type="user",
        target_id=user.id,
        request_id=request_id,
        details=logged,
    )
    return user


def add_membership(
    session: Session, caller: Caller, user_id: str, body: MembershipCreate, request_id: str | None
) -> Membership:
    user = get_user(session, caller, user_id)
    _check_membership(session, caller, user.agency_id, body)
    membership = _add_membership(session, user, body)
    record(
        session,
        caller,
        "membership.add",
        brand_id=body.brand_id,
        target_type="user",
        target_id=user.id,
        request_id=request_id,
        details={"role": body.role.value, "region_id": body.region_id},
    )
    return membership


def remove_membership(
    session: Session, caller: Caller, user_id: str, membership_id: str, request_id: str | None
) -> None:
    membership = session.get(Membership, membership_id)
    if (
        membership is None
        or membership.user_id != user_id
        or not caller.can(Permission.MEMBERS_MANAGE, membership.brand_id)
    ):
        raise NotFound("membership not found")
    session.delete(membership)
    record(
        session,
        caller,
        "membership.remove",
        brand_id=membership.brand_id,
        target_type="user",
        target_id=user_id,
        request_id=request_id,
        details={"role": membership.role},
    )
