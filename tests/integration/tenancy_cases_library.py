"""Isolation cases for the studio library: browse, facets, index status, asset history and duplicates of
uploaded bytes (see test_tenancy_isolation).

Brand B's callers are refused brand A's URLs (404: the brand is hidden) and find nothing of A through
their own brand's URLs: A's branches are unknown there (404 ``branch_not_found``), A's paths have no
history, A's bytes are not B's (404 ``blob_not_found``, worded as for bytes nobody uploaded). Every route
only reads (``brand.read``), so A's own people are never refused. Nothing is indexed in the scene; the
library's controls index both brands once the "nothing changed" check is done, then look again: A's staff
see A's assets, and B's callers, through either brand's URLs, still see none of them.
"""

from __future__ import annotations

import asyncio
from typing import Any

from serving.vision.indexer import BranchIndexer
from tests.integration.tenancy_scene import B_SIDE, PNGS, Control, Scene, case

BRANCHES = {"a": ("main", "campaign/a"), "b": ("main", "campaign/b")}
A_PATHS = {"kv/a.png", "kv/a-campaign.png"}


def _base(sc: Scene, x: str) -> str:
    return f"/v1/brands/{sc.ids[f'brand_{x}']}"


def _index(sc: Scene) -> None:
    """Bring the search index of both brands' branches up to their heads (the scene runs no jobs)."""
    runtime, gateway = sc.app.state.vision, sc.app.state.gateway
    for x, branches in BRANCHES.items():
        for branch in branches:
            asyncio.run(BranchIndexer(runtime, gateway, sc.ids[f"brand_{x}"], branch).run())


def _paths(page: dict[str, Any]) -> set[str]:
    return {hit["path"] for hit in page["hits"]}


def _b_queries(sc: Scene) -> list[str]:
    """Queries naming A's branch, bytes, paths and custom tag."""
    i = sc.ids
    return [
        "?branch=campaign/a",
        f"?blob={i['sha_a']}",
        f"?blob={i['sha_a2']}&branch=campaign/b",
        "?path=kv/a.png",
        "?tag=brand:mark-a",
    ]


@case("GET", "/v1/brands/{brand_id}/library")
def _browse(sc: Scene) -> Control:
    a, b = _base(sc, "a"), _base(sc, "b")
    for query in ("", "?branch=campaign/a&kind=image", f"?blob={sc.ids['sha_a']}", "?tag=brand:mark-a"):
        sc.denied(B_SIDE, "GET", f"{a}/library{query}")

    def control() -> None:
        _index(sc)
        assert _paths(sc.ok("agency_x_reviewer", "GET", f"{a}/library")) == {"kv/a.png"}
        assert _paths(sc.ok("creative_a", "GET", f"{a}/library?branch=campaign/a")) == A_PATHS
        assert _paths(sc.ok("system_a", "GET", f"{a}/library?blob={sc.ids['sha_a']}")) == {"kv/a.png"}
        for actor in B_SIDE:
            assert _paths(sc.ok(actor, "GET", f"{b}/library?branch=campaign/b")) == {
                "kv/b.png",
                "kv/b-campaign.png",
            }, actor
            for query in _b_queries(sc):
                page = sc.ok(actor, "GET", f"{b}/library{query}")
                assert page["hits"] == [], (actor, query, page)
        sc.denied(B_SIDE, "GET", f"{a}/library?branch=campaign/a")

    return control


@case("GET", "/v1/brands/{brand_id}/library/facets")
def _facets(sc: Scene) -> Control:
    a, b = _base(sc, "a"), _base(sc, "b")
    sc.denied(B_SIDE, "GET", f"{a}/library/facets")
    sc.denied(B_SIDE, "GET", f"{a}/library/facets?branch=campaign/a")
    for actor in B_SIDE:
        for branch in ("main", "campaign/a"):
            facets = sc.ok(actor, "GET", f"{b}/library/facets?branch={branch}")
            assert _brand_tags(facets) == ["brand:mark-b"] and facets["campaigns"] == [], (actor, facets)
    return sc.control(
        "agency_x_reviewer",
        "GET",
        f"{a}/library/facets?branch=campaign/a",
        check=lambda r: _brand_tags(r) == ["brand:mark-a"],
    )


