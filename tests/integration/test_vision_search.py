"""Vision and search end to end on SQLite and the embedded vector index, through the REST API: commits
queue the index job, which analyses images with the weightless fake encoder (the real tagger around it)
and embeds text with the fake gateway; then search by text (zh, en), by image, with filters and pages;
near-duplicates; tag edits that survive reindexing; custom tags by example; reuse; tenancy; bad input."""

from __future__ import annotations

import base64
import io
import shutil
import subprocess
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import skimage.data
from fastapi.testclient import TestClient
from PIL import Image, ImageDraw
from sqlalchemy import select

from serving.api import create_app
from serving.db import transaction, upgrade
from serving.vision.models import SearchDoc, SearchIndexState
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.world import World, build_world

BROWN, PURPLE, BLUE, RED = (110, 68, 36), (120, 40, 150), (40, 90, 200), (210, 30, 35)


def picture(
    colour: tuple[int, int, int], shape: str, *, size: tuple[int, int] = (320, 240), seed: int = 0
) -> Image.Image:
    """A distinct composition: a coloured field with a light shape, placed by ``seed``."""
    image = Image.new("RGB", size, colour)
    draw = ImageDraw.Draw(image)
    w, h = size
    x, y = 40 + 17 * seed % 60, 30 + 11 * seed % 50
    box = (x, y, x + w // 3, y + h // 3)
    light = (240, 235, 225)
    if shape == "circle":
        draw.ellipse(box, fill=light)
    elif shape == "bars":
        for i in range(4):
            draw.rectangle((x + i * 22, y, x + i * 22 + 10, y + h // 2), fill=light)
    else:
        draw.rectangle(box, fill=light)
    return image


def encode(image: Image.Image, fmt: str = "PNG", **options: Any) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **options)
    return buffer.getvalue()


class Api:
    def __init__(self, client: TestClient, world: World, gateway: FakeGateway) -> None:
        self.client, self.world, self.gateway = client, world, gateway
        self.brand = world.ids["brand_a"]

    def call(self, method: str, url: str, actor: str = "creative_a", **kw: Any) -> httpx.Response:
        return self.client.request(
            method, url, headers={**self.world.auth(actor), **kw.pop("headers", {})}, **kw
        )

    def ok(self, method: str, url: str, actor: str = "creative_a", **kw: Any) -> Any:
        response = self.call(method, url, actor, **kw)
        assert response.status_code < 300, response.text
        return response.json() if response.content else None

    def blob(
        self, data: bytes, content_type: str = "image/png", brand: str = "brand_a", actor: str = "creative_a"
    ) -> str:
        url = f"/v1/brands/{self.world.ids[brand]}/blobs"
        return str(
            self.ok("POST", url, actor, content=data, headers={"Content-Type": content_type})["sha256"]
        )

    def commit(
        self, branch: str, changes: list[dict[str, Any]], brand: str = "brand_a", actor: str = "creative_a"
    ) -> str:
        body = {"branch": branch, "message": "change", "changes": changes}
        return str(self.ok("POST", f"/v1/brands/{self.world.ids[brand]}/commits", actor, json=body)["id"])

    def wait_indexed(self, branch: str = "main", brand: str = "brand_a", timeout: float = 30) -> None:
        """Until the search index of ``branch`` has caught up with its head."""
        brand_id = self.world.ids[brand]
        factory = self.client.app.state.session_factory  # type: ignore[attr-defined]
        deadline = time.monotonic() + timeout
        while True:
            head = self.ok("GET", f"/v1/brands/{brand_id}/branches/{branch}", "operator")["commit_id"]
            with transaction(factory) as session:
                state = session.get(SearchIndexState, (brand_id, branch))
                if state is not None and state.commit_id == head:
                    return
            assert time.monotonic() < deadline, f"index of {branch} did not catch up"
            time.sleep(0.05)

    def search(self, actor: str = "creative_a", **body: Any) -> dict[str, Any]:
        result: dict[str, Any] = self.ok("POST", "/v1/search", actor, json={"brand_id": self.brand, **body})
        return result

    def paths(self, **body: Any) -> list[str]:
        return [hit["path"] for hit in self.search(**body)["hits"]]


def put(path: str, sha: str, **metadata: Any) -> dict[str, Any]:
    return {"op": "put", "path": path, "blob": sha, "metadata": metadata}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Api]:
    folder = tmp_path_factory.mktemp("vision-search")
    url = f"sqlite:///{folder / 'atelier.db'}"
    upgrade(url)
    settings = make_settings(
        url, folder / "var", search={"auto_index": True, "ocr_on_index": False, "index_batch": 4}
    )
    gateway = FakeGateway()
    app = create_app(settings, gateway)
    with TestClient(app, raise_server_exceptions=False) as client:
        world = build_world(app.state.session_factory, settings)
        api = Api(client, world, gateway)
        _seed(api)
        yield api


def _seed(api: Api) -> None:
    coffee = picture(BROWN, "circle")
    api.originals = {"coffee": coffee}  # type: ignore[attr-defined]
    shas = {
        "coffee": api.blob(encode(coffee)),
        "coffee_copy": api.blob(encode(coffee.crop((12, 9, 308, 231)), "JPEG", quality=60), "image/jpeg"),
        "lipstick": api.blob(encode(picture(PURPLE, "bars"))),
        "beach": api.blob(encode(picture(BLUE, "rect"))),
        "car": api.blob(encode(picture(RED, "rect", seed=3))),
        "copy_zh": api.blob("秋季限定拿铁，醇香咖啡上新".encode(), "text/plain; charset=utf-8"),
        "copy_en": api.blob(
            b"New matte lipstick in ruby red, long lasting colour", "text/plain; charset=utf-8"
        ),
    }
    api.shas = shas  # type: ignore[attr-defined]
    api.commit(
        "main",
        [
            put("kv/coffee.png", shas["coffee"], title="Autumn latte key visual", campaign="autumn-2026"),
            put("kv/coffee-copy.jpg", shas["coffee_copy"]),
            put("kv/lipstick.png", shas["lipstick"], licence={"name": "stock", "expires_on": "2020-01-01"}),
            put("kv/beach.png", shas["beach"]),
            put("kv/car.png", shas["car"]),
            put("archive/coffee.png", shas["coffee"]),
            put("copy/latte.txt", shas["copy_zh"], campaign="autumn-2026"),
            put("copy/lipstick.txt", shas["copy_en"]),
        ],
        actor="admin_a",
    )
    api.wait_indexed()


# -- indexing ----------------------------------------------------------------------------------------


def test_index_job_builds_docs_and_analyses_identical_bytes_once(api: Api) -> None:
    factory = api.client.app.state.session_factory  # type: ignore[attr-defined]
    with transaction(factory) as session:
        docs = {d.path: d for d in session.scalars(select(SearchDoc).where(SearchDoc.brand_id == api.brand))}
    assert set(docs) >= {"kv/coffee.png", "kv/lipstick.png", "archive/coffee.png", "copy/latte.txt"}
    assert "food_beverage/coffee" in docs["kv/coffee.png"].tags
    assert "beauty/makeup" in docs["kv/lipstick.png"].tags
    assert "food_beverage/coffee" in docs["copy/latte.txt"].tags  # copy is tagged by the words it holds
    assert docs["kv/coffee.png"].phash and docs["kv/coffee.png"].encoder == "fake-colour-grid"
    assert docs["copy/latte.txt"].encoder is None and docs["copy/latte.txt"].text_dim == 256
    # five distinct images (archive/coffee.png has kv/coffee.png's bytes) plus the one-pixel probe
    assert sum(api.gateway.analysed) == 6


# -- search by text ----------------------------------------------------------------------------------


def test_text_search_in_english_and_chinese_finds_tagged_images_and_copy(api: Api) -> None:
    english = api.search(query="coffee")
    chinese = api.search(query="咖啡")
    for result in (english, chinese):
        paths = [h["path"] for h in result["hits"]]
        assert {"kv/coffee.png", "copy/latte.txt"} <= set(paths[:5]), paths
        assert "kv/car.png" not in paths[:4]
        hit = next(h for h in result["hits"] if h["path"] == "kv/coffee.png")
        assert "keyword" in hit["matched"] and hit["kind"] == "image"
        assert hit["links"]["content"].endswith("/raw/kv/coffee.png?ref=main") and "preview" in hit["links"]
    lipstick = api.paths(query="口红")
    assert set(lipstick[:2]) == {"kv/lipstick.png", "copy/lipstick.txt"}
    assert "copy/latte.txt" in api.paths(query="醇香")[:1]  # a keyword only the copy text holds


def test_a_query_in_any_language_is_answered(api: Api) -> None:
    for query in ("кофе", "コーヒー", "커피", "قهوة", "कॉफ़ी", "🙂", "\u200b", "x" * 500):
        response = api.call("POST", "/v1/search", json={"brand_id": api.brand, "query": query})
        assert response.status_code in (200, 422), (query, response.text)
        body = response.json()
        assert (
            isinstance(body["hits"], list) if response.status_code == 200 else body["code"] == "empty_query"
        )
    assert "kv/coffee.png" in api.paths(query="☕ coffee")[:3]


def test_colour_words_lift_images_in_that_colour(api: Api) -> None:
    red = api.search(query="红色的")
    assert red["legs"].get("keyword_colours", 0) >= 1
    hit = next(h for h in red["hits"] if h["path"] == "kv/car.png")
    assert "keyword" in hit["matched"]
    assert api.paths(query="blue")[0] == "kv/beach.png"
    assert "keyword_colours" not in api.search(query="咖啡")["legs"]  # no colour named, no colour leg


def test_get_search_is_the_same_search(api: Api) -> None:
    got = api.ok("GET", "/v1/search", params={"brand_id": api.brand, "q": "coffee", "kind": "copy"})
    assert [h["path"] for h in got["hits"]] == ["copy/latte.txt"]


def test_filters_kind_tags_campaign_licence(api: Api) -> None:
    assert api.paths(query="coffee", kinds=["copy"]) == ["copy/latte.txt"]
    assert set(api.paths(query="coffee", tags_all=["food_beverage/coffee"], kinds=["image"])) == {
        "kv/coffee.png",
        "kv/coffee-copy.jpg",
        "archive/coffee.png",
    }
    assert api.paths(query="coffee", campaign="autumn-2026", kinds=["image"]) == ["kv/coffee.png"]
    assert api.paths(query="lipstick", licence_valid=False) == ["kv/lipstick.png"]
    assert "kv/lipstick.png" not in api.paths(query="lipstick", licence_valid=True)
    assert api.paths(query="coffee", compliance_status="brand_approved") == []
    assert "kv/coffee.png" in api.paths(query="coffee", compliance_status="none")


def test_the_url_form_takes_the_same_filters(api: Api) -> None:
    def paths(**params: object) -> list[str]:
        found = api.call("GET", "/v1/search", params={"brand_id": api.brand, **params})
        assert found.status_code == 200, found.text
        return [h["path"] for h in found.json()["hits"]]

    assert paths(q="coffee", campaign="autumn-2026", kind="image") == ["kv/coffee.png"]
    assert paths(q="lipstick", licence_valid="false") == ["kv/lipstick.png"]
    assert "kv/lipstick.png" not in paths(q="lipstick", licence_valid="true")
    assert paths(q="coffee", compliance_status="brand_approved") == []
    both = paths(q="coffee", any_tag=["food_beverage/coffee", "no-such-tag"], kind="image")
    assert set(both) == {"kv/coffee.png", "kv/coffee-copy.jpg", "archive/coffee.png"}


def test_pages_follow_the_cursor_without_repeats(api: Api) -> None:
    everything = api.paths(query="coffee lipstick beach car", limit=100)
    assert len(everything) >= 5
    seen: list[str] = []
    cursor = None
    while True:
        page = api.search(query="coffee lipstick beach car", limit=2, cursor=cursor)
        seen += [h["path"] for h in page["hits"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == everything
    other = api.call(
        "POST", "/v1/search", json={"brand_id": api.brand, "query": "beach", "cursor": cursor or "MTAuYWJj"}
    )
    assert other.status_code == 422 and other.json()["code"] == "invalid_cursor"


# -- search by image, near-duplicates ----------------------------------------------------------------


def test_image_search_by_asset_and_by_bytes(api: Api) -> None:
    by_asset = api.search(image={"branch": "main", "path": "kv/coffee.png"}, kinds=["image"])
    paths = [h["path"] for h in by_asset["hits"]]
    assert "kv/coffee.png" not in paths  # not its own neighbour
    assert set(paths[:2]) == {"archive/coffee.png", "kv/coffee-copy.jpg"}
    assert by_asset["hits"][0]["matched"] == ["image"]
    data = base64.b64encode(encode(picture(PURPLE, "bars", seed=1))).decode()
    assert api.paths(image=data, kinds=["image"])[0] == "kv/lipstick.png"


def test_duplicate_check_reports_both_signals(api: Api) -> None:
    original = api.originals["coffee"]  # type: ignore[attr-defined]
    recut = encode(original.resize((280, 210)).crop((8, 6, 272, 204)), "JPEG", quality=50)
    report = api.ok(
        "POST",
        "/v1/search/duplicates",
        json={"brand_id": api.brand, "image": base64.b64encode(recut).decode()},
    )
    found = {m["path"]: m for m in report["matches"]}
    assert {"kv/coffee.png", "kv/coffee-copy.jpg", "archive/coffee.png"} <= set(found)
    match = found["kv/coffee.png"]
    assert (
        match["hamming"] <= report["max_hamming"] and match["cosine"] is not None and not match["identical"]
    )
    assert "phash" in match["reasons"]
    assert "kv/beach.png" not in found
    mirrored = encode(original.transpose(Image.Transpose.FLIP_LEFT_RIGHT))
    flipped = api.ok(
        "POST",
        "/v1/search/duplicates",
        json={"brand_id": api.brand, "image": base64.b64encode(mirrored).decode()},
    )
    assert "kv/coffee.png" in {m["path"] for m in flipped["matches"]}
    own = api.ok(
        "POST", "/v1/search/duplicates", json={"brand_id": api.brand, "image": {"path": "kv/coffee.png"}}
    )
    same = next(m for m in own["matches"] if m["path"] == "archive/coffee.png")
    assert (
        same["identical"]
        and same["hamming"] == 0
        and "kv/coffee.png" not in {m["path"] for m in own["matches"]}
    )


def test_duplicate_clusters_and_asset_usage(api: Api) -> None:
    report = api.ok("GET", f"/v1/brands/{api.brand}/duplicates", params={"branch": "main"})
    cluster = next(c for c in report["clusters"] if "kv/coffee.png" in c["paths"])
    assert set(cluster["paths"]) == {"kv/coffee.png", "kv/coffee-copy.jpg", "archive/coffee.png"}
    assert all(p["hamming"] is not None for p in cluster["pairs"])
    assert not any("kv/beach.png" in c["paths"] for c in report["clusters"])

    api.commit(
        "main",
        [
            put(
                "kv/coffee-square.png",
                api.shas["car"],
                lineage={"derived_from": [{"path": "kv/coffee.png", "relation": "crop"}]},
            )
        ],  # type: ignore[attr-defined]
        actor="admin_a",
    )
    api.wait_indexed()
    usage = api.ok("GET", f"/v1/brands/{api.brand}/asset-usage", params={"path": "kv/coffee.png"})
    assert [(u["branch"], u["path"]) for u in usage["same_blob"]] == [("main", "archive/coffee.png")]
    assert [(u["path"], u["relation"]) for u in usage["derived"]] == [("kv/coffee-square.png", "crop")]
    back = api.ok("GET", f"/v1/brands/{api.brand}/asset-usage", params={"path": "kv/coffee-square.png"})
    assert [(s["path"], s["kind"]) for s in back["sources"]] == [("kv/coffee.png", "image")]


def test_videos_are_indexed_by_their_poster_frame_and_metadata(api: Api, tmp_path: Any) -> None:
    binary = shutil.which("ffmpeg")
    assert binary is not None, "ffmpeg is required (Debian package 'ffmpeg')"
    out = tmp_path / "teaser.mp4"
    source = ["-f", "lavfi", "-i", "color=c=0x6e4424:size=128x96:rate=10", "-t", "1", "-pix_fmt", "yuv420p"]
    subprocess.run(
        [binary, "-v", "error", "-y", *source, str(out)], check=True, timeout=60, capture_output=True
    )
    sha = api.blob(out.read_bytes(), "video/mp4")
    api.commit("main", [put("video/teaser.mp4", sha, title="Autumn teaser")], actor="admin_a")
    api.wait_indexed()
    hits = api.search(query="coffee", kinds=["video"])["hits"]
    assert [h["path"] for h in hits] == ["video/teaser.mp4"]
    assert "food_beverage/coffee" in hits[0]["tags"] and "preview" in hits[0]["links"]
    assert api.paths(query="teaser", kinds=["video"]) == ["video/teaser.mp4"]


# -- branches ----------------------------------------------------------------------------------------


def test_each_branch_has_its_own_index(api: Api) -> None:
    analysed = sum(api.gateway.analysed)
    api.ok("POST", f"/v1/brands/{api.brand}/branches", json={"name": "campaign/xmas"})
    sha = api.blob(encode(picture(BLUE, "circle", seed=5)))
    api.commit("campaign/xmas", [put("xmas/sea.png", sha, title="Winter sea")])
    api.wait_indexed("campaign/xmas")
    assert sum(api.gateway.analysed) == analysed + 1  # the branch started from main's index: one new image
    same = api.search(image={"branch": "campaign/xmas", "path": "kv/coffee.png"}, branch="campaign/xmas")
    assert {h["path"] for h in same["hits"][:2]} == {"archive/coffee.png", "kv/coffee-copy.jpg"}
    assert "xmas/sea.png" in api.paths(query="beach", branch="campaign/xmas")
    assert "kv/beach.png" in api.paths(query="beach", branch="campaign/xmas")  # inherited from main
    assert "xmas/sea.png" not in api.paths(query="beach")
    api.ok("DELETE", f"/v1/brands/{api.brand}/branches/campaign/xmas")
    deadline = time.monotonic() + 20
    factory = api.client.app.state.session_factory  # type: ignore[attr-defined]
    while True:
        with transaction(factory) as session:
            left = session.scalars(select(SearchDoc.path).where(SearchDoc.branch == "campaign/xmas")).all()
        if not left:
            break
        assert time.monotonic() < deadline
        time.sleep(0.05)


# -- tags: people win --------------------------------------------------------------------------------


def test_tag_edits_commit_and_survive_reindexing(api: Api) -> None:
    url = f"/v1/brands/{api.brand}/asset-tags"
    edit = {"branch": "main", "path": "kv/car.png", "add": ["促销"], "remove": ["transport/car"]}
    refused = api.call("PATCH", url, "creative_a", json=edit)  # main is for publishers
    assert refused.status_code == 403
    edited = api.ok("PATCH", url, "admin_a", json=edit)
    assert edited["commit_id"] and edited["tags"] == ["促销"] and edited["rejected_tags"] == ["transport/car"]
    assert "transport/car" not in edited["effective_tags"] and "促销" in edited["effective_tags"]
    commit = api.ok("GET", f"/v1/brands/{api.brand}/commits/{edited['commit_id']}")
    assert commit["meta"] == {"kind": "tags"}
    api.wait_indexed()
    assert "kv/car.png" not in api.paths(query="car", tags_all=["transport/car"])
    assert api.paths(query="促销") == ["kv/car.png"]
    detail = api.ok("GET", url, params={"path": "kv/car.png", "branch": "main"})
    by_id = {t["id"]: t for t in detail["tags"]}
    promo = by_id["促销"]
    assert (promo["source"], promo["score"], promo["rejected"]) == ("human", None, False)
    car = by_id["transport/car"]
    assert (car["source"], car["rejected"], car["name_zh"], car["name_en"]) == ("ai", True, "汽车", "car")
    assert 0 < car["score"] <= 1  # the tagger's confidence, kept with the AI tag
    assert detail["effective_tags"] == edited["effective_tags"] and detail["blob"]
    missing = api.call("GET", url, params={"path": "kv/nowhere.png", "branch": "main"})
    assert (missing.status_code, missing.json()["code"]) == (404, "not_indexed")
    again = api.ok("PATCH", url, "admin_a", json=edit)
    assert again["commit_id"] is None  # nothing changed, nothing committed

    job = api.ok("POST", "/v1/search/reindex", json={"brand_id": api.brand, "branch": "main", "full": True})
    assert job["job_id"]
    api.ok("GET", f"/v1/jobs/{job['job_id']}", "operator")
    _wait_job(api, job["job_id"])
    assert "kv/car.png" not in api.paths(query="car", tags_all=["transport/car"])
    assert api.paths(query="促销") == ["kv/car.png"]


def _wait_job(api: Api, job_id: str) -> dict[str, Any]:
    deadline = time.monotonic() + 30
    while True:
        job: dict[str, Any] = api.ok("GET", f"/v1/jobs/{job_id}", "operator")
        if job["status"] in ("succeeded", "failed", "cancelled"):
            assert job["status"] == "succeeded", job
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


# -- custom tags by example --------------------------------------------------------------------------


def test_custom_tag_learned_from_examples_tags_the_lookalikes(api: Api) -> None:
    mugs = [picture((96 + 4 * i, 60 + 2 * i, 30), "bars", size=(320 + 8 * i, 240 + 6 * i)) for i in range(4)]
    shas = [api.blob(encode(mug)) for mug in mugs]
    api.commit("main", [put(f"mugs/mug-{i}.png", sha) for i, sha in enumerate(shas)], actor="admin_a")
    api.wait_indexed()
    url = f"/v1/brands/{api.brand}/custom-tags"
    body = {
        "name_zh": "招牌杯",
        "name_en": "Signature Mug",
        "examples": [f"mugs/mug-{i}.png" for i in range(3)],
    }
    assert api.call("POST", url, "creative_a", json=body).status_code == 403
    few = api.call("POST", url, "admin_a", json={**body, "examples": body["examples"][:2]})
    assert few.status_code == 422
    missing = api.call(
        "POST", url, "admin_a", json={**body, "examples": ["mugs/mug-0.png", "nope.png", "x.png"]}
    )
    assert missing.status_code == 422 and missing.json()["code"] == "examples_not_indexed"
    created = api.ok("POST", url, "admin_a", json=body)
    assert created["id"] == "brand:signature-mug" and created["job_id"]
    assert created["threshold"] <= min(created["example_scores"])
    assert api.call("POST", url, "admin_a", json=body).json()["code"] == "custom_tag_exists"
    _wait_job(api, created["job_id"])
    tagged = api.paths(query="mug", tags_all=["brand:signature-mug"], limit=50)
    assert {f"mugs/mug-{i}.png" for i in range(4)} <= set(tagged)
    assert not {"kv/beach.png", "kv/lipstick.png", "kv/car.png"} & set(tagged)
    assert set(api.paths(query="招牌杯", limit=50)) >= {f"mugs/mug-{i}.png" for i in range(4)}
    assert [t["id"] for t in api.ok("GET", url)] == ["brand:signature-mug"]

    assert api.call("DELETE", f"{url}/brand:signature-mug", "admin_a").status_code == 204
    jobs = api.ok("GET", "/v1/jobs", "operator", params={"limit": 200})["items"]
    latest = max((j for j in jobs if j["kind"] == "custom_tag"), key=lambda j: j["id"])
    _wait_job(api, latest["id"])
    assert api.paths(query="mug", tags_all=["brand:signature-mug"]) == []
    assert api.call("DELETE", f"{url}/brand:signature-mug", "admin_a").status_code == 404


# -- tenancy and bad input ---------------------------------------------------------------------------


def test_other_brands_see_nothing(api: Api) -> None:
    for actor in ("creative_b", "agency_y_creative"):
        denied = api.call("POST", "/v1/search", actor, json={"brand_id": api.brand, "query": "coffee"})
        assert denied.status_code == 404, actor
        assert api.call("GET", f"/v1/brands/{api.brand}/duplicates", actor).status_code == 404
        assert (
            api.call(
                "GET", f"/v1/brands/{api.brand}/asset-usage", actor, params={"path": "kv/coffee.png"}
            ).status_code
            == 404
        )
        probe = {"brand_id": api.brand, "image": {"path": "kv/coffee.png"}}
        assert api.call("POST", "/v1/search/duplicates", actor, json=probe).status_code == 404
    brand_b = api.world.ids["brand_b"]
    sha = api.blob(encode(picture(BROWN, "circle", seed=9)), brand="brand_b", actor="creative_b")
    api.commit("main", [put("b/coffee.png", sha)], brand="brand_b", actor="admin_b")
    api.wait_indexed(brand="brand_b")
    theirs = api.ok("POST", "/v1/search", "creative_b", json={"brand_id": brand_b, "query": "coffee"})
    assert [h["path"] for h in theirs["hits"]] == ["b/coffee.png"]
    mine = api.paths(query="coffee", limit=100)
    assert "b/coffee.png" not in mine
    # brand B's image is a near-duplicate of A's coffee picture, but A's check never sees it
    check = {
        "brand_id": api.brand,
        "image": base64.b64encode(encode(picture(BROWN, "circle", seed=9))).decode(),
    }
    assert "b/coffee.png" not in {
        m["path"] for m in api.ok("POST", "/v1/search/duplicates", json=check)["matches"]
    }


def test_bad_input_is_refused_with_codes(api: Api) -> None:
    def refused(body: dict[str, Any], code: str) -> None:
        response = api.call("POST", "/v1/search", json={"brand_id": api.brand, **body})
        assert response.status_code == 422, response.text
        assert response.json()["code"] == code, response.json()

    refused({}, "empty_query")
    refused({"query": "   "}, "empty_query")
    refused({"query": "coffee", "limit": 101}, "validation_error")
    refused({"image": base64.b64encode(b"not an image at all").decode()}, "not_an_image")
    refused({"image": "***"}, "invalid_base64")
    refused({"image": base64.b64encode(encode(picture(RED, "rect"))[:80]).decode()}, "corrupt_image")
    refused({"image": {"path": "copy/latte.txt"}}, "not_an_image")
    missing = api.call("POST", "/v1/search", json={"brand_id": api.brand, "image": {"path": "nope.png"}})
    assert missing.status_code == 404
    assert api.call("GET", "/v1/search", params={"brand_id": api.brand}).json()["code"] == "empty_query"
    assert (
        api.call("POST", "/v1/search/reindex", json={"brand_id": api.brand, "branch": "nope"}).status_code
        == 404
    )


# -- PostgreSQL --------------------------------------------------------------------------------------


@pytest.mark.parametrize("db_url", ["postgresql"], indirect=True)
def test_index_and_search_on_postgresql(db_url: str, tmp_path: Any) -> None:
    settings = make_settings(db_url, tmp_path / "var", search={"auto_index": True, "ocr_on_index": False})
    gateway = FakeGateway()
    app = create_app(settings, gateway)
    with TestClient(app, raise_server_exceptions=False) as client:
        api = Api(client, build_world(app.state.session_factory, settings), gateway)
        coffee = picture(BROWN, "circle")
        shas = [api.blob(encode(coffee)), api.blob(encode(picture(BLUE, "rect")))]
        copy = api.blob("醇香咖啡".encode(), "text/plain; charset=utf-8")
        changes = [put("a/coffee.png", shas[0]), put("a/sea.png", shas[1]), put("a/copy.txt", copy)]
        api.commit("main", [*changes, put("b/coffee.png", shas[0])], actor="admin_a")
        api.wait_indexed()
        assert set(api.paths(query="coffee")[:3]) == {"a/coffee.png", "b/coffee.png", "a/copy.txt"}
        assert api.paths(image={"path": "a/coffee.png"}, kinds=["image"])[0] == "b/coffee.png"
        edit = {"path": "a/sea.png", "add": ["夏日"], "remove": ["outdoor/beach"]}
        assert api.ok("PATCH", f"/v1/brands/{api.brand}/asset-tags", "admin_a", json=edit)["commit_id"]
        api.wait_indexed()
        assert api.paths(query="夏日") == ["a/sea.png"]
        clusters = api.ok("GET", f"/v1/brands/{api.brand}/duplicates")["clusters"]
        assert clusters[0]["paths"] == ["a/coffee.png", "b/coffee.png"]


def test_an_off_centre_crop_is_found_by_keypoints(api: Api) -> None:
    """Last in the module: it adds a branch the usage and cluster tests above do not expect."""
    cat = Image.fromarray(skimage.data.chelsea()).convert("RGB")
    api.ok("POST", f"/v1/brands/{api.brand}/branches", "admin_a", json={"name": "photos"})
    api.commit("photos", [put("photos/cat.png", api.blob(encode(cat)))], actor="admin_a")
    api.wait_indexed("photos")
    w, h = cat.size
    shifted = cat.crop((round(w * 0.25), round(h * 0.05), round(w * 0.95), round(h * 0.75)))
    report = api.ok(
        "POST",
        "/v1/search/duplicates",
        json={
            "brand_id": api.brand,
            "branch": "photos",
            "image": base64.b64encode(encode(shifted, "JPEG")).decode(),
        },
    )
    found = {m["path"]: m for m in report["matches"]}
    assert "photos/cat.png" in found, report
    assert "keypoints" in found["photos/cat.png"]["reasons"]  # the hashes and the cosine miss this crop
    assert not any(path.startswith("kv/") for path in found)
