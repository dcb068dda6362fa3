"""Isolation cases for user, membership, job and audit routes (see test_tenancy_isolation)."""

from __future__ import annotations

from sqlalchemy import select

from serving.tenancy.models import Membership, User
from tests.integration.tenancy_scene import B_SIDE, Control, Scene, case

FORBIDDEN = {"status": 403, "codes": ("forbidden",)}
A_JOBS = ("job_x_north", "job_x_done", "job_a_north", "job_a_south", "job_a_system")

# Users and memberships ------------------------------------------------------------------------


@case("POST", "/v1/users")
def _create_user(sc: Scene) -> Control:
    a, b = sc.ids["brand_a"], sc.ids["brand_b"]

    def body(email: str, *memberships: dict[str, str], agency: str | None = None) -> dict[str, object]:
        return {"email": email, "display_name": "new", "agency_id": agency, "memberships": list(memberships)}

    sc.denied(B_SIDE, "POST", "/v1/users", body("in-a@example.com", {"brand_id": a, "role": "creative"}))
    sc.denied(
        ("admin_b",),
        "POST",
        "/v1/users",
        body("both@example.com", {"brand_id": b, "role": "creative"}, {"brand_id": a, "role": "creative"}),
    )
    sc.denied(
        ("admin_b",),
        "POST",
        "/v1/users",
        body("region@example.com", {"brand_id": b, "role": "creative", "region_id": sc.ids["a_north"]}),
        codes=("region_not_found",),
    )
    sc.denied(
        ("admin_b",),
        "POST",
        "/v1/users",
        body("x-at-b@example.com", {"brand_id": b, "role": "creative"}, agency=sc.ids["agency_x"]),
        status=422,
        codes=("agency_not_assigned",),
    )
    sc.denied(
        ("admin_a",),
        "POST",
        "/v1/users",
        body(
            "x-south@example.com",
            {"brand_id": a, "role": "creative", "region_id": sc.ids["a_south"]},
            agency=sc.ids["agency_x"],
        ),
        status=422,
        codes=("agency_not_assigned",),
    )
    sc.denied(
        ("creative_a", "agency_x_creative"),
        "POST",
        "/v1/users",
        body("c@example.com", {"brand_id": a, "role": "creative"}),
        **FORBIDDEN,
    )
    with sc.session() as s:
        assert s.scalars(select(User.email).where(User.email.not_like("%@example.com"))).all() == []
        assert s.scalar(select(User).where(User.display_name == "new")) is None
    return sc.control(
        "admin_a",
        "POST",
        "/v1/users",
        body("in-a@example.com", {"brand_id": a, "role": "creative"}),
        status=201,
    )


@case("GET", "/v1/users")
def _list_users(sc: Scene) -> Control:
    with sc.session() as s:
        b_members = set(s.scalars(select(Membership.user_id).where(Membership.brand_id == sc.ids["brand_b"])))
    assert sc.item_ids("admin_b", "/v1/users") == b_members
    for actor in ("creative_b", "agency_y_creative"):
        assert sc.item_ids(actor, "/v1/users") == {sc.ids[f"user_{actor}"]}, actor
    assert sc.item_ids("system_b", "/v1/users") == set()
    assert sc.item_ids("agency_x_creative", "/v1/users") == {sc.ids["user_agency_x_creative"]}
    shared = [u for u in sc.ok("admin_b", "GET", "/v1/users")["items"] if u["id"] == sc.ids["user_shared"]]
    assert [m["id"] for m in shared[0]["memberships"]] == [sc.ids["mem_shared_b"]]  # A's are hidden
    return None


@case("GET", "/v1/users/{user_id}")
def _get_user(sc: Scene) -> Control:
    for user in ("user_creative_a", "user_admin_a", "user_agency_x_creative", "user_operator"):
        sc.denied(B_SIDE, "GET", f"/v1/users/{sc.ids[user]}")
    sc.denied(("creative_a", "agency_x_creative"), "GET", f"/v1/users/{sc.ids['user_admin_a']}")
    shared = sc.ok("admin_b", "GET", f"/v1/users/{sc.ids['user_shared']}")
    assert {m["brand_id"] for m in shared["memberships"]} == {sc.ids["brand_b"]}
    return sc.control("admin_a", "GET", f"/v1/users/{sc.ids['user_creative_a']}")


