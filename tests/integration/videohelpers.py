"""Helpers of the video job tests: generated media (footage with speech, an uploaded voice-over), an app
with the real renderer behind the FakeGateway, and a renderer double that remembers subtitles and can
lose a render in transit or hold it between two steps."""

from __future__ import annotations

import hashlib
import subprocess
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from fastapi import FastAPI
from fastapi.testclient import TestClient

from asset_store.blobs import blob_key
from asset_store.objects.protocol import ObjectStore
from pipelines.video.runner import ffmpeg_exe
from pipelines.video.samples import SampleSet
from pipelines.video.speech import EspeakTTS
from serving.api import create_app
from serving.gateway.video_models import StepProgress, VideoCall, VideoReply, VideoWorker
from serving.generation.video_prepare import temp_prefix
from tests.conftest import make_settings
from tests.fakes.gateway import FakeGateway
from tests.integration.test_poster_generation import Api
from tests.world import World, build_world

SPOKEN = ["今天天气很好。", "我们一起去公园散步吧！"]
"""What the footage's speaker and the uploaded voice say (espeak-ng; Whisper base reads it back)."""
VOICE_LEAD_S = 1.0
"""Silence before the uploaded voice starts speaking."""
FOOTAGE = ("scenes_a", "scenes_b", "face", "vfr", "odd")
LEASE_S = 20.0


@dataclass(frozen=True)
class Media:
    """Generated files: sample footage, ``talk.mp4`` (scenes_a's picture, someone speaking) and
    ``voice.m4a`` (an uploaded voice-over: a second of silence, the speech, half a second of pad)."""

    samples: SampleSet
    talk: Path
    voice: Path
    voice_duration: float
    speech_end: float
    """When the uploaded voice stops speaking (its last cue ends in a 0.3 s pause)."""


def _ffmpeg(*args: str) -> None:
    subprocess.run([ffmpeg_exe(), "-v", "error", "-y", *args], check=True, timeout=120, capture_output=True)


def make_media(folder: Path, samples: SampleSet) -> Media:
    """The media in ``folder``, around ``samples`` (made at a 320 px long side)."""
    speech = EspeakTTS().synthesize(SPOKEN, folder / "speech", rate=1.4)
    talk = folder / "talk.mp4"
    scenes = samples.clip("scenes_a")
    _ffmpeg(
        "-i", scenes.path, "-i", str(speech.wav_path), "-map", "0:v", "-map", "1:a", "-c:v", "copy",
        "-af", "apad", "-t", f"{scenes.duration:.3f}", "-c:a", "aac", "-movflags", "+faststart", str(talk),
    )  # fmt: skip
    voice = folder / "voice.m4a"
    lead = int(VOICE_LEAD_S * 1000)
    _ffmpeg("-i", str(speech.wav_path), "-af", f"adelay={lead},apad=pad_dur=0.5", "-c:a", "aac", str(voice))
    return Media(
        samples=samples,
        talk=talk,
        voice=voice,
        voice_duration=speech.duration + VOICE_LEAD_S + 0.5,
        speech_end=speech.duration + VOICE_LEAD_S - 0.3,
    )


class ScriptedWorker(VideoWorker):
    """The real renderer, plus what a test asks of it: ``subtitles`` keeps the ASS text each job sent;
    ``lose`` (variant, exception) makes the next render of that variant stop after its audio step and
    raise (a replica lost in transit); ``hold`` makes the next render of a variant wait after its audio
    step until it is cancelled (``held`` is set while it waits)."""

    def __init__(self, objects: ObjectStore, work_root: Path) -> None:
        super().__init__(objects, work_root)
        self.store = objects
        self.work_root = work_root
        self.subtitles: dict[str, str] = {}
        self.lose: tuple[int, Exception] | None = None
        self.hold: int | None = None
        self.held = threading.Event()

    def render(
        self, call: VideoCall, progress: StepProgress | None = None, cancel: Callable[[], bool] | None = None
    ) -> VideoReply:
        if call.subtitles:
            self.subtitles[call.job_id] = self.store.read_bytes(call.subtitles).decode("utf-8")
        lose = self.lose if self.lose is not None and self.lose[0] == call.variant else None
        hold = self.hold == call.variant
        if lose is None and not hold:
            return super().render(call, progress, cancel)
        self.lose, self.hold = (None, self.hold) if lose else (self.lose, None)
        finished: list[str] = []

        def watch(step: str, fraction: float) -> None:
            if progress is not None:
                progress(step, fraction)
            if fraction == 1.0:
                finished.append(step)
            if hold and step == "audio" and fraction == 1.0:
                self.held.set()
                deadline = time.monotonic() + 120
                while not (cancel is not None and cancel()) and time.monotonic() < deadline:
                    time.sleep(0.05)

        if lose is None:
            return super().render(call, watch, cancel)
        super().render(call, watch, lambda: "audio" in finished or (cancel is not None and cancel()))
        raise lose[1]


