"""Tenancy isolation: on every /v1 route, brand B's callers try brand A's resources and agency staff try
work outside their agency and region, and fail; nothing of brand A changes.

``CASES`` holds one case per route of the OpenAPI schema (tenancy_cases_*.py);
``test_every_route_has_an_isolation_case`` fails when a route is added without one. A case makes the
attempts and returns an optional positive control (the same request by someone allowed) that runs after
the "nothing changed" check, proving the refusals come from isolation, not from a broken URL or body.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from serving.api import create_app
from serving.settings import Settings
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.integration import (
    tenancy_cases_access,
    tenancy_cases_assets,
    tenancy_cases_compliance,
    tenancy_cases_experiments,
    tenancy_cases_exports,
    tenancy_cases_governance,
    tenancy_cases_library,
    tenancy_cases_review_people,
    tenancy_cases_reviews,
    tenancy_cases_search,
    tenancy_cases_studio,
    tenancy_cases_webhooks,
    tenancy_cases_work,
)
from tests.integration.tenancy_scene import CASES, REVIEW_CASES, Scene, SceneCache, brand_a_state

CASE_MODULES = (  # importing them registers their cases
    tenancy_cases_access,
    tenancy_cases_work,
    tenancy_cases_assets,
    tenancy_cases_compliance,
    tenancy_cases_experiments,
    tenancy_cases_exports,
    tenancy_cases_reviews,
    tenancy_cases_review_people,
    tenancy_cases_search,
    tenancy_cases_library,
    tenancy_cases_governance,
    tenancy_cases_studio,
    tenancy_cases_webhooks,
)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    """No job workers: jobs stay as created, so "nothing changed" is exact."""
    return make_settings(db_url, tmp_path / "var", jobs={"poll_seconds": 0.05, "workers": 0})


@pytest.fixture(scope="module")
def scene_cache(tmp_path_factory: pytest.TempPathFactory) -> SceneCache:
    """Each kind of scene is built once per backend and replayed into the later tests' databases."""
    return SceneCache(tmp_path_factory.mktemp("scenes"))


@pytest.fixture
def scene(
    request: pytest.FixtureRequest,
    app: FastAPI,
    client: TestClient,
    settings: Settings,
    scene_cache: SceneCache,
) -> Scene:
    """With review items only for the review routes' cases (their check jobs would show in the job
    lists other cases count exactly)."""
    callspec = getattr(request.node, "callspec", None)
    route = callspec.params.get("route") if callspec is not None else None
    return scene_cache.scene(app, client, settings, reviews=route in REVIEW_CASES)


def test_every_route_has_an_isolation_case(sqlite_url: str, tmp_path: Path) -> None:
    app = create_app(make_settings(sqlite_url, tmp_path / "var"), FakeGateway())
    routes = {
        (method.upper(), path)
        for path, operations in app.openapi()["paths"].items()
        if path.startswith("/v1")
        for method in operations
    }
    assert len(routes) >= 27
    assert set(CASES) == routes, f"no case: {routes - set(CASES)}; stale: {set(CASES) - routes}"


# Each route's case runs once, on the two databases in turn (sorted routes alternate SQLite / PostgreSQL):
# isolation lives in the app's queries, which both backends run; building the scene for every route on
# both doubled the suite's longest file. The hostile-ids test below still runs every route on both.
ROUTE_BACKENDS = [(route, ("sqlite", "postgresql")[i % 2]) for i, route in enumerate(sorted(CASES))]


@pytest.mark.parametrize(
    ("route", "db_url"),
    ROUTE_BACKENDS,
    ids=[f"{r[0]} {r[1]}-{b}" for r, b in ROUTE_BACKENDS],
    indirect=["db_url"],
)
def test_cross_tenant_access_fails(scene: Scene, route: tuple[str, str]) -> None:
    before = brand_a_state(scene)
    control = CASES[route](scene)
    assert brand_a_state(scene) == before, "a refused request changed brand A"
    if control is not None:
        control()


# Changes to the tenancy take effect at once and never widen access -----------------------------


