"""Isolation cases for the studio's helper routes: editing a generated poster through its layered spec and
the brand's recent generation jobs (see test_tenancy_isolation).

Brand B's callers are refused brand A's URLs (404: the brand is hidden) and cannot edit A's posters
through their own brand's URLs (A's refs are unknown there: 404 ``ref_not_found``). A spec document B
writes itself cannot make an edit read A's pictures: the bytes it names must be B's (422
``not_a_poster_spec``). Within brand A an edit committed to ``main`` needs ``assets.publish``, elsewhere
``assets.write`` (403). Recent jobs are scoped like the job list: agency staff see their agency's only.
"""

from __future__ import annotations

import json
from typing import Any

from asset_store.repo.repository import PutAsset
from pipelines.poster.fonts import default_font
from serving.db import transaction
from tests.integration.tenancy_scene import B_SIDE, Control, Scene, case

FORBIDDEN: dict[str, Any] = {"status": 403, "codes": ("forbidden",)}
REF_NOT_FOUND: dict[str, Any] = {"codes": ("ref_not_found",)}
B_WRITERS = ("admin_b", "creative_b", "system_b", "agency_y_creative")
NON_WRITERS = ("reviewer_a", "agency_x_reviewer")
"""Brand A roles without ``assets.write``."""
NON_PUBLISHERS = ("creative_a", "system_a", "agency_x_creative", "agency_x_reviewer")
"""Brand A roles without ``assets.publish``."""
A_SPEC = "posters/a/001-square.json"
B_SPEC = "posters/b/001-square.json"
LAYERS = [{"name": "headline", "text": "春季新品上市"}]


def _base(sc: Scene, x: str) -> str:
    return f"/v1/brands/{sc.ids[f'brand_{x}']}"


def _spec(picture: str, rendition: str) -> bytes:
    """A poster spec document in the format poster jobs store: a 256 px square with ``picture`` (a
    sha256) drawn as its product image, a headline, and ``rendition`` as the PNG it draws."""
    font = default_font("headline").model_dump()
    spec = {
        "template": "centred_hero",
        "variant": "square",
        "size": {"name": "square", "width": 256, "height": 256},
        "palette": "plain",
        "seed": 0,
        "layers": [
            {"kind": "solid", "name": "background", "box": [0, 0, 256, 256], "colour": "#FFFFFF"},
            {"kind": "image", "name": "product", "box": [80, 40, 176, 104], "asset": f"sha256:{picture}"},
            {
                "kind": "text",
                "name": "headline",
                "box": [16, 160, 240, 240],
                "text": "新品",
                "font": font,
                "size": 28,
                "colour": "#222222",
                "max_lines": 2,
                "line_height": 1.2,
            },
        ],
    }
    document = {
        "format": "atelier.poster_spec/1",
        "rendition": rendition,
        "spec": spec,
        "assets": {f"sha256:{picture}": {"path": "kv/product.png", "blob": picture}},
    }
    return json.dumps(document, ensure_ascii=False).encode()


def _upload_spec(sc: Scene, actor: str, x: str, data: bytes) -> str:
    response = sc.req(
        actor, "POST", f"{_base(sc, x)}/blobs?kind=template", content=data, content_type="application/json"
    )
    assert response.status_code == 201, response.text
    sha: str = response.json()["sha256"]
    return sha


def _b_spec_naming_a_picture(sc: Scene) -> None:
    """B's own spec on campaign/b naming A's picture by sha, committed straight through the repository (an
    API commit would add asset events to the outbox, whose size the scene's state check counts)."""
    sha = _upload_spec(sc, "creative_b", "b", _spec(sc.ids["sha_a"], "kv/b-campaign.png"))
    with transaction(sc.app.state.session_factory) as s:
        repo = sc.assets.repository(s, sc.ids["brand_b"])
        repo.commit("campaign/b", [PutAsset(B_SPEC, sha)], author_id="test", message="a spec")