@case("PATCH", "/v1/users/{user_id}")
def _update_user(sc: Scene) -> Control:
    url = f"/v1/users/{sc.ids['user_creative_a']}"
    for body in ({"display_name": "pwned"}, {"is_active": False}, {"password": "a new password 123"}):
        sc.denied(B_SIDE, "PATCH", url, body)
        sc.denied(("agency_x_creative",), "PATCH", url, body)
    sc.denied(("admin_b",), "PATCH", f"/v1/users/{sc.ids['user_shared']}", {"is_active": False}, **FORBIDDEN)
    assert sc.get("creative_a", "/v1/me").status_code == 200
    return sc.control("admin_a", "PATCH", url, {"is_active": False}, check=lambda b: not b["is_active"])


@case("POST", "/v1/users/{user_id}/memberships")
def _add_membership(sc: Scene) -> Control:
    a, b = sc.ids["brand_a"], sc.ids["brand_b"]
    for user in ("user_creative_a", "user_agency_x_creative"):
        sc.denied(
            B_SIDE, "POST", f"/v1/users/{sc.ids[user]}/memberships", {"brand_id": b, "role": "creative"}
        )
    sc.denied(
        ("admin_b",),
        "POST",
        f"/v1/users/{sc.ids['user_creative_b']}/memberships",
        {"brand_id": a, "role": "brand_admin"},
    )
    sc.denied(
        ("admin_b",),
        "POST",
        f"/v1/users/{sc.ids['user_shared']}/memberships",
        {"brand_id": b, "role": "brand_reviewer", "region_id": sc.ids["a_north"]},
        codes=("region_not_found",),
    )
    sc.denied(
        ("admin_a",),
        "POST",
        f"/v1/users/{sc.ids['user_agency_x_creative']}/memberships",
        {"brand_id": a, "role": "creative", "region_id": sc.ids["a_south"]},
        status=422,
        codes=("agency_not_assigned",),
    )
    sc.denied(
        ("agency_x_creative",),
        "POST",
        f"/v1/users/{sc.ids['user_agency_x_creative']}/memberships",
        {"brand_id": a, "role": "agency_reviewer"},
        **FORBIDDEN,
    )
    url = f"/v1/users/{sc.ids['user_creative_a']}/memberships"
    return sc.control("admin_a", "POST", url, {"brand_id": a, "role": "brand_reviewer"}, status=201)


@case("DELETE", "/v1/users/{user_id}/memberships/{membership_id}")
def _remove_membership(sc: Scene) -> Control:
    mine = f"/v1/users/{sc.ids['user_creative_a']}/memberships/{sc.ids['mem_creative_a']}"
    sc.denied((*B_SIDE, "creative_a", "agency_x_creative"), "DELETE", mine)
    shared = f"/v1/users/{sc.ids['user_shared']}/memberships/{sc.ids['mem_shared_a']}"
    sc.denied(B_SIDE, "DELETE", shared)
    swapped = f"/v1/users/{sc.ids['user_creative_b']}/memberships/{sc.ids['mem_creative_a']}"
    sc.denied(("admin_b", "admin_a"), "DELETE", swapped)
    return sc.control("admin_a", "DELETE", mine, status=204)


# Jobs -----------------------------------------------------------------------------------------


@case("POST", "/v1/generations")
def _create_job(sc: Scene) -> Control:
    a, b = sc.ids["brand_a"], sc.ids["brand_b"]

    def body(brand: str, region: str | None = None) -> dict[str, object]:
        return {"brand_id": brand, "kind": "echo", "brief": {"message": "hi"}, "region_id": region}

    sc.denied(B_SIDE, "POST", "/v1/generations", body(a))
    sc.denied(B_SIDE, "POST", "/v1/generations", body(a, sc.ids["a_north"]))
    sc.denied(
        ("creative_b", "system_b"),
        "POST",
        "/v1/generations",
        body(b, sc.ids["a_north"]),
        codes=("region_not_found",),
    )
    sc.denied(
        ("agency_x_creative",),
        "POST",
        "/v1/generations",
        body(a, sc.ids["a_south"]),
        codes=("region_not_found",),
    )
    sc.denied(
        ("agency_x_creative",), "POST", "/v1/generations", body(a), status=422, codes=("region_required",)
    )
    sc.denied(("agency_x_creative",), "POST", "/v1/generations", body(b))
    sc.denied(
        ("agency_x_reviewer", "reviewer_a"),
        "POST",
        "/v1/generations",
        body(a, sc.ids["a_north"]),
        **FORBIDDEN,
    )
    return sc.control("agency_x_creative", "POST", "/v1/generations", body(a, sc.ids["a_north"]), status=201)


