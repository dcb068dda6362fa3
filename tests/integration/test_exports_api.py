"""Exports through the REST API with the real job runner, on SQLite and PostgreSQL: a poster made by the
poster job and a small video, reviewed and brand-approved, exported to eight placements (two of which
share one video encode) → renditions stored with lineage, a manifest (asset + job result) with working
presigned URLs and checksums, fitted copy, and ``asset.exported`` events in the export's transaction.
Versions that are not brand-approved are refused with a 409 problem, or fail the job, with nothing
stored."""

from __future__ import annotations

import hashlib
import io
import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from PIL import Image
from sqlalchemy import select

from pipelines.video.probe import probe_footage
from serving.api import create_app
from serving.db import read_only_factory, transaction
from serving.reviews.models import ReviewItem
from serving.settings import Settings
from tests.fakes.gateway import FakeGateway
from tests.integration.reviewhelpers import Desk, desk, review_settings
from tests.integration.test_poster_generation import _png, logo

VI = """\
brand: acme
version: "1"
palette:
  - {name: 中国红, hex: "#E60012"}
  - {name: 深蓝, hex: "#1F3A93"}
  - {name: 金黄, hex: "#FFC72C"}
logos:
  - {path: brand/logo.png, min_width_ratio: 0.05}
"""
COPY = {
    "headline": "夏日清凉新品上市 清透防晒乳限时尝鲜",
    "subhead": "植物萃取 温和不刺激",
    "selling_points": ["24小时长效保湿", "0酒精 0香精"],
    "cta": "立即抢购",
}
IMAGES = [
    "taobao.main_image",
    "wechat_official.cover_main",
    "xiaohongshu.note_cover_3x4",
    "wechat_moments.image_square",
    "douyin.feed_cover",
]
VIDEOS = ["douyin.feed_video", "kuaishou.feed_video", "wechat_moments.video"]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return review_settings(db_url, tmp_path / "var")


@pytest.fixture
def app(settings: Settings) -> FastAPI:
    return create_app(settings, FakeGateway())


@pytest.fixture
def d(app: FastAPI, settings: Settings) -> Iterator[Desk]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield desk(app, client, settings)


@pytest.fixture(scope="module")
def clip(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    """4 s of 270×480 test pattern with a tone (small: the review's AI check reads its frames)."""
    path = tmp_path_factory.mktemp("clip") / "clip.mp4"
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-f", "lavfi", "-i", "testsrc2=s=270x480:r=30:d=4", "-f", "lavfi",
         "-i", "sine=f=440:d=4", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p",
         "-c:a", "aac", "-shortest", str(path)],
        check=True,
        timeout=60,
    )  # fmt: skip
    return path.read_bytes()


def _put(d: Desk, actor: str, branch: str, path: str, data: bytes, kind: str, content_type: str) -> None:
    headers = {"Content-Type": content_type}
    upload = d.call(actor, "POST", f"/v1/brands/{d.brand}/blobs?kind={kind}", content=data, headers=headers)
    assert upload.status_code in (200, 201), upload.text
    change = {"op": "put", "path": path, "blob": upload.json()["sha256"]}
    body = {"branch": branch, "message": path, "changes": [change]}
    d.ok(actor, "POST", f"/v1/brands/{d.brand}/commits", 201, json=body)


def _job(d: Desk, job_id: str, timeout: float = 120) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        job: dict[str, Any] = d.ok("creative_a", "GET", f"/v1/jobs/{job_id}")
        if job["status"] in ("succeeded", "failed", "cancelled"):
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.1)


def _campaign(d: Desk, clip: bytes) -> tuple[str, str, str]:
    """A poster (the poster job) and a video on a campaign branch; returns (branch, poster, video)."""
    _put(d, "admin_a", "main", "brand/vi.yaml", VI.encode(), "brand_kit", "application/yaml")
    _put(d, "admin_a", "main", "brand/logo.png", _png(logo()), "image", "image/png")
    brief = {"copies": [COPY], "n": 1, "sizes": ["taobao"], "seed": 3, "qr_url": "https://example.com/p"}
    made = d.ok(
        "creative_a",
        "POST",
        "/v1/generations",
        201,
        json={"brand_id": d.brand, "kind": "poster", "brief": brief},
    )
    job = _job(d, made["id"])
    assert job["status"] == "succeeded", job
    branch = job["result"]["assets"]["branch"]
    poster = next(p for p in job["result"]["assets"]["paths"] if p.endswith(".png"))
    _put(d, "creative_a", branch, "videos/summer.mp4", clip, "video", "video/mp4")
    return branch, poster, "videos/summer.mp4"


