"""Routes for users and their memberships."""

from __future__ import annotations

from fastapi import APIRouter, status
from sqlalchemy.orm import Session

from serving.auth.caller import Caller
from serving.deps import CallerDep, PageDep, RequestIdDep, SessionDep, SettingsDep
from serving.pagination import Page, page_of
from serving.tenancy import users
from serving.tenancy.models import User
from serving.tenancy.schemas import MembershipCreate, MembershipPublic, UserCreate, UserPublic, UserUpdate

router = APIRouter(prefix="/v1/users", tags=["users"])


def _public(session: Session, caller: Caller, user: User) -> UserPublic:
    public = UserPublic.model_validate(user)
    public.memberships = [
        MembershipPublic.model_validate(m) for m in users.visible_memberships(session, caller, user)
    ]
    return public


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="createUser")
def create_user(body: UserCreate, caller: CallerDep, session: SessionDep, rid: RequestIdDep) -> UserPublic:
    """Create a user with memberships at brands the caller manages."""
    return _public(session, caller, users.create_user(session, caller, body, rid))


@router.get("", operation_id="listUsers")
def list_users(
    caller: CallerDep, session: SessionDep, page: PageDep, settings: SettingsDep
) -> Page[UserPublic]:
    stmt = users.visible_users_stmt(caller)
    return page_of(
        session, stmt, User.id, page, settings.api.max_page_size, lambda user: _public(session, caller, user)
    )


@router.get("/{user_id}", operation_id="getUser")
def get_user(user_id: str, caller: CallerDep, session: SessionDep) -> UserPublic:
    return _public(session, caller, users.get_user(session, caller, user_id))


@router.patch("/{user_id}", operation_id="updateUser")
def update_user(
    user_id: str, body: UserUpdate, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> UserPublic:
    return _public(session, caller, users.update_user(session, caller, user_id, body, rid))


@router.post("/{user_id}/memberships", status_code=status.HTTP_201_CREATED, operation_id="addMembership")
def add_membership(
    user_id: str, body: MembershipCreate, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> MembershipPublic:
    return MembershipPublic.model_validate(users.add_membership(session, caller, user_id, body, rid))


@router.delete(
    "/{user_id}/memberships/{membership_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    operation_id="removeMembership",
)
def remove_membership(
    user_id: str, membership_id: str, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> None:
    users.remove_membership(session, caller, user_id, membership_id, rid)
