"""Isolation cases for auth, brand, region, agency and assignment routes (see test_tenancy_isolation)."""

from __future__ import annotations

from sqlalchemy import select

from serving.auth.models import ApiKey
from tests.integration.tenancy_scene import B_SIDE, PASSWORD_A, PASSWORD_B, Control, Scene, case

FORBIDDEN = {"status": 403, "codes": ("forbidden",)}
OPERATOR_ONLY = {"status": 403, "codes": ("operator_required",)}

# Auth -----------------------------------------------------------------------------------------


@case("GET", "/v1/me")
def _me(sc: Scene) -> Control:
    for actor in B_SIDE:
        grants = sc.ok(actor, "GET", "/v1/me")["grants"]
        assert grants and {g["brand_id"] for g in grants} == {sc.ids["brand_b"]}, actor
    me = sc.ok("agency_x_creative", "GET", "/v1/me")
    assert [(g["brand_id"], g["region_ids"], g["agency_id"]) for g in me["grants"]] == [
        (sc.ids["brand_a"], [sc.ids["a_north"]], sc.ids["agency_x"])
    ]
    return None


@case("POST", "/v1/api-keys")
def _create_key(sc: Scene) -> Control:
    body = {"name": "stolen", "kind": "system", "brand_id": sc.ids["brand_a"], "role": "brand_admin"}
    sc.denied(B_SIDE, "POST", "/v1/api-keys", body)
    sc.denied(
        ("creative_a", "reviewer_a", "agency_x_creative", "system_a"),
        "POST",
        "/v1/api-keys",
        body,
        **FORBIDDEN,
    )
    return sc.control("admin_a", "POST", "/v1/api-keys", body, status=201)


@case("GET", "/v1/api-keys")
def _list_keys(sc: Scene) -> Control:
    with sc.session() as s:
        a_keys = set(s.scalars(select(ApiKey.id).where(ApiKey.brand_id == sc.ids["brand_a"])))
    a_keys |= {sc.ids["key_admin_a"]}
    for actor in (*B_SIDE, "agency_x_creative"):
        assert sc.item_ids(actor, "/v1/api-keys").isdisjoint(a_keys), actor
    assert sc.item_ids("admin_b", "/v1/api-keys") == {sc.ids["key_system_b"], sc.ids["key_admin_b"]}
    return sc.control(
        "admin_a", "GET", "/v1/api-keys", check=lambda b: {k["id"] for k in b["items"]} == a_keys
    )


@case("GET", "/v1/api-keys/{key_id}")
def _get_key(sc: Scene) -> Control:
    for key in ("key_system_a", "key_admin_a"):
        sc.denied(B_SIDE, "GET", f"/v1/api-keys/{sc.ids[key]}")
    sc.denied(("creative_a", "agency_x_creative"), "GET", f"/v1/api-keys/{sc.ids['key_system_a']}")
    return sc.control("admin_a", "GET", f"/v1/api-keys/{sc.ids['key_system_a']}")


@case("POST", "/v1/api-keys/{key_id}/revoke")
def _revoke_key(sc: Scene) -> Control:
    for key in ("key_system_a", "key_admin_a"):
        sc.denied(B_SIDE, "POST", f"/v1/api-keys/{sc.ids[key]}/revoke")
    sc.denied(("creative_a", "agency_x_creative"), "POST", f"/v1/api-keys/{sc.ids['key_system_a']}/revoke")
    assert sc.get("system_a", "/v1/me").status_code == 200
    assert sc.get("admin_a", "/v1/me").status_code == 200

    def control() -> None:
        sc.ok("admin_a", "POST", f"/v1/api-keys/{sc.ids['key_system_a']}/revoke")
        assert sc.get("system_a", "/v1/me").json()["code"] == "api_key_revoked"

    return control


def _login(sc: Scene, email: str, password: str, name: str) -> None:
    response = sc.client.post("/v1/auth/sessions", json={"email": email, "password": password})
    assert response.status_code == 201, response.text
    sc.tokens[name] = response.json()["token"]


@case("POST", "/v1/auth/sessions")
def _create_session(sc: Scene) -> Control:
    body = {"email": "creative_a@example.com", "password": PASSWORD_B}
    wrong = sc.client.post("/v1/auth/sessions", json=body)
    assert (wrong.status_code, wrong.json()["code"]) == (401, "invalid_credentials")
    _login(sc, "creative_b@example.com", PASSWORD_B, "session_b")
    grants = sc.ok("session_b", "GET", "/v1/me")["grants"]
    assert {g["brand_id"] for g in grants} == {sc.ids["brand_b"]}
    sc.denied(["session_b"], "GET", f"/v1/brands/{sc.ids['brand_a']}")
    sc.denied(["session_b"], "GET", f"/v1/jobs/{sc.ids['job_a_south']}")
    return lambda: _login(sc, "creative_a@example.com", PASSWORD_A, "session_a2")