@case("GET", "/v1/jobs")
def _list_jobs(sc: Scene) -> Control:
    i = sc.ids
    for actor in B_SIDE:
        jobs = sc.ok(actor, "GET", "/v1/jobs")["items"]
        assert {j["brand_id"] for j in jobs} == {i["brand_b"]}, actor
        assert sc.item_ids(actor, f"/v1/jobs?brand_id={i['brand_a']}") == set(), actor
    assert sc.item_ids("creative_b", "/v1/jobs") == {i["job_b"], i["job_y"]}
    assert sc.item_ids("agency_y_creative", "/v1/jobs") == {i["job_y"]}
    for actor in ("agency_x_creative", "agency_x_reviewer"):
        assert sc.item_ids(actor, "/v1/jobs") == {i["job_x_north"], i["job_x_done"]}, actor
    return sc.control(
        "creative_a",
        "GET",
        "/v1/jobs",
        check=lambda b: {j["id"] for j in b["items"]} == {i[name] for name in A_JOBS},
    )


@case("GET", "/v1/jobs/{job_id}")
def _get_job(sc: Scene) -> Control:
    for job in A_JOBS:
        sc.denied(B_SIDE, "GET", f"/v1/jobs/{sc.ids[job]}")
    for job in ("job_a_north", "job_a_south", "job_a_system", "job_b", "job_y"):
        sc.denied(("agency_x_creative", "agency_x_reviewer"), "GET", f"/v1/jobs/{sc.ids[job]}")
    sc.denied(("agency_y_creative",), "GET", f"/v1/jobs/{sc.ids['job_b']}")
    return sc.control("agency_x_reviewer", "GET", f"/v1/jobs/{sc.ids['job_x_north']}")


@case("POST", "/v1/jobs/{job_id}/cancel")
def _cancel_job(sc: Scene) -> Control:
    for job in ("job_x_north", "job_a_south", "job_a_system"):
        sc.denied(B_SIDE, "POST", f"/v1/jobs/{sc.ids[job]}/cancel")
    for job in ("job_a_north", "job_a_south", "job_a_system"):
        sc.denied(("agency_x_creative",), "POST", f"/v1/jobs/{sc.ids[job]}/cancel")
    sc.denied(("agency_y_creative",), "POST", f"/v1/jobs/{sc.ids['job_b']}/cancel")
    sc.denied(("agency_x_reviewer",), "POST", f"/v1/jobs/{sc.ids['job_x_north']}/cancel", **FORBIDDEN)
    url = f"/v1/jobs/{sc.ids['job_a_south']}/cancel"
    return sc.control("creative_a", "POST", url, check=lambda b: b["status"] == "cancelled")


@case("GET", "/v1/jobs/{job_id}/events")
def _job_events(sc: Scene) -> Control:
    for job in ("job_x_done", "job_a_south"):
        sc.denied(B_SIDE, "GET", f"/v1/jobs/{sc.ids[job]}/events")
    sc.denied(("agency_x_creative",), "GET", f"/v1/jobs/{sc.ids['job_a_north']}/events")
    sc.denied(("agency_y_creative",), "GET", f"/v1/jobs/{sc.ids['job_b']}/events")

    def control() -> None:  # job_x_done is cancelled, so its stream ends
        response = sc.get("agency_x_creative", f"/v1/jobs/{sc.ids['job_x_done']}/events")
        assert response.status_code == 200
        assert "cancelled" in response.text and "event: end" in response.text

    return control


# Audit ----------------------------------------------------------------------------------------


@case("GET", "/v1/audit")
def _audit(sc: Scene) -> Control:
    a = sc.ids["brand_a"]
    everything = {e["brand_id"] for e in sc.ok("operator", "GET", "/v1/audit?limit=200")["items"]}
    assert {a, sc.ids["brand_b"], None} <= everything  # the log holds A's, B's and platform events
    b_view = {e["brand_id"] for e in sc.ok("admin_b", "GET", "/v1/audit?limit=200")["items"]}
    assert b_view == {sc.ids["brand_b"]}
    assert sc.item_ids("admin_b", f"/v1/audit?action=job.create&brand_id={sc.ids['brand_b']}")
    sc.denied(B_SIDE, "GET", f"/v1/audit?brand_id={a}")
    sc.denied(
        ("creative_a", "agency_x_creative", "agency_x_reviewer", "system_a"),
        "GET",
        f"/v1/audit?brand_id={a}",
        **FORBIDDEN,
    )
    for actor in ("creative_a", "agency_x_creative", "system_a", "creative_b"):
        assert sc.item_ids(actor, "/v1/audit") == set(), actor
    return sc.control("reviewer_a", "GET", f"/v1/audit?brand_id={a}", check=lambda b: len(b["items"]) > 0)
