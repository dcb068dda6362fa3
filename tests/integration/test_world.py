"""The shared world fixture builds and its tokens authenticate."""

from __future__ import annotations

from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.settings import Settings
from tests.world import build_world


def test_world_tokens_authenticate(app: FastAPI, client: TestClient, settings: Settings) -> None:
    world = build_world(app.state.session_factory, settings)
    me = client.get("/v1/me", headers=world.auth("agency_x_creative")).json()
    assert me["agency_id"] == world.ids["agency_x"]
    assert me["grants"] == [
        {
            "brand_id": world.ids["brand_a"],
            "role": "creative",
            "region_ids": [world.ids["a_north"]],
            "agency_id": world.ids["agency_x"],
        }
    ]
    system = client.get("/v1/me", headers=world.auth("system_b")).json()
    assert system["kind"] == "system"
    assert [g["brand_id"] for g in system["grants"]] == [world.ids["brand_b"]]
