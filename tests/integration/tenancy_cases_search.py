"""Isolation cases for search: text and image search, reindex, duplicate checks, tag edits, custom tags,
duplicate clusters and asset usage.

Brand B's callers are refused brand A (404: the brand is hidden) and cannot reach A's assets through
brand B's own URLs (paths and tags are per brand). Within brand A, tag edits on ``main`` need
``assets.publish``, reindexing ``assets.write`` and custom tags ``brand.manage`` (403).
"""

from __future__ import annotations

from tests.integration.tenancy_scene import B_SIDE, Control, Scene, case

FORBIDDEN = {"status": 403, "codes": ("forbidden",)}
ASSET_NOT_FOUND = {"codes": ("asset_not_found",)}
B_WRITERS = ("admin_b", "creative_b", "system_b", "agency_y_creative")
NON_ADMINS_A = ("creative_a", "reviewer_a", "system_a", "agency_x_creative", "agency_x_reviewer")


def _ids(sc: Scene) -> tuple[str, str]:
    return sc.ids["brand_a"], sc.ids["brand_b"]


@case("POST", "/v1/search")
def _search(sc: Scene) -> Control:
    a, b = _ids(sc)
    sc.denied(B_SIDE, "POST", "/v1/search", {"brand_id": a, "query": "kv"})
    sc.denied(B_SIDE, "POST", "/v1/search", {"brand_id": a, "image": {"path": "kv/a.png"}})
    sc.denied(
        B_WRITERS, "POST", "/v1/search", {"brand_id": b, "image": {"path": "kv/a.png"}}, **ASSET_NOT_FOUND
    )
    body = {"brand_id": a, "query": "kv", "tags_all": ["brand:mark-a"]}
    return sc.control("agency_x_reviewer", "POST", "/v1/search", body, check=lambda r: r["hits"] == [])


@case("GET", "/v1/search")
def _search_get(sc: Scene) -> Control:
    a, _ = _ids(sc)
    sc.denied(B_SIDE, "GET", f"/v1/search?brand_id={a}&q=kv")
    return sc.control("creative_a", "GET", f"/v1/search?brand_id={a}&q=kv", check=lambda r: r["hits"] == [])


@case("POST", "/v1/search/reindex")
def _reindex(sc: Scene) -> Control:
    a, b = _ids(sc)
    sc.denied(B_SIDE, "POST", "/v1/search/reindex", {"brand_id": a, "branch": "main"})
    sc.denied(("reviewer_a", "agency_x_reviewer"), "POST", "/v1/search/reindex", {"brand_id": a}, **FORBIDDEN)
    refs = {"codes": ("branch_not_found",)}
    sc.denied(B_WRITERS, "POST", "/v1/search/reindex", {"brand_id": b, "branch": "campaign/a"}, **refs)
    return sc.control("creative_a", "POST", "/v1/search/reindex", {"brand_id": a}, status=202)


@case("POST", "/v1/search/duplicates")
def _duplicates_check(sc: Scene) -> Control:
    a, b = _ids(sc)
    sc.denied(B_SIDE, "POST", "/v1/search/duplicates", {"brand_id": a, "image": {"path": "kv/a.png"}})
    body = {"brand_id": b, "image": {"path": "kv/a.png"}}
    sc.denied(B_WRITERS, "POST", "/v1/search/duplicates", body, **ASSET_NOT_FOUND)
    body = {"brand_id": a, "image": {"path": "kv/a.png"}}
    return sc.control("creative_a", "POST", "/v1/search/duplicates", body, check=lambda r: r["matches"] == [])


@case("PATCH", "/v1/brands/{brand_id}/asset-tags")
def _asset_tags(sc: Scene) -> Control:
    a, b = _ids(sc)
    edit = {"branch": "main", "path": "kv/a.png", "add": ["stolen"]}
    sc.denied(B_SIDE, "PATCH", f"/v1/brands/{a}/asset-tags", edit)
    sc.denied(
        ("creative_a", "system_a", "agency_x_creative"),
        "PATCH",
        f"/v1/brands/{a}/asset-tags",
        edit,
        **FORBIDDEN,
    )
    sc.denied(("admin_b",), "PATCH", f"/v1/brands/{b}/asset-tags", edit, **ASSET_NOT_FOUND)
    on_branch = {**edit, "branch": "campaign/a"}
    sc.denied(("creative_b",), "PATCH", f"/v1/brands/{b}/asset-tags", on_branch, codes=("ref_not_found",))
    return sc.control("admin_a", "PATCH", f"/v1/brands/{a}/asset-tags", edit, check=lambda r: r["commit_id"])