@case("DELETE", "/v1/auth/sessions/current")
def _delete_session(sc: Scene) -> Control:
    _login(sc, "creative_b@example.com", PASSWORD_B, "session_b")
    for actor in (*B_SIDE, "session_b"):
        assert sc.req(actor, "DELETE", "/v1/auth/sessions/current").status_code == 204, actor
    assert sc.get("session_b", "/v1/me").json()["code"] == "api_key_revoked"
    assert sc.get("session_a", "/v1/me").status_code == 200
    for actor in B_SIDE:  # "logging out" with a key that is not a session leaves it working
        assert sc.get(actor, "/v1/me").status_code == 200, actor

    def control() -> None:
        assert sc.req("session_a", "DELETE", "/v1/auth/sessions/current").status_code == 204
        assert sc.get("session_a", "/v1/me").json()["code"] == "api_key_revoked"

    return control


# Brands and regions ---------------------------------------------------------------------------


@case("POST", "/v1/brands")
def _create_brand(sc: Scene) -> Control:
    body = {"slug": "brand-c", "name": "Brand C"}
    sc.denied((*B_SIDE, "admin_a", "agency_x_creative"), "POST", "/v1/brands", body, **OPERATOR_ONLY)
    return sc.control("operator", "POST", "/v1/brands", body, status=201)


@case("GET", "/v1/brands")
def _list_brands(sc: Scene) -> Control:
    for actor in B_SIDE:
        assert sc.item_ids(actor, "/v1/brands") == {sc.ids["brand_b"]}, actor
    for actor in ("agency_x_creative", "agency_x_reviewer", "system_a"):
        assert sc.item_ids(actor, "/v1/brands") == {sc.ids["brand_a"]}, actor
    return None


@case("GET", "/v1/brands/{brand_id}")
def _get_brand(sc: Scene) -> Control:
    sc.denied(B_SIDE, "GET", f"/v1/brands/{sc.ids['brand_a']}")
    sc.denied(("agency_x_creative",), "GET", f"/v1/brands/{sc.ids['brand_b']}")
    return sc.control("agency_x_creative", "GET", f"/v1/brands/{sc.ids['brand_a']}")


@case("PATCH", "/v1/brands/{brand_id}")
def _update_brand(sc: Scene) -> Control:
    url, body = f"/v1/brands/{sc.ids['brand_a']}", {"name": "Owned"}
    sc.denied(B_SIDE, "PATCH", url, body)
    sc.denied(("creative_a", "reviewer_a", "agency_x_creative", "system_a"), "PATCH", url, body, **FORBIDDEN)
    return sc.control("admin_a", "PATCH", url, body, check=lambda b: b["name"] == "Owned")


@case("POST", "/v1/brands/{brand_id}/regions")
def _create_region(sc: Scene) -> Control:
    url, body = f"/v1/brands/{sc.ids['brand_a']}/regions", {"code": "a-east", "name": "A East"}
    sc.denied(B_SIDE, "POST", url, body)
    sc.denied(("creative_a", "agency_x_creative"), "POST", url, body, **FORBIDDEN)
    return sc.control("admin_a", "POST", url, body, status=201)


@case("GET", "/v1/brands/{brand_id}/regions")
def _list_regions(sc: Scene) -> Control:
    url = f"/v1/brands/{sc.ids['brand_a']}/regions"
    sc.denied(B_SIDE, "GET", url)
    for actor in ("agency_x_creative", "agency_x_reviewer"):
        assert sc.item_ids(actor, url) == {sc.ids["a_north"]}, actor
    assert sc.item_ids("creative_a", url) == {sc.ids["a_north"], sc.ids["a_south"]}
    return None


@case("GET", "/v1/brands/{brand_id}/regions/{region_id}")
def _get_region(sc: Scene) -> Control:
    a, b = sc.ids["brand_a"], sc.ids["brand_b"]
    for region in ("a_north", "a_south"):
        sc.denied(B_SIDE, "GET", f"/v1/brands/{a}/regions/{sc.ids[region]}")
        sc.denied(B_SIDE, "GET", f"/v1/brands/{b}/regions/{sc.ids[region]}")  # A's id under brand B
    sc.denied(
        ("agency_x_creative", "agency_x_reviewer"), "GET", f"/v1/brands/{a}/regions/{sc.ids['a_south']}"
    )
    return sc.control("agency_x_creative", "GET", f"/v1/brands/{a}/regions/{sc.ids['a_north']}")


