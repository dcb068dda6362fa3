"""Webhook endpoints of a brand: create, read, change, delete, rotate the secret (audited)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from asset_store.sql import utcnow
from serving.audit.service import record
from serving.auth.caller import Caller
from serving.auth.roles import Permission
from serving.errors import Conflict, InvalidInput, NotFound
from serving.settings import WebhookSettings
from serving.tenancy.models import Brand
from serving.webhooks.models import WebhookSubscription
from serving.webhooks.schemas import (
    SecretRotate,
    WebhookCreate,
    WebhookPublic,
    WebhookSecret,
    WebhookUpdate,
)
from serving.webhooks.secrets import derive_secret, new_salt
from serving.webhooks.targets import check_target_url


def to_public(sub: WebhookSubscription) -> WebhookPublic:
    return WebhookPublic(
        id=sub.id,
        brand_id=sub.brand_id,
        url=sub.url,
        description=sub.description,
        event_types=list(sub.event_types or []),
        active=sub.active,
        created_by=sub.created_by,
        created_at=sub.created_at,
        updated_at=sub.updated_at,
        previous_secret_expires_at=sub.previous_expires_at if sub.previous_salt else None,
    )


def require_manager(session: Session, caller: Caller, brand_id: str) -> None:
    """The caller may manage the brand's webhooks (brand_admin, or a key whose role has webhooks.manage)."""
    caller.require(Permission.WEBHOOKS_MANAGE, brand_id)
    if session.get(Brand, brand_id) is None:
        raise NotFound("brand not found")


def get_webhook(session: Session, caller: Caller, brand_id: str, webhook_id: str) -> WebhookSubscription:
    require_manager(session, caller, brand_id)
    sub = session.get(WebhookSubscription, webhook_id)
    if sub is None or sub.brand_id != brand_id:
        raise NotFound("webhook not found", code="webhook_not_found")
    return sub


def _check_url(url: str, settings: WebhookSettings) -> str:
    if settings.require_https and not url.startswith("https://"):
        raise InvalidInput("webhook URLs must use https here", code="https_required")
    check_target_url(url, settings.private_targets_allowed)
    return url


def list_webhooks(session: Session, caller: Caller, brand_id: str) -> list[WebhookSubscription]:
    require_manager(session, caller, brand_id)
    stmt = select(WebhookSubscription).where(WebhookSubscription.brand_id == brand_id)
    return list(session.scalars(stmt.order_by(WebhookSubscription.id)))


def create_webhook(
    session: Session,
    caller: Caller,
    settings: WebhookSettings,
    pepper: str,
    brand_id: str,
    body: WebhookCreate,
    rid: str | None,
) -> tuple[WebhookSubscription, str]:
    """A new endpoint and its secret (returned once, never stored)."""
    require_manager(session, caller, brand_id)
    count = session.scalar(
        select(func.count()).select_from(WebhookSubscription).where(WebhookSubscription.brand_id == brand_id)
    )
    if (count or 0) >= settings.max_per_brand:
        raise Conflict(
            f"a brand may have at most {settings.max_per_brand} webhook endpoints", code="too_many_webhooks"
        )
    sub = WebhookSubscription(
        brand_id=brand_id,
        url=_check_url(str(body.url), settings),
        description=body.description,
        event_types=list(dict.fromkeys(body.event_types)),
        active=body.active,
        secret_salt=new_salt(),
        created_by=caller.principal_id,
    )
    session.add(sub)
    session.flush()
    _audit(session, caller, "webhook.create", sub, rid, {"url": sub.url, "event_types": sub.event_types})
    return sub, derive_secret(pepper, sub.secret_salt)


def update_webhook(
    session: Session,
    caller: Caller,
    settings: WebhookSettings,
    brand_id: str,
    webhook_id: str,
    body: WebhookUpdate,
    rid: str | None,
) -> WebhookSubscription:
    sub = get_webhook(session, caller, brand_id, webhook_id)
    changed = body.model_dump(exclude_unset=True, mode="json")
    if changed.get("url") is None and "url" in changed:
        raise InvalidInput("url cannot be null", code="invalid_url")
    if "url" in changed:
        sub.url = _check_url(changed["url"], settings)
    if "event_types" in changed:
        sub.event_types = list(dict.fromkeys(changed["event_types"] or []))
    if "description" in changed:
        sub.description = changed["description"]
    if changed.get("active") is not None:
        sub.active = bool(changed["active"])
    sub.updated_at = utcnow()
    session.flush()
    _audit(session, caller, "webhook.update", sub, rid, changed)
    return sub


def delete_webhook(session: Session, caller: Caller, brand_id: str, webhook_id: str, rid: str | None) -> None:
    """Remove the endpoint with its deliveries and their log."""
    sub = get_webhook(session, caller, brand_id, webhook_id)
    _audit(session, caller, "webhook.delete", sub, rid, {"url": sub.url})
    session.delete(sub)
    session.flush()


def rotate_secret(
    session: Session,
    caller: Caller,
    pepper: str,
    brand_id: str,
    webhook_id: str,
    body: SecretRotate,
    rid: str | None,
) -> WebhookSecret:
    """A new secret; the old one keeps signing (as a second ``v1``) for ``previous_valid_seconds``."""
    sub = get_webhook(session, caller, brand_id, webhook_id)
    now = utcnow()
    if body.previous_valid_seconds > 0:
        sub.previous_salt = sub.secret_salt
        sub.previous_expires_at = now + timedelta(seconds=body.previous_valid_seconds)
    else:
        sub.previous_salt, sub.previous_expires_at = None, None
    sub.secret_salt = new_salt()
    sub.updated_at = now
    session.flush()
    expires = sub.previous_expires_at
    _audit(
        session, caller, "webhook.rotate_secret", sub, rid, {"previous_valid_s": body.previous_valid_seconds}
    )
    return WebhookSecret(
        webhook_id=sub.id, secret=derive_secret(pepper, sub.secret_salt), previous_secret_expires_at=expires
    )


def _audit(
    session: Session,
    caller: Caller,
    action: str,
    sub: WebhookSubscription,
    rid: str | None,
    details: dict[str, object],
) -> None:
    record(
        session,
        caller,
        action,
        brand_id=sub.brand_id,
        target_type="webhook",
        target_id=sub.id,
        request_id=rid,
        details=dict(details),
    )
