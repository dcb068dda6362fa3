"""The ``video`` job's less travelled paths, through the REST API, the real job runner and the real
renderer (ffmpeg on the CPU, a fifth of the Douyin size): subtitles from the speech in the footage
(Whisper base), an uploaded voice-over, a render lost in transit and retried, an attempt interrupted
after its first variant and resumed by the runner from the checkpoint."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.video.music import decode_pcm
from pipelines.video.probe import probe_footage
from serving.db import upgrade
from tests.footage import shared_sample_footage
from tests.integration.jobhelpers import event_types, load_job, wait_for
from tests.integration.videohelpers import (
    SPOKEN,
    VOICE_LEAD_S,
    Media,
    VideoApi,
    make_media,
    rms_between,
    upload_media,
    video_api,
)

BASE: dict[str, Any] = {"preset": "douyin", "scale": 0.2, "n": 1, "seed": 1, "use_brand_kit": False}
FOOTAGE = ["footage/scenes_a.mp4", "footage/scenes_b.mp4", "footage/face.mp4"]
SCRIPT = ["夏天到了，防晒跟上了吗？", "清透防晒乳，轻薄不油腻。"]


@pytest.fixture(scope="module")
def media(tmp_path_factory: pytest.TempPathFactory) -> Media:
    samples = shared_sample_footage(tmp_path_factory, long_side=320)
    return make_media(tmp_path_factory.getbasetemp() / "video-job-media", samples)


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, media: Media) -> Iterator[VideoApi]:
    folder = tmp_path_factory.mktemp("video-paths")
    upgrade(f"sqlite:///{folder / 'atelier.db'}")
    client, api = video_api(folder)
    with client:
        upload_media(api, media)
        yield api


def _hanzi(text: str) -> set[str]:
    return set(_han_text(text))


def _han_text(text: str) -> str:
    """The Chinese characters of ``text``, in order (punctuation and line breaks left out)."""
    return "".join(ch for ch in text if "\u4e00" <= ch <= "\u9fff")


def _done(api: VideoApi, brief: dict[str, Any], timeout: float = 120) -> dict[str, Any]:
    job = api.run("video", {**BASE, **brief}, timeout=timeout)
    assert job["status"] == "succeeded", job
    assert api.job_files(job["id"]) == []
    return job


def test_subtitles_come_from_the_speech_in_the_footage(api: VideoApi) -> None:
    footage = ["footage/face.mp4", "footage/talk.mp4", "footage/scenes_b.mp4"]  # talk: the only speech
    job = _done(api, {"footage": footage, "speech_rate": 1.3})
    lineage = api.lineage(job)
    params = lineage["generation"]["params"]
    assert params["script_source"] == "asr:footage/talk.mp4"
    heard = lineage["generation"]["prompt"]
    assert len(_hanzi(heard) & _hanzi("".join(SPOKEN))) >= 5, heard  # espeak is robotic: a loose check
    cues = params["subtitles"]
    assert "".join(c["text"] for c in cues) == heard.replace("\n", "")
    assert cues[0]["start"] == 0.0 and all(
        a["end"] <= b["start"] + 1e-3 for a, b in zip(cues, cues[1:], strict=False)
    )
    assert abs(cues[-1]["end"] - job["result"]["videos"][0]["duration"]) < 0.5
    burned = api.worker.subtitles[job["id"].lower()]  # the ASS file the renderer burned in
    dialogue = "".join(line for line in burned.splitlines() if line.startswith("Dialogue:"))
    assert _han_text(dialogue) == _han_text(heard)
    assert params["voice"].startswith("espeak:")  # the heard words, spoken again over the new edit


def test_an_uploaded_voice_over_sets_the_length_and_the_subtitle_timing(
    api: VideoApi, media: Media, tmp_path: Path
) -> None:
    job = _done(api, {"footage": FOOTAGE, "script": SCRIPT, "voice": "audio/voice.m4a"})
    video = api.download(job, tmp_path / "remix.mp4")
    info = probe_footage(video)
    assert (info.width, info.height, info.audio_codec) == (216, 384, "aac")
    assert abs(info.duration - media.voice_duration) < 0.2, (info.duration, media.voice_duration)
    lineage = api.lineage(job)
    assert ("audio/voice.m4a", "voice") in {(d["path"], d["relation"]) for d in lineage["derived_from"]}
    params = lineage["generation"]["params"]
    assert params["voice"] == "upload:audio/voice.m4a" and params["script_source"] == "brief"
    cues = params["subtitles"]
    assert [c["text"] for c in cues] == SCRIPT
    assert abs(cues[0]["start"] - VOICE_LEAD_S) < 0.15  # the first cue waits for the voice
    assert abs(cues[-1]["end"] - media.speech_end) < 0.15
    sound = decode_pcm(video, 16000)  # the upload is the soundtrack: silent until its voice starts
    assert rms_between(sound, 16000, 0.0, 0.7) < 0.1 * rms_between(sound, 16000, 1.3, 3.0)


@pytest.mark.parametrize("auto_subtitles", [True, False])
def test_an_uploaded_voice_without_a_script(api: VideoApi, media: Media, auto_subtitles: bool) -> None:
    brief = {"footage": FOOTAGE, "voice": "audio/voice.m4a", "auto_subtitles": auto_subtitles}
    job = _done(api, brief)
    params = api.lineage(job)["generation"]["params"]
    assert abs(job["result"]["videos"][0]["duration"] - media.voice_duration) < 0.1
    if not auto_subtitles:  # the voice plays, with no subtitles
        assert params.get("subtitles") is None and params["script_source"] == "none"
        assert params["voice"] == "upload:audio/voice.m4a"
        assert job["id"].lower() not in api.worker.subtitles
        return
    assert (
        params["voice"] == "upload:audio/voice.m4a:asr" and params["script_source"] == "asr:audio/voice.m4a"
    )
    cues = params["subtitles"]
    assert len(_hanzi("".join(c["text"] for c in cues)) & _hanzi("".join(SPOKEN))) >= 5, cues
    assert VOICE_LEAD_S - 0.25 <= cues[0]["start"] <= VOICE_LEAD_S + 0.3  # timed by Whisper
    assert cues[-1]["end"] <= media.voice_duration + 0.1


def test_a_render_lost_in_transit_is_retried_and_resumes_its_steps(api: VideoApi) -> None:
    api.worker.lose = (1, ConnectionError("the video replica died"))
    job = _done(api, {"footage": FOOTAGE, "script": SCRIPT, "n": 2, "seed": 4})
    calls = [c.variant for c in api.gateway.video_calls if c.job_id == job["id"].lower()]
    assert calls == [0, 1, 1]  # the first variant was not rendered again
    first, second = job["result"]["videos"]
    assert first["resumed_steps"] == [] and second["resumed_steps"] == ["cards", "audio"]
    assert not first["from_checkpoint"] and not second["from_checkpoint"]
    events = event_types(api.app.state.session_factory, job["id"])
    retries = [d for t, d in events if t == "progress" and "retry_in" in d]
    assert len(retries) == 1 and retries[0]["variant"] == 1 and "ConnectionError" in retries[0]["message"]
    assert len(api.videos(job["id"])) == 4


def test_a_failure_that_is_not_transient_fails_at_once_and_leaves_nothing(api: VideoApi) -> None:
    api.worker.lose = (0, RuntimeError("a bug in the renderer"))
    job = api.run("video", {**BASE, "footage": FOOTAGE, "script": SCRIPT}, timeout=120)
    assert job["status"] == "failed", job
    assert job["error"]["code"] == "job_failed" and "a bug in the renderer" in job["error"]["detail"]
    assert [c.variant for c in api.gateway.video_calls if c.job_id == job["id"].lower()] == [0]
    assert api.videos(job["id"]) == [] and api.job_files(job["id"]) == []


def test_an_interrupted_attempt_is_resumed_by_the_runner_from_its_checkpoint(
    tmp_path: Path, media: Media
) -> None:
    upgrade(f"sqlite:///{tmp_path / 'atelier.db'}")
    client, first = video_api(tmp_path)
    with client:
        upload_media(first, media)
        first.worker.hold = 1  # variant 2 waits after its audio step: the process stops meanwhile
        created = first.submit("video", {**BASE, "footage": FOOTAGE, "script": SCRIPT, "n": 2, "seed": 6})
        assert created.status_code == 201, created.text
        job_id = created.json()["id"]
        assert first.worker.held.wait(120), "the second variant never started"
        factory = first.app.state.session_factory
        saved = load_job(factory, job_id).checkpoint or {}
        assert list(saved["variants"]) == ["0"]
    # The runner stopped with the app: the job went back to the queue, its files kept for the next attempt.
    row = load_job(factory, job_id)
    assert (row.status, row.attempts) == ("queued", 1)
    client, second = video_api(tmp_path, first.world)
    with client:
        job = wait_for(lambda: second.finished(job_id), timeout=120, interval=0.1)
        assert job["status"] == "succeeded", job
        assert job["attempts"] == 2
        assert [c.variant for c in second.gateway.video_calls] == [1]  # variant 1: from the checkpoint
        first_video, second_video = job["result"]["videos"]
        assert first_video["from_checkpoint"] and not second_video["from_checkpoint"]
        assert second_video["resumed_steps"] == ["cards", "audio"]  # what the interrupted render finished
        for number, summary in enumerate(job["result"]["videos"]):
            video = second.download(job, tmp_path / f"{number}.mp4", number)
            assert probe_footage(video).duration == pytest.approx(summary["duration"], abs=0.2)
        assert second.job_files(job_id) == []
