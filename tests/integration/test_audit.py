"""The audit log: security actions are recorded, the table is append-only in the database itself, and
reading it is scoped by brand and permission."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from serving.audit.models import AuditEvent
from serving.settings import Settings
from tests.world import World, build_world

PASSWORD = "a long enough password"


@pytest.fixture
def world(app: FastAPI, client: TestClient, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


def call(
    client: TestClient, world: World, actor: str, method: str, url: str, json: Any = None, rid: str = "req-1"
) -> httpx.Response:
    headers = {**world.auth(actor), "X-Request-ID": rid}
    response = client.request(method, url, headers=headers, json=json)
    assert response.status_code < 300, response.text
    assert response.headers["x-request-id"] == rid
    return response


def events(app: FastAPI, action: str, rid: str | None) -> list[AuditEvent]:
    stmt = select(AuditEvent).where(AuditEvent.action == action)
    if rid is not None:
        stmt = stmt.where(AuditEvent.request_id == rid)
    with app.state.session_factory() as s:
        return list(s.scalars(stmt.order_by(AuditEvent.id)))


def only(app: FastAPI, action: str, rid: str | None = None) -> AuditEvent:
    """The one event of ``action`` (made by the request ``rid`` when given)."""
    found = events(app, action, rid)
    assert len(found) == 1, [(e.action, e.brand_id, e.target_id) for e in found]
    return found[0]


def test_security_actions_are_recorded_with_actor_target_and_request(
    app: FastAPI, client: TestClient, world: World
) -> None:
    a, admin, op = world.ids["brand_a"], world.ids["user_admin_a"], world.ids["user_operator"]
    brand = call(client, world, "operator", "POST", "/v1/brands", {"slug": "brand-c", "name": "C"}, "r-brand")
    event = only(app, "brand.create", "r-brand")
    assert (event.actor_id, event.actor_kind, event.brand_id, event.target_type, event.target_id) == (
        op,
        "operator",
        brand.json()["id"],
        "brand",
        brand.json()["id"],
    )
    assert (event.outcome, event.request_id, event.details) == ("success", "r-brand", {"slug": "brand-c"})

    body = {"name": "cms", "kind": "system", "brand_id": a, "role": "system"}
    key = call(client, world, "admin_a", "POST", "/v1/api-keys", body, "r-key").json()
    event = only(app, "api_key.create")
    assert (event.actor_id, event.actor_kind, event.brand_id, event.target_id, event.request_id) == (
        admin,
        "user",
        a,
        key["id"],
        "r-key",
    )
    assert event.details == {"kind": "system", "role": "system", "name": "cms"}
    assert key["token"] not in str(event.details)
    call(client, world, "admin_a", "POST", f"/v1/api-keys/{key['id']}/revoke", rid="r-revoke")
    event = only(app, "api_key.revoke")
    assert (event.actor_id, event.brand_id, event.target_id, event.request_id) == (
        admin,
        a,
        key["id"],
        "r-revoke",
    )

    user_body = {
        "email": "u@example.com",
        "display_name": "U",
        "password": PASSWORD,
        "memberships": [{"brand_id": a, "role": "creative"}],
    }
    user = call(client, world, "admin_a", "POST", "/v1/users", user_body, "r-user").json()
    event = only(app, "user.create")
    assert (event.actor_id, event.brand_id, event.target_type, event.target_id) == (
        admin,
        a,
        "user",
        user["id"],
    )
    assert event.details == {"email": "u@example.com", "agency_id": None}
    assert PASSWORD not in str(event.details)

    call(
        client,
        world,
        "creative_a",
        "PATCH",
        f"/v1/users/{world.ids['user_creative_a']}",
        {"password": "another long password", "display_name": "CA"},
    )
    event = only(app, "user.update")
    assert event.details == {"display_name": "CA", "password": "changed"}

    job_body = {"brand_id": a, "kind": "echo", "brief": {"message": "hi"}}
    job = call(client, world, "system_a", "POST", "/v1/generations", job_body, "r-job").json()
    event = only(app, "job.create")
    assert (event.actor_kind, event.brand_id, event.target_id, event.request_id) == (
        "system",
        a,
        job["id"],
        "r-job",
    )


def test_a_failed_login_is_recorded_and_a_successful_one_too(app: FastAPI, client: TestClient) -> None:
    bad = client.post(
        "/v1/auth/sessions",
        json={"email": "nobody@example.com", "password": "guess"},
        headers={"X-Request-ID": "r-login"},
    )
    assert bad.status_code == 401
    event = only(app, "session.login")
    assert (event.outcome, event.actor_id, event.actor_kind, event.brand_id, event.request_id) == (
        "failure",
        None,
        "anonymous",
        None,
        "r-login",
    )
    assert event.details == {"email": "nobody@example.com"}


def test_membership_and_tenancy_changes_are_recorded(app: FastAPI, client: TestClient, world: World) -> None:
    a, user = world.ids["brand_a"], world.ids["user_creative_a"]
    mem = call(
        client,
        world,
        "admin_a",
        "POST",
        f"/v1/users/{user}/memberships",
        {"brand_id": a, "role": "brand_reviewer"},
    ).json()
    call(client, world, "admin_a", "DELETE", f"/v1/users/{user}/memberships/{mem['id']}")
    region = call(
        client, world, "admin_a", "POST", f"/v1/brands/{a}/regions", {"code": "a-x", "name": "X"}
    ).json()
    call(client, world, "admin_a", "DELETE", f"/v1/brands/{a}/regions/{region['id']}")
    call(client, world, "admin_a", "PATCH", f"/v1/brands/{a}", {"name": "Brand A2"})
    for action in ("membership.add", "membership.remove", "region.create", "region.delete", "brand.update"):
        event = only(app, action, "req-1")
        assert (event.brand_id, event.actor_id, event.outcome) == (a, world.ids["user_admin_a"], "success"), (
            action
        )


def test_refused_actions_leave_no_success_row(app: FastAPI, client: TestClient, world: World) -> None:
    with app.state.session_factory() as s:
        before = s.scalar(select(func.count()).select_from(AuditEvent))
    dup = {
        "email": "creative_a@example.com",
        "display_name": "x",
        "memberships": [{"brand_id": world.ids["brand_a"], "role": "creative"}],
    }
    assert client.post("/v1/users", headers=world.auth("admin_a"), json=dup).status_code == 409
    body = {"name": "k", "kind": "system", "brand_id": world.ids["brand_a"], "role": "system"}
    assert client.post("/v1/api-keys", headers=world.auth("admin_b"), json=body).status_code == 404
    assert (
        client.post("/v1/brands", headers=world.auth("admin_a"), json={"slug": "zz", "name": "Z"}).status_code
        == 403
    )
    with app.state.session_factory() as s:
        assert s.scalar(select(func.count()).select_from(AuditEvent)) == before


# Append-only in the database ------------------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET outcome = 'forged'",
        "UPDATE audit_log SET details = '{}' WHERE action = 'brand.create'",
        "DELETE FROM audit_log",
        "DELETE FROM audit_log WHERE action = 'brand.create'",
    ],
)
def test_audit_rows_cannot_be_changed_or_deleted(app: FastAPI, world: World, statement: str) -> None:
    engine = app.state.engine
    with engine.connect() as conn:
        before = conn.execute(text("SELECT id, outcome, details FROM audit_log ORDER BY id")).all()
    assert before
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(text(statement))
    with engine.connect() as conn:
        assert conn.execute(text("SELECT id, outcome, details FROM audit_log ORDER BY id")).all() == before


def test_audit_rows_cannot_be_truncated_or_deleted_by_the_orm(app: FastAPI, world: World) -> None:
    engine = app.state.engine
    if engine.dialect.name == "postgresql":
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_log"))
    with pytest.raises(DBAPIError, match="append-only"), app.state.session_factory.begin() as s:
        event = s.scalars(select(AuditEvent)).first()
        event.outcome = "forged"
    with pytest.raises(DBAPIError, match="append-only"), app.state.session_factory.begin() as s:
        s.delete(s.scalars(select(AuditEvent)).first())
    with app.state.session_factory() as s:
        assert s.scalars(select(AuditEvent.outcome).distinct()).all() == ["success"]


def test_audit_rows_can_still_be_appended(app: FastAPI, world: World) -> None:
    with app.state.session_factory.begin() as s:
        s.add(AuditEvent(actor_kind="operator", action="test.append", details={"n": 1}))
    assert only(app, "test.append").details == {"n": 1}


# Reading the log ------------------------------------------------------------------------------


def listed(client: TestClient, world: World, actor: str, query: str = "") -> list[dict[str, Any]]:
    response = client.get(f"/v1/audit?limit=200{query}", headers=world.auth(actor))
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def test_reading_the_log_is_scoped(client: TestClient, world: World) -> None:
    a, b = world.ids["brand_a"], world.ids["brand_b"]
    for brand, admin in ((a, "admin_a"), (b, "admin_b")):
        body = {"brand_id": brand, "kind": "echo", "brief": {"message": "hi"}}
        call(client, world, admin, "POST", "/v1/generations", body)
    client.post("/v1/auth/sessions", json={"email": "x@example.com", "password": "nope"})

    everything = listed(client, world, "operator")
    assert {e["brand_id"] for e in everything} == {a, b, None}
    assert {e["brand_id"] for e in listed(client, world, "admin_a")} == {a}
    assert {e["brand_id"] for e in listed(client, world, "reviewer_a")} == {a}
    assert {e["brand_id"] for e in listed(client, world, "admin_b")} == {b}
    for actor in ("creative_a", "agency_x_reviewer", "system_a"):
        assert listed(client, world, actor) == [], actor
    assert [e["action"] for e in listed(client, world, "admin_a", "&action=job.create")] == ["job.create"]
    assert [e["brand_id"] for e in listed(client, world, "operator", "&action=job.create")] == [a, b]
    assert listed(client, world, "admin_a", f"&brand_id={a}") == listed(client, world, "admin_a")

    denied = client.get(f"/v1/audit?brand_id={a}", headers=world.auth("creative_a"))
    assert (denied.status_code, denied.json()["code"]) == (403, "forbidden")
    hidden = client.get(f"/v1/audit?brand_id={a}", headers=world.auth("admin_b"))
    assert (hidden.status_code, hidden.json()["code"]) == (404, "not_found")


def test_audit_list_pages(client: TestClient, world: World) -> None:
    everything = [e["id"] for e in listed(client, world, "operator")]
    assert len(everything) > 5
    seen: list[str] = []
    cursor = ""
    while True:
        page = client.get(f"/v1/audit?limit=2{cursor}", headers=world.auth("operator")).json()
        seen += [e["id"] for e in page["items"]]
        if page["next_cursor"] is None:
            break
        cursor = f"&cursor={page['next_cursor']}"
    assert seen == everything == sorted(everything)
