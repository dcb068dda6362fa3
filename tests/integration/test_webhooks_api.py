"""The webhook endpoints API on SQLite and PostgreSQL: who may manage them, the secret shown once,
updates, validation, limits, deletion with the log, and audit records."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select

from serving.audit.models import AuditEvent
from serving.settings import Settings
from serving.webhooks.secrets import derive_secret
from tests.conftest import make_settings
from tests.integration.webhookhelpers import emit_events
from tests.world import World, build_world


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return make_settings(db_url, tmp_path / "var", webhooks={"dispatch": False, "max_per_brand": 3})


@pytest.fixture
def world(app: FastAPI, client: TestClient, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


def hooks_url(world: World, brand: str = "brand_a") -> str:
    return f"/v1/brands/{world.ids[brand]}/webhooks"


def create(client: TestClient, world: World, actor: str = "admin_a", **body: Any) -> Any:
    payload = {
        "url": "https://crm.example.com/atelier",
        "event_types": ["asset.", "review.brand_approved"],
        **body,
    }
    return client.post(hooks_url(world), json=payload, headers=world.auth(actor))


def test_admin_creates_reads_updates_and_deletes_an_endpoint(
    app: FastAPI, client: TestClient, world: World, settings: Settings
) -> None:
    created = create(client, world, description="CDP")
    assert created.status_code == 201, created.text
    hook = created.json()
    pepper = settings.auth.key_pepper.get_secret_value()
    assert hook["secret"].startswith("whsec_")
    assert (hook["url"], hook["event_types"], hook["active"], hook["description"]) == (
        "https://crm.example.com/atelier",
        ["asset.", "review.brand_approved"],
        True,
        "CDP",
    )
    url = f"{hooks_url(world)}/{hook['id']}"
    auth = world.auth("admin_a")
    fetched = client.get(url, headers=auth).json()
    assert "secret" not in fetched and fetched["id"] == hook["id"]
    assert [h["id"] for h in client.get(hooks_url(world), headers=auth).json()] == [hook["id"]]

    changed = client.patch(url, json={"active": False, "event_types": ["*"]}, headers=auth)
    assert changed.status_code == 200, changed.text
    assert (changed.json()["active"], changed.json()["event_types"], changed.json()["url"]) == (
        False,
        ["*"],
        hook["url"],
    )
    assert client.patch(url, json={"url": None}, headers=auth).json()["code"] == "invalid_url"

    rotated = client.post(f"{url}/secret", json={}, headers=auth).json()
    assert rotated["secret"] not in (hook["secret"], derive_secret("other pepper", "x"))
    assert rotated["previous_secret_expires_at"] is not None
    assert (
        client.get(url, headers=auth).json()["previous_secret_expires_at"]
        == rotated["previous_secret_expires_at"]
    )

    emit_events(app.state.session_factory, world.ids["brand_a"], ["asset.created"], lambda i: {})
    assert client.delete(url, headers=auth).status_code == 204
    assert client.get(url, headers=auth).json()["code"] == "webhook_not_found"
    assert client.delete(url, headers=auth).status_code == 404
    with app.state.session_factory() as session:
        actions = session.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id == hook["id"]).order_by(AuditEvent.id)
        ).all()
    assert actions == ["webhook.create", "webhook.update", "webhook.rotate_secret", "webhook.delete"]
    assert pepper not in str(actions)


REFUSED = [
    ("creative_a", 403, "forbidden"),
    ("reviewer_a", 403, "forbidden"),
    ("agency_x_reviewer", 403, "forbidden"),
    ("admin_b", 404, "not_found"),
    ("creative_b", 404, "not_found"),
]


def test_only_brand_admins_and_permitted_keys_manage_endpoints(client: TestClient, world: World) -> None:
    for actor, status, code in REFUSED:
        refused = create(client, world, actor)
        assert (refused.status_code, refused.json()["code"]) == (status, code), actor
        assert client.get(hooks_url(world), headers=world.auth(actor)).status_code == status, actor


def test_a_system_key_subscribes_for_its_own_brand_only(client: TestClient, world: World) -> None:
    assert create(client, world, "system_a").status_code == 201
    assert create(client, world, "system_b").status_code == 404
    assert create(client, world, "operator").status_code == 201
    other = client.get(hooks_url(world, "brand_b"), headers=world.auth("admin_b")).json()
    assert other == []


INVALID: list[dict[str, Any]] = [
    {"url": "ftp://example.com/x"},
    {"url": "not a url"},
    {"event_types": ["Review."]},
    {"event_types": ["asset..created"]},
    {"event_types": ["x"] * 51},
    {"secret": "whsec_mine"},
]


def test_invalid_endpoints_are_refused(client: TestClient, world: World) -> None:
    for body in INVALID:
        refused = create(client, world, **body)
        assert refused.status_code == 422, (body, refused.text)
    assert client.get(hooks_url(world), headers=world.auth("admin_a")).json() == []


def test_https_can_be_required_and_the_number_of_endpoints_is_capped(
    client: TestClient, world: World, settings: Settings
) -> None:
    for _ in range(3):
        assert create(client, world).status_code == 201
    too_many = create(client, world)
    assert (too_many.status_code, too_many.json()["code"]) == (409, "too_many_webhooks")
    settings.webhooks.require_https = True
    url = f"{hooks_url(world)}/{client.get(hooks_url(world), headers=world.auth('admin_a')).json()[0]['id']}"
    plain = client.patch(url, json={"url": "http://crm.example.com/hook"}, headers=world.auth("admin_a"))
    assert (plain.status_code, plain.json()["code"]) == (422, "https_required")


def test_deliveries_of_another_endpoint_or_brand_are_not_found(client: TestClient, world: World) -> None:
    mine = create(client, world).json()
    theirs = client.post(
        hooks_url(world, "brand_b"), json={"url": "https://b.example.com/h"}, headers=world.auth("admin_b")
    ).json()
    auth = world.auth("admin_a")
    assert client.get(f"{hooks_url(world)}/{theirs['id']}/deliveries", headers=auth).status_code == 404
    missing = client.get(f"{hooks_url(world)}/{mine['id']}/deliveries/whd_nope", headers=auth)
    assert (missing.status_code, missing.json()["code"]) == (404, "delivery_not_found")
    replay = client.post(f"{hooks_url(world)}/{mine['id']}/deliveries/whd_nope/replay", headers=auth)
    assert replay.status_code == 404
    assert client.get(f"{hooks_url(world)}/{mine['id']}/deliveries", headers=auth).json()["items"] == []


def test_private_and_local_targets_are_refused_when_the_guard_is_on(
    client: TestClient, world: World, settings: Settings
) -> None:
    settings.webhooks.allow_private_targets = False  # what production gets by default
    for url in (
        "http://127.0.0.1:8080/hook",
        "http://169.254.169.254/latest/meta-data/",
        "http://10.0.0.5/hook",
        "http://[::1]/hook",
        "http://[::ffff:192.168.1.9]/hook",
        "http://localhost/hook",
        "http://db.internal/hook",
        "http://redis/hook",
    ):
        refused = create(client, world, url=url)
        assert (refused.status_code, refused.json()["code"]) == (422, "webhook_target_not_allowed"), url
    assert client.get(hooks_url(world), headers=world.auth("admin_a")).json() == []
    assert create(client, world, url="https://93.184.216.34/hook").status_code == 201


def test_production_settings_turn_the_target_guard_on(db_url: str, tmp_path: Path) -> None:
    dev = make_settings(db_url, tmp_path / "dev")
    prod = Settings.model_validate(
        {
            "env": "production",
            "data_dir": tmp_path / "prod",
            "database": {"url": db_url},
            "auth": {"key_pepper": "a-real-secret-for-this-test"},
        }
    )
    assert (dev.webhooks.private_targets_allowed, prod.webhooks.private_targets_allowed) == (True, False)
