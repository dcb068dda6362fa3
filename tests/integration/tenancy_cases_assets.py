"""Isolation cases for the brand asset store: repository, blob, upload, content and signed object routes.

Brand B's callers are refused brand A's repository (404: the brand is hidden) and cannot reach A's
commits, refs, assets, blobs or uploads through brand B's own URLs either (ids are per brand). Within
brand A, ``assets.write`` (creatives, system keys) and ``assets.publish`` (brand reviewers and admins:
landing on ``main``, tags) are enforced (403). Signed object URLs carry their own credential: a token
altered in any way, or used for the other method, is refused.
"""

from __future__ import annotations

import base64
import hashlib
import json
from typing import Any, TypedDict
from urllib.parse import urlsplit

import httpx

from asset_store.blobs import blob_key, staging_key
from asset_store.models import Blob
from tests.integration.tenancy_scene import B_SIDE, PNGS, Control, Scene, case, png


class _Refusal(TypedDict, total=False):
    status: int
    codes: tuple[str, ...]


FORBIDDEN: _Refusal = {"status": 403, "codes": ("forbidden",)}
REF_NOT_FOUND: _Refusal = {"codes": ("ref_not_found",)}
NON_WRITERS = ("reviewer_a", "agency_x_reviewer")
"""Brand A roles without ``assets.write``."""
NON_PUBLISHERS = ("creative_a", "system_a", "agency_x_creative", "agency_x_reviewer")
"""Brand A roles without ``assets.publish``."""
B_WRITERS = ("admin_b", "creative_b", "system_b", "agency_y_creative")
PNG = {"Content-Type": "image/png"}


def _base(sc: Scene, x: str) -> str:
    return f"/v1/brands/{sc.ids[f'brand_{x}']}"


def _names(body: list[dict[str, str]]) -> list[str]:
    return [ref["name"] for ref in body]


def _paths(body: dict[str, list[dict[str, str]]]) -> set[str]:
    return {entry["path"] for entry in body["items"]}


def _refused(response: httpx.Response, status: int, code: str) -> None:
    where = (response.request.method, response.request.url.path, response.status_code, response.text)
    assert response.status_code == status, where
    assert response.headers["content-type"].startswith("application/problem+json"), where
    assert response.json()["code"] == code, where


# Branches and tags ------------------------------------------------------------------------------


@case("GET", "/v1/brands/{brand_id}/branches")
def _list_branches(sc: Scene) -> Control:
    a, b = _base(sc, "a"), _base(sc, "b")
    sc.denied(B_SIDE, "GET", f"{a}/branches")
    assert _names(sc.ok("admin_b", "GET", f"{b}/branches")) == ["campaign/b", "main"]
    return sc.control(
        "agency_x_reviewer", "GET", f"{a}/branches", check=lambda r: _names(r) == ["campaign/a", "main"]
    )


