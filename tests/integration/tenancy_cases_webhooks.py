"""Isolation cases for the webhook routes (see test_tenancy_isolation).

Brand B's callers never see, change, rotate, replay or delete brand A's endpoints or deliveries, through
brand A's URLs (404, the brand is hidden) or through their own brand's URLs with A's ids (404
``webhook_not_found``); within brand A only the admin (and keys with ``webhooks.manage``) manage them
(403). Each case checks A's endpoint and delivery rows are unchanged; the scene's state check covers the
rest. The endpoints are inactive, so the running dispatcher leaves them alone.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from serving.db import transaction
from serving.events.models import OutboxEvent
from serving.webhooks.models import WebhookDelivery, WebhookSubscription
from tests.integration.tenancy_scene import B_SIDE, Control, Scene, case

A_STAFF = ("creative_a", "reviewer_a", "agency_x_creative", "agency_x_reviewer")
"""Brand A's people without webhooks.manage."""
FORBIDDEN: dict[str, Any] = {"status": 403, "codes": ("forbidden",)}
HIDDEN: dict[str, Any] = {"status": 404, "codes": ("webhook_not_found", "delivery_not_found")}
BASE = "/v1/brands/{brand_id}/webhooks"


def _hooks(sc: Scene) -> dict[str, str]:
    """An inactive endpoint with one delivery per brand, written straight to the database (no audit row
    in brand A's state); ids as ``whk_a``, ``whd_a``, ``whk_b``, ``whd_b``."""
    with transaction(sc.app.state.session_factory) as s:
        for x in ("a", "b"):
            brand_id = sc.ids[f"brand_{x}"]
            hook = WebhookSubscription(
                brand_id=brand_id,
                url=f"https://{x}.example.com/hooks",
                event_types=[],
                active=False,
                secret_salt=f"salt-{x}",
                created_by="test",
            )
            s.add(hook)
            s.flush()
            event = s.scalars(select(OutboxEvent).where(OutboxEvent.brand_id == brand_id).limit(1)).one()
            delivery = WebhookDelivery(
                subscription_id=hook.id,
                brand_id=brand_id,
                event_id=event.id,
                event_type=event.type,
                event_created_at=event.created_at,
                status="dead",
                attempts=1,
                tries=1,
                next_attempt_at=event.created_at,
            )
            s.add(delivery)
            s.flush()
            sc.ids[f"whk_{x}"], sc.ids[f"whd_{x}"] = hook.id, delivery.id
    return sc.ids


def _snapshot(sc: Scene) -> list[tuple[Any, ...]]:
    with sc.session() as s:
        hooks = s.execute(
            select(WebhookSubscription.id, WebhookSubscription.url, WebhookSubscription.secret_salt)
            .where(WebhookSubscription.brand_id == sc.ids["brand_a"])
            .order_by(WebhookSubscription.id)
        ).all()
        rows = s.execute(
            select(WebhookDelivery.id, WebhookDelivery.status, WebhookDelivery.tries)
            .where(WebhookDelivery.brand_id == sc.ids["brand_a"])
            .order_by(WebhookDelivery.id)
        ).all()
    return [tuple(r) for r in [*hooks, *rows]]


def _refusals(sc: Scene, method: str, tail: str, body: Any = None) -> None:
    """B's callers on A's URL, B's admin on B's URL with A's ids, A's staff on A's URL."""
    ids = _hooks(sc)
    before = _snapshot(sc)
    a_url = BASE.format(brand_id=ids["brand_a"]) + tail.format(**ids)
    b_url = BASE.format(brand_id=ids["brand_b"]) + tail.format(**ids)
    sc.denied(B_SIDE, method, a_url, body)
    if "{whk_a}" in tail:
        sc.denied(("admin_b", "system_b"), method, b_url, body, **HIDDEN)
    if "{whd_a}" in tail:  # B's own endpoint, A's delivery
        mixed = BASE.format(brand_id=ids["brand_b"]) + tail.replace("{whk_a}", "{whk_b}").format(**ids)
        sc.denied(("admin_b",), method, mixed, body, **HIDDEN)
    sc.denied(A_STAFF, method, a_url, body, **FORBIDDEN)
    assert _snapshot(sc) == before, "a refused request changed brand A's webhooks"


@case("POST", "/v1/brands/{brand_id}/webhooks")
def _create(sc: Scene) -> Control:
    body = {"url": "https://evil.example.com/steal", "event_types": ["*"]}
    _refusals(sc, "POST", "", body)
    return sc.control("system_a", "POST", BASE.format(brand_id=sc.ids["brand_a"]), body, status=201)


@case("GET", "/v1/brands/{brand_id}/webhooks")
def _list(sc: Scene) -> Control:
    _refusals(sc, "GET", "")
    b_hooks = sc.ok("admin_b", "GET", BASE.format(brand_id=sc.ids["brand_b"]))
    assert [h["id"] for h in b_hooks] == [sc.ids["whk_b"]]
    return sc.control(
        "admin_a",
        "GET",
        BASE.format(brand_id=sc.ids["brand_a"]),
        check=lambda r: [h["id"] for h in r] == [sc.ids["whk_a"]],
    )


def _one(method: str, tail: str, body: Any = None, status: int = 200) -> Any:
    def run(sc: Scene) -> Control:
        _refusals(sc, method, tail, body)
        url = BASE.format(brand_id=sc.ids["brand_a"]) + tail.format(**sc.ids)
        return sc.control("admin_a", method, url, body, status=status)

    return run


case("GET", "/v1/brands/{brand_id}/webhooks/{webhook_id}")(_one("GET", "/{whk_a}"))
case("PATCH", "/v1/brands/{brand_id}/webhooks/{webhook_id}")(
    _one("PATCH", "/{whk_a}", {"url": "https://evil.example.com/x"})
)
case("DELETE", "/v1/brands/{brand_id}/webhooks/{webhook_id}")(_one("DELETE", "/{whk_a}", status=204))
case("POST", "/v1/brands/{brand_id}/webhooks/{webhook_id}/secret")(
    _one("POST", "/{whk_a}/secret", {"previous_valid_seconds": 0})
)
case("GET", "/v1/brands/{brand_id}/webhooks/{webhook_id}/deliveries")(_one("GET", "/{whk_a}/deliveries"))
case("GET", "/v1/brands/{brand_id}/webhooks/{webhook_id}/deliveries/{delivery_id}")(
    _one("GET", "/{whk_a}/deliveries/{whd_a}")
)
case("POST", "/v1/brands/{brand_id}/webhooks/{webhook_id}/deliveries/{delivery_id}/replay")(
    _one("POST", "/{whk_a}/deliveries/{whd_a}/replay", status=202)
)
case("POST", "/v1/brands/{brand_id}/webhooks/{webhook_id}/replay")(
    _one("POST", "/{whk_a}/replay", {"since": "2020-01-01T00:00:00Z"}, status=202)
)
