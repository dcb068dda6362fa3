"""The ``video`` job cancelled while ffmpeg renders, and given bad or awkward footage, through the REST
API, the real job runner and the real renderer: clear coded errors or a graceful fallback, and nothing
left behind (no half-written video, no temporary objects or files)."""

from __future__ import annotations

import os
import random
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.video.probe import probe_footage
from pipelines.video.runner import ffmpeg_exe
from serving.db import upgrade
from tests.e2e.procs import alive, descendants
from tests.footage import shared_sample_footage
from tests.integration.jobhelpers import event_types, wait_for
from tests.integration.videohelpers import (
    Media,
    VideoApi,
    damage,
    make_media,
    pacing_ffmpeg,
    upload_media,
    video_api,
)

BASE: dict[str, Any] = {"preset": "douyin", "scale": 0.2, "n": 1, "seed": 2, "use_brand_kit": False}
FOOTAGE = ["footage/scenes_a.mp4", "footage/scenes_b.mp4", "footage/face.mp4"]
SCRIPT = ["夏天到了，防晒跟上了吗？", "清透防晒乳，轻薄不油腻。"]
AWKWARD = ["footage/vfr.mp4", "footage/odd.mp4", "footage/scenes_b.mp4"]  # VFR, 361×641 yuv444p, silent


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VideoApi]:
    folder = tmp_path_factory.mktemp("video-failures")
    samples = shared_sample_footage(tmp_path_factory, long_side=320)
    media: Media = make_media(tmp_path_factory.getbasetemp() / "video-job-media", samples)
    upgrade(f"sqlite:///{folder / 'atelier.db'}")
    client, api = video_api(folder)
    with client:
        upload_media(api, media)
        whole = Path(media.samples.clip("scenes_a").path).read_bytes()
        # storage damage; seeded: now and then unseeded noise reads to ffprobe as a stream with no duration
        noise = random.Random(20261128).randbytes(len(whole))
        damage(api, "footage/damaged.mp4", whole + b"\0", noise)
        yield api


@pytest.fixture
def paced_ffmpeg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Renders use an ffmpeg whose video step runs in real time (see ``pacing_ffmpeg``)."""
    script = pacing_ffmpeg(tmp_path)
    monkeypatch.setenv("ATELIER_FFMPEG", str(script))
    ffmpeg_exe.cache_clear()
    yield
    monkeypatch.undo()
    ffmpeg_exe.cache_clear()


def _video_step() -> int | None:
    """The ffmpeg of a render's video step, if one is running under this process."""
    found = [pid for pid, cmd in descendants(os.getpid()).items() if ".video.part.mp4" in cmd]
    return found[0] if found else None


def test_cancel_while_rendering_stops_ffmpeg_and_leaves_nothing(api: VideoApi, paced_ffmpeg: None) -> None:
    created = api.submit("video", {**BASE, "footage": FOOTAGE, "script": SCRIPT})
    assert created.status_code == 201, created.text
    job_id = created.json()["id"]
    ffmpeg = wait_for(_video_step, timeout=120, interval=0.05)
    factory = api.app.state.session_factory
    wait_for(lambda: ("progress", "video") in _steps(event_types(factory, job_id)), timeout=10)
    assert alive([ffmpeg])  # the paced video step lasts as long as the video (~5 s)
    assert api.call("POST", f"/v1/jobs/{job_id}/cancel").status_code in (200, 202)
    asked = time.monotonic()
    job = wait_for(lambda: api.finished(job_id), timeout=30, interval=0.05)
    assert job["status"] == "cancelled", job
    assert wait_for(lambda: not alive([ffmpeg]), timeout=5)
    assert time.monotonic() - asked < 10
    call = next(c for c in api.gateway.video_calls if c.job_id == job_id.lower())
    assert not api.objects.exists(call.video_key) and not api.objects.exists(call.cover_key)
    steps = api.worker.work_root / job_id.lower() / "00" / "steps"
    assert not (steps / "video.mp4").exists() and (steps / "audio.m4a").is_file()  # kept: only whole steps
    assert api.videos(job_id) == [] and api.job_files(job_id) == []
    assert event_types(factory, job_id)[-1] == ("status", {"status": "cancelled"})


def _steps(events: list[tuple[str, dict[str, Any]]]) -> set[tuple[str, Any]]:
    return {(kind, data.get("step")) for kind, data in events}


def _failed(api: VideoApi, brief: dict[str, Any], code: str) -> dict[str, Any]:
    job = api.run("video", {**BASE, **brief}, timeout=120)
    assert job["status"] == "failed", job
    assert job["error"]["code"] == code, job["error"]
    assert api.videos(job["id"]) == [] and api.job_files(job["id"]) == []
    return job


def test_corrupt_footage_fails_with_its_code_naming_the_file(api: VideoApi) -> None:
    job = _failed(api, {"footage": [*FOOTAGE, "footage/damaged.mp4"], "script": SCRIPT}, "corrupt_file")
    assert "footage[3] (footage/damaged.mp4)" in job["error"]["detail"]
    assert all(c.job_id != job["id"].lower() for c in api.gateway.video_calls)  # refused before rendering


def test_footage_shorter_than_the_script_fails_and_leaves_no_temporary_files(api: VideoApi) -> None:
    script = [*SCRIPT, "海边出游一整天，也不怕晒黑晒伤。", "现在下单，还送旅行装。"]
    job = _failed(api, {"footage": ["footage/vfr.mp4"], "script": script}, "footage_too_short")
    assert "footage too short for the script" in job["error"]["detail"]  # the voice was made and dropped


def test_silent_footage_and_no_script_with_a_voice_has_nothing_to_say(api: VideoApi) -> None:
    job = _failed(api, {"footage": AWKWARD}, "no_script")
    assert "no speech found in the footage" in job["error"]["detail"]


def test_vfr_odd_sized_and_silent_footage_render_without_words(api: VideoApi, tmp_path: Path) -> None:
    brief = {**BASE, "footage": AWKWARD, "voice": "none", "duration": 4.0, "preset": "bilibili", "scale": 0.1}
    job = api.run("video", brief, timeout=120)
    assert job["status"] == "succeeded", job
    info = probe_footage(api.download(job, tmp_path / "remix.mp4"))
    assert (info.codec, info.width, info.height, info.variable_frame_rate) == ("h264", 192, 108, False)
    assert info.audio_codec == "aac" and info.duration == pytest.approx(4.0, abs=0.2)
    params = api.lineage(job)["generation"]["params"]
    assert {c["path"] for c in params["clips"]} <= set(AWKWARD)
    assert {c["fit"] for c in params["clips"]} == {"fill"}  # portrait in landscape: a blurred fill, tiny
    assert params["script_source"] == "none" and params.get("subtitles") is None  # no speech to hear
    assert api.job_files(job["id"]) == []