def _brand_tags(facets: dict[str, Any]) -> list[str]:
    return [tag["id"] for tag in facets["tags"] if tag["source"] == "brand"]


@case("GET", "/v1/brands/{brand_id}/index-status")
def _index_status(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    sc.denied(B_SIDE, "GET", f"{a}/index-status")
    sc.denied(B_SIDE, "GET", f"{a}/index-status?branch=campaign/a")
    sc.denied(B_SIDE, "GET", f"{b}/index-status?branch=campaign/a", codes=("branch_not_found",))
    sc.denied(B_SIDE, "GET", f"{b}/index-status?branch=release/b-1", codes=("branch_not_found",))
    own = sc.ok("admin_b", "GET", f"{b}/index-status?branch=campaign/b")
    assert (own["head_commit"], own["indexed_commit"], own["docs"]) == (i["commit_b2"], None, 0), own
    return sc.control(
        "agency_x_creative",
        "GET",
        f"{a}/index-status?branch=campaign/a",
        check=lambda r: r["head_commit"] == i["commit_a2"] and r["up_to_date"] is False,
    )


@case("GET", "/v1/brands/{brand_id}/asset-history")
def _history(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    sc.denied(B_SIDE, "GET", f"{a}/asset-history?path=kv/a.png")
    sc.denied(B_SIDE, "GET", f"{a}/asset-history?path=kv/b.png")
    a_commits = (i["commit_a"], i["commit_a2"], i["root_a"])
    for actor in B_SIDE:
        for path in sorted(A_PATHS):
            response = sc.get(actor, f"{b}/asset-history?path={path}")
            assert response.status_code == 200, (actor, path, response.text)
            body = response.json()
            assert body["versions"] == [] and not any(r["present"] for r in body["refs"]), (actor, body)
            assert {r["ref"] for r in body["refs"]} == {"main", "campaign/b", "release/b-1"}, body
            assert not any(commit in response.text for commit in a_commits), (actor, body)

    def seen(r: dict[str, Any]) -> bool:
        refs = {ref["ref"]: ref["present"] for ref in r["refs"]}
        return [v["commit_id"] for v in r["versions"]] == [i["commit_a"]] and refs == {
            "main": True,
            "campaign/a": True,
            "release/a-1": True,
        }

    return sc.control("agency_x_reviewer", "GET", f"{a}/asset-history?path=kv/a.png", check=seen)


@case("GET", "/v1/brands/{brand_id}/blobs/{sha256}/duplicates")
def _duplicates(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    unknown = sc.req("admin_b", "GET", f"{b}/blobs/{'0' * 64}/duplicates").json()
    for sha in (i["sha_a"], i["sha_a2"]):
        sc.denied(B_SIDE, "GET", f"{a}/blobs/{sha}/duplicates")
        sc.denied(B_SIDE, "GET", f"{b}/blobs/{sha}/duplicates", codes=("blob_not_found",))
        assert (
            sc.req("creative_b", "GET", f"{b}/blobs/{sha}/duplicates").json()["detail"] == unknown["detail"]
        )
    sc.denied(
        ("admin_a", "creative_a"), "GET", f"{a}/blobs/{i['sha_b']}/duplicates", codes=("blob_not_found",)
    )

    def control() -> None:
        _index(sc)
        same = sc.ok("agency_x_reviewer", "GET", f"{a}/blobs/{i['sha_a']}/duplicates")
        assert ("main", "kv/a.png", True) in {
            (m["branch"], m["path"], m["identical"]) for m in same["matches"]
        }
        # B uploads the very bytes of A's asset: its check lists none of A's assets
        again = sc.req(
            "creative_b", "POST", f"{b}/blobs?kind=image", content=PNGS["a"], content_type="image/png"
        )
        assert again.status_code == 201 and again.json()["sha256"] == i["sha_a"], again.text
        for actor in B_SIDE:
            found = sc.ok(actor, "GET", f"{b}/blobs/{i['sha_a']}/duplicates")
            assert not {m["path"] for m in found["matches"]} & A_PATHS, (actor, found)
            assert {m["branch"] for m in found["matches"]} <= {"main", "campaign/b"}, (actor, found)

    return control
