"""The asset store API end to end on both databases: uploads, commits, content, previews, branches,
merges, reverts, tags, history, listing, audit, bad input, and presigned uploads on the local backend."""

from __future__ import annotations

import io
import os
import random
import shutil
import subprocess
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import func, select

from asset_store.blobs import blob_key
from asset_store.models import Blob, UploadSession
from asset_store.repo.metadata import AssetMetadata
from serving.api import create_app
from serving.assets.services import AssetServices
from serving.settings import Settings
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.world import World, build_world

BASE = "http://127.0.0.1:8000"
PROBLEM = "application/problem+json"
META: dict[str, Any] = {
    "title": "618 key visual",
    "tags": [{"name": "lipstick", "source": "ai", "score": 0.92}, {"name": "口红", "source": "human"}],
    "campaign": "618-2026",
    "licence": {"name": "Stock #123", "expires_on": "2026-12-31"},
    "lineage": {
        "derived_from": [{"path": "kv/source.png", "relation": "crop"}],
        "generation": {
            "model": "sdxl-1.0",
            "prompt": "red lipstick",
            "seed": 42,
            "pipeline_version": "0.3.0",
        },
    },
}


# -- helpers ---------------------------------------------------------------------------------------------


def png(width: int = 64, height: int = 48, color: tuple[int, int, int] = (200, 30, 30)) -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (width, height), color).save(buffer, "PNG")
    return buffer.getvalue()


def noise_png(width: int, height: int) -> bytes:
    """A PNG of random pixels: it does not compress, so its size is about 3 bytes per pixel."""
    buffer = io.BytesIO()
    Image.frombytes("RGB", (width, height), os.urandom(width * height * 3)).save(buffer, "PNG")
    return buffer.getvalue()


def problem(response: httpx.Response, status: int, code: str) -> dict[str, Any]:
    """Assert ``response`` is problem+json with ``status`` and ``code``; return the body."""
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith(PROBLEM), response.headers
    body: dict[str, Any] = response.json()
    assert (body["status"], body["code"]) == (status, code), body
    return body


def signed_path(url: str) -> str:
    """The API path of a local-store signed URL (the test client has no real host)."""
    assert url.startswith(f"{BASE}/v1/objects/signed/"), url
    return url.removeprefix(BASE)


class Api:
    """Calls on one brand's asset routes as a named actor of the world."""

    def __init__(self, client: TestClient, world: World, brand: str = "brand_a") -> None:
        self.client, self.world = client, world
        self.brand_id = world.ids[brand]
        self.prefix = f"/v1/brands/{self.brand_id}"

    def call(self, method: str, path: str, actor: str = "creative_a", **kw: Any) -> httpx.Response:
        headers = {**self.world.auth(actor), **kw.pop("headers", {})}
        response: httpx.Response = self.client.request(method, f"{self.prefix}{path}", headers=headers, **kw)
        return response

    def ok(self, method: str, path: str, actor: str = "creative_a", **kw: Any) -> Any:
        response = self.call(method, path, actor, **kw)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def upload(self, data: bytes, content_type: str = "image/png", **params: Any) -> httpx.Response:
        actor = params.pop("actor", "creative_a")
        headers = {"Content-Type": content_type}
        return self.call("POST", "/blobs", actor, content=data, headers=headers, params=params)

    def blob(self, data: bytes, content_type: str = "image/png") -> str:
        response = self.upload(data, content_type)
        assert response.status_code in (200, 201), response.text
        sha: str = response.json()["sha256"]
        return sha

    def commit(self, branch: str, changes: list[dict[str, Any]], actor: str | None = None, **kw: Any) -> Any:
        """Commit as ``actor``; by default a creative on work branches and the brand admin on ``main``
        (landing on the default branch is publishing: the admin holds every asset permission)."""
        actor = actor or ("admin_a" if branch == "main" else "creative_a")
        body = {"branch": branch, "message": kw.pop("message", "change"), "changes": changes, **kw}
        return self.ok("POST", "/commits", actor, json=body)

    def put(self, path: str, sha: str, **metadata: Any) -> dict[str, Any]:
        return {"op": "put", "path": path, "blob": sha, "metadata": metadata}

    def head(self, branch: str = "main") -> str:
        commit_id: str = self.ok("GET", f"/branches/{branch}")["commit_id"]
        return commit_id

    def paths(self, ref: str = "main", **params: Any) -> list[str]:
        page = self.ok("GET", "/assets", params={"ref": ref, "limit": 1000, **params})
        return [item["path"] for item in page["items"]]


def blob_count(app: FastAPI) -> int:
    with app.state.session_factory() as session:
        return int(session.scalar(select(func.count()).select_from(Blob)) or 0)


def spool_files(settings: Settings) -> list[Path]:
    folder = settings.data_dir / "tmp" / "uploads"
    return sorted(folder.iterdir()) if folder.exists() else []


