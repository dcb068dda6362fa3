"""GET /v1/brands/{brand_id}/review-people: display names for the review pages, scoped like the queue."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.api import create_app
from serving.auth.roles import Role
from serving.db import transaction
from serving.settings import Settings
from serving.tenancy.models import Membership, User
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.world import World, build_world


@pytest.fixture
def settings(sqlite_url: str, tmp_path: Path) -> Settings:
    return make_settings(sqlite_url, tmp_path / "var")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, FakeGateway())


@pytest.fixture
def setup(app: FastAPI, settings: Settings) -> Iterator[tuple[TestClient, World]]:
    with TestClient(app, raise_server_exceptions=False) as client:
        world = build_world(app.state.session_factory, settings)
        with transaction(app.state.session_factory) as session:  # another agency's creative at brand A
            rival = User(email="rival@example.com", display_name="Rival Y", agency_id=world.ids["agency_y"])
            session.add(rival)
            session.flush()
            session.add(Membership(user_id=rival.id, brand_id=world.ids["brand_a"], role=Role.CREATIVE.value))
        yield client, world


def people(client: TestClient, world: World, actor: str, brand: str = "brand_a") -> Any:
    return client.get(f"/v1/brands/{world.ids[brand]}/review-people", headers=world.auth(actor))


def test_brand_staff_see_every_member_by_name_without_emails(setup: tuple[TestClient, World]) -> None:
    client, world = setup
    response = people(client, world, "reviewer_a")
    assert response.status_code == 200, response.text
    body = response.json()
    names = [p["display_name"] for p in body]
    assert names == sorted(names, key=str.casefold)
    assert set(names) == {
        "admin_a",
        "reviewer_a",
        "creative_a",
        "agency_x_creative",
        "agency_x_reviewer",
        "Rival Y",
    }
    reviewer = next(p for p in body if p["display_name"] == "agency_x_reviewer")
    assert reviewer == {
        "id": world.ids["user_agency_x_reviewer"],
        "display_name": "agency_x_reviewer",
        "agency_id": world.ids["agency_x"],
        "roles": ["agency_reviewer"],
        "is_active": True,
    }
    assert all("email" not in p for p in body)


def test_agency_staff_see_the_brand_and_their_own_agency_only(setup: tuple[TestClient, World]) -> None:
    client, world = setup
    response = people(client, world, "agency_x_reviewer")
    assert response.status_code == 200, response.text
    names = {p["display_name"] for p in response.json()}
    assert "Rival Y" not in names
    assert {"admin_a", "reviewer_a", "agency_x_creative", "agency_x_reviewer"} <= names


def test_other_brands_and_anonymous_callers_are_refused(setup: tuple[TestClient, World]) -> None:
    client, world = setup
    refused = people(client, world, "creative_b")
    assert (refused.status_code, refused.json()["code"]) == (404, "not_found")
    anonymous = client.get(f"/v1/brands/{world.ids['brand_a']}/review-people")
    assert anonymous.status_code == 401
