"""Isolation cases for the governance routes: the brand kit (read, validate, save), branch heads and the
merge preview (see test_tenancy_isolation).

Brand B's callers are refused brand A's URLs (404: the brand is hidden) and cannot reach A's refs or
bytes through their own brand's URLs (404 ``ref_not_found``, 422 ``blob_not_found``). Within brand A,
saving the kit to ``main`` needs ``assets.publish`` and to another branch ``assets.write``; previewing a
merge needs either (403). The scene's state check proves no refused save or preview wrote anything to A;
B's branches are checked too, since a refused save may have begun to create one.
"""

from __future__ import annotations

from typing import Any

from tests.integration.tenancy_scene import B_SIDE, Control, Scene, case

FORBIDDEN: dict[str, Any] = {"status": 403, "codes": ("forbidden",)}
REF_NOT_FOUND: dict[str, Any] = {"codes": ("ref_not_found",)}
B_WRITERS = ("admin_b", "creative_b", "system_b", "agency_y_creative")
NON_WRITERS = ("reviewer_a", "agency_x_reviewer")
"""Brand A roles without ``assets.write``."""
NON_PUBLISHERS = ("creative_a", "system_a", "agency_x_creative", "agency_x_reviewer")
"""Brand A roles without ``assets.publish``."""
KIT: dict[str, Any] = {"brand": "stolen", "version": "9", "forbidden_words": [{"term": "便宜"}]}


def _base(sc: Scene, x: str) -> str:
    return f"/v1/brands/{sc.ids[f'brand_{x}']}"


def _a_refs(sc: Scene) -> tuple[str, ...]:
    """Brand A's refs in every spelling: full and short commit ids, a branch, a tag."""
    i = sc.ids
    return (i["commit_a2"], i["commit_a2"][:12], i["root_a"], "campaign/a", "release/a-1")


def _b_branches(sc: Scene) -> list[str]:
    return [ref["name"] for ref in sc.ok("admin_b", "GET", f"{_base(sc, 'b')}/branches")]


@case("GET", "/v1/brands/{brand_id}/brand-kit")
def _get_kit(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    sc.denied(B_SIDE, "GET", f"{a}/brand-kit")
    sc.denied(B_SIDE, "GET", f"{a}/brand-kit?ref=campaign/a")
    for ref in _a_refs(sc):
        sc.denied(B_SIDE, "GET", f"{b}/brand-kit?ref={ref}", **REF_NOT_FOUND)
    own = sc.ok("creative_b", "GET", f"{b}/brand-kit")
    assert (own["head"], own["exists"]) == (i["commit_b"], False), own
    return sc.control(
        "agency_x_reviewer",
        "GET",
        f"{a}/brand-kit?ref=campaign/a",
        check=lambda r: r["head"] == i["commit_a2"] and r["exists"] is False,
    )


@case("POST", "/v1/brands/{brand_id}/brand-kit/validate")
def _validate_kit(sc: Scene) -> Control:
    a = _base(sc, "a")
    sc.denied(B_SIDE, "POST", f"{a}/brand-kit/validate", {"vi": KIT})
    sc.denied(B_SIDE, "POST", f"{a}/brand-kit/validate", {"vi": {"brand": ""}})
    return sc.control(
        "agency_x_reviewer", "POST", f"{a}/brand-kit/validate", {"vi": KIT}, check=lambda r: r["valid"]
    )


@case("PUT", "/v1/brands/{brand_id}/brand-kit")
def _save_kit(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    on_main: dict[str, Any] = {"vi": KIT, "message": "stolen"}
    for body in (on_main, {**on_main, "branch": "campaign/a"}, {**on_main, "branch": "kit/new"}):
        sc.denied(B_SIDE, "PUT", f"{a}/brand-kit", body)
    for ref in _a_refs(sc):
        body = {**on_main, "branch": "kit/stolen", "from_ref": ref}
        sc.denied(B_WRITERS, "PUT", f"{b}/brand-kit", body, **REF_NOT_FOUND)
    # A's logo bytes cannot be committed with B's kit, on B's main or on a branch the save would create
    missing: dict[str, Any] = {"status": 422, "codes": ("blob_not_found",)}
    for sha in (i["sha_a"], i["sha_a2"]):
        logos = [{"path": "brand/logos/a.png", "blob": sha}]
        sc.denied(("admin_b",), "PUT", f"{b}/brand-kit", {**on_main, "logos": logos}, **missing)
        body = {**on_main, "branch": "kit/stolen", "logos": logos}
        sc.denied(("creative_b", "agency_y_creative"), "PUT", f"{b}/brand-kit", body, **missing)
    assert _b_branches(sc) == ["campaign/b", "main"], "a refused save left a branch behind"
    sc.denied(NON_PUBLISHERS, "PUT", f"{a}/brand-kit", on_main, **FORBIDDEN)
    sc.denied(NON_WRITERS, "PUT", f"{a}/brand-kit", {**on_main, "branch": "campaign/a"}, **FORBIDDEN)
    sc.denied(NON_WRITERS, "PUT", f"{a}/brand-kit", {**on_main, "branch": "kit/new"}, **FORBIDDEN)
    body = {**on_main, "expected_head": i["commit_a"]}
    return sc.control(
        "reviewer_a",
        "PUT",
        f"{a}/brand-kit",
        body,
        check=lambda r: r["branch"] == "main" and r["commit"]["parents"] == [i["commit_a"]],
    )


def _heads(body: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(h["ref"]["name"], h["head"]["id"]) for h in body]


@case("GET", "/v1/brands/{brand_id}/branch-heads")
def _branch_heads(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    sc.denied(B_SIDE, "GET", f"{a}/branch-heads")
    for actor in B_SIDE:
        heads = _heads(sc.ok(actor, "GET", f"{b}/branch-heads"))
        assert heads == [("main", i["commit_b"]), ("campaign/b", i["commit_b2"])], (actor, heads)
    expected = [("main", i["commit_a"]), ("campaign/a", i["commit_a2"])]
    return sc.control("agency_x_reviewer", "GET", f"{a}/branch-heads", check=lambda r: _heads(r) == expected)


@case("POST", "/v1/brands/{brand_id}/merge-preview")
def _merge_preview(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    publish = {"source": "campaign/a", "target": "main"}
    sc.denied(B_SIDE, "POST", f"{a}/merge-preview", publish)
    sc.denied(B_SIDE, "POST", f"{a}/merge-preview", {"source": "main", "target": "campaign/a"})
    for source in _a_refs(sc):
        for target in ("main", "campaign/b"):
            body = {"source": source, "target": target}
            sc.denied(B_WRITERS, "POST", f"{b}/merge-preview", body, **REF_NOT_FOUND)
    sc.denied(
        ("admin_b",),
        "POST",
        f"{b}/merge-preview",
        {"source": "main", "target": "campaign/a"},
        codes=("branch_not_found",),
    )
    sc.denied(("agency_x_reviewer",), "POST", f"{a}/merge-preview", publish, **FORBIDDEN)

    def previewed(r: dict[str, Any]) -> bool:
        changes = [(c["path"], c["status"]) for c in r["changes"]]
        heads = (r["outcome"], r["source_head"], r["target_head"])
        return heads == ("fast_forward", i["commit_a2"], i["commit_a"]) and changes == [
            ("kv/a-campaign.png", "added")
        ]

    def control() -> None:
        sc.control("creative_a", "POST", f"{a}/merge-preview", publish, check=previewed)()
        main = sc.ok("admin_a", "GET", f"{a}/branches/main")
        assert main["commit_id"] == i["commit_a"], "a preview moved main"

    return control