class VideoApi(Api):
    """The poster tests' API helper with the app's object store, data folder and renderer."""

    app: FastAPI
    objects: ObjectStore
    worker: ScriptedWorker
    data_dir: Path

    def job_files(self, job_id: str) -> list[str]:
        """What a job left behind: temporary objects, its local work files, renders in progress."""
        left = list(self.objects.list_keys(temp_prefix(job_id)))
        tmp = self.data_dir / "tmp" / "uploads"
        left += [str(p) for p in tmp.glob("video-job-*")] if tmp.is_dir() else []
        work = self.worker.work_root / job_id.lower()
        left += [str(p) for p in work.rglob("*") if p.name.startswith(".") or p.name == "out.mp4"]
        return left

    def finished(self, job_id: str) -> dict[str, Any] | None:
        """The job once it has ended, else None."""
        job: dict[str, Any] = self.call("GET", f"/v1/jobs/{job_id}").json()
        return job if job["status"] in ("succeeded", "failed", "cancelled") else None

    def videos(self, job_id: str) -> list[str]:
        params = {"ref": f"generations/{job_id.lower()}", "prefix": "videos/"}
        response = self.call("GET", f"/v1/brands/{self.brand}/assets", params=params)
        if response.status_code == 404:
            return []
        assert response.status_code == 200, response.text
        return [a["path"] for a in response.json()["items"]]

    def lineage(self, job: dict[str, Any], variant: int = 0) -> dict[str, Any]:
        """The lineage of a finished job's video ``variant``."""
        assets = job["result"]["assets"]
        path = sorted(p for p in assets["paths"] if p.endswith(".mp4"))[variant]
        lineage: dict[str, Any] = self.asset(path, assets["branch"])["metadata"]["lineage"]
        return lineage

    def download(self, job: dict[str, Any], to: Path, variant: int = 0) -> Path:
        assets = job["result"]["assets"]
        path = sorted(p for p in assets["paths"] if p.endswith(".mp4"))[variant]
        to.write_bytes(self.raw(path, assets["branch"]))
        return to


def video_api(folder: Path, world: World | None = None) -> tuple[TestClient, VideoApi]:
    """A client (enter it to start the app and its job runner) and the API helper of an app on the
    SQLite database and data folder under ``folder``; a second call shares them (pass ``world``)."""
    gateway = FakeGateway()
    # A lease longer than the tests' usual 3 s: on a loaded machine a starved heartbeat would let the
    # runner take its own running job over as an orphan (a second attempt rendering the same variants).
    jobs = {"poll_seconds": 0.05, "lease_seconds": LEASE_S, "workers": 2}
    settings = make_settings(f"sqlite:///{folder / 'atelier.db'}", folder / "var", jobs=jobs)
    app = create_app(settings, gateway)
    worker = ScriptedWorker(app.state.assets.objects, folder / "video-work")
    gateway.videos = worker
    client = TestClient(app, raise_server_exceptions=False)
    api = VideoApi(client, world or build_world(app.state.session_factory, app.state.settings), gateway)
    api.app, api.objects, api.worker, api.data_dir = app, app.state.assets.objects, worker, folder / "var"
    return client, api


def upload_media(api: VideoApi, media: Media) -> None:
    for stem in FOOTAGE:
        api.put(f"footage/{stem}.mp4", Path(media.samples.clip(stem).path).read_bytes(), "video", "video/mp4")
    api.put("footage/talk.mp4", media.talk.read_bytes(), "video", "video/mp4")
    api.put("audio/voice.m4a", media.voice.read_bytes(), "audio", "audio/mp4")


def damage(api: VideoApi, path: str, data: bytes, stored: bytes) -> None:
    """Upload ``data`` at ``path`` (uploads refuse bad media), then make the stored bytes ``stored``."""
    api.put(path, data, "video", "video/mp4")
    api.objects.put_bytes(blob_key(hashlib.sha256(data).hexdigest()), stored, "video/mp4")


def rms_between(samples: npt.NDArray[np.float32], rate: int, start: float, end: float) -> float:
    """Root mean square of ``samples`` between two moments (seconds)."""
    part = samples[int(start * rate) : int(end * rate)]
    return float(np.sqrt(np.mean(np.square(part)))) if len(part) else 0.0


def pacing_ffmpeg(folder: Path) -> Path:
    """An ffmpeg that reads the inputs of a render's video step in real time (``-re``), so that the
    step lasts as long as the video: a test can cancel it while ffmpeg runs."""
    script = folder / "paced-ffmpeg"
    script.write_text(
        "#!/usr/bin/env bash\n"
        "paced=0\n"
        'for a in "$@"; do case "$a" in *.video.part.mp4) paced=1;; esac; done\n'
        "args=()\n"
        'for a in "$@"; do\n'
        '  if [ "$paced" = 1 ] && [ "$a" = -i ]; then args+=(-re); fi\n'
        '  args+=("$a")\n'
        "done\n"
        f'exec {ffmpeg_exe()} "${{args[@]}}"\n'
    )
    script.chmod(0o755)
    return script