@case("DELETE", "/v1/brands/{brand_id}/regions/{region_id}")
def _delete_region(sc: Scene) -> Control:
    a, b, south = sc.ids["brand_a"], sc.ids["brand_b"], sc.ids["a_south"]
    sc.denied(B_SIDE, "DELETE", f"/v1/brands/{a}/regions/{south}")
    sc.denied(("admin_b",), "DELETE", f"/v1/brands/{b}/regions/{south}")
    sc.denied(("creative_a", "agency_x_creative"), "DELETE", f"/v1/brands/{a}/regions/{south}", **FORBIDDEN)
    return sc.control("admin_a", "DELETE", f"/v1/brands/{a}/regions/{south}", status=204)


# Agencies and assignments ---------------------------------------------------------------------


@case("POST", "/v1/agencies")
def _create_agency(sc: Scene) -> Control:
    body = {"slug": "agency-w", "name": "Agency W"}
    sc.denied((*B_SIDE, "admin_a", "agency_x_creative"), "POST", "/v1/agencies", body, **OPERATOR_ONLY)
    return sc.control("operator", "POST", "/v1/agencies", body, status=201)


@case("GET", "/v1/agencies")
def _list_agencies(sc: Scene) -> Control:
    x, y, z = sc.ids["agency_x"], sc.ids["agency_y"], sc.ids["agency_z"]
    for actor in ("creative_b", "system_b", "agency_y_creative"):
        assert sc.item_ids(actor, "/v1/agencies") == {y}, actor
    assert sc.item_ids("agency_x_creative", "/v1/agencies") == {x}
    assert sc.item_ids("creative_a", "/v1/agencies") == {x, z}
    # Brand admins (not agency staff) read the group's whole agency directory, by design.
    assert sc.item_ids("admin_b", "/v1/agencies") == {x, y, z}
    return None


@case("GET", "/v1/agencies/{agency_id}")
def _get_agency(sc: Scene) -> Control:
    for agency in ("agency_x", "agency_z"):
        sc.denied(("creative_b", "system_b", "agency_y_creative"), "GET", f"/v1/agencies/{sc.ids[agency]}")
    for agency in ("agency_y", "agency_z"):
        sc.denied(("agency_x_creative",), "GET", f"/v1/agencies/{sc.ids[agency]}")
    return sc.control("creative_a", "GET", f"/v1/agencies/{sc.ids['agency_x']}")


@case("POST", "/v1/brands/{brand_id}/agencies")
def _assign_agency(sc: Scene) -> Control:
    a, b = sc.ids["brand_a"], sc.ids["brand_b"]
    body = {"agency_id": sc.ids["agency_y"], "region_id": sc.ids["a_north"]}
    sc.denied(B_SIDE, "POST", f"/v1/brands/{a}/agencies", body)
    sc.denied(("admin_b",), "POST", f"/v1/brands/{b}/agencies", body)  # A's region under brand B
    sc.denied(("creative_a", "agency_x_creative"), "POST", f"/v1/brands/{a}/agencies", body, **FORBIDDEN)
    return sc.control("admin_a", "POST", f"/v1/brands/{a}/agencies", body, status=201)


@case("GET", "/v1/brands/{brand_id}/agencies")
def _list_assignments(sc: Scene) -> Control:
    url = f"/v1/brands/{sc.ids['brand_a']}/agencies"
    sc.denied(B_SIDE, "GET", url)
    for actor in ("agency_x_creative", "agency_x_reviewer"):
        assert sc.item_ids(actor, url) == {sc.ids["asg_x"]}, actor
    assert sc.item_ids("admin_b", f"/v1/brands/{sc.ids['brand_b']}/agencies") == {sc.ids["asg_y"]}
    expected = {sc.ids["asg_x"], sc.ids["asg_z"]}
    return sc.control("admin_a", "GET", url, check=lambda b: {i["id"] for i in b["items"]} == expected)


@case("DELETE", "/v1/brands/{brand_id}/agencies/{assignment_id}")
def _unassign_agency(sc: Scene) -> Control:
    a, b, asg = sc.ids["brand_a"], sc.ids["brand_b"], sc.ids["asg_x"]
    sc.denied(B_SIDE, "DELETE", f"/v1/brands/{a}/agencies/{asg}")
    sc.denied(("admin_b",), "DELETE", f"/v1/brands/{b}/agencies/{asg}")
    sc.denied(("admin_a",), "DELETE", f"/v1/brands/{a}/agencies/{sc.ids['asg_y']}")
    sc.denied(("agency_x_creative", "creative_a"), "DELETE", f"/v1/brands/{a}/agencies/{asg}", **FORBIDDEN)
    return sc.control("admin_a", "DELETE", f"/v1/brands/{a}/agencies/{asg}", status=204)