def _wait_checked(d: Desk, item_ids: list[str], timeout: float = 240) -> None:
    """Wait for the AI level through a read-only session: on SQLite the check holds the write lock while
    it reads the pixels, and API requests (which write) would queue behind it."""
    readers = read_only_factory(d.app.state.session_factory)
    deadline = time.monotonic() + timeout
    while True:
        with transaction(readers) as session:
            states = session.scalars(select(ReviewItem.state).where(ReviewItem.id.in_(item_ids))).all()
        if len(states) == len(item_ids) and "submitted" not in states:
            return
        assert time.monotonic() < deadline, states
        time.sleep(0.25)


def _approve(d: Desk, branch: str, paths: list[str]) -> None:
    items = d.submit("creative_a", branch, paths)
    _wait_checked(d, [i["id"] for i in items])
    for item in items:
        item = d.item("creative_a", item["id"])
        override = {"reason": "test fixture: findings reviewed"} if item["open_blocking"] else None
        decided = d.decide("reviewer_a", item["id"], "approve", override=override)
        assert decided["state"] == "brand_approved"


def _fetch(d: Desk, url: str) -> bytes:
    parts = urlsplit(url)
    response = d.client.get(f"{parts.path}?{parts.query}" if parts.query else parts.path)
    assert response.status_code == 200, (url, response.status_code)
    return response.content


