"""The ``video`` job through the REST API with the FakeGateway (the real renderer behind it: ffmpeg on
the CPU at a fifth of the Douyin size): generated footage, espeak-ng voice, music and the brand kit's
logo → two variants stored as H.264/AAC MP4s with covers and lineage; bad briefs; corrupt footage and a
cancelled render fail or cancel the job with nothing committed."""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image

from asset_store.blobs import blob_key
from asset_store.objects.protocol import ObjectStore
from pipelines.video.probe import probe_footage
from serving.api import create_app
from serving.db import upgrade
from serving.deployments.video import VideoDeployment
from serving.gateway.ray_serve import RayServeGateway
from serving.gateway.video_models import VideoWorker
from serving.generation.video_job import temp_prefix
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.footage import shared_sample_footage
from tests.integration.test_poster_generation import Api, _png, logo
from tests.world import build_world

VI = """\
brand: acme
version: "1"
palette:
  - {name: 中国红, hex: "#E60012"}
logos:
  - {path: brand/logo.png, min_width_ratio: 0.05}
"""
SCRIPT = ["夏天到了，防晒跟上了吗？", "清透防晒乳，轻薄不油腻。"]
FOOTAGE = ["footage/scenes_a.mp4", "footage/scenes_b.mp4", "footage/face.mp4"]
BRIEF: dict[str, Any] = {
    "footage": FOOTAGE,
    "script": SCRIPT,
    "music": "audio/music.wav",
    "preset": "douyin",
    "scale": 0.2,
    "n": 2,
    "seed": 3,
    "speech_rate": 1.3,
    "hook_text": "夏日防晒",
    "cta_text": "立即购买",
}


class VideoApi(Api):
    objects: ObjectStore


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VideoApi]:
    folder = tmp_path_factory.mktemp("video-jobs")
    url = f"sqlite:///{folder / 'atelier.db'}"
    upgrade(url)
    gateway = FakeGateway()
    app = create_app(make_settings(url, folder / "var"), gateway)
    with TestClient(app, raise_server_exceptions=False) as client:
        gateway.videos = VideoWorker(app.state.assets.objects, folder / "video-work")
        api = VideoApi(client, build_world(app.state.session_factory, app.state.settings), gateway)
        api.objects = app.state.assets.objects
        api.put("brand/vi.yaml", VI.encode(), "brand_kit", "application/yaml")
        api.put("brand/logo.png", _png(logo()), "image", "image/png")
        samples = shared_sample_footage(tmp_path_factory, long_side=320)
        for path in FOOTAGE:
            api.put(path, Path(samples.clip(Path(path).stem).path).read_bytes(), "video", "video/mp4")
        api.put("audio/music.wav", Path(samples.music).read_bytes(), "audio", "audio/wav")
        # Uploads refuse corrupt media, so the stored bytes of a valid upload go bad (storage damage).
        whole = Path(samples.clip("vfr").path).read_bytes()
        api.put("footage/broken.mp4", whole, "video", "video/mp4")
        key = blob_key(hashlib.sha256(whole).hexdigest())
        app.state.assets.objects.put_bytes(key, whole[: len(whole) * 2 // 3], "video/mp4")
        yield api


def _videos(api: VideoApi, branch: str) -> list[str]:
    response = api.call("GET", f"/v1/brands/{api.brand}/assets", params={"ref": branch, "prefix": "videos/"})
    if response.status_code == 404:
        return []
    assert response.status_code == 200, response.text
    return [a["path"] for a in response.json()["items"]]


def test_two_variants_are_rendered_and_stored_with_lineage(api: VideoApi, tmp_path: Path) -> None:
    began = time.monotonic()
    job = api.run("video", BRIEF, timeout=120)
    assert job["status"] == "succeeded", job
    result = job["result"]
    branch = result["assets"]["branch"]
    assert sorted(result["assets"]["paths"]) == sorted(
        f"videos/{job['id'].lower()}/{n:02d}.{ext}" for n in (1, 2) for ext in ("mp4", "jpg")
    )
    sequences = []
    for video in result["videos"]:
        stem = f"videos/{job['id'].lower()}/{video['variant'] + 1:02d}"
        local = tmp_path / f"{video['variant']}.mp4"
        local.write_bytes(api.raw(f"{stem}.mp4", branch))
        info = probe_footage(local)
        assert (info.codec, info.audio_codec, info.width, info.height) == ("h264", "aac", 216, 384)
        assert abs(info.duration - video["duration"]) < 0.2, (info.duration, video)
        asset = api.asset(f"{stem}.mp4", branch)
        assert asset["kind"] == "video"
        lineage = asset["metadata"]["lineage"]
        params = lineage["generation"]["params"]
        assert params["plan_digest"] == video["plan_digest"] and params["music"]["path"] == "audio/music.wav"
        assert params["voice"].startswith("espeak") and lineage["generation"]["prompt"] == "\n".join(SCRIPT)
        relations = {(d["path"], d["relation"]) for d in lineage["derived_from"]}
        assert ("audio/music.wav", "music") in relations and ("brand/logo.png", "logo") in relations
        clips = params["clips"]
        assert {c["path"] for c in clips} <= {p for p, r in relations if r == "footage"}
        assert all(0 <= c["in"] < c["out"] for c in clips)
        sequences.append([(c["path"], c["shot"]) for c in clips])
        cover = api.asset(f"{stem}.jpg", branch)
        assert cover["kind"] == "image"
        local.with_suffix(".jpg").write_bytes(api.raw(f"{stem}.jpg", branch))
        assert Image.open(local.with_suffix(".jpg")).size == (216, 384)
    assert sequences[0] != sequences[1]
    assert not list(api.objects.list_keys(temp_prefix(job["id"])))
    assert time.monotonic() - began < 60


def test_a_copy_variant_is_the_script_and_is_linked_in_lineage(api: VideoApi) -> None:
    text = "防晒新品上市。清透不油腻，海边也安心。"
    api.put("copy/summer.txt", text.encode(), "copy", "text/plain; charset=utf-8")
    brief = {k: v for k, v in BRIEF.items() if k not in ("script", "music")}
    job = api.run("video", {**brief, "copy_asset": "copy/summer.txt", "n": 1}, timeout=120)
    assert job["status"] == "succeeded", job
    path = job["result"]["assets"]["paths"][0]
    lineage = api.asset(path, job["result"]["assets"]["branch"])["metadata"]["lineage"]
    assert ("copy/summer.txt", "script") in {(d["path"], d["relation"]) for d in lineage["derived_from"]}
    spoken = lineage["generation"]["prompt"].replace("\n", "")
    assert spoken.replace("，", "").replace("。", "") == text.replace("，", "").replace("。", "")


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ({"preset": "tiktok"}, "douyin"),
        ({"n": 21}, "n"),
        ({"footage": []}, "footage"),
        ({"copy_asset": "copy/x.txt"}, "not both"),
        ({"script": None, "voice": "tts", "auto_subtitles": False}, "script"),
    ],
)
def test_bad_briefs_are_refused_naming_the_field(api: VideoApi, change: dict[str, Any], words: str) -> None:
    response = api.submit("video", {**BRIEF, **change})
    assert response.status_code == 422, response.text
    assert response.json()["code"] == "invalid_brief" and words in response.text