@case("POST", "/v1/brands/{brand_id}/branches")
def _create_branch(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    body = {"name": "stolen", "from_ref": "main"}
    sc.denied(B_SIDE, "POST", f"{a}/branches", body)
    for ref in (i["commit_a"], i["commit_a"][:12], i["root_a"], "campaign/a", "release/a-1"):
        sc.denied(B_WRITERS, "POST", f"{b}/branches", {"name": "stolen", "from_ref": ref}, **REF_NOT_FOUND)
    sc.denied(NON_WRITERS, "POST", f"{a}/branches", body, **FORBIDDEN)
    body = {"name": "campaign/x", "from_ref": "release/a-1"}
    return sc.control(
        "agency_x_creative", "POST", f"{a}/branches", body, 201, lambda r: r["commit_id"] == i["commit_a"]
    )


@case("GET", "/v1/brands/{brand_id}/branches/{name}")
def _get_branch(sc: Scene) -> Control:
    a, b = _base(sc, "a"), _base(sc, "b")
    for name in ("main", "campaign/a"):
        sc.denied(B_SIDE, "GET", f"{a}/branches/{name}")
    sc.denied(B_SIDE, "GET", f"{b}/branches/campaign/a", codes=("branch_not_found",))
    sc.denied(("admin_a",), "GET", f"{a}/branches/release/a-1", codes=("branch_not_found",))  # a tag
    assert sc.ok("admin_b", "GET", f"{b}/branches/main")["commit_id"] == sc.ids["commit_b"]
    return sc.control(
        "agency_x_reviewer",
        "GET",
        f"{a}/branches/campaign/a",
        check=lambda r: r["commit_id"] == sc.ids["commit_a2"],
    )


@case("DELETE", "/v1/brands/{brand_id}/branches/{name}")
def _delete_branch(sc: Scene) -> Control:
    a, b = _base(sc, "a"), _base(sc, "b")
    sc.denied(B_SIDE, "DELETE", f"{a}/branches/campaign/a")
    sc.denied(B_WRITERS, "DELETE", f"{b}/branches/campaign/a", codes=("branch_not_found",))
    sc.denied(NON_WRITERS, "DELETE", f"{a}/branches/campaign/a", **FORBIDDEN)
    sc.denied(("creative_a", "admin_a"), "DELETE", f"{a}/branches/main", None, 409, ("protected_branch",))
    sc.denied(("admin_a",), "DELETE", f"{a}/branches/release/a-1", codes=("branch_not_found",))
    return sc.control("creative_a", "DELETE", f"{a}/branches/campaign/a", status=204)


@case("GET", "/v1/brands/{brand_id}/tags")
def _list_tags(sc: Scene) -> Control:
    a, b = _base(sc, "a"), _base(sc, "b")
    sc.denied(B_SIDE, "GET", f"{a}/tags")
    assert _names(sc.ok("admin_b", "GET", f"{b}/tags")) == ["release/b-1"]
    return sc.control("agency_x_reviewer", "GET", f"{a}/tags", check=lambda r: _names(r) == ["release/a-1"])


@case("POST", "/v1/brands/{brand_id}/tags")
def _create_tag(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    body = {"name": "release/a-2", "ref": "campaign/a"}
    sc.denied(B_SIDE, "POST", f"{a}/tags", body)
    for ref in (i["commit_a2"], i["commit_a2"][:12], "campaign/a", "release/a-1"):
        sc.denied(("admin_b",), "POST", f"{b}/tags", {"name": "stolen", "ref": ref}, **REF_NOT_FOUND)
    sc.denied(NON_PUBLISHERS, "POST", f"{a}/tags", body, **FORBIDDEN)
    return sc.control(
        "reviewer_a", "POST", f"{a}/tags", body, 201, lambda r: r["commit_id"] == i["commit_a2"]
    )


@case("DELETE", "/v1/brands/{brand_id}/tags/{name}")
def _delete_tag(sc: Scene) -> Control:
    a, b = _base(sc, "a"), _base(sc, "b")
    sc.denied(B_SIDE, "DELETE", f"{a}/tags/release/a-1")
    sc.denied(("admin_b",), "DELETE", f"{b}/tags/release/a-1", codes=("tag_not_found",))
    sc.denied(NON_PUBLISHERS, "DELETE", f"{a}/tags/release/a-1", **FORBIDDEN)
    sc.denied(("admin_a",), "DELETE", f"{a}/tags/campaign/a", codes=("tag_not_found",))  # a branch
    return sc.control("reviewer_a", "DELETE", f"{a}/tags/release/a-1", status=204)


# Commits, history, diff, merge, revert ----------------------------------------------------------


def _put(branch: str, sha: str, path: str = "kv/new.png") -> dict[str, object]:
    return {"branch": branch, "message": "m", "changes": [{"op": "put", "path": path, "blob": sha}]}


@case("POST", "/v1/brands/{brand_id}/commits")
def _create_commit(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    for branch in ("main", "campaign/a"):
        sc.denied(B_SIDE, "POST", f"{a}/commits", _put(branch, i["sha_b"]))
        sc.denied(
            B_SIDE,
            "POST",
            f"{a}/commits",
            {**_put(branch, i["sha_b"]), "changes": [{"op": "delete", "path": "kv/a.png"}]},
        )
    # A's bytes cannot be committed by sha into B's repository (nor B's into A's); the refusal reads
    # exactly as for bytes nobody uploaded, so it does not reveal that the sha exists elsewhere.
    unknown = sc.req("creative_b", "POST", f"{b}/commits", _put("campaign/b", "0" * 64)).json()
    for sha in (i["sha_a"], i["sha_a2"]):
        body = _put("campaign/b", sha)
        sc.denied(B_WRITERS, "POST", f"{b}/commits", body, 422, ("blob_not_found",))
        refusal = sc.req("creative_b", "POST", f"{b}/commits", body).json()
        assert (refusal["detail"], refusal["details"]["missing"]) == (unknown["detail"], [sha])
    sc.denied(
        ("creative_a",), "POST", f"{a}/commits", _put("campaign/a", i["sha_b"]), 422, ("blob_not_found",)
    )
    sc.denied(NON_WRITERS, "POST", f"{a}/commits", _put("campaign/a", i["sha_a"]), **FORBIDDEN)
    # Landing on main publishes (merges and reverts there need assets.publish); a plain commit to main
    # must not be a way around that, nor around the pre-merge gate.
    sc.denied(NON_PUBLISHERS, "POST", f"{a}/commits", _put("main", i["sha_a2"]), **FORBIDDEN)
    return sc.control("creative_a", "POST", f"{a}/commits", _put("campaign/a", i["sha_a"]), status=201)


@case("GET", "/v1/brands/{brand_id}/commits")
def _list_commits(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    sc.denied(B_SIDE, "GET", f"{a}/commits")
    sc.denied(B_SIDE, "GET", f"{a}/commits?ref=campaign/a")
    for ref in (i["commit_a2"], i["commit_a"][:7], "campaign/a", "release/a-1"):
        sc.denied(B_SIDE, "GET", f"{b}/commits?ref={ref}", **REF_NOT_FOUND)
    b_log = [c["id"] for c in sc.ok("admin_b", "GET", f"{b}/commits?ref=campaign/b")]
    assert b_log == [i["commit_b2"], i["commit_b"], i["root_b"]]
    expected = [i["commit_a2"], i["commit_a"], i["root_a"]]
    return sc.control(
        "agency_x_reviewer",
        "GET",
        f"{a}/commits?ref=campaign/a",
        check=lambda r: [c["id"] for c in r] == expected,
    )


@case("GET", "/v1/brands/{brand_id}/commits/{commit_id}")
def _get_commit(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    for commit in (i["commit_a"], i["commit_a2"], i["root_a"]):
        sc.denied(B_SIDE, "GET", f"{a}/commits/{commit}")
        for ref in (commit, commit[:7]):
            sc.denied(B_SIDE, "GET", f"{b}/commits/{ref}", **REF_NOT_FOUND)
    url = f"{a}/commits/{i['commit_a'][:10]}"
    return sc.control("agency_x_reviewer", "GET", url, check=lambda r: r["id"] == i["commit_a"])


@case("GET", "/v1/brands/{brand_id}/diff")
def _diff(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    sc.denied(B_SIDE, "GET", f"{a}/diff?from=main&to=campaign/a")
    for before, after in (("main", i["commit_a2"]), (i["root_a"], "main"), ("main", "campaign/a")):
        sc.denied(B_SIDE, "GET", f"{b}/diff?from={before}&to={after}", **REF_NOT_FOUND)
    return sc.control(
        "agency_x_reviewer",
        "GET",
        f"{a}/diff?from=main&to=campaign/a",
        check=lambda r: [(c["path"], c["status"]) for c in r["changes"]] == [("kv/a-campaign.png", "added")],
    )


@case("POST", "/v1/brands/{brand_id}/merges")
def _merge(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    publish = {"source": "campaign/a", "target": "main"}
    sc.denied(B_SIDE, "POST", f"{a}/merges", publish)
    sc.denied(B_SIDE, "POST", f"{a}/merges", {"source": "main", "target": "campaign/a"})
    for source in (i["commit_a2"], i["commit_a2"][:12], "campaign/a", "release/a-1"):
        for target in ("main", "campaign/b"):
            body = {"source": source, "target": target}
            sc.denied(("admin_b",), "POST", f"{b}/merges", body, **REF_NOT_FOUND)
    sc.denied(
        ("admin_b",),
        "POST",
        f"{b}/merges",
        {"source": "main", "target": "campaign/a"},
        codes=("branch_not_found",),
    )
    sc.denied(NON_PUBLISHERS, "POST", f"{a}/merges", publish, **FORBIDDEN)
    body = {"source": "main", "target": "campaign/a"}
    sc.denied(("agency_x_reviewer",), "POST", f"{a}/merges", body, **FORBIDDEN)

    def merged(r: dict[str, Any]) -> bool:
        return bool(r["outcome"] == "fast_forward" and r["commit"]["id"] == i["commit_a2"])

    return sc.control("reviewer_a", "POST", f"{a}/merges", publish, check=merged)


@case("POST", "/v1/brands/{brand_id}/reverts")
def _revert(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    on_main = {"branch": "main", "commit": i["commit_a"]}
    sc.denied(B_SIDE, "POST", f"{a}/reverts", on_main)
    for commit in (i["commit_a"], i["commit_a"][:12], "release/a-1"):
        for branch in ("main", "campaign/b"):
            body = {"branch": branch, "commit": commit}
            sc.denied(("admin_b",), "POST", f"{b}/reverts", body, **REF_NOT_FOUND)
    sc.denied(NON_PUBLISHERS, "POST", f"{a}/reverts", on_main, **FORBIDDEN)
    body = {"branch": "campaign/a", "commit": i["commit_a2"]}
    sc.denied(NON_WRITERS, "POST", f"{a}/reverts", body, **FORBIDDEN)
    return sc.control(
        "reviewer_a", "POST", f"{a}/reverts", on_main, 201, lambda r: r["meta"]["reverts"] == i["commit_a"]
    )


# Assets and their bytes -------------------------------------------------------------------------


@case("GET", "/v1/brands/{brand_id}/assets")
def _list_assets(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    sc.denied(B_SIDE, "GET", f"{a}/assets")
    sc.denied(B_SIDE, "GET", f"{a}/assets?ref=campaign/a&prefix=kv/")
    for ref in (i["commit_a2"], i["commit_a"][:7], "campaign/a", "release/a-1"):
        sc.denied(B_SIDE, "GET", f"{b}/assets?ref={ref}", **REF_NOT_FOUND)
    assert _paths(sc.ok("admin_b", "GET", f"{b}/assets?ref=campaign/b")) == {"kv/b.png", "kv/b-campaign.png"}
    return sc.control(
        "agency_x_creative",
        "GET",
        f"{a}/assets?ref=campaign/a",
        check=lambda r: _paths(r) == {"kv/a.png", "kv/a-campaign.png"},
    )


@case("GET", "/v1/brands/{brand_id}/tree/{path}")
def _get_asset(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    sc.denied(B_SIDE, "GET", f"{a}/tree/kv/a.png")
    sc.denied(B_SIDE, "GET", f"{a}/tree/kv/a-campaign.png?ref=campaign/a")
    sc.denied(B_SIDE, "GET", f"{b}/tree/kv/a.png", codes=("asset_not_found",))
    sc.denied(B_SIDE, "GET", f"{b}/tree/kv/b.png?ref={i['commit_a']}", **REF_NOT_FOUND)
    return sc.control(
        "agency_x_reviewer",
        "GET",
        f"{a}/tree/kv/a.png",
        check=lambda r: r["blob"] == i["sha_a"] and {"content", "thumbnail"} <= set(r["links"]),
    )


def _bytes_control(sc: Scene, actor: str, url: str, expected: bytes | None, media: str) -> Control:
    def control() -> None:
        response = sc.get(actor, url)
        assert response.status_code == 200, response.text
        assert response.headers["content-type"].startswith(media)
        assert expected is None or response.content == expected

    return control


@case("GET", "/v1/brands/{brand_id}/raw/{path}")
def _get_content(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    for query in ("", "?download=true", "?redirect=true", "?ref=campaign/a"):
        sc.denied(B_SIDE, "GET", f"{a}/raw/kv/a.png{query}")
    sc.denied(B_SIDE, "GET", f"{b}/raw/kv/a.png", codes=("asset_not_found",))
    sc.denied(B_SIDE, "GET", f"{b}/raw/kv/b.png?ref={i['commit_a']}", **REF_NOT_FOUND)
    assert sc.get("admin_b", f"{b}/raw/kv/b.png").content == PNGS["b"]
    return _bytes_control(sc, "agency_x_reviewer", f"{a}/raw/kv/a.png", PNGS["a"], "image/png")


@case("GET", "/v1/brands/{brand_id}/previews/{path}")
def _get_preview(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    sc.denied(B_SIDE, "GET", f"{a}/previews/kv/a.png")
    sc.denied(B_SIDE, "GET", f"{a}/previews/kv/a-campaign.png?ref=campaign/a&role=thumbnail")
    sc.denied(B_SIDE, "GET", f"{b}/previews/kv/a.png", codes=("asset_not_found",))
    sc.denied(B_SIDE, "GET", f"{b}/previews/kv/b.png?ref={i['commit_a']}", **REF_NOT_FOUND)
    return _bytes_control(sc, "agency_x_reviewer", f"{a}/previews/kv/a.png", None, "image/")


# Blobs and uploads ------------------------------------------------------------------------------


@case("POST", "/v1/brands/{brand_id}/blobs")
def _upload_blob(sc: Scene) -> Control:
    a, b = _base(sc, "a"), _base(sc, "b")
    data = png((1, 2, 3))
    url = f"{a}/blobs?kind=image"
    sc.denied(B_SIDE, "POST", url, content=data, content_type="image/png")
    sc.denied(NON_WRITERS, "POST", url, None, 403, ("forbidden",), content=data, content_type="image/png")
    with sc.session() as s:
        assert s.get(Blob, hashlib.sha256(data).hexdigest()) is None, "refused bytes were stored"
    # B may upload the same bytes as A: B gets its own grant and learns nothing of A's (created is per brand)
    again = sc.req("creative_b", "POST", f"{b}/blobs?kind=image", content=PNGS["a"], content_type="image/png")
    assert again.status_code == 201 and again.json()["created"] is True, again.text

    def control() -> None:
        response = sc.req(
            "creative_a", "POST", f"{a}/blobs?kind=image", content=data, content_type="image/png"
        )
        assert response.status_code == 201, response.text
        assert response.json()["sha256"] == hashlib.sha256(data).hexdigest()

    return control


@case("GET", "/v1/brands/{brand_id}/blobs/{sha256}")
def _get_blob(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    unknown = sc.req("admin_b", "GET", f"{b}/blobs/{'0' * 64}").json()
    for sha in (i["sha_a"], i["sha_a2"]):
        sc.denied(B_SIDE, "GET", f"{a}/blobs/{sha}")
        sc.denied(B_SIDE, "GET", f"{b}/blobs/{sha}", codes=("blob_not_found",))
        assert sc.req("admin_b", "GET", f"{b}/blobs/{sha}").json()["detail"] == unknown["detail"]
    sc.denied(("admin_a",), "GET", f"{a}/blobs/{i['sha_b']}", codes=("blob_not_found",))
    url = f"{a}/blobs/{i['sha_a']}"
    return sc.control("agency_x_reviewer", "GET", url, check=lambda r: r["sha256"] == i["sha_a"])


UPLOAD = {"kind": "image", "content_type": "image/png", "filename": "new.png"}


@case("POST", "/v1/brands/{brand_id}/uploads")
def _create_upload(sc: Scene) -> Control:
    a = _base(sc, "a")
    sc.denied(B_SIDE, "POST", f"{a}/uploads", UPLOAD)
    sc.denied(NON_WRITERS, "POST", f"{a}/uploads", UPLOAD, **FORBIDDEN)
    return sc.control(
        "system_a", "POST", f"{a}/uploads", UPLOAD, 201, lambda r: "/v1/objects/signed/" in r["upload"]["url"]
    )


@case("GET", "/v1/brands/{brand_id}/uploads/{upload_id}")
def _get_upload(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    sc.denied(B_SIDE, "GET", f"{a}/uploads/{i['upload_a']}")
    sc.denied(B_SIDE, "GET", f"{b}/uploads/{i['upload_a']}", codes=("upload_not_found",))
    sc.denied(("admin_a",), "GET", f"{a}/uploads/{i['upload_b']}", codes=("upload_not_found",))
    sc.denied(NON_WRITERS, "GET", f"{a}/uploads/{i['upload_a']}", **FORBIDDEN)
    # an upload belongs to whoever started it (and the brand's admins), not to every writer of the brand
    sc.denied(
        ("agency_x_creative", "system_a"), "GET", f"{a}/uploads/{i['upload_a']}", codes=("upload_not_found",)
    )
    url = f"{a}/uploads/{i['upload_a']}"
    return sc.control("creative_a", "GET", url, check=lambda r: r["status"] == "pending" and r["upload"])


def _signed(url: str) -> str:
    """The path of a presigned URL of the local object store (served by the API itself)."""
    path = urlsplit(url).path
    assert path.startswith("/v1/objects/signed/"), url
    return path


def _upload_url(sc: Scene, x: str) -> str:
    body = sc.ok(f"creative_{x}", "GET", f"{_base(sc, x)}/uploads/{sc.ids[f'upload_{x}']}")
    return _signed(body["upload"]["url"])


def _content_url(sc: Scene, x: str, role: str = "content") -> str:
    return _signed(sc.ok(f"admin_{x}", "GET", f"{_base(sc, x)}/tree/kv/{x}.png")["links"][role])


@case("POST", "/v1/brands/{brand_id}/uploads/{upload_id}/complete")
def _complete_upload(sc: Scene) -> Control:
    a, b, i = _base(sc, "a"), _base(sc, "b"), sc.ids
    data = png((4, 5, 6))
    assert sc.client.put(_upload_url(sc, "b"), content=data, headers=PNG).status_code == 200
    for upload in ("upload_a", "upload_b"):
        sc.denied(B_SIDE, "POST", f"{a}/uploads/{i[upload]}/complete")
    sc.denied(B_SIDE, "POST", f"{b}/uploads/{i['upload_a']}/complete", codes=("upload_not_found",))
    sc.denied(
        ("admin_a", "creative_a"),
        "POST",
        f"{a}/uploads/{i['upload_b']}/complete",
        codes=("upload_not_found",),
    )
    sc.denied(NON_WRITERS, "POST", f"{a}/uploads/{i['upload_a']}/complete", **FORBIDDEN)
    sc.denied(
        ("agency_x_creative", "system_a"),
        "POST",
        f"{a}/uploads/{i['upload_a']}/complete",
        codes=("upload_not_found",),
    )

    def control() -> None:
        assert sc.client.put(_upload_url(sc, "a"), content=data, headers=PNG).status_code == 200
        done = sc.ok("creative_a", "POST", f"{a}/uploads/{i['upload_a']}/complete")
        assert done["status"] == "complete" and done["blob"]["sha256"] == hashlib.sha256(data).hexdigest()

    return control


# Signed object URLs (no bearer token: the HMAC signature is the credential) ---------------------


def _tamper(path: str) -> str:
    """Flip the first character of the signature (the last may only carry base64 padding bits)."""
    body, _, signature = path.rpartition(".")
    return f"{body}.{'B' if signature[0] != 'B' else 'C'}{signature[1:]}"


def _rekey(path: str, key: str) -> str:
    """The same signature over a payload naming another object key."""
    prefix, _, token = path.rpartition("/")
    body, _, signature = token.partition(".")
    payload = json.loads(base64.urlsafe_b64decode(body + "=" * (-len(body) % 4)))
    payload["k"] = key
    encoded = base64.urlsafe_b64encode(json.dumps(payload, separators=(",", ":")).encode()).rstrip(b"=")
    return f"{prefix}/{encoded.decode()}.{signature}"


@case("GET", "/v1/objects/signed/{token}")
def _get_signed(sc: Scene) -> Control:
    i = sc.ids
    content, thumbnail, b_content = (
        _content_url(sc, "a"),
        _content_url(sc, "a", "thumbnail"),
        _content_url(sc, "b"),
    )
    for path in (
        _tamper(content),
        _rekey(b_content, blob_key(i["sha_a"])),
        _rekey(b_content, blob_key(i["sha_a2"])),
    ):
        _refused(sc.client.get(path), 422, "invalid_signature")
    _refused(sc.client.get(_upload_url(sc, "a")), 422, "invalid_signature")  # a PUT token
    _refused(sc.client.get("/v1/objects/signed/not-a-token"), 422, "invalid_signature")
    assert sc.client.get(b_content).content == PNGS["b"]

    def control() -> None:
        response = sc.client.get(content)
        assert (response.status_code, response.content) == (200, PNGS["a"]), response.text
        assert sc.client.get(thumbnail).status_code == 200

    return control


@case("PUT", "/v1/objects/signed/{token}")
def _put_signed(sc: Scene) -> Control:
    i, objects, data = sc.ids, sc.assets.objects, png((7, 8, 9))
    put_b, content_a = _upload_url(sc, "b"), _content_url(sc, "a")
    for path in (
        _tamper(put_b),
        _rekey(put_b, staging_key(i["upload_a"])),  # B's upload URL aimed at A's upload
        _rekey(put_b, blob_key(i["sha_a"])),  # ... or at A's stored bytes
        content_a,  # a GET token (would overwrite A's bytes) used for PUT
        _rekey(content_a, staging_key(i["upload_a"])),
    ):
        _refused(sc.client.put(path, content=data, headers=PNG), 422, "invalid_signature")
    mismatch = sc.client.put(put_b, content=data, headers={"Content-Type": "text/plain"})
    _refused(mismatch, 422, "content_type_mismatch")
    # B's own URL writes B's upload's staging key and nothing else
    assert sc.client.put(put_b, content=data, headers=PNG).status_code == 200
    assert objects.exists(staging_key(i["upload_b"])) and not objects.exists(staging_key(i["upload_a"]))
    assert b"".join(objects.iter_bytes(blob_key(i["sha_a"]))) == PNGS["a"]

    def control() -> None:
        assert sc.client.put(_upload_url(sc, "a"), content=data, headers=PNG).status_code == 200
        assert b"".join(objects.iter_bytes(staging_key(i["upload_a"]))) == data

    return control
