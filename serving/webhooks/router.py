"""Routes of a brand's webhook endpoints, their delivery log and replays (brand_admin or webhooks.manage)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, status

from serving.deps import CallerDep, PageDep, RequestIdDep, SessionDep, SettingsDep
from serving.pagination import Page
from serving.webhooks import deliveries, service
from serving.webhooks.schemas import (
    DeliveryDetail,
    DeliveryPublic,
    DeliveryStatus,
    ReplayRange,
    ReplayResult,
    SecretRotate,
    WebhookCreate,
    WebhookCreated,
    WebhookPublic,
    WebhookSecret,
    WebhookUpdate,
)

router = APIRouter(prefix="/v1/brands/{brand_id}/webhooks", tags=["webhooks"])


@router.post("", status_code=status.HTTP_201_CREATED, operation_id="createWebhook")
def create_webhook(
    brand_id: str,
    body: WebhookCreate,
    caller: CallerDep,
    session: SessionDep,
    settings: SettingsDep,
    rid: RequestIdDep,
) -> WebhookCreated:
    """Add an endpoint. The response carries its signing secret, the only time it is shown."""
    pepper = settings.auth.key_pepper.get_secret_value()
    sub, secret = service.create_webhook(session, caller, settings.webhooks, pepper, brand_id, body, rid)
    return WebhookCreated(**service.to_public(sub).model_dump(), secret=secret)


@router.get("", operation_id="listWebhooks")
def list_webhooks(brand_id: str, caller: CallerDep, session: SessionDep) -> list[WebhookPublic]:
    return [service.to_public(s) for s in service.list_webhooks(session, caller, brand_id)]


@router.get("/{webhook_id}", operation_id="getWebhook")
def get_webhook(brand_id: str, webhook_id: str, caller: CallerDep, session: SessionDep) -> WebhookPublic:
    return service.to_public(service.get_webhook(session, caller, brand_id, webhook_id))


@router.patch("/{webhook_id}", operation_id="updateWebhook")
def update_webhook(
    brand_id: str,
    webhook_id: str,
    body: WebhookUpdate,
    caller: CallerDep,
    session: SessionDep,
    settings: SettingsDep,
    rid: RequestIdDep,
) -> WebhookPublic:
    """Change the URL, filters, description or active flag (fields left out stay as they are)."""
    sub = service.update_webhook(session, caller, settings.webhooks, brand_id, webhook_id, body, rid)
    return service.to_public(sub)


@router.delete("/{webhook_id}", status_code=status.HTTP_204_NO_CONTENT, operation_id="deleteWebhook")
def delete_webhook(
    brand_id: str, webhook_id: str, caller: CallerDep, session: SessionDep, rid: RequestIdDep
) -> None:
    """Remove the endpoint, its pending deliveries and its delivery log."""
    service.delete_webhook(session, caller, brand_id, webhook_id, rid)


@router.post("/{webhook_id}/secret", operation_id="rotateWebhookSecret")
def rotate_webhook_secret(
    brand_id: str,
    webhook_id: str,
    body: SecretRotate,
    caller: CallerDep,
    session: SessionDep,
    settings: SettingsDep,
    rid: RequestIdDep,
) -> WebhookSecret:
    """Draw a new secret; deliveries carry a second signature with the old one for a grace period."""
    pepper = settings.auth.key_pepper.get_secret_value()
    return service.rotate_secret(session, caller, pepper, brand_id, webhook_id, body, rid)


@router.get("/{webhook_id}/deliveries", operation_id="listWebhookDeliveries")
def list_webhook_deliveries(
    brand_id: str,
    webhook_id: str,
    caller: CallerDep,
    session: SessionDep,
    page: PageDep,
    settings: SettingsDep,
    status: Annotated[DeliveryStatus | None, Query()] = None,
    event_id: Annotated[str | None, Query(max_length=40)] = None,
) -> Page[DeliveryPublic]:
    """Deliveries of the endpoint, oldest first, with their last attempt."""
    return deliveries.list_deliveries(
        session, caller, brand_id, webhook_id, page, settings.api.max_page_size, status, event_id
    )


@router.get("/{webhook_id}/deliveries/{delivery_id}", operation_id="getWebhookDelivery")
def get_webhook_delivery(
    brand_id: str, webhook_id: str, delivery_id: str, caller: CallerDep, session: SessionDep
) -> DeliveryDetail:
    """One delivery and its log: every attempt with status code, latency and error."""
    return deliveries.get_delivery(session, caller, brand_id, webhook_id, delivery_id)


@router.post(
    "/{webhook_id}/deliveries/{delivery_id}/replay",
    status_code=status.HTTP_202_ACCEPTED,
    operation_id="replayWebhookDelivery",
)
def replay_webhook_delivery(
    brand_id: str,
    webhook_id: str,
    delivery_id: str,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> DeliveryPublic:
    """Send one delivery again (also a dead or delivered one), with a fresh try count."""
    return deliveries.replay_delivery(session, caller, brand_id, webhook_id, delivery_id, rid)


@router.post("/{webhook_id}/replay", status_code=status.HTTP_202_ACCEPTED, operation_id="replayWebhookEvents")
def replay_webhook_events(
    brand_id: str,
    webhook_id: str,
    body: ReplayRange,
    caller: CallerDep,
    session: SessionDep,
    rid: RequestIdDep,
) -> ReplayResult:
    """Send again every event of a time range the endpoint selects, including ones it never had."""
    return deliveries.replay_range(session, caller, brand_id, webhook_id, body, rid)