def test_corrupt_footage_fails_the_job_with_its_code_and_commits_nothing(api: VideoApi) -> None:
    job = api.run("video", {**BRIEF, "footage": [*FOOTAGE, "footage/broken.mp4"]}, timeout=60)
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "truncated_file" and "footage/broken.mp4" in job["error"]["detail"]
    assert _videos(api, f"generations/{job['id'].lower()}") == []


def test_a_cancelled_render_commits_nothing(api: VideoApi) -> None:
    created = api.submit("video", {**BRIEF, "n": 2, "seed": 11})
    assert created.status_code == 201, created.text
    job_id = created.json()["id"]
    deadline = time.monotonic() + 60
    while not api.gateway.video_calls or api.gateway.video_calls[-1].job_id != job_id.lower():
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert api.call("POST", f"/v1/jobs/{job_id}/cancel").status_code in (200, 202)
    while (job := api.call("GET", f"/v1/jobs/{job_id}").json())["status"] not in (
        "succeeded",
        "failed",
        "cancelled",
    ):
        assert time.monotonic() < deadline
        time.sleep(0.05)
    assert job["status"] == "cancelled", job
    assert _videos(api, f"generations/{job_id.lower()}") == []
    assert not list(api.objects.list_keys(temp_prefix(job_id)))


class _StreamHandle:
    """Stands in for a Ray Serve handle: ``options(stream=True).render.remote(payload)`` streams."""

    def __init__(self, deployment: VideoDeployment) -> None:
        self.deployment = deployment
        self.render = self

    def options(self, **_: Any) -> _StreamHandle:
        return self

    def remote(self, payload: dict[str, Any]) -> Any:
        return self.deployment.render(payload)


def test_the_deployment_streams_progress_and_the_ray_gateway_reads_its_reply(api: VideoApi) -> None:
    call = next(c for c in api.gateway.video_calls if c.music is not None)
    gone = call.model_copy(update={"job_id": "deploytest"})  # the job dropped its voice after its commit
    assert VideoWorker.render(api.gateway.videos, gone).error == "input_not_found"
    keys = {"job_id": "deploytest", "voice": None, "subtitles": None, "video_key": "tmp/t/v.mp4"}
    call = call.model_copy(update={**keys, "cover_key": "tmp/t/c.jpg"})
    deployment = VideoDeployment.__new__(VideoDeployment)
    deployment._worker = api.gateway.videos
    steps: list[str] = []
    gateway = RayServeGateway(None, video_handle=_StreamHandle(deployment))
    reply = asyncio.run(gateway.render_video(call, lambda step, _: steps.append(step)))
    assert reply.error is None and reply.video_key == "tmp/t/v.mp4", reply
    assert api.objects.exists("tmp/t/v.mp4") and api.objects.exists("tmp/t/c.jpg")
    assert {"audio", "video", "mux"} <= set(steps)