@case("GET", "/v1/brands/{brand_id}/custom-tags")
def _list_custom_tags(sc: Scene) -> Control:
    a, _ = _ids(sc)
    sc.denied(B_SIDE, "GET", f"/v1/brands/{a}/custom-tags")
    ids = lambda r: [t["id"] for t in r] == ["brand:mark-a"]  # noqa: E731
    return sc.control("agency_x_reviewer", "GET", f"/v1/brands/{a}/custom-tags", check=ids)


@case("POST", "/v1/brands/{brand_id}/custom-tags")
def _create_custom_tag(sc: Scene) -> Control:
    a, b = _ids(sc)
    body = {"name_zh": "杯", "name_en": "cup", "examples": ["kv/a.png", "kv/a.png", "kv/a-campaign.png"]}
    sc.denied(B_SIDE, "POST", f"/v1/brands/{a}/custom-tags", body)
    sc.denied(NON_ADMINS_A, "POST", f"/v1/brands/{a}/custom-tags", body, **FORBIDDEN)
    not_indexed = {"status": 422, "codes": ("examples_not_indexed",)}
    sc.denied(
        ("admin_b",), "POST", f"/v1/brands/{b}/custom-tags", body, **not_indexed
    )  # A's paths mean nothing
    # nothing is indexed in this scene: the admin gets as far as the examples
    return sc.control("admin_a", "POST", f"/v1/brands/{a}/custom-tags", body, status=422)


@case("DELETE", "/v1/brands/{brand_id}/custom-tags/{tag_id}")
def _delete_custom_tag(sc: Scene) -> Control:
    a, b = _ids(sc)
    sc.denied(B_SIDE, "DELETE", f"/v1/brands/{a}/custom-tags/brand:mark-a")
    sc.denied(NON_ADMINS_A, "DELETE", f"/v1/brands/{a}/custom-tags/brand:mark-a", **FORBIDDEN)
    gone = {"codes": ("custom_tag_not_found",)}
    sc.denied(("admin_b",), "DELETE", f"/v1/brands/{b}/custom-tags/brand:mark-a", **gone)
    return sc.control("admin_a", "DELETE", f"/v1/brands/{a}/custom-tags/brand:mark-a", status=204)


@case("GET", "/v1/brands/{brand_id}/duplicates")
def _duplicate_clusters(sc: Scene) -> Control:
    a, _ = _ids(sc)
    sc.denied(B_SIDE, "GET", f"/v1/brands/{a}/duplicates")
    return sc.control("reviewer_a", "GET", f"/v1/brands/{a}/duplicates", check=lambda r: r["clusters"] == [])


@case("GET", "/v1/brands/{brand_id}/asset-tags")
def _asset_tags(sc: Scene) -> Control:
    a, _ = _ids(sc)
    sc.denied(B_SIDE, "GET", f"/v1/brands/{a}/asset-tags?path=kv/a.png")
    # nothing is indexed in this scene: A's own reader gets as far as the index
    url = f"/v1/brands/{a}/asset-tags?path=kv/a.png"
    return sc.control("creative_a", "GET", url, status=404, check=lambda r: r["code"] == "not_indexed")


@case("GET", "/v1/brands/{brand_id}/asset-usage")
def _asset_usage(sc: Scene) -> Control:
    a, b = _ids(sc)
    sc.denied(B_SIDE, "GET", f"/v1/brands/{a}/asset-usage?path=kv/a.png")
    sc.denied(B_WRITERS, "GET", f"/v1/brands/{b}/asset-usage?path=kv/a.png", **ASSET_NOT_FOUND)
    url = f"/v1/brands/{a}/asset-usage?path=kv/a.png"
    return sc.control("creative_a", "GET", url, check=lambda r: r["blob"] == sc.ids["sha_a"])
