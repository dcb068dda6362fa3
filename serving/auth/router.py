"""Routes for API keys, login sessions and the caller's identity."""

from __future__ import annotations

from datetime import timedelta

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse

from serving.audit.service import record
from serving.auth import keys
from serving.auth.models import ApiKey
from serving.auth.schemas import (
    ApiKeyCreate,
    ApiKeyCreated,
    ApiKeyPublic,
    CallerPublic,
    GrantPublic,
    SessionCreate,
    SessionPublic,
)
from serving.db import transaction
from serving.deps import CallerDep, PageDep, RequestIdDep, SessionDep, SettingsDep, get_session_factory
from serving.errors import AtelierError
from serving.pagination import Page, page_of
from serving.problem import problem_response
from serving.tenancy.models import User

router = APIRouter(prefix="/v1", tags=["auth"])


@router.post("/api-keys", status_code=status.HTTP_201_CREATED, operation_id="createApiKey")
def create_api_key(
    body: ApiKeyCreate, caller: CallerDep, session: SessionDep, settings: SettingsDep, rid: RequestIdDep
) -> ApiKeyCreated:
    """Create a key. The token is in this response only; it is stored hashed."""
    key, token = keys.issue_key(session, caller, body, settings.auth.key_pepper.get_secret_value(), rid)
    return ApiKeyCreated.model_validate({**ApiKeyPublic.model_validate(key).model_dump(), "token": token})


@router.get("/api-keys", operation_id="listApiKeys")
def list_api_keys(
    caller: CallerDep, session: SessionDep, page: PageDep, settings: SettingsDep
) -> Page[ApiKeyPublic]:
    return page_of(
        session,
        keys.visible_keys_stmt(caller),
        ApiKey.id,
        page,
        settings.api.max_page_size,
        ApiKeyPublic.model_validate,
    )


@router.get("/api-keys/{key_id}", operation_id="getApiKey")
def get_api_key(key_id: str, caller: CallerDep, session: SessionDep) -> ApiKeyPublic:
    return ApiKeyPublic.model_validate(keys.get_key(session, caller, key_id))


@router.post("/api-keys/{key_id}/revoke", operation_id="revokeApiKey")
def revoke_api_key(key_id: str, caller: CallerDep, session: SessionDep, rid: RequestIdDep) -> ApiKeyPublic:
    """Revoke a key at once; requests with it get 401 api_key_revoked."""
    return ApiKeyPublic.model_validate(keys.revoke_key(session, caller, key_id, rid))


@router.post(
    "/auth/sessions",
    status_code=status.HTTP_201_CREATED,
    operation_id="createSession",
    response_model=SessionPublic,
    responses={401: {"description": "wrong email or password"}},
)
def create_session(
    body: SessionCreate, request: Request, settings: SettingsDep, rid: RequestIdDep
) -> SessionPublic | JSONResponse:
    """Log in with email and password; returns a bearer token that expires."""
    ttl = timedelta(hours=settings.auth.session_ttl_hours)
    pepper = settings.auth.key_pepper.get_secret_value()
    try:
        with transaction(get_session_factory(request)) as session:
            key, token = keys.login(session, body, pepper, ttl, rid)
    except AtelierError as exc:  # audit the failure in its own transaction, which commits
        with transaction(get_session_factory(request)) as session:
            record(
                session,
                None,
                "session.login",
                outcome="failure",
                request_id=rid,
                details={"email": body.email},
            )
        return problem_response(exc.status, exc.code, exc.title, exc.detail, request.url.path)
    assert key.user_id is not None and key.expires_at is not None
    return SessionPublic(token=token, user_id=key.user_id, expires_at=key.expires_at)


@router.delete("/auth/sessions/current", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteSession")
def delete_session(caller: CallerDep, session: SessionDep, rid: RequestIdDep) -> None:
    """Log out: revoke the session token used for this request."""
    keys.logout(session, caller, rid)


@router.get("/me", operation_id="getMe")
def get_me(caller: CallerDep, session: SessionDep) -> CallerPublic:
    """Who the key belongs to (with the user's name, for a human), and what it may do."""
    user = session.get(User, caller.user_id) if caller.user_id else None
    return CallerPublic(
        display_name=user.display_name if user is not None else None,
        email=user.email if user is not None else None,
        principal_id=caller.principal_id,
        kind=caller.kind,
        key_id=caller.key_id,
        user_id=caller.user_id,
        agency_id=caller.agency_id,
        is_operator=caller.is_operator,
        grants=[
            GrantPublic(
                brand_id=g.brand_id,
                role=g.role,
                region_ids=sorted(g.region_ids) if g.region_ids is not None else None,
                agency_id=g.agency_id,
            )
            for g in caller.grants
        ],
    )