def _export(d: Desk, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST the export, wait for its job; (the 201 body, the finished job)."""
    created = d.call("creative_a", "POST", f"/v1/brands/{d.brand}/exports", json=body)
    assert created.status_code == 201, created.text
    accepted: dict[str, Any] = created.json()
    return accepted, _job(d, accepted["job"]["id"])


def _check_pictures(d: Desk, entries: dict[str, dict[str, Any]], poster: str) -> None:
    for placement in IMAGES:
        e = entries[placement]
        data = _fetch(d, e["file"]["url"])
        assert hashlib.sha256(data).hexdigest() == e["file"]["sha256"] and len(data) == e["file"]["bytes"]
        with Image.open(io.BytesIO(data)) as picture:
            assert (picture.format, picture.size) == ("JPEG", (e["width"], e["height"]))
        assert e["status"] == "ok" and e["source"]["path"] == poster and e["fit"] in ("scale", "crop", "pad")
        assert not [f for f in e["findings"] if f["severity"] == "block"]
    sizes = {
        p: (entries[p]["width"], entries[p]["height"]) for p in ("taobao.main_image", "douyin.feed_cover")
    }
    assert sizes == {"taobao.main_image": (800, 800), "douyin.feed_cover": (1080, 1920)}
    assert entries["wechat_moments.image_square"]["file"]["bytes"] <= 0.3 * 2**20
    xhs = entries["xiaohongshu.note_cover_3x4"]
    assert xhs["title"] == COPY["headline"] and len(xhs["title"]) <= 20  # the poster's headline fits
    assert xhs["caption"].startswith("植物萃取 温和不刺激，24小时长效保湿，0酒精 0香精，立即抢购")
    assert xhs["hashtags"] == ["#夏日好物", "#防晒"] and xhs["caption"].endswith("#夏日好物 #防晒")
    assert len(entries["wechat_moments.image_square"]["caption"]) <= 40


def _check_videos(d: Desk, entries: dict[str, dict[str, Any]], folder: Path) -> None:
    douyin, kuaishou = entries["douyin.feed_video"], entries["kuaishou.feed_video"]
    assert douyin["file"]["sha256"] == kuaishou["file"]["sha256"]  # one encode served both
    for placement, size, seconds in (
        ("douyin.feed_video", (1080, 1920), 5.0),
        ("wechat_moments.video", (720, 1280), 6.0),
    ):
        e = entries[placement]
        local = folder / f"{placement}.mp4"
        local.write_bytes(_fetch(d, e["file"]["url"]))
        info = probe_footage(local)
        assert (info.codec, info.audio_codec, (info.width, info.height)) == ("h264", "aac", size)
        assert abs(info.duration - seconds) < 0.15  # 4 s of footage held on its last frame to the minimum
        assert e["duration_s"] == pytest.approx(info.duration, abs=0.01)
        with Image.open(io.BytesIO(_fetch(d, e["cover"]["url"]))) as cover:
            assert cover.size == size


def test_an_approved_poster_and_video_are_exported_with_manifest_lineage_and_events(
    d: Desk, clip: bytes, tmp_path: Path
) -> None:
    branch, poster, video = _campaign(d, clip)
    _approve(d, branch, [poster, video])
    body = {
        "ref": branch,
        "paths": [poster, video],
        "placements": IMAGES + VIDEOS,
        "hashtags": ["夏日好物", "防晒"],
        "x264_preset": "ultrafast",
    }
    accepted, job = _export(d, body)
    assert accepted["renditions_planned"] == 8 and sorted(accepted["placements"]) == sorted(IMAGES + VIDEOS)
    assert [s["path"] for s in accepted["sources"]] == [poster, video]
    assert job["status"] == "succeeded", job
    result, job_id = job["result"], job["id"]
    manifest, stored = result["manifest"], result["assets"]
    summary = {k: v for k, v in result["summary"].items() if k != "bytes"}
    assert summary == {"ok": 8, "invalid": 0, "failed": 0, "skipped": 0, "video_encodes": 2}
    assert manifest["source_commit"] == accepted["commit_id"] and manifest["branch"] == stored["branch"]
    assert stored["branch"] == f"exports/{job_id.lower()}" and len(stored["paths"]) == 5 + 3 * 2 + 1
    entries = {e["placement"]: e for e in manifest["entries"]}
    assert sorted(entries) == sorted(IMAGES + VIDEOS)
    _check_pictures(d, entries, poster)
    _check_videos(d, entries, tmp_path)

    # the renditions are assets derived from the exact approved versions
    main_image = entries["taobao.main_image"]["file"]
    tree = f"/v1/brands/{d.brand}/tree/{main_image['path']}"
    asset = d.ok("creative_a", "GET", tree, params={"ref": stored["branch"]})
    metadata, source = asset["metadata"], accepted["sources"][0]
    link = {"path": poster, "commit": accepted["commit_id"], "blob": source["blob"], "relation": "rendition"}
    assert metadata["lineage"]["derived_from"] == [link] and asset["blob"] == main_image["sha256"]
    assert metadata["extra"]["placement"] == "taobao.main_image" and metadata["platforms"] == ["taobao"]
    assert metadata["lineage"]["generation"]["job_id"] == job_id
    raw = f"/v1/brands/{d.brand}/raw/exports/{job_id.lower()}/manifest.json"
    stored_manifest = d.client.get(raw, params={"ref": stored["branch"]}, headers=d.world.auth("creative_a"))
    assert json.loads(stored_manifest.content) == manifest
    fresh = d.ok("creative_a", "GET", f"/v1/brands/{d.brand}/exports/{job_id}/manifest")
    assert [e["file"]["sha256"] for e in fresh["entries"]] == [
        e["file"]["sha256"] for e in manifest["entries"]
    ]

    # one asset.exported event per source, written with the export commit
    events = d.events("admin_a", type_prefix="asset.exported")
    assert sorted(e["data"]["path"] for e in events) == sorted([poster, video])
    branches = d.ok("creative_a", "GET", f"/v1/brands/{d.brand}/branches")
    head = next(b["commit_id"] for b in branches if b["name"] == stored["branch"])
    for event in events:
        data = event["data"]
        assert event["subject_type"] == "asset" and data["commit_id"] == stored["commit_id"] == head
        assert data["job_id"] == job_id and data["manifest"] == f"exports/{job_id.lower()}/manifest.json"
        wanted = IMAGES if data["path"] == poster else VIDEOS
        assert sorted(r["placement"] for r in data["renditions"]) == sorted(wanted)


def _picture(colour: str) -> bytes:
    image = Image.new("RGB", (320, 480), colour)
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()


def test_exports_of_versions_that_are_not_brand_approved_are_refused(d: Desk) -> None:
    branch = "campaign/autumn"
    d.branch("creative_a", branch)
    for name, colour in (("new", "#E60012"), ("pending", "#1F3A93"), ("approved", "#FFC72C")):
        _put(d, "creative_a", branch, f"images/{name}.png", _picture(colour), "image", "image/png")
    url = f"/v1/brands/{d.brand}/exports"
    body = {"ref": branch, "paths": ["images/new.png"], "placements": ["taobao.main_image"]}

    def refused(paths: list[str]) -> list[tuple[str, str]]:
        problem = d.refused("creative_a", "POST", url, 409, "not_approved", json={**body, "paths": paths})
        return [(v["path"], v["code"]) for v in problem["violations"]]

    assert refused(["images/new.png"]) == [("images/new.png", "not_reviewed")]
    (item,) = d.submit("creative_a", branch, ["images/pending.png"])
    _wait_checked(d, [item["id"]])
    assert refused(["images/pending.png"]) == [("images/pending.png", "review_pending")]
    d.decide("reviewer_a", item["id"], "reject", reason="off brief")
    assert refused(["images/pending.png"]) == [("images/pending.png", "not_approved")]
    # approved, then changed: the new bytes at the same path are not the approved version
    _approve(d, branch, ["images/approved.png"])
    _put(d, "creative_a", branch, "images/approved.png", _picture("#00A0E9"), "image", "image/png")
    assert refused(["images/approved.png", "images/new.png"]) == [
        ("images/approved.png", "not_reviewed"),
        ("images/new.png", "not_reviewed"),
    ]
    # the job itself checks too (a brief sent straight to /v1/generations)
    request = {"brand_id": d.brand, "kind": "export", "brief": body}
    made = d.ok("creative_a", "POST", "/v1/generations", 201, json=request)
    job = _job(d, made["id"])
    assert job["status"] == "failed" and job["error"]["code"] == "not_approved", job
    branches = {b["name"] for b in d.ok("creative_a", "GET", f"/v1/brands/{d.brand}/branches")}
    assert not [b for b in branches if b.startswith("exports/")]
    assert d.events("admin_a", type_prefix="asset.exported") == []
    jobs = d.ok("creative_a", "GET", "/v1/jobs", params={"kind": "export", "brand_id": d.brand})
    assert [j["id"] for j in jobs["items"]] == [made["id"]]  # the refused requests queued nothing
    manifest = f"/v1/brands/{d.brand}/exports/{made['id']}/manifest"
    assert d.refused("creative_a", "GET", manifest, 409, "export_not_ready")["job_status"] == "failed"


def test_placements_are_listed_and_bad_export_requests_are_refused(d: Desk) -> None:
    listed = d.ok("creative_a", "GET", "/v1/placements")
    assert len(listed["placements"]) >= 30 and len(listed["platforms"]) >= 15
    videos = d.ok("creative_a", "GET", "/v1/placements", params={"platform": "wechat", "kind": "video"})
    assert {p["id"] for p in videos["placements"]} == {"wechat_channels.feed_video", "wechat_moments.video"}
    url = f"/v1/brands/{d.brand}/exports"
    unknown = {"paths": ["a.png"], "placements": ["tiktok.feed"]}
    bad = d.refused("creative_a", "POST", url, 422, "validation_error", json=unknown)
    assert "unknown placement 'tiktok.feed'" in json.dumps(bad, ensure_ascii=False)
    d.refused("creative_a", "POST", url, 422, "validation_error", json={"placements": ["taobao.main_image"]})
    onto_main = {"paths": ["a.png"], "placements": ["taobao.main_image"], "branch": "main"}
    d.refused("creative_a", "POST", url, 422, "validation_error", json=onto_main)
    ok_body = {"paths": ["a.png"], "placements": ["taobao.main_image"]}
    d.refused("admin_b", "POST", url, 404, "not_found", json=ok_body)  # no grant at brand A: not revealed
    d.refused("agency_x_reviewer", "POST", url, 403, "forbidden", json=ok_body)  # a reviewer exports nothing
