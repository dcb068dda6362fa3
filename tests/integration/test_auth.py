"""API keys (create, show once, use, revoke, expire), token formats, login sessions and /v1/me."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select, update

from asset_store.sql import utcnow
from serving.audit.models import AuditEvent
from serving.auth import keys
from serving.auth.caller_cache import CallerCache
from serving.auth.models import ApiKey
from serving.auth.roles import Role
from serving.auth.secrets import verify_password
from serving.auth.service import create_key
from serving.db import transaction
from serving.settings import Settings
from tests.world import World, build_world

PASSWORD = "a long enough password"


@pytest.fixture
def world(app: FastAPI, client: TestClient, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def assert_problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code, response.text
    if status == 401:
        assert response.headers["www-authenticate"] == "Bearer"


def system_key_body(world: World, **extra: object) -> dict[str, object]:
    return {"name": "cms", "kind": "system", "brand_id": world.ids["brand_a"], "role": "creative", **extra}


# API keys -------------------------------------------------------------------------------------


def test_system_key_is_shown_once_works_and_is_stored_hashed(
    app: FastAPI, client: TestClient, world: World
) -> None:
    created = client.post("/v1/api-keys", headers=world.auth("admin_a"), json=system_key_body(world))
    assert created.status_code == 201, created.text
    key = created.json()
    token = key["token"]
    assert token.startswith(f"atk_{key['prefix']}_")
    assert (key["kind"], key["brand_id"], key["role"]) == ("system", world.ids["brand_a"], "creative")
    assert key["created_by"] == world.ids["user_admin_a"]

    me = client.get("/v1/me", headers=bearer(token)).json()
    assert (me["kind"], me["key_id"], me["user_id"]) == ("system", key["id"], None)
    assert me["grants"] == [
        {"brand_id": world.ids["brand_a"], "role": "creative", "region_ids": None, "agency_id": None}
    ]
    shown = client.get(f"/v1/api-keys/{key['id']}", headers=world.auth("admin_a")).json()
    assert "token" not in shown and shown["last_used_at"] is not None
    listed = client.get("/v1/api-keys", headers=world.auth("admin_a")).json()["items"]
    assert key["id"] in {k["id"] for k in listed} and all("token" not in k for k in listed)
    with app.state.session_factory() as s:
        row = s.get(ApiKey, key["id"])
        assert row is not None
        stored = [str(getattr(row, c.key)) for c in ApiKey.__table__.columns]
    secret = token.split("_", 2)[2]
    assert all(secret not in value for value in stored)


def test_a_revocation_made_by_another_process_applies_within_the_memo_time(
    app: FastAPI, client: TestClient, world: World
) -> None:
    app.state.caller_cache = CallerCache(0.5)  # auth.caller_cache_seconds, shortened for the test
    key = client.post("/v1/api-keys", headers=world.auth("admin_a"), json=system_key_body(world)).json()
    assert client.get("/v1/me", headers=bearer(key["token"])).status_code == 200
    with app.state.session_factory.kw["bind"].begin() as connection:  # as another API process would
        connection.execute(update(ApiKey).where(ApiKey.id == key["id"]).values(revoked_at=utcnow()))
    assert client.get("/v1/me", headers=bearer(key["token"])).status_code == 200  # still remembered
    time.sleep(0.6)
    assert_problem(client.get("/v1/me", headers=bearer(key["token"])), 401, "api_key_revoked")


def test_revoked_key_is_refused_at_once(client: TestClient, world: World) -> None:
    key = client.post("/v1/api-keys", headers=world.auth("admin_a"), json=system_key_body(world)).json()
    assert client.get("/v1/me", headers=bearer(key["token"])).status_code == 200
    revoked = client.post(f"/v1/api-keys/{key['id']}/revoke", headers=world.auth("admin_a"))
    assert revoked.status_code == 200 and revoked.json()["revoked_at"] is not None
    assert_problem(client.get("/v1/me", headers=bearer(key["token"])), 401, "api_key_revoked")
    again = client.post(f"/v1/api-keys/{key['id']}/revoke", headers=world.auth("admin_a"))
    assert again.json()["revoked_at"] == revoked.json()["revoked_at"]  # idempotent


def test_a_key_can_revoke_itself_and_a_user_revokes_their_own_key(client: TestClient, world: World) -> None:
    key = client.post("/v1/api-keys", headers=world.auth("creative_a"), json={"name": "mine", "kind": "user"})
    assert key.status_code == 201, key.text
    own = key.json()
    assert (own["kind"], own["user_id"], own["brand_id"]) == ("user", world.ids["user_creative_a"], None)
    me = client.get("/v1/me", headers=bearer(own["token"])).json()
    assert (me["user_id"], me["key_id"]) == (world.ids["user_creative_a"], own["id"])
    assert client.post(f"/v1/api-keys/{own['id']}/revoke", headers=bearer(own["token"])).status_code == 200
    assert_problem(client.get("/v1/me", headers=bearer(own["token"])), 401, "api_key_revoked")
    assert client.get("/v1/me", headers=world.auth("creative_a")).status_code == 200


@pytest.mark.parametrize(
    ("actor", "body", "status", "code"),
    [
        ("creative_a", {"role": "creative"}, 403, "forbidden"),
        ("reviewer_a", {"role": "creative"}, 403, "forbidden"),
        ("system_a", {"role": "creative"}, 403, "forbidden"),
        ("admin_a", {"role": None}, 422, "brand_and_role_required"),
        ("admin_a", {"brand_id": None}, 422, "brand_and_role_required"),
        ("admin_a", {"role": "owner"}, 422, "validation_error"),
        ("admin_a", {"scopes": ["all"]}, 422, "validation_error"),
        ("admin_a", {"name": ""}, 422, "validation_error"),
        ("admin_a", {"name": 5}, 422, "validation_error"),
        ("admin_a", {"kind": "operator"}, 422, "validation_error"),
        ("admin_a", {"kind": "user"}, 422, "unexpected_scope"),
        ("system_a", {"kind": "user", "brand_id": None, "role": None}, 422, "user_required"),
        ("admin_a", {"expires_at": "2000-01-01T00:00:00Z"}, 422, "invalid_expiry"),
        ("admin_a", {"expires_at": "2999-01-01T00:00:00"}, 422, "invalid_expiry"),
        ("admin_a", {"expires_at": "tomorrow"}, 422, "validation_error"),
    ],
)
def test_key_creation_is_refused(
    app: FastAPI,
    client: TestClient,
    world: World,
    actor: str,
    body: dict[str, object],
    status: int,
    code: str,
) -> None:
    with app.state.session_factory() as s:
        before = len(s.scalars(select(ApiKey.id)).all())
    response = client.post("/v1/api-keys", headers=world.auth(actor), json=system_key_body(world, **body))
    assert_problem(response, status, code)
    with app.state.session_factory() as s:
        assert len(s.scalars(select(ApiKey.id)).all()) == before


def test_key_with_future_expiry_works_until_it_expires(
    app: FastAPI, client: TestClient, world: World, settings: Settings
) -> None:
    soon = (datetime.now(UTC) + timedelta(hours=1)).isoformat()
    key = client.post(
        "/v1/api-keys", headers=world.auth("admin_a"), json=system_key_body(world, expires_at=soon)
    ).json()
    assert client.get("/v1/me", headers=bearer(key["token"])).status_code == 200
    pepper = settings.auth.key_pepper.get_secret_value()
    with transaction(app.state.session_factory) as s:
        _, expired = create_key(
            s,
            pepper,
            name="old",
            kind="system",
            created_by="test",
            brand_id=world.ids["brand_a"],
            role=Role.SYSTEM,
            expires_at=utcnow() - timedelta(seconds=1),
        )
        row = s.get(ApiKey, key["id"])
        assert row is not None
        row.expires_at = utcnow() - timedelta(minutes=1)
    assert_problem(client.get("/v1/me", headers=bearer(expired)), 401, "api_key_expired")
    assert_problem(client.get("/v1/me", headers=bearer(key["token"])), 401, "api_key_expired")


def test_deactivated_users_keys_stop_working(client: TestClient, world: World) -> None:
    patched = client.patch(
        f"/v1/users/{world.ids['user_creative_a']}", headers=world.auth("admin_a"), json={"is_active": False}
    )
    assert patched.status_code == 200 and patched.json()["is_active"] is False
    assert_problem(client.get("/v1/me", headers=world.auth("creative_a")), 401, "user_inactive")


# Token formats --------------------------------------------------------------------------------


def test_malformed_and_misplaced_credentials(client: TestClient, world: World) -> None:
    good = world.tokens["creative_a"]
    prefix = good.split("_")[1]
    cases: list[tuple[dict[str, str], str]] = [
        ({}, "missing_api_key"),
        ({"X-API-Key": ""}, "missing_api_key"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "invalid_authorization"),
        ({"Authorization": "Bearer"}, "invalid_authorization"),
        ({"Authorization": "Token " + good}, "invalid_authorization"),
        ({"Authorization": "Bearer nonsense"}, "invalid_api_key"),
        ({"Authorization": "Bearer atk_"}, "invalid_api_key"),
        ({"Authorization": "Bearer atk__secret"}, "invalid_api_key"),
        ({"Authorization": "Bearer xyz_" + good[4:]}, "invalid_api_key"),
        ({"Authorization": "Bearer atk_000000000000_secret"}, "invalid_api_key"),
        ({"Authorization": f"Bearer atk_{prefix}_wrong-secret"}, "invalid_api_key"),
        ({"Authorization": "Bearer " + good + "x"}, "invalid_api_key"),
        ({"Authorization": "Bearer " + good[:-1]}, "invalid_api_key"),
        ({"Authorization": "Bearer atk_\x00_secret"}, "invalid_api_key"),
        ({"X-API-Key": "atk_\x01bad_secret"}, "invalid_api_key"),
        ({"X-API-Key": "not-a-key"}, "invalid_api_key"),
        # Authorization wins over X-API-Key, even when X-API-Key is valid
        ({"X-API-Key": good, "Authorization": "Basic abc"}, "invalid_authorization"),
        ({"X-API-Key": good, "Authorization": "Bearer nonsense"}, "invalid_api_key"),
    ]
    for headers, code in cases:
        assert_problem(client.get("/v1/me", headers=headers), 401, code)
        assert_problem(client.get("/v1/brands", headers=headers), 401, code)


@pytest.mark.parametrize(
    "headers",
    [
        lambda t: {"Authorization": f"Bearer {t}"},
        lambda t: {"Authorization": f"bearer {t}"},
        lambda t: {"X-API-Key": t},
        lambda t: {"X-API-Key": "garbage", "Authorization": f"Bearer {t}"},
    ],
    ids=["bearer", "lowercase-bearer", "x-api-key", "bearer-over-x-api-key"],
)
def test_accepted_credential_forms(client: TestClient, world: World, headers: object) -> None:
    assert callable(headers)
    me = client.get("/v1/me", headers=headers(world.tokens["admin_a"]))
    assert me.status_code == 200 and me.json()["user_id"] == world.ids["user_admin_a"]


def test_every_v1_route_requires_a_key(app: FastAPI, client: TestClient, world: World) -> None:
    # signed object URLs carry their own credential (an HMAC signature), tested in test_assets_content
    public = {
        ("POST", "/v1/auth/sessions"),
        ("GET", "/v1/objects/signed/{token}"),
        ("PUT", "/v1/objects/signed/{token}"),
    }
    for path, operations in app.openapi()["paths"].items():
        for method in operations:
            if not path.startswith("/v1") or (method.upper(), path) in public:
                continue
            url = path.replace("{", "").replace("}", "")
            response = client.request(method.upper(), url, json={})
            assert_problem(response, 401, "missing_api_key")


# /v1/me ---------------------------------------------------------------------------------------


def test_me_describes_every_kind_of_caller(client: TestClient, world: World) -> None:
    op = client.get("/v1/me", headers=world.auth("operator")).json()
    assert (op["kind"], op["is_operator"], op["grants"]) == ("operator", True, [])
    admin = client.get("/v1/me", headers=world.auth("admin_a")).json()
    assert (admin["kind"], admin["is_operator"], admin["agency_id"]) == ("user", False, None)
    assert [(g["brand_id"], g["role"]) for g in admin["grants"]] == [(world.ids["brand_a"], "brand_admin")]
    system = client.get("/v1/me", headers=world.auth("system_a")).json()
    assert (system["kind"], system["user_id"], system["principal_id"]) == ("system", None, system["key_id"])
    reviewer = client.get("/v1/me", headers=world.auth("agency_x_reviewer")).json()
    assert reviewer["grants"] == [
        {
            "brand_id": world.ids["brand_a"],
            "role": "agency_reviewer",
            "region_ids": [world.ids["a_north"]],
            "agency_id": world.ids["agency_x"],
        }
    ]


# Login sessions -------------------------------------------------------------------------------


def make_user(client: TestClient, world: World, email: str = "login@example.com", **extra: object) -> str:
    body = {
        "email": email,
        "display_name": "Login",
        "password": PASSWORD,
        "memberships": [{"brand_id": world.ids["brand_a"], "role": "creative"}],
        **extra,
    }
    response = client.post("/v1/users", headers=world.auth("admin_a"), json=body)
    assert response.status_code == 201, response.text
    user_id: str = response.json()["id"]
    return user_id


def login(client: TestClient, email: str, password: str = PASSWORD) -> httpx.Response:
    return client.post("/v1/auth/sessions", json={"email": email, "password": password})


def test_login_logout(app: FastAPI, client: TestClient, world: World, settings: Settings) -> None:
    user_id = make_user(client, world)
    response = client.post("/v1/auth/sessions", json={"email": "  Login@Example.COM ", "password": PASSWORD})
    assert response.status_code == 201, response.text
    session = response.json()
    expires = datetime.fromisoformat(session["expires_at"])
    ttl = timedelta(hours=settings.auth.session_ttl_hours)
    assert session["user_id"] == user_id and abs(expires - (datetime.now(UTC) + ttl)) < timedelta(minutes=1)
    me = client.get("/v1/me", headers=bearer(session["token"])).json()
    assert (me["user_id"], [g["role"] for g in me["grants"]]) == (user_id, ["creative"])
    # a session is not an API key: not listed, not readable as one
    assert me["key_id"] not in {
        k["id"] for k in client.get("/v1/api-keys", headers=bearer(session["token"])).json()["items"]
    }
    assert client.get(f"/v1/api-keys/{me['key_id']}", headers=bearer(session["token"])).status_code == 404

    out = client.delete("/v1/auth/sessions/current", headers=bearer(session["token"]))
    assert out.status_code == 204 and out.content == b""
    assert_problem(client.get("/v1/me", headers=bearer(session["token"])), 401, "api_key_revoked")
    with app.state.session_factory() as s:
        actions = s.scalars(
            select(AuditEvent.action).where(AuditEvent.target_id.in_([user_id, me["key_id"]]))
        )
        assert {"session.login", "session.logout"} <= set(actions)


@pytest.mark.parametrize("case", ["wrong_password", "unknown_email", "no_password", "inactive"])
def test_failed_login_looks_the_same_and_is_audited(
    app: FastAPI, client: TestClient, world: World, case: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    user_id = make_user(client, world)
    make_user(client, world, email="nopass@example.com", password=None)
    if case == "inactive":
        patch = client.patch(f"/v1/users/{user_id}", headers=world.auth("admin_a"), json={"is_active": False})
        assert patch.status_code == 200
    email, password = {
        "wrong_password": ("login@example.com", "not the password at all"),
        "unknown_email": ("nobody@example.com", PASSWORD),
        "no_password": ("nopass@example.com", PASSWORD),
        "inactive": ("login@example.com", PASSWORD),
    }[case]
    hashed: list[str] = []

    def counting(password: str, stored: str) -> bool:
        hashed.append(password)
        return verify_password(password, stored)

    monkeypatch.setattr(keys, "verify_password", counting)
    response = login(client, email, password)
    assert_problem(response, 401, "invalid_credentials")
    assert response.json()["detail"] == "wrong email or password"
    assert hashed == [password]  # a password is always hashed, so timing does not reveal who exists
    with app.state.session_factory() as s:
        failures = s.scalars(
            select(AuditEvent).where(AuditEvent.action == "session.login", AuditEvent.outcome == "failure")
        ).all()
        assert [(f.actor_kind, f.details["email"]) for f in failures] == [("anonymous", email)]
        assert s.scalars(select(ApiKey).where(ApiKey.kind == "session")).all() == []


def test_expired_session_is_refused(app: FastAPI, client: TestClient, world: World) -> None:
    make_user(client, world)
    token = login(client, "login@example.com").json()["token"]
    with transaction(app.state.session_factory) as s:
        for key in s.scalars(select(ApiKey).where(ApiKey.kind == "session")):
            key.expires_at = utcnow() - timedelta(seconds=1)
    assert_problem(client.get("/v1/me", headers=bearer(token)), 401, "api_key_expired")


def test_password_change_takes_effect(client: TestClient, world: World) -> None:
    user_id = make_user(client, world)
    token = login(client, "login@example.com").json()["token"]
    changed = client.patch(
        f"/v1/users/{user_id}", headers=bearer(token), json={"password": "brand new secret!"}
    )
    assert changed.status_code == 200, changed.text
    assert_problem(login(client, "login@example.com"), 401, "invalid_credentials")
    assert login(client, "login@example.com", "brand new secret!").status_code == 201


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"email": "a@example.com"},
        {"email": "a@example.com", "password": 5},
        {"email": "a@example.com", "password": "x", "remember": True},
    ],
)
def test_login_body_is_validated(client: TestClient, body: dict[str, object]) -> None:
    assert_problem(client.post("/v1/auth/sessions", json=body), 422, "validation_error")