def stored_keys(app: FastAPI) -> list[str]:
    services: AssetServices = app.state.assets
    return [k for prefix in ("blobs/", "previews/", "staging/") for k in services.objects.list_keys(prefix)]


@pytest.fixture
def world(app: FastAPI, client: TestClient, settings: Settings) -> World:
    return build_world(app.state.session_factory, settings)


@pytest.fixture
def api(client: TestClient, world: World) -> Api:
    return Api(client, world)


@pytest.fixture(scope="session")
def mp4(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """A 1 s, 64x64, 10 fps H.264 test pattern."""
    binary = shutil.which("ffmpeg")
    assert binary is not None, "ffmpeg is required (Debian package 'ffmpeg')"
    out = tmp_path_factory.mktemp("video") / "clip.mp4"
    args = ["-f", "lavfi", "-i", "testsrc=size=64x64:rate=10", "-t", "1", "-pix_fmt", "yuv420p"]
    subprocess.run(
        [binary, "-v", "error", "-y", *args, str(out)], check=True, timeout=60, capture_output=True
    )
    return out.read_bytes()


# -- uploads and content ---------------------------------------------------------------------------------


def test_image_upload_is_validated_stored_once_and_readable(api: Api) -> None:
    data = png(120, 80)
    first = api.upload(data, filename="kv.png")
    assert first.status_code == 201, first.text
    blob = first.json()
    assert blob["created"] is True
    assert (blob["size"], blob["kind"], blob["content_type"]) == (len(data), "image", "image/png")
    assert (blob["width"], blob["height"]) == (120, 80)
    assert len(blob["sha256"]) == 64
    assert [(p["role"], p["content_type"]) for p in blob["previews"]] == [("thumbnail", "image/webp")]

    again = api.upload(data, kind="image")
    assert again.status_code == 200, again.text
    assert again.json()["created"] is False
    assert again.json()["sha256"] == blob["sha256"]

    fetched = api.ok("GET", f"/blobs/{blob['sha256']}")
    assert {k: v for k, v in fetched.items() if k != "created"} == {
        k: v for k, v in blob.items() if k != "created"
    }
    problem(api.call("GET", f"/blobs/{'0' * 64}"), 404, "blob_not_found")
    problem(api.call("GET", "/blobs/not-a-sha"), 422, "invalid_sha256")


def test_committed_asset_has_metadata_links_content_and_previews(api: Api) -> None:
    data = png(800, 600, (10, 120, 200))
    sha = api.blob(data)
    commit = api.commit("main", [api.put("kv/618/main.png", sha, **META)], message="Add key visual")

    asset = api.ok("GET", "/tree/kv/618/main.png")
    assert (asset["path"], asset["commit_id"], asset["blob"]) == ("kv/618/main.png", commit["id"], sha)
    assert (asset["kind"], asset["content_type"], asset["size"]) == ("image", "image/png", len(data))
    assert (asset["width"], asset["height"]) == (800, 600)
    assert AssetMetadata.model_validate(asset["metadata"]) == AssetMetadata.model_validate(META)
    assert asset["metadata"]["lineage"]["generation"]["seed"] == 42
    assert asset["metadata"]["licence"]["expires_on"] == "2026-12-31"
    assert asset["metadata"]["tags"][0] == {"name": "lipstick", "source": "ai", "score": 0.92}
    assert set(asset["links"]) == {"content", "thumbnail"}
    assert asset["links_expire_at"] is not None

    content = api.client.get(signed_path(asset["links"]["content"]))  # no credentials needed
    assert content.status_code == 200, content.text
    assert content.content == data
    assert content.headers["content-type"] == "image/png"
    thumb = api.client.get(signed_path(asset["links"]["thumbnail"]))
    assert thumb.status_code == 200, thumb.text
    with Image.open(io.BytesIO(thumb.content)) as image:
        assert image.format == "WEBP" and max(image.size) <= 512

    raw = api.call("GET", "/raw/kv/618/main.png")
    assert raw.status_code == 200 and raw.content == data
    assert raw.headers["content-type"] == "image/png"
    assert raw.headers["accept-ranges"] == "bytes"
    etag = raw.headers["etag"]
    assert "content-disposition" not in raw.headers

    part = api.call("GET", "/raw/kv/618/main.png", headers={"Range": "bytes=0-9"})
    assert part.status_code == 206, part.text
    assert part.content == data[:10]
    assert part.headers["content-range"] == f"bytes 0-9/{len(data)}"
    assert part.headers["content-length"] == "10"

    assert api.call("GET", "/raw/kv/618/main.png", headers={"If-None-Match": etag}).status_code == 304
    download = api.call("GET", "/raw/kv/618/main.png", params={"download": "true"})
    assert download.status_code == 200 and download.content == data
    disposition = download.headers["content-disposition"]
    assert disposition.startswith("attachment") and "main.png" in disposition

    redirect = api.call("GET", "/raw/kv/618/main.png", params={"redirect": "true"}, follow_redirects=False)
    assert redirect.status_code == 307, redirect.text
    followed = api.client.get(signed_path(redirect.headers["location"]))
    assert followed.status_code == 200 and followed.content == data

    preview = api.call("GET", "/previews/kv/618/main.png")
    assert preview.status_code == 200, preview.text
    assert preview.headers["content-type"] == "image/webp"
    with Image.open(io.BytesIO(preview.content)) as image:
        assert max(image.size) <= 512 and image.size == (512, 384)
    problem(api.call("GET", "/previews/kv/618/main.png", params={"role": "poster"}), 404, "preview_not_found")
    problem(api.call("GET", "/raw/kv/618/missing.png"), 404, "asset_not_found")


def test_unsatisfiable_range_is_416_with_the_size(api: Api) -> None:
    """RFC 9110 §15.5.17: a range that starts past the end is 416 with ``Content-Range: bytes */size``."""
    data = png(30, 30)
    api.commit("main", [api.put("r.png", api.blob(data))])
    suffix = api.call("GET", "/raw/r.png", headers={"Range": "bytes=-5"})
    assert (suffix.status_code, suffix.content) == (206, data[-5:])
    assert suffix.headers["content-range"] == f"bytes {len(data) - 5}-{len(data) - 1}/{len(data)}"
    clipped = api.call("GET", "/raw/r.png", headers={"Range": f"bytes=10-{len(data) + 100}"})
    assert (clipped.status_code, clipped.content) == (206, data[10:])
    past_end = api.call("GET", "/raw/r.png", headers={"Range": f"bytes={len(data)}-"})
    problem(past_end, 416, "range_not_satisfiable")
    assert past_end.headers["content-range"] == f"bytes */{len(data)}"


def test_video_upload_has_poster_thumbnail_and_duration(api: Api, mp4: bytes) -> None:
    response = api.upload(mp4, "video/mp4", kind="video", filename="teaser.mp4")
    assert response.status_code == 201, response.text
    blob = response.json()
    assert (blob["kind"], blob["content_type"], blob["width"], blob["height"]) == (
        "video",
        "video/mp4",
        64,
        64,
    )
    assert blob["duration_s"] == pytest.approx(1.0, abs=0.15)
    assert {p["role"] for p in blob["previews"]} == {"poster", "thumbnail"}

    api.commit("main", [api.put("video/teaser.mp4", blob["sha256"], title="Teaser")])
    asset = api.ok("GET", "/tree/video/teaser.mp4")
    assert asset["duration_s"] == pytest.approx(1.0, abs=0.15)
    assert set(asset["links"]) == {"content", "poster", "thumbnail"}
    poster = api.call("GET", "/previews/video/teaser.mp4", params={"role": "poster"})
    assert poster.status_code == 200, poster.text
    with Image.open(io.BytesIO(poster.content)) as image:
        assert image.size == (64, 64)
    assert api.call("GET", "/raw/video/teaser.mp4").content == mp4


# -- branches, merges, reverts, tags, history, listing, audit --------------------------------------------


def test_branches_are_isolated_and_diffable(api: Api) -> None:
    a, b, c = api.blob(png(color=(1, 0, 0))), api.blob(png(color=(2, 0, 0))), api.blob(png(color=(3, 0, 0)))
    base = api.commit("main", [api.put("a.png", a), api.put("b.png", b)])

    created = api.call("POST", "/branches", json={"name": "feature/spring-sale", "from_ref": "main"})
    assert created.status_code == 201, created.text
    assert (created.json()["kind"], created.json()["commit_id"]) == ("branch", base["id"])
    problem(api.call("POST", "/branches", json={"name": "feature/spring-sale"}), 409, "ref_exists")
    api.ok("POST", "/branches", json={"name": "review/old", "from_ref": base["id"][:12]})
    names = [r["name"] for r in api.ok("GET", "/branches")]
    assert names == ["feature/spring-sale", "main", "review/old"]
    assert api.ok("GET", "/branches/feature/spring-sale")["commit_id"] == base["id"]

    on_branch = api.commit(
        "feature/spring-sale",
        [api.put("c.png", c), api.put("a.png", b, title="retitled"), {"op": "delete", "path": "b.png"}],
        expected_head=base["id"],
    )
    assert on_branch["parents"] == [base["id"]]
    assert api.head("main") == base["id"]
    assert api.paths("main") == ["a.png", "b.png"]
    assert api.paths("feature/spring-sale") == ["a.png", "c.png"]
    problem(api.call("GET", "/tree/c.png", params={"ref": "main"}), 404, "asset_not_found")

    diff = api.ok("GET", "/diff", params={"from": "main", "to": "feature/spring-sale"})
    assert (diff["from_commit"], diff["to_commit"], diff["truncated"]) == (base["id"], on_branch["id"], False)
    assert [(ch["path"], ch["status"]) for ch in diff["changes"]] == [
        ("a.png", "modified"),
        ("b.png", "deleted"),
        ("c.png", "added"),
    ]
    assert diff["changes"][0]["before"]["blob"] == a and diff["changes"][0]["after"]["blob"] == b
    short = api.ok("GET", "/diff", params={"from": "main", "to": "feature/spring-sale", "limit": 2})
    assert (len(short["changes"]), short["truncated"]) == (2, True)

    stale = api.call(
        "POST",
        "/commits",
        json={
            "branch": "feature/spring-sale",
            "message": "x",
            "changes": [api.put("d.png", a)],
            "expected_head": base["id"],
        },
    )
    assert problem(stale, 409, "ref_moved")["details"]["current"] == on_branch["id"]
    assert api.head("feature/spring-sale") == on_branch["id"]

    deleted = api.call("DELETE", "/branches/review/old")
    assert deleted.status_code == 204, deleted.text
    problem(api.call("GET", "/branches/review/old"), 404, "branch_not_found")
    problem(api.call("DELETE", "/branches/review/old"), 404, "branch_not_found")


def test_merges_fast_forward_three_way_conflict_and_moved_target(api: Api) -> None:
    blobs = [api.blob(png(color=(0, i, 0))) for i in range(6)]
    api.commit("main", [api.put("a.png", blobs[0]), api.put("b.png", blobs[1])])

    api.ok("POST", "/branches", json={"name": "feature/ff"})
    tip = api.commit("feature/ff", [api.put("c.png", blobs[2])])
    problem(api.call("POST", "/merges", json={"source": "feature/ff"}), 403, "forbidden")  # creatives
    ff = api.ok("POST", "/merges", "reviewer_a", json={"source": "feature/ff", "target": "main"})
    assert (ff["outcome"], ff["commit"]["id"]) == ("fast_forward", tip["id"])
    assert [(c["path"], c["status"]) for c in ff["changes"]] == [("c.png", "added")]
    assert api.head("main") == tip["id"]
    again = api.ok("POST", "/merges", "admin_a", json={"source": "feature/ff"})
    assert again["outcome"] == "up_to_date"

    api.ok("POST", "/branches", json={"name": "feature/3way"})
    api.commit("feature/3way", [api.put("a.png", blobs[3])])
    main_side = api.commit("main", [api.put("d.png", blobs[4])])
    merged = api.ok("POST", "/merges", "admin_a", json={"source": "feature/3way", "message": "Merge 3way"})
    assert merged["outcome"] == "merge"
    assert merged["commit"]["parents"][0] == main_side["id"] and len(merged["commit"]["parents"]) == 2
    assert api.head("main") == merged["commit"]["id"]
    assert api.paths("main") == ["a.png", "b.png", "c.png", "d.png"]
    assert api.ok("GET", "/tree/a.png")["blob"] == blobs[3]

    api.ok("POST", "/branches", json={"name": "feature/conflict"})
    api.commit("feature/conflict", [api.put("b.png", blobs[5])])
    before = api.commit("main", [api.put("b.png", blobs[0])])
    conflict = problem(
        api.call("POST", "/merges", "admin_a", json={"source": "feature/conflict"}), 409, "merge_conflict"
    )
    assert [c["path"] for c in conflict["details"]["conflicts"]] == ["b.png"]
    assert api.head("main") == before["id"]
    assert api.ok("GET", "/tree/b.png")["blob"] == blobs[0]

    api.ok("POST", "/branches", json={"name": "feature/late"})
    api.commit("feature/late", [api.put("e.png", blobs[1])])
    stale_head = api.head("main")
    moved = api.commit("main", [api.put("f.png", blobs[2])])
    body = {"source": "feature/late", "expected_target_head": stale_head}
    refused = problem(api.call("POST", "/merges", "admin_a", json=body), 409, "ref_moved")
    assert refused["details"]["current"] == moved["id"]
    assert api.head("main") == moved["id"]
    assert "e.png" not in api.paths("main")
    assert api.ok("GET", "/commits", params={"ref": "main", "limit": 1})[0]["id"] == moved["id"]


def test_revert_tags_history_and_audit(api: Api) -> None:
    a, b = api.blob(png(color=(9, 9, 1))), api.blob(png(color=(9, 9, 2)))
    first = api.commit("main", [api.put("a.png", a, title="A"), api.put("b.png", b)], message="First")
    removal = api.commit("main", [{"op": "delete", "path": "a.png"}], message="Remove a")
    problem(api.call("GET", "/tree/a.png"), 404, "asset_not_found")

    revert = api.call("POST", "/reverts", "admin_a", json={"branch": "main", "commit": removal["id"]})
    assert revert.status_code == 201, revert.text
    reverted = revert.json()
    assert reverted["parents"] == [removal["id"]] and reverted["meta"]["reverts"] == removal["id"]
    restored = api.ok("GET", "/tree/a.png")
    assert (restored["blob"], restored["metadata"]["title"]) == (a, "A")
    assert restored["commit_id"] == reverted["id"]

    tag = api.call(
        "POST",
        "/tags",
        "admin_a",
        json={"name": "release/2026.1", "ref": first["id"][:10], "message": "First release"},
    )
    assert tag.status_code == 201, tag.text
    assert (tag.json()["kind"], tag.json()["commit_id"], tag.json()["message"]) == (
        "tag",
        first["id"],
        "First release",
    )
    problem(api.call("POST", "/tags", "admin_a", json={"name": "release/2026.1"}), 409, "ref_exists")
    problem(api.call("POST", "/tags", "admin_a", json={"name": "main"}), 409, "ref_exists")
    api.ok("POST", "/tags", "reviewer_a", json={"name": "v2"})
    assert [t["name"] for t in api.ok("GET", "/tags")] == ["release/2026.1", "v2"]
    assert api.ok("GET", "/tree/a.png", params={"ref": "release/2026.1"})["commit_id"] == first["id"]
    assert api.call("DELETE", "/tags/release/2026.1", "admin_a").status_code == 204
    assert [t["name"] for t in api.ok("GET", "/tags")] == ["v2"]
    problem(api.call("DELETE", "/tags/release/2026.1", "admin_a"), 404, "tag_not_found")

    log = api.ok("GET", "/commits", params={"ref": "main"})
    assert [c["id"] for c in log[:3]] == [reverted["id"], removal["id"], first["id"]]
    assert log[-1]["parents"] == [] and len(log) == 4  # the root commit
    paged = [
        c["id"]
        for off in range(0, 4, 2)
        for c in api.ok("GET", "/commits", params={"ref": "main", "limit": 2, "offset": off})
    ]
    assert paged == [c["id"] for c in log]
    assert api.ok("GET", "/commits", params={"ref": "main", "limit": 2, "offset": 4}) == []
    assert api.ok("GET", f"/commits/{removal['id']}")["message"] == "Remove a"
    assert api.ok("GET", f"/commits/{removal['id'][:9]}")["id"] == removal["id"]
    problem(api.call("GET", "/commits/abcdef0123"), 404, "ref_not_found")

    for action, target in (
        ("asset.commit", removal["id"]),
        ("asset.revert", reverted["id"]),
        ("asset.tag.create", "v2"),
        ("asset.tag.delete", "release/2026.1"),
    ):
        events = audit(api, action)
        assert target in [e["target_id"] for e in events], (action, events)


def audit(api: Api, action: str) -> list[dict[str, Any]]:
    response = api.client.get(
        "/v1/audit", params={"brand_id": api.brand_id, "action": action}, headers=api.world.auth("admin_a")
    )
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    assert all(e["brand_id"] == api.brand_id and e["outcome"] == "success" for e in items)
    return items


def test_merge_and_branch_actions_are_audited(api: Api) -> None:
    sha = api.blob(png(color=(5, 5, 5)))
    api.ok("POST", "/branches", json={"name": "feature/audit"})
    commit = api.commit("feature/audit", [api.put("x.png", sha)])
    api.ok("POST", "/merges", "admin_a", json={"source": "feature/audit"})
    merges = audit(api, "asset.merge")
    assert [(e["target_id"], e["details"]["outcome"], e["details"]["commit"]) for e in merges] == [
        ("main", "fast_forward", commit["id"])
    ]
    assert merges[0]["actor_id"] == api.world.ids["user_admin_a"]
    assert [e["target_id"] for e in audit(api, "asset.branch.create")] == ["feature/audit"]
    commits = audit(api, "asset.commit")
    assert [(e["target_id"], e["details"]) for e in commits] == [
        (commit["id"], {"branch": "feature/audit", "changes": 1})
    ]
    api.ok("POST", "/merges", "admin_a", json={"source": "feature/audit"})  # up to date: not recorded
    assert len(audit(api, "asset.merge")) == 1


def test_list_assets_filters_by_prefix_and_kind_and_pages_with_a_cursor(api: Api) -> None:
    image, text = api.blob(png(color=(7, 7, 7))), api.blob(b"Summer sale copy\n", "text/plain")
    paths = [f"kv/618/{i:02d}.png" for i in range(7)]
    changes = [api.put(p, image) for p in paths]
    changes += [api.put("copy/headline.txt", text), api.put("kv/618/body.txt", text), api.put("z.png", image)]
    api.commit("main", changes)

    def walk(**params: Any) -> tuple[list[str], int]:
        seen, pages, cursor = [], 0, None
        while True:
            query = {**params, **({"cursor": cursor} if cursor else {})}
            page = api.ok("GET", "/assets", params=query)
            pages += 1
            seen += [item["path"] for item in page["items"]]
            assert len(page["items"]) <= params["limit"]
            cursor = page["next_cursor"]
            if cursor is None:
                return seen, pages

    assert walk(prefix="kv/618/", limit=3) == ([*paths, "kv/618/body.txt"], 3)
    assert walk(prefix="kv/618/", kind="image", limit=2) == (paths, 4)
    assert walk(kind="copy", limit=1) == (["copy/headline.txt", "kv/618/body.txt"], 2)
    assert walk(limit=1000)[0] == sorted([*paths, "copy/headline.txt", "kv/618/body.txt", "z.png"])
    item = api.ok("GET", "/assets", params={"prefix": "copy/"})["items"][0]
    assert item == {"path": "copy/headline.txt", "kind": "copy", "size": 17, "blob": text}
    assert api.ok("GET", "/assets", params={"prefix": "nothing/"}) == {"items": [], "next_cursor": None}
    problem(api.call("GET", "/assets", params={"ref": "nope"}), 404, "ref_not_found")
    problem(api.call("GET", "/assets", params={"cursor": "***"}), 422, "invalid_cursor")


# -- bad input --------------------------------------------------------------------------------------------


def test_bad_uploads_are_refused_and_leave_nothing_behind(api: Api, app: FastAPI, settings: Settings) -> None:
    api.blob(png())  # the upload folder and object store exist
    blobs, keys = blob_count(app), stored_keys(app)
    good = png(200, 200, (40, 50, 60))
    cases: list[tuple[bytes, str, dict[str, str], int, str]] = [
        (b"", "image/png", {}, 422, "empty_file"),
        (good[: len(good) // 2], "image/png", {}, 422, "corrupt_file"),
        (random.Random(7).randbytes(4096), "image/png", {}, 422, "unknown_type"),
        (good, "image/png", {"kind": "video"}, 422, "type_mismatch"),
        (good, "image/jpeg", {}, 422, "type_mismatch"),
        (good, "image/png", {"kind": "sculpture"}, 422, "invalid_kind"),
    ]
    for data, content_type, params, status, code in cases:
        problem(api.upload(data, content_type, **params), status, code)
        assert blob_count(app) == blobs, code
        assert stored_keys(app) == keys, code
        assert spool_files(settings) == [], code
    problem(api.upload(good, kind="image", actor="reviewer_a"), 403, "forbidden")
    assert blob_count(app) == blobs


def test_an_upload_is_judged_on_its_own_whatever_another_brand_uploaded(api: Api) -> None:
    """JSON may be stored as a template or a brand kit; brand B's choice must not depend on brand A's."""
    fresh = b'{"colors": ["#00ff00"], "fonts": ["Noto Sans"]}'
    brand_b = Api(api.client, api.world, "brand_b")
    alone = brand_b.upload(fresh, "application/json", kind="brand_kit", actor="creative_b")
    assert (alone.status_code, alone.json()["kind"]) == (201, "brand_kit"), alone.text

    shared = b'{"colors": ["#0000ff"], "fonts": ["Noto Sans"]}'
    assert api.upload(shared, "application/json").json()["kind"] == "template"  # brand A, kind sniffed
    after_a = brand_b.upload(shared, "application/json", kind="brand_kit", actor="creative_b")
    assert after_a.status_code == 201, after_a.text  # today: 422 type_mismatch, detected "template"
    assert after_a.json()["created"] is True


def test_oversized_uploads_are_refused_by_header_and_while_streaming(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(db_url, tmp_path / "var", assets={"max_bytes": {"image": 1000}})
    app = create_app(settings, FakeGateway())
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, build_world(app.state.session_factory, settings))
        small, big = png(8, 8), noise_png(40, 40)
        assert len(small) < 1000 < len(big)
        assert api.upload(small, kind="image").status_code == 201
        blobs = blob_count(app)

        declared = problem(api.upload(big, kind="image"), 413, "asset_too_large")
        assert declared["details"]["limit"] == 1000
        problem(api.upload(big), 413, "asset_too_large")  # kind known only after sniffing

        def chunks() -> Iterator[bytes]:
            for start in range(0, len(big), 256):
                yield big[start : start + 256]

        streamed = api.call(
            "POST",
            "/blobs",
            content=chunks(),
            params={"kind": "image"},
            headers={"Content-Type": "image/png"},
        )
        assert "content-length" not in streamed.request.headers
        assert problem(streamed, 413, "asset_too_large")["details"]["limit"] == 1000
        unknown_kind = api.call("POST", "/blobs", content=chunks(), headers={"Content-Type": "image/png"})
        problem(unknown_kind, 413, "asset_too_large")
        upload = start_upload(api)
        problem(put_signed(api, upload, big), 413, "asset_too_large")  # the upload's kind limits the PUT
        assert api.ok("GET", f"/uploads/{upload['id']}")["status"] == "pending"  # a smaller file may follow
        assert not app.state.assets.objects.exists(f"staging/{upload['id']}")
        assert blob_count(app) == blobs
        assert spool_files(settings) == []


def test_bad_commits_and_refs_are_refused_and_change_nothing(api: Api) -> None:
    sha = api.blob(png(color=(3, 3, 3)))
    api.commit("main", [api.put("ok.png", sha)])
    head = api.head()

    def refused(body: dict[str, Any], status: int, code: str) -> dict[str, Any]:
        payload = {"branch": "main", "message": "bad", **body}
        found = problem(api.call("POST", "/commits", "admin_a", json=payload), status, code)
        assert api.head() == head
        return found

    for path in ("../x.png", "/abs.png", "a//b.png", "a/./b.png", "dir/", "a\\b.png"):
        assert refused({"changes": [api.put(path, sha)]}, 422, "invalid_path")["details"]["path"] == path
    refused({"changes": [api.put("fine.png", sha), api.put("../x.png", sha)]}, 422, "invalid_path")
    refused({"branch": "nope", "changes": [api.put("x.png", sha)]}, 404, "branch_not_found")
    missing = refused({"changes": [api.put("x.png", "f" * 64)]}, 422, "blob_not_found")
    assert missing["details"]["missing"] == ["f" * 64]
    refused({"changes": []}, 422, "validation_error")
    refused({"changes": [api.put("ok.png", sha)]}, 422, "nothing_to_commit")
    refused({"changes": [api.put("x.png", sha), api.put("x.png", sha)]}, 422, "duplicate_path")
    assert api.paths() == ["ok.png"]
    assert len(api.ok("GET", "/commits")) == 2

    problem(api.call("GET", "/tree/ok.png", params={"ref": "nope"}), 404, "ref_not_found")
    problem(api.call("GET", "/raw/ok.png", params={"ref": "nope"}), 404, "ref_not_found")
    problem(api.call("GET", "/diff", params={"from": "main", "to": "nope"}), 404, "ref_not_found")
    problem(api.call("POST", "/branches", json={"name": "x", "from_ref": "nope"}), 404, "ref_not_found")
    problem(api.call("DELETE", "/branches/main", "admin_a"), 409, "protected_branch")
    problem(
        api.call("POST", "/merges", "admin_a", json={"source": "main", "target": "nope"}),
        404,
        "branch_not_found",
    )
    problem(
        api.call("POST", "/reverts", "admin_a", json={"branch": "main", "commit": "nope"}),
        404,
        "ref_not_found",
    )
    for name in ("bad..name", "-dash", "trailing/", "x.lock", "deadbeef0", "a//b"):
        problem(api.call("POST", "/branches", json={"name": name}), 422, "invalid_ref_name")
    problem(api.call("POST", "/tags", "admin_a", json={"name": "bad..tag"}), 422, "invalid_ref_name")
    assert [b["name"] for b in api.ok("GET", "/branches")] == ["main"]
    assert api.ok("GET", "/tags") == []
    outsider = Api(api.client, api.world, "brand_b")
    problem(outsider.call("GET", "/tree/ok.png"), 404, "not_found")  # other brands are hidden
    other = {"branch": "main", "message": "steal", "changes": [api.put("x.png", sha)]}
    problem(outsider.call("POST", "/commits", "admin_b", json=other), 422, "blob_not_found")
    problem(outsider.call("GET", f"/blobs/{sha}", "creative_b"), 404, "blob_not_found")


# -- presigned uploads (local backend) -------------------------------------------------------------------


def start_upload(api: Api, kind: str = "image", content_type: str = "image/png") -> dict[str, Any]:
    body = {"kind": kind, "content_type": content_type, "filename": "big.png"}
    response = api.call("POST", "/uploads", json=body)
    assert response.status_code == 201, response.text
    upload: dict[str, Any] = response.json()
    assert upload["status"] == "pending" and upload["blob"] is None
    assert upload["upload"]["method"] == "PUT"
    return upload


def put_signed(api: Api, upload: dict[str, Any], data: bytes, **headers: str) -> httpx.Response:
    target = upload["upload"]
    url, merged = signed_path(target["url"]), {**target["headers"], **headers}
    response: httpx.Response = api.client.put(url, content=data, headers=merged)
    return response


def test_presigned_upload_flow(api: Api, app: FastAPI) -> None:
    data = png(300, 100, (1, 2, 3))
    upload = start_upload(api)
    assert upload["upload"]["headers"] == {"Content-Type": "image/png"}
    staging = f"staging/{upload['id']}"

    early = api.call("POST", f"/uploads/{upload['id']}/complete")
    problem(early, 422, "upload_not_received")
    assert api.ok("GET", f"/uploads/{upload['id']}")["status"] == "pending"

    put = put_signed(api, upload, data)
    assert put.status_code == 200, put.text
    assert app.state.assets.objects.exists(staging)
    done = api.ok("POST", f"/uploads/{upload['id']}/complete")
    assert done["status"] == "complete" and done["upload"] is None
    assert (done["blob"]["size"], done["blob"]["width"], done["blob"]["kind"]) == (len(data), 300, "image")
    assert not app.state.assets.objects.exists(staging)
    assert api.ok("GET", f"/blobs/{done['blob']['sha256']}")["sha256"] == done["blob"]["sha256"]
    assert api.ok("GET", f"/uploads/{upload['id']}")["status"] == "complete"

    problem(api.call("POST", f"/uploads/{upload['id']}/complete"), 409, "upload_not_pending")
    problem(api.call("POST", "/uploads/upl_nope/complete"), 404, "upload_not_found")
    commit = api.commit("main", [api.put("big.png", done["blob"]["sha256"])])
    assert api.ok("GET", "/tree/big.png")["commit_id"] == commit["id"]
    assert api.call("GET", "/raw/big.png").content == data


def test_presigned_upload_of_bad_bytes_fails_and_is_cleaned_up(
    api: Api, app: FastAPI, settings: Settings
) -> None:
    blobs = blob_count(app)
    upload = start_upload(api)
    truncated = png(200, 200, (9, 8, 7))[:300]
    assert put_signed(api, upload, truncated).status_code == 200
    problem(api.call("POST", f"/uploads/{upload['id']}/complete"), 422, "corrupt_file")
    state = api.ok("GET", f"/uploads/{upload['id']}")
    assert (state["status"], state["blob"], state["upload"]) == ("failed", None, None)
    assert not app.state.assets.objects.exists(f"staging/{upload['id']}")
    assert blob_count(app) == blobs and spool_files(settings) == []
    problem(api.call("POST", f"/uploads/{upload['id']}/complete"), 409, "upload_not_pending")

    declared_video = start_upload(api, kind="video", content_type="video/mp4")
    assert put_signed(api, declared_video, png()).status_code == 200
    problem(api.call("POST", f"/uploads/{declared_video['id']}/complete"), 422, "type_mismatch")
    assert api.ok("GET", f"/uploads/{declared_video['id']}")["status"] == "failed"
    assert stored_keys(app) == []

    other = start_upload(api)
    wrong = put_signed(api, other, png(), **{"Content-Type": "image/jpeg"})
    assert problem(wrong, 422, "content_type_mismatch")["details"] == {"expected": "image/png"}
    assert not app.state.assets.objects.exists(f"staging/{other['id']}")
    problem(
        api.call("POST", "/uploads", json={"kind": "hologram", "content_type": "x/y"}), 422, "invalid_kind"
    )
    with app.state.session_factory() as session:
        rows = session.scalars(select(UploadSession.status).order_by(UploadSession.created_at)).all()
    assert sorted(rows) == ["failed", "failed", "pending"]


def test_signed_urls_refuse_tampered_wrong_method_and_expired_tokens(api: Api, app: FastAPI) -> None:
    upload = start_upload(api)
    token = upload["upload"]["url"].rsplit("/", 1)[-1]
    body, _, signature = token.partition(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    for bad in (f"{body}.{flipped}", f"{body[:-1]}x.{signature}", "garbage", f"{body}."):
        response = api.client.put(
            f"/v1/objects/signed/{bad}", content=png(), headers={"Content-Type": "image/png"}
        )
        problem(response, 422, "invalid_signature")
    problem(api.client.get(f"/v1/objects/signed/{token}"), 422, "invalid_signature")  # PUT-only token

    sha = api.blob(png(color=(4, 4, 4)))
    api.commit("main", [api.put("k.png", sha)])
    content = api.ok("GET", "/tree/k.png")["links"]["content"]
    problem(api.client.put(signed_path(content), content=b"x"), 422, "invalid_signature")  # GET-only token
    assert app.state.assets.objects.read_bytes(blob_key(sha)) == png(color=(4, 4, 4))

    signer = app.state.assets.signer
    short = signer.sign(f"staging/{upload['id']}", "PUT", timedelta(seconds=1), content_type="image/png")
    time.sleep(1.1)  # the token expires at the next whole second after signing
    expired = api.client.put(
        f"/v1/objects/signed/{short}", content=png(), headers={"Content-Type": "image/png"}
    )
    problem(expired, 422, "signature_expired")
    assert not app.state.assets.objects.exists(f"staging/{upload['id']}")


def test_raw_uploads_are_not_bound_by_the_json_body_limit(api: Api, settings: Settings) -> None:
    assert settings.api.max_body_bytes == 1_048_576
    data = noise_png(1024, 700)
    assert len(data) > 2_000_000
    response = api.upload(data, kind="image")
    assert response.status_code == 201, response.text
    assert response.json()["size"] == len(data)

    upload = start_upload(api)
    assert put_signed(api, upload, data).status_code == 200
    assert api.ok("POST", f"/uploads/{upload['id']}/complete")["blob"]["sha256"] == response.json()["sha256"]

    huge = {"branch": "main", "message": "x" * 1_100_000, "changes": [api.put("a.png", "0" * 64)]}
    problem(api.call("POST", "/commits", json=huge), 413, "payload_too_large")
