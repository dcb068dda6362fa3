"""API key and session operations, checked against the caller's grants."""

from __future__ import annotations

import secrets
from datetime import timedelta
from functools import cache

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from asset_store.sql import utcnow
from serving.audit.service import record
from serving.auth.caller import Caller
from serving.auth.models import ApiKey
from serving.auth.roles import Permission
from serving.auth.schemas import ApiKeyCreate, SessionCreate
from serving.auth.secrets import hash_password, verify_password
from serving.auth.service import create_key
from serving.errors import InvalidInput, NotFound, Unauthenticated
from serving.tenancy.models import Brand, User


def issue_key(
    session: Session, caller: Caller, body: ApiKeyCreate, pepper: str, request_id: str | None
) -> tuple[ApiKey, str]:
    if body.expires_at is not None and (body.expires_at.tzinfo is None or body.expires_at <= utcnow()):
        raise InvalidInput("expires_at must be a future time with a timezone", code="invalid_expiry")
    if body.kind == "system":
        if body.brand_id is None or body.role is None:
            raise InvalidInput("system keys need brand_id and role", code="brand_and_role_required")
        caller.require(Permission.API_KEYS_MANAGE, body.brand_id)
        if session.get(Brand, body.brand_id) is None:
            raise NotFound("brand not found")
        key, token = create_key(
            session,
            pepper,
            name=body.name,
            kind="system",
            created_by=caller.principal_id,
            brand_id=body.brand_id,
            role=body.role,
            expires_at=body.expires_at,
        )
    else:
        if body.brand_id is not None or body.role is not None:
            raise InvalidInput("user keys act as their user; omit brand_id and role", code="unexpected_scope")
        if caller.user_id is None:
            raise InvalidInput("only a user can create a personal key", code="user_required")
        key, token = create_key(
            session,
            pepper,
            name=body.name,
            kind="user",
            created_by=caller.principal_id,
            user_id=caller.user_id,
            expires_at=body.expires_at,
        )
    record(
        session,
        caller,
        "api_key.create",
        brand_id=key.brand_id,
        target_type="api_key",
        target_id=key.id,
        request_id=request_id,
        details={"kind": key.kind, "role": key.role, "name": key.name},
    )
    return key, token


def visible_keys_stmt(caller: Caller) -> Select[ApiKey]:
    """Keys of brands the caller manages keys for, and the caller's own personal keys (no sessions)."""
    stmt = select(ApiKey).where(ApiKey.kind.in_(("system", "user", "operator")))
    managed = caller.brand_ids(Permission.API_KEYS_MANAGE)
    if managed is None:
        return stmt
    own = ApiKey.user_id == caller.user_id if caller.user_id else ApiKey.id.is_(None)
    return stmt.where(or_(ApiKey.brand_id.in_(sorted(managed)), own))


def get_key(session: Session, caller: Caller, key_id: str) -> ApiKey:
    key = session.scalar(visible_keys_stmt(caller).where(ApiKey.id == key_id))
    if key is None:
        raise NotFound("API key not found")
    return key


def revoke_key(session: Session, caller: Caller, key_id: str, request_id: str | None) -> ApiKey:
    key = get_key(session, caller, key_id)
    if key.revoked_at is None:
        key.revoked_at = utcnow()
        record(
            session,
            caller,
            "api_key.revoke",
            brand_id=key.brand_id,
            target_type="api_key",
            target_id=key.id,
            request_id=request_id,
        )
    return key


@cache
def _decoy_hash() -> str:
    """A hash no password matches, checked when the email is unknown so that a miss costs the same."""
    return hash_password(secrets.token_urlsafe(32))


def login(
    session: Session, body: SessionCreate, pepper: str, ttl: timedelta, request_id: str | None
) -> tuple[ApiKey, str]:
    """Exchange email + password for a session token; every failure looks the same to the caller."""
    user = session.scalar(select(User).where(User.email == body.email.strip().lower()))
    stored = user.password_hash if user is not None and user.password_hash else _decoy_hash()
    password_ok = verify_password(body.password, stored)  # always hash: timing does not reveal users
    ok = user is not None and user.is_active and user.password_hash is not None and password_ok
    if not ok or user is None:
        raise Unauthenticated("wrong email or password", code="invalid_credentials")
    key, token = create_key(
        session,
        pepper,
        name="studio session",
        kind="session",
        created_by=user.id,
        user_id=user.id,
        expires_at=utcnow() + ttl,
    )
    record(session, None, "session.login", target_type="user", target_id=user.id, request_id=request_id)
    return key, token


def logout(session: Session, caller: Caller, request_id: str | None) -> None:
    if caller.key_id is None:
        return
    key = session.get(ApiKey, caller.key_id)
    if key is not None and key.kind == "session" and key.revoked_at is None:
        key.revoked_at = utcnow()
        record(
            session, caller, "session.logout", target_type="api_key", target_id=key.id, request_id=request_id
        )
