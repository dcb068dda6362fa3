"""Isolation cases for exports and the placement catalogue (see test_tenancy_isolation).

The catalogue is the same public data for everyone. Brand B's callers cannot queue an export of brand A
(404: the brand is hidden), and from their own brand A's paths and commits do not exist; nobody reads
another brand's export manifest. Controls show the routes work for brand A's own people: an export of
an unapproved version is refused for approval (409 ``not_approved``), not for isolation, and brand A's
running export answers 409 ``export_not_ready``.
"""

from __future__ import annotations

from typing import Any

from serving.db import transaction
from serving.jobs.models import Job
from tests.integration.tenancy_scene import B_SIDE, Control, Scene, case

EVERYONE = (*B_SIDE, "admin_a", "creative_a", "agency_x_creative", "system_a")


def _export_body(sc: Scene, x: str, ref: str) -> dict[str, Any]:
    return {"ref": ref, "paths": [f"kv/{x}.png"], "placements": ["taobao.main_image"]}


@case("GET", "/v1/placements")
def _placements(sc: Scene) -> Control:
    seen = {actor: sc.ok(actor, "GET", "/v1/placements") for actor in EVERYONE}
    catalogue = seen["admin_a"]
    assert len(catalogue["placements"]) >= 30
    assert all(body == catalogue for body in seen.values())  # public data: no brand in it
    return sc.control(
        "creative_b", "GET", "/v1/placements?kind=video", check=lambda b: len(b["placements"]) > 0
    )


@case("POST", "/v1/brands/{brand_id}/exports")
def _create_export(sc: Scene) -> Control:
    a = f"/v1/brands/{sc.ids['brand_a']}/exports"
    b = f"/v1/brands/{sc.ids['brand_b']}/exports"
    sc.denied(B_SIDE, "POST", a, _export_body(sc, "a", "main"))
    # from brand B, A's commit is not a ref and A's path is not an asset
    sc.denied(("admin_b",), "POST", b, _export_body(sc, "b", sc.ids["commit_a"]), codes=("ref_not_found",))
    for actor in ("admin_b", "system_b"):
        response = sc.req(actor, "POST", b, _export_body(sc, "a", "main"))
        assert response.status_code in (404, 409, 422), (actor, response.text)
        assert "Brand A" not in response.text and sc.ids["sha_a"] not in response.text
    return sc.control(
        "admin_a",
        "POST",
        a,
        _export_body(sc, "a", "main"),
        status=409,
        check=lambda body: body["code"] == "not_approved",
    )


def _running_export(sc: Scene) -> str:
    with transaction(sc.app.state.session_factory) as session:
        job = Job(
            brand_id=sc.ids["brand_a"],
            kind="export",
            status="running",
            brief={"ref": "main", "paths": ["kv/a.png"], "placements": ["taobao.main_image"]},
            principal_id=f"user:{sc.ids['user_admin_a']}",
            request_hash="0" * 64,
        )
        session.add(job)
        session.flush()
        job_id: str = job.id
    return job_id


@case("GET", "/v1/brands/{brand_id}/exports/{job_id}/manifest")
def _manifest(sc: Scene) -> Control:
    def manifest(x: str, job_id: str) -> str:
        return f"/v1/brands/{sc.ids[f'brand_{x}']}/exports/{job_id}/manifest"

    for job in ("job_a_north", "job_a_system"):  # brand A's jobs, not visible from B in either URL
        sc.denied(B_SIDE, "GET", manifest("a", sc.ids[job]))
        sc.denied(B_SIDE, "GET", manifest("b", sc.ids[job]))

    def control() -> None:  # after the "nothing changed" check: it adds a job to brand A
        job_id = _running_export(sc)
        response = sc.req("admin_a", "GET", manifest("a", job_id))
        assert response.status_code == 409 and response.json()["code"] == "export_not_ready", response.text
        sc.denied(B_SIDE, "GET", manifest("a", job_id))
        sc.denied(B_SIDE, "GET", manifest("b", job_id))

    return control
