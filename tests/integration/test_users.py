"""Users and memberships: who may create and change whom, agency rules, and paginated lists."""

from __future__ import annotations

import base64
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from serving.audit.models import AuditEvent
from serving.settings import Settings
from serving.tenancy.models import Membership, User
from tests.world import World, build_world

PASSWORD = "a long enough password"


@pytest.fixture
def world(app: FastAPI, client: TestClient, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


def problem(response: httpx.Response, status: int, code: str) -> None:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == code, response.text


def user_body(email: str, *memberships: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"email": email, "display_name": email.split("@")[0], "memberships": list(memberships), **extra}


def counts(app: FastAPI) -> tuple[int, int, int]:
    with app.state.session_factory() as s:
        return (
            s.scalar(select(func.count()).select_from(User)) or 0,
            s.scalar(select(func.count()).select_from(Membership)) or 0,
            s.scalar(select(func.count()).select_from(AuditEvent)) or 0,
        )


# Creating users -------------------------------------------------------------------------------


def test_admin_creates_a_member_who_can_log_in(client: TestClient, world: World) -> None:
    a, north = world.ids["brand_a"], world.ids["a_north"]
    body = user_body(
        "New.Person@Example.com",
        {"brand_id": a, "role": "creative", "region_id": north},
        {"brand_id": a, "role": "brand_reviewer"},
        password=PASSWORD,
    )
    response = client.post("/v1/users", headers=world.auth("admin_a"), json=body)
    assert response.status_code == 201, response.text
    user = response.json()
    assert (user["email"], user["is_active"], user["is_operator"], user["agency_id"]) == (
        "new.person@example.com",
        True,
        False,
        None,
    )
    assert sorted((m["role"], m["region_id"]) for m in user["memberships"]) == [
        ("brand_reviewer", None),
        ("creative", north),
    ]
    assert "password" not in user and "password_hash" not in user
    login = client.post("/v1/auth/sessions", json={"email": "new.person@example.com", "password": PASSWORD})
    assert login.status_code == 201
    fetched = client.get(f"/v1/users/{user['id']}", headers=world.auth("admin_a")).json()
    assert fetched == user


def test_agency_staff_get_agency_roles_where_their_agency_is_assigned(
    client: TestClient, world: World
) -> None:
    a, x, north = world.ids["brand_a"], world.ids["agency_x"], world.ids["a_north"]
    body = user_body(
        "x2@example.com",
        {"brand_id": a, "role": "agency_reviewer", "region_id": north},
        agency_id=x,
        password=PASSWORD,
    )
    response = client.post("/v1/users", headers=world.auth("admin_a"), json=body)
    assert response.status_code == 201, response.text
    assert response.json()["agency_id"] == x
    login = client.post("/v1/auth/sessions", json={"email": "x2@example.com", "password": PASSWORD})
    me = client.get("/v1/me", headers={"Authorization": f"Bearer {login.json()['token']}"}).json()
    assert me["grants"] == [{"brand_id": a, "role": "agency_reviewer", "region_ids": [north], "agency_id": x}]


@pytest.mark.parametrize(
    ("agency", "membership", "status", "code"),
    [
        ("agency_x", {"role": "brand_reviewer", "region": "a_north"}, 422, "role_not_allowed_for_agency"),
        ("agency_x", {"role": "brand_admin", "region": "a_north"}, 422, "role_not_allowed_for_agency"),
        ("agency_x", {"role": "creative", "region": "a_south"}, 422, "agency_not_assigned"),
        ("agency_x", {"role": "creative", "region": None}, 422, "agency_not_assigned"),
        ("agency_y", {"role": "creative", "region": None}, 422, "agency_not_assigned"),
        ("agency_x", {"role": "creative", "region": "b_main"}, 404, "region_not_found"),
        (None, {"role": "creative", "brand": "brand_b"}, 404, "not_found"),
        ("missing", {"role": "creative", "region": "a_north"}, 404, "agency_not_found"),
    ],
)
def test_membership_rules_on_create(
    app: FastAPI,
    client: TestClient,
    world: World,
    agency: str | None,
    membership: dict[str, Any],
    status: int,
    code: str,
) -> None:
    agency_id = {None: None, "missing": "agc_missing"}.get(agency, world.ids.get(agency or ""))
    region = membership.get("region")
    body = user_body(
        "staff@example.com",
        {
            "brand_id": world.ids[membership.get("brand", "brand_a")],
            "role": membership["role"],
            "region_id": world.ids[region] if region else None,
        },
        agency_id=agency_id,
    )
    before = counts(app)
    problem(client.post("/v1/users", headers=world.auth("admin_a"), json=body), status, code)
    assert counts(app) == before


@pytest.mark.parametrize(
    ("actor", "body", "status", "code"),
    [
        ("admin_a", {"email": "creative_a@example.com"}, 409, "user_exists"),
        ("admin_a", {"email": "CREATIVE_A@Example.com"}, 409, "user_exists"),
        ("admin_a", {"is_operator": True}, 403, "operator_required"),
        ("admin_a", {"memberships": []}, 422, "membership_required"),
        ("creative_a", {}, 403, "forbidden"),
        ("reviewer_a", {}, 403, "forbidden"),
        ("system_a", {}, 403, "forbidden"),
        ("admin_a", {"password": "short"}, 422, "validation_error"),
        ("admin_a", {"email": "not-an-email"}, 422, "validation_error"),
        ("admin_a", {"display_name": ""}, 422, "validation_error"),
        ("admin_a", {"is_operator": "sometimes"}, 422, "validation_error"),
        ("admin_a", {"role": "brand_admin"}, 422, "validation_error"),
        ("admin_a", {"memberships": [{"brand_id": "x", "role": "owner"}]}, 422, "validation_error"),
        ("admin_a", {"memberships": "creative"}, 422, "validation_error"),
    ],
)
def test_create_user_is_refused(
    app: FastAPI, client: TestClient, world: World, actor: str, body: dict[str, Any], status: int, code: str
) -> None:
    payload = user_body("fresh@example.com", {"brand_id": world.ids["brand_a"], "role": "creative"})
    payload.update(body)
    before = counts(app)
    problem(client.post("/v1/users", headers=world.auth(actor), json=payload), status, code)
    assert counts(app) == before


def test_a_failing_membership_leaves_nothing_half_written(
    app: FastAPI, client: TestClient, world: World
) -> None:
    membership = {"brand_id": world.ids["brand_a"], "role": "creative"}
    before = counts(app)
    response = client.post(
        "/v1/users",
        headers=world.auth("admin_a"),
        json=user_body("twice@example.com", membership, membership),
    )
    problem(response, 409, "membership_exists")
    assert counts(app) == before
    with app.state.session_factory() as s:
        assert s.scalar(select(User).where(User.email == "twice@example.com")) is None


def test_operators_create_operators_and_platform_users(client: TestClient, world: World) -> None:
    response = client.post(
        "/v1/users", headers=world.auth("operator"), json=user_body("op2@example.com", is_operator=True)
    )
    assert response.status_code == 201 and response.json()["is_operator"] is True
    assert response.json()["memberships"] == []


# Changing users -------------------------------------------------------------------------------


def patch(client: TestClient, world: World, actor: str, user: str, body: dict[str, Any]) -> httpx.Response:
    return client.patch(f"/v1/users/{world.ids[user]}", headers=world.auth(actor), json=body)


def test_patch_rules(app: FastAPI, client: TestClient, world: World) -> None:
    own = patch(client, world, "creative_a", "user_creative_a", {"display_name": "Me"})
    assert own.status_code == 200 and own.json()["display_name"] == "Me"
    problem(patch(client, world, "admin_a", "user_creative_a", {"password": PASSWORD}), 403, "forbidden")
    problem(patch(client, world, "admin_a", "user_admin_a", {"is_active": False}), 403, "forbidden")
    problem(patch(client, world, "creative_a", "user_creative_a", {"is_active": False}), 403, "forbidden")
    problem(patch(client, world, "creative_a", "user_reviewer_a", {"display_name": "x"}), 404, "not_found")
    problem(
        patch(client, world, "admin_a", "user_creative_a", {"email": "x@example.com"}),
        422,
        "validation_error",
    )
    problem(patch(client, world, "admin_a", "user_creative_a", {"is_active": "no"}), 422, "validation_error")
    problem(patch(client, world, "admin_a", "user_creative_a", {"display_name": ""}), 422, "validation_error")
    with app.state.session_factory() as s:
        user = s.get(User, world.ids["user_creative_a"])
        assert user is not None and user.is_active and user.password_hash is None

    off = patch(client, world, "admin_a", "user_creative_a", {"is_active": False})
    assert off.status_code == 200 and off.json()["is_active"] is False
    assert client.get("/v1/me", headers=world.auth("creative_a")).json()["code"] == "user_inactive"
    on = patch(client, world, "admin_a", "user_creative_a", {"is_active": True})
    assert on.status_code == 200
    assert client.get("/v1/me", headers=world.auth("creative_a")).status_code == 200


def test_deactivating_needs_an_admin_of_every_brand(client: TestClient, world: World) -> None:
    add = client.post(
        f"/v1/users/{world.ids['user_creative_a']}/memberships",
        headers=world.auth("operator"),
        json={"brand_id": world.ids["brand_b"], "role": "creative"},
    )
    assert add.status_code == 201
    problem(patch(client, world, "admin_a", "user_creative_a", {"is_active": False}), 403, "forbidden")
    problem(patch(client, world, "admin_b", "user_creative_a", {"is_active": False}), 403, "forbidden")
    assert patch(client, world, "operator", "user_creative_a", {"is_active": False}).status_code == 200


def test_brand_admin_cannot_change_an_operator(client: TestClient, world: World) -> None:
    add = client.post(
        f"/v1/users/{world.ids['user_operator']}/memberships",
        headers=world.auth("operator"),
        json={"brand_id": world.ids["brand_a"], "role": "brand_admin"},
    )
    assert add.status_code == 201
    assert (
        client.get(f"/v1/users/{world.ids['user_operator']}", headers=world.auth("admin_a")).status_code
        == 200
    )
    for body in ({"is_active": False}, {"display_name": "demoted"}):
        problem(patch(client, world, "admin_a", "user_operator", body), 403, "operator_required")
    assert client.get("/v1/me", headers=world.auth("operator")).json()["is_operator"] is True
    assert patch(client, world, "operator", "user_operator", {"display_name": "Root"}).status_code == 200


# Memberships ----------------------------------------------------------------------------------


def test_add_and_remove_memberships(client: TestClient, world: World) -> None:
    a, user = world.ids["brand_a"], world.ids["user_creative_a"]
    url = f"/v1/users/{user}/memberships"
    added = client.post(url, headers=world.auth("admin_a"), json={"brand_id": a, "role": "brand_reviewer"})
    assert added.status_code == 201, added.text
    membership = added.json()
    assert (membership["user_id"], membership["brand_id"], membership["role"]) == (user, a, "brand_reviewer")
    roles = {g["role"] for g in client.get("/v1/me", headers=world.auth("creative_a")).json()["grants"]}
    assert roles == {"creative", "brand_reviewer"}
    again = client.post(url, headers=world.auth("admin_a"), json={"brand_id": a, "role": "brand_reviewer"})
    problem(again, 409, "membership_exists")
    problem(
        client.post(url, headers=world.auth("creative_a"), json={"brand_id": a, "role": "brand_admin"}),
        403,
        "forbidden",
    )

    wrong_user = f"/v1/users/{world.ids['user_reviewer_a']}/memberships/{membership['id']}"
    problem(client.delete(wrong_user, headers=world.auth("admin_a")), 404, "not_found")
    removed = client.delete(f"{url}/{membership['id']}", headers=world.auth("admin_a"))
    assert removed.status_code == 204
    problem(client.delete(f"{url}/{membership['id']}", headers=world.auth("admin_a")), 404, "not_found")
    roles = {g["role"] for g in client.get("/v1/me", headers=world.auth("creative_a")).json()["grants"]}
    assert roles == {"creative"}


def test_agency_membership_rules_on_add(client: TestClient, world: World) -> None:
    url = f"/v1/users/{world.ids['user_agency_x_creative']}/memberships"
    a, b = world.ids["brand_a"], world.ids["brand_b"]
    admin = world.auth("admin_a")
    problem(
        client.post(url, headers=admin, json={"brand_id": a, "role": "brand_admin"}),
        422,
        "role_not_allowed_for_agency",
    )
    problem(
        client.post(
            url,
            headers=admin,
            json={"brand_id": a, "role": "agency_reviewer", "region_id": world.ids["a_south"]},
        ),
        422,
        "agency_not_assigned",
    )
    problem(
        client.post(url, headers=world.auth("operator"), json={"brand_id": b, "role": "creative"}),
        422,
        "agency_not_assigned",
    )
    ok = client.post(
        url, headers=admin, json={"brand_id": a, "role": "agency_reviewer", "region_id": world.ids["a_north"]}
    )
    assert ok.status_code == 201, ok.text


# Pagination -----------------------------------------------------------------------------------


def test_user_list_pages_with_a_cursor(client: TestClient, world: World) -> None:
    for n in range(5):
        body = user_body(f"page{n}@example.com", {"brand_id": world.ids["brand_a"], "role": "creative"})
        assert client.post("/v1/users", headers=world.auth("admin_a"), json=body).status_code == 201
    everyone = client.get("/v1/users", headers=world.auth("admin_a")).json()
    assert everyone["next_cursor"] is None
    expected = [u["id"] for u in everyone["items"]]
    assert expected == sorted(expected) and len(expected) == 10  # 5 world members of A + 5 new

    seen: list[str] = []
    cursor: str | None = None
    pages = 0
    while True:
        url = "/v1/users?limit=3" + (f"&cursor={cursor}" if cursor else "")
        page = client.get(url, headers=world.auth("admin_a")).json()
        pages += 1
        assert len(page["items"]) <= 3
        seen += [u["id"] for u in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == expected and pages == 4


@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("limit=201", "limit_too_large"),
        ("limit=0", "validation_error"),
        ("limit=-1", "validation_error"),
        ("limit=ten", "validation_error"),
        ("cursor=!!!", "invalid_cursor"),
        ("cursor=" + base64.urlsafe_b64encode(b"no-underscore").decode(), "invalid_cursor"),
        ("cursor=" + base64.urlsafe_b64encode(b"usr_\x00").decode().rstrip("="), "invalid_cursor"),
        ("cursor=" + base64.urlsafe_b64encode(b"\xff\xfe_").decode(), "invalid_cursor"),
        ("cursor=" + "A" * 201, "validation_error"),
    ],
)
def test_bad_paging_parameters_on_every_list(client: TestClient, world: World, query: str, code: str) -> None:
    a = world.ids["brand_a"]
    lists = [
        "/v1/users",
        "/v1/brands",
        "/v1/api-keys",
        "/v1/agencies",
        "/v1/jobs",
        "/v1/audit",
        f"/v1/brands/{a}/regions",
        f"/v1/brands/{a}/agencies",
    ]
    for path in lists:
        problem(client.get(f"{path}?{query}", headers=world.auth("admin_a")), 422, code)
