"""The studio library's routes on SQLite with the fake vision backend: browse a branch with filters and
pages, index status while a branch is behind and once caught up, an asset's history across branches and
tags, duplicates of uploaded bytes before they are committed, facets, and tenancy."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw

from serving.api import create_app
from serving.db import upgrade
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.world import World, build_world


def png(colour: tuple[int, int, int], seed: int = 0, size: tuple[int, int] = (320, 240)) -> bytes:
    image = Image.new("RGB", size, colour)
    x, y = 40 + 17 * seed % 60, 30 + 11 * seed % 50
    ImageDraw.Draw(image).ellipse((x, y, x + size[0] // 3, y + size[1] // 3), fill=(240, 235, 225))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


class Api:
    def __init__(self, client: TestClient, world: World) -> None:
        self.client, self.world = client, world
        self.brand = world.ids["brand_a"]
        self.base = f"/v1/brands/{self.brand}"
        self.shas: dict[str, str] = {}
        self.commits: dict[str, str] = {}

    def call(self, method: str, url: str, actor: str = "creative_a", **kw: Any) -> Any:
        """The response (the test client's httpx flavour varies with starlette's version)."""
        headers = {**self.world.auth(actor), **kw.pop("headers", {})}
        return self.client.request(method, url, headers=headers, **kw)

    def ok(self, method: str, url: str, actor: str = "creative_a", **kw: Any) -> Any:
        response = self.call(method, url, actor, **kw)
        assert response.status_code < 300, response.text
        return response.json()

    def blob(self, data: bytes, content_type: str = "image/png") -> str:
        body = self.ok("POST", f"{self.base}/blobs", content=data, headers={"Content-Type": content_type})
        return str(body["sha256"])

    def commit(self, branch: str, changes: list[dict[str, Any]], message: str = "change") -> str:
        body = {"branch": branch, "message": message, "changes": changes}
        return str(self.ok("POST", f"{self.base}/commits", "admin_a", json=body)["id"])

    def wait_indexed(self, branch: str, timeout: float = 30) -> dict[str, Any]:
        deadline = time.monotonic() + timeout
        while True:
            status: dict[str, Any] = self.ok("GET", f"{self.base}/index-status", params={"branch": branch})
            if status["up_to_date"] and status["job_id"] is None:
                return status
            assert time.monotonic() < deadline, f"index of {branch} did not catch up: {status}"
            time.sleep(0.05)

    def browse(self, **params: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.ok("GET", f"{self.base}/library", params=params)
        return result

    def paths(self, **params: Any) -> list[str]:
        return [hit["path"] for hit in self.browse(**params)["hits"]]


def put(path: str, sha: str, **metadata: Any) -> dict[str, Any]:
    return {"op": "put", "path": path, "blob": sha, "metadata": metadata}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("library")
    url = f"sqlite:///{folder / 'atelier.db'}"
    upgrade(url)
    settings = make_settings(url, folder / "var", search={"auto_index": True, "ocr_on_index": False})
    app = create_app(settings, FakeGateway())
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, build_world(app.state.session_factory, settings))
        _seed(api)
        yield api


def _seed(api: Api) -> None:
    api.shas = {
        "coffee": api.blob(png((110, 68, 36))),
        "coffee_b": api.blob(png((112, 70, 38), seed=1)),
        "lipstick": api.blob(png((120, 40, 150), seed=2)),
        "beach": api.blob(png((40, 90, 200), seed=3)),
        "slogan": api.blob("秋季限定拿铁，醇香咖啡上新".encode(), "text/plain; charset=utf-8"),
    }
    s = api.shas
    api.commits["first"] = api.commit(
        "main",
        [
            put("kv/coffee.png", s["coffee"], title="Latte", campaign="autumn", platforms=["xiaohongshu"]),
            put("kv/lipstick.png", s["lipstick"], licence={"name": "stock", "expires_on": "2020-01-01"}),
            put("kv/beach.png", s["beach"], platforms=["douyin"], tags=[{"name": "summer"}]),
            put("copy/latte.txt", s["slogan"], campaign="autumn"),
        ],
        "first",
    )
    api.ok("POST", f"{api.base}/branches", json={"name": "autumn-b", "from_ref": "main"})
    api.commits["retitle"] = api.commit(
        "main", [put("kv/coffee.png", s["coffee"], title="Latte v2", campaign="autumn")], "retitle"
    )
    api.commits["swap"] = api.commit(
        "autumn-b", [put("kv/coffee.png", s["coffee_b"], title="Latte B")], "swap"
    )
    api.ok("POST", f"{api.base}/tags", "admin_a", json={"name": "release-1", "ref": api.commits["first"]})
    api.commits["drop"] = api.commit("autumn-b", [{"op": "delete", "path": "kv/beach.png"}], "drop")
    api.wait_indexed("main")
    api.wait_indexed("autumn-b")


# -- browse ------------------------------------------------------------------------------------------


def test_browse_lists_the_branch_newest_first_with_tags_and_links(api: Api) -> None:
    page = api.browse()
    paths = [h["path"] for h in page["hits"]]
    assert set(paths) == {"kv/coffee.png", "kv/lipstick.png", "kv/beach.png", "copy/latte.txt"}
    coffee = next(h for h in page["hits"] if h["path"] == "kv/coffee.png")
    assert coffee["title"] == "Latte v2" and coffee["campaign"] == "autumn" and coffee["branch"] == "main"
    assert "food_beverage/coffee" in coffee["tags"]
    assert coffee["links"]["preview"].endswith("/previews/kv/coffee.png?ref=main")
    assert coffee["compliance_status"] is None and page["next_cursor"] is None
    assert set(api.paths(branch="autumn-b")) == {"kv/coffee.png", "kv/lipstick.png", "copy/latte.txt"}


def test_browse_filters_like_search_plus_platform_and_blob(api: Api) -> None:
    assert api.paths(kind="copy") == ["copy/latte.txt"]
    assert set(api.paths(kind=["copy", "image"], campaign="autumn")) == {"kv/coffee.png", "copy/latte.txt"}
    assert api.paths(tag="summer") == ["kv/beach.png"]
    assert "kv/coffee.png" in api.paths(tag="food_beverage/coffee")
    assert api.paths(licence_valid="false") == ["kv/lipstick.png"]
    assert "kv/lipstick.png" not in api.paths(licence_valid="true")
    assert api.paths(platform="douyin") == ["kv/beach.png"]
    assert api.paths(compliance_status="brand_approved") == []
    assert len(api.paths(compliance_status="none")) == 4
    assert api.paths(blob=api.shas["lipstick"]) == ["kv/lipstick.png"]
    assert api.paths(path="kv/beach.png") == ["kv/beach.png"] and api.paths(path="kv/none.png") == []


def test_browse_pages_follow_the_cursor_without_repeats(api: Api) -> None:
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        page = api.browse(limit=1, **({"cursor": cursor} if cursor else {}))
        seen += [h["path"] for h in page["hits"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert sorted(seen) == sorted(set(seen)) and len(seen) == 4
    bad = api.call("GET", f"{api.base}/library", params={"cursor": "not-a-cursor"})
    assert bad.status_code == 422 and bad.json()["code"] == "invalid_cursor"


# -- index status ------------------------------------------------------------------------------------


def test_index_status_is_honest_about_a_branch_that_moved(api: Api) -> None:
    status = api.wait_indexed("main")
    assert status["indexed_commit"] == status["head_commit"] and status["docs"] == 4
    assert status["auto_index"] is True
    api.ok("POST", f"{api.base}/branches", json={"name": "fresh", "from_ref": "main"})
    sha = api.blob(png((10, 200, 10), seed=4))
    api.commit("fresh", [put("kv/green.png", sha)])
    early = api.ok("GET", f"{api.base}/index-status", params={"branch": "fresh"})
    if not early["up_to_date"]:
        assert early["job_id"] is not None or early["indexed_commit"] is not None
    assert api.wait_indexed("fresh")["docs"] == 5
    assert api.paths(branch="fresh")[0] == "kv/green.png"  # the newest indexed comes first
    empty = api.ok("GET", f"/v1/brands/{api.world.ids['brand_b']}/index-status", "creative_b")
    assert empty["up_to_date"] is True and empty["indexed_commit"] is None and empty["docs"] == 0
    missing = api.call("GET", f"{api.base}/index-status", params={"branch": "nope"})
    assert missing.status_code == 404


# -- history -----------------------------------------------------------------------------------------


def test_history_walks_every_branch_and_tag(api: Api) -> None:
    history = api.ok("GET", f"{api.base}/asset-history", params={"path": "kv/coffee.png"})
    versions = {v["commit_id"]: v for v in history["versions"]}
    assert set(versions) == {api.commits["first"], api.commits["retitle"], api.commits["swap"]}
    assert versions[api.commits["first"]]["change"] == "added"
    assert versions[api.commits["first"]]["refs"] == ["release-1"]
    assert versions[api.commits["retitle"]]["change"] == "metadata"
    assert (
        versions[api.commits["retitle"]]["title"] == "Latte v2"
        and "main" in versions[api.commits["retitle"]]["refs"]
    )
    assert versions[api.commits["swap"]]["change"] == "modified"
    assert versions[api.commits["swap"]]["blob"] == api.shas["coffee_b"]
    times = [v["created_at"] for v in history["versions"]]
    assert times == sorted(times, reverse=True) and history["truncated"] is False
    refs = {r["ref"]: r for r in history["refs"]}
    assert history["refs"][0]["ref"] == "main"
    assert refs["main"]["title"] == "Latte v2" and refs["autumn-b"]["blob"] == api.shas["coffee_b"]
    assert refs["release-1"]["ref_kind"] == "tag" and refs["release-1"]["title"] == "Latte"


def test_history_reports_deletions_and_refs_without_the_asset(api: Api) -> None:
    history = api.ok("GET", f"{api.base}/asset-history", params={"path": "kv/beach.png"})
    changes = {v["commit_id"]: v["change"] for v in history["versions"]}
    assert changes == {api.commits["first"]: "added", api.commits["drop"]: "deleted"}
    refs = {r["ref"]: r for r in history["refs"]}
    assert refs["autumn-b"]["present"] is False and refs["main"]["present"] is True
    limited = api.ok("GET", f"{api.base}/asset-history", params={"path": "kv/coffee.png", "limit": 1})
    assert len(limited["versions"]) == 1 and limited["truncated"] is True
    nothing = api.ok("GET", f"{api.base}/asset-history", params={"path": "kv/none.png"})
    assert nothing["versions"] == [] and not any(r["present"] for r in nothing["refs"])


# -- duplicates of an upload ---------------------------------------------------------------------------


def test_duplicates_of_uploaded_bytes_before_commit(api: Api) -> None:
    same = api.ok("GET", f"{api.base}/blobs/{api.shas['coffee']}/duplicates")
    identical = {(m["branch"], m["path"]) for m in same["matches"] if m["identical"]}
    assert ("main", "kv/coffee.png") in identical
    resized = Image.open(io.BytesIO(png((110, 68, 36)))).resize((160, 120))
    buffer = io.BytesIO()
    resized.save(buffer, "JPEG", quality=80)
    sha = api.blob(buffer.getvalue(), "image/jpeg")
    near = api.ok("GET", f"{api.base}/blobs/{sha}/duplicates", params={"branch": "main"})
    match = next(m for m in near["matches"] if m["path"] == "kv/coffee.png")
    assert not match["identical"] and match["reasons"] and {m["branch"] for m in near["matches"]} == {"main"}
    text = api.ok("GET", f"{api.base}/blobs/{api.shas['slogan']}/duplicates")
    assert [(m["path"], m["identical"]) for m in text["matches"] if m["branch"] == "main"] == [
        ("copy/latte.txt", True)
    ]
    unknown = api.call("GET", f"{api.base}/blobs/{'0' * 64}/duplicates")
    assert unknown.status_code == 404 and unknown.json()["code"] == "blob_not_found"


# -- facets and tenancy --------------------------------------------------------------------------------


def test_facets_name_tags_in_both_languages_and_list_campaigns(api: Api) -> None:
    facets = api.ok("GET", f"{api.base}/library/facets")
    coffee = next(t for t in facets["tags"] if t["id"] == "food_beverage/coffee")
    assert coffee == {"id": "food_beverage/coffee", "zh": "咖啡", "en": "coffee", "source": "taxonomy"}
    assert facets["campaigns"] == ["autumn"]


@pytest.mark.parametrize(
    "url",
    [
        "/library",
        "/library/facets",
        "/index-status",
        "/asset-history?path=kv/coffee.png",
        "/blobs/{coffee}/duplicates",
    ],
)
def test_other_brands_see_nothing(api: Api, url: str) -> None:
    response = api.call("GET", api.base + url.format(coffee=api.shas["coffee"]), "creative_b")
    assert response.status_code in (403, 404), response.text
    assert (
        api.call("GET", api.base + url.format(coffee=api.shas["coffee"]), "agency_x_reviewer").status_code
        == 200
    )