@case("POST", "/v1/brands/{brand_id}/poster-edits")
def _edit_poster(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    edit: dict[str, Any] = {"spec_path": A_SPEC, "ref": "campaign/a", "layers": LAYERS}
    for body in (edit, {**edit, "ref": "main"}, {**edit, "spec_path": "kv/a-campaign.png"}):
        sc.denied(B_SIDE, "POST", f"{a}/poster-edits", body)
    for ref in (i["commit_a2"], i["commit_a2"][:12], "campaign/a", "release/a-1"):
        for branch in (None, "campaign/b"):
            body = {**edit, "spec_path": "kv/a-campaign.png", "ref": ref, "branch": branch}
            sc.denied(B_WRITERS, "POST", f"{b}/poster-edits", body, **REF_NOT_FOUND)
    _b_spec_naming_a_picture(sc)
    own = {"spec_path": B_SPEC, "ref": "campaign/b", "layers": LAYERS}
    sc.denied(B_WRITERS, "POST", f"{b}/poster-edits", own, status=422, codes=("not_a_poster_spec",))
    refusal = sc.req("creative_b", "POST", f"{b}/poster-edits", own).json()
    assert "is not the brand's" in refusal["detail"], refusal
    assert sc.ok("admin_b", "GET", f"{b}/branches/campaign/b")["commit_id"] != i["commit_b2"]  # the spec
    sc.denied(NON_WRITERS, "POST", f"{a}/poster-edits", {**edit, "spec_path": "kv/a.png"}, **FORBIDDEN)
    for body in ({**edit, "ref": "main"}, {**edit, "branch": "main"}):
        sc.denied(NON_PUBLISHERS, "POST", f"{a}/poster-edits", body, **FORBIDDEN)

    def control() -> None:
        sha = _upload_spec(sc, "creative_a", "a", _spec(i["sha_a"], "kv/a-campaign.png"))
        change = {"op": "put", "path": A_SPEC, "blob": sha}
        commit = {"branch": "campaign/a", "message": "a spec", "changes": [change]}
        sc.ok("creative_a", "POST", f"{a}/commits", commit, status=201)
        edited = sc.ok("agency_x_creative", "POST", f"{a}/poster-edits", edit)
        assert (edited["branch"], edited["path"]) == ("campaign/a", "kv/a-campaign.png"), edited
        head = sc.ok("admin_a", "GET", f"{a}/branches/campaign/a")["commit_id"]
        assert head == edited["commit_id"], edited

    return control


def _ids(body: list[dict[str, Any]]) -> list[str]:
    return [job["id"] for job in body]


@case("GET", "/v1/brands/{brand_id}/recent-jobs")
def _recent_jobs(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    for query in ("", "?kind=echo", "?kind=echo&kind=poster&limit=100"):
        sc.denied(B_SIDE, "GET", f"{a}/recent-jobs{query}")
    visible_at_b = {
        "admin_b": [i["job_y"], i["job_b"]],
        "creative_b": [i["job_y"], i["job_b"]],
        "system_b": [i["job_y"], i["job_b"]],
        "agency_y_creative": [i["job_y"]],
    }
    for actor, jobs in visible_at_b.items():
        assert _ids(sc.ok(actor, "GET", f"{b}/recent-jobs?kind=echo")) == jobs, actor
    x_jobs = [i["job_x_done"], i["job_x_north"]]
    for actor in ("agency_x_creative", "agency_x_reviewer"):
        assert _ids(sc.ok(actor, "GET", f"{a}/recent-jobs?kind=echo")) == x_jobs, actor
    assert sc.ok("admin_a", "GET", f"{a}/recent-jobs") == []  # echo jobs are not generation jobs
    everyone = ("job_a_system", "job_a_south", "job_a_north", "job_x_done", "job_x_north")
    return sc.control(
        "creative_a",
        "GET",
        f"{a}/recent-jobs?kind=echo",
        check=lambda r: _ids(r) == [i[name] for name in everyone],
    )