def test_unassigning_an_agency_cuts_its_staff_off_at_once(scene: Scene) -> None:
    a = scene.ids["brand_a"]
    assert scene.get("agency_x_creative", f"/v1/jobs/{scene.ids['job_x_north']}").status_code == 200
    scene.ok("admin_a", "DELETE", f"/v1/brands/{a}/agencies/{scene.ids['asg_x']}", status=204)
    assert scene.ok("agency_x_creative", "GET", "/v1/me")["grants"] == []
    scene.denied(["agency_x_creative", "agency_x_reviewer"], "GET", f"/v1/brands/{a}")
    scene.denied(["agency_x_creative"], "GET", f"/v1/jobs/{scene.ids['job_x_north']}")
    assert scene.item_ids("agency_x_creative", "/v1/jobs") == set()


def test_deleting_a_region_does_not_widen_a_region_limited_grant(scene: Scene) -> None:
    a, south = scene.ids["brand_a"], scene.ids["a_south"]
    body = {
        "email": "south@example.com",
        "display_name": "South",
        "password": "a long enough password",
        "memberships": [{"brand_id": a, "role": "creative", "region_id": south}],
    }
    scene.ok("admin_a", "POST", "/v1/users", body, status=201)
    login = scene.client.post(
        "/v1/auth/sessions", json={"email": body["email"], "password": body["password"]}
    )
    scene.tokens["south"] = login.json()["token"]
    assert scene.item_ids("south", "/v1/jobs") == {scene.ids["job_a_south"]}
    scene.ok("admin_a", "DELETE", f"/v1/brands/{a}/regions/{south}", status=204)
    assert scene.ok("south", "GET", "/v1/me")["grants"] == []
    assert scene.item_ids("south", "/v1/jobs") == set()
    scene.denied(["south"], "GET", f"/v1/brands/{a}/regions")
    # the job lost its region; region-limited agency staff still do not see it
    assert scene.ok("admin_a", "GET", f"/v1/jobs/{scene.ids['job_a_south']}")["region_id"] is None
    scene.denied(["agency_x_creative"], "GET", f"/v1/jobs/{scene.ids['job_a_south']}")


# Hostile ids never reach the database as a 500 --------------------------------------------------

HOSTILE = ["%00", "a%00b", "x" * 300, "..%2F..%2Fetc", "' OR '1'='1", "%E5%93%81%E7%89%8C", "brd_"]
BODIES = {
    ("PATCH", "/v1/brands/{brand_id}"): {"name": "n"},
    ("POST", "/v1/brands/{brand_id}/regions"): {"code": "zz", "name": "n"},
    ("POST", "/v1/brands/{brand_id}/agencies"): {"agency_id": "agc_x"},
    ("PATCH", "/v1/users/{user_id}"): {"display_name": "n"},
    ("POST", "/v1/users/{user_id}/memberships"): {"brand_id": "brd_x", "role": "creative"},
}


@pytest.mark.parametrize("actor", ["admin_a", "operator"])
def test_hostile_ids_and_filters_get_a_clean_refusal(scene: Scene, actor: str) -> None:
    before = brand_a_state(scene)
    routes = [(m, p) for (m, p) in CASES if "{" in p]
    assert len(routes) >= 12
    for method, path in routes:
        for value in HOSTILE:
            url = re.sub(r"\{[a-z_]+\}", value, path)
            response = scene.req(actor, method, url, BODIES.get((method, path)))
            assert response.status_code in (404, 422), (method, url, response.status_code, response.text)
            assert response.headers["content-type"].startswith("application/problem+json")
    for query in ("brand_id=%00", "kind=%00", "brand_id=%27%20OR%201=1"):
        assert scene.get(actor, f"/v1/jobs?{query}").status_code in (200, 422)
    for query in ("action=%00", "action=%27%20OR%201=1", "brand_id=%00"):
        assert scene.get(actor, f"/v1/audit?{query}").status_code in (200, 404, 422)
    assert brand_a_state(scene) == before
