"""Authenticate a bearer token into a Caller; mint and revoke keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.sql import utcnow
from serving.auth.caller import Caller
from serving.auth.models import ApiKey
from serving.auth.roles import Grant, Role
from serving.auth.secrets import mint_key, split_token, verify_secret
from serving.errors import Unauthenticated
from serving.tenancy.models import AgencyAssignment, Membership, User

_LAST_USED_RESOLUTION = timedelta(minutes=1)


def authenticate(session: Session, token: str, pepper: str) -> Caller:
    """Resolve a presented token, or raise Unauthenticated with a stable code (records its use)."""
    caller, stale_key, _ = resolve_token(session, token, pepper)
    if stale_key is not None:
        touch_key(session, stale_key)
    return caller


def touch_key(session: Session, key_id: str) -> None:
    """Record that a key was used now (at most once per minute is worth a write)."""
    key = session.get(ApiKey, key_id)
    if key is not None:
        key.last_used_at = utcnow()


class Resolved(NamedTuple):
    """A resolved token: the caller, the key id when its last use should be recorded, the key's expiry."""

    caller: Caller
    stale_key_id: str | None
    expires_at: datetime | None


def resolve_token(session: Session, token: str, pepper: str) -> Resolved:
    """Resolve a token without writing (raises Unauthenticated for a bad, revoked or expired key)."""
    parts = split_token(token.strip())
    if parts is None:
        raise Unauthenticated("malformed API key", code="invalid_api_key")
    prefix, secret = parts
    key = session.scalar(select(ApiKey).where(ApiKey.prefix == prefix))
    if key is None or not verify_secret(secret, key.secret_hash, pepper):
        raise Unauthenticated("unknown API key", code="invalid_api_key")
    now = utcnow()
    if key.revoked_at is not None:
        raise Unauthenticated("this API key was revoked", code="api_key_revoked")
    if key.expires_at is not None and key.expires_at <= now:
        raise Unauthenticated("this API key has expired", code="api_key_expired")
    stale = key.id if key.last_used_at is None or now - key.last_used_at > _LAST_USED_RESOLUTION else None
    if key.kind == "operator":
        caller = Caller(principal_id=key.user_id or key.id, kind="operator", key_id=key.id, is_operator=True)
        return Resolved(caller, stale, key.expires_at)
    if key.kind == "system":
        assert key.brand_id is not None and key.role is not None
        grants = (Grant(key.brand_id, Role(key.role)),)
        caller = Caller(principal_id=key.id, kind="system", key_id=key.id, grants=grants)
        return Resolved(caller, stale, key.expires_at)
    assert key.user_id is not None
    user = session.get(User, key.user_id)
    if user is None or not user.is_active:
        raise Unauthenticated("the user of this key is deactivated", code="user_inactive")
    return Resolved(caller_for_user(session, user, key_id=key.id), stale, key.expires_at)


def caller_for_user(session: Session, user: User, *, key_id: str | None = None) -> Caller:
    """A user's effective grants: memberships, cut down to their agency's assignments."""
    memberships = session.scalars(select(Membership).where(Membership.user_id == user.id)).all()
    grants: list[Grant] = []
    assignments: list[AgencyAssignment] = []
    if user.agency_id is not None:
        assignments = list(
            session.scalars(select(AgencyAssignment).where(AgencyAssignment.agency_id == user.agency_id))
        )
    for membership in memberships:
        own_regions = None if membership.region_id is None else frozenset({membership.region_id})
        if user.agency_id is None:
            grants.append(Grant(membership.brand_id, Role(membership.role), own_regions))
            continue
        at_brand = [a for a in assignments if a.brand_id == membership.brand_id]
        if not at_brand:
            continue
        if any(a.region_id is None for a in at_brand):
            allowed = own_regions
        else:
            assigned = frozenset(a.region_id for a in at_brand if a.region_id is not None)
            allowed = assigned if own_regions is None else assigned & own_regions
            if not allowed:
                continue
        grants.append(Grant(membership.brand_id, Role(membership.role), allowed, user.agency_id))
    return Caller(
        principal_id=user.id,
        kind="operator" if user.is_operator else "user",
        key_id=key_id,
        user_id=user.id,
        agency_id=user.agency_id,
        is_operator=user.is_operator,
        grants=tuple(grants),
    )


def create_key(
    session: Session,
    pepper: str,
    *,
    name: str,
    kind: str,
    created_by: str | None,
    brand_id: str | None = None,
    role: Role | None = None,
    user_id: str | None = None,
    expires_at: datetime | None = None,
) -> tuple[ApiKey, str]:
    """Store a new key (hashed) and return it with its one-time token."""
    minted = mint_key(pepper)
    key = ApiKey(
        prefix=minted.prefix,
        secret_hash=minted.secret_hash,
        name=name,
        kind=kind,
        brand_id=brand_id,
        role=role.value if role else None,
        user_id=user_id,
        created_by=created_by,
        expires_at=expires_at,
    )
    session.add(key)
    session.flush()
    return key, minted.token
