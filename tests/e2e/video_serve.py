"""A ``video`` job through a running ``atelier serve`` (real HTTP, the job runner in the ingress replica,
the render on the video replica): one small remix rendered and stored, then a full-size render cancelled
while its ffmpeg runs. Called from ``test_ray_serve.py``, which owns the server."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any, TypeVar

import httpx

from asset_store.objects.local import LocalObjectStore
from asset_store.objects.signing import UrlSigner
from pipelines.video.samples import SampleSet
from tests.e2e.procs import alive, descendants

T = TypeVar("T")
BRANCH = "footage-e2e"
FOOTAGE = ("scenes_a", "scenes_b", "face")
SCRIPT = ["夏天到了，防晒跟上了吗？", "清透防晒乳，轻薄不油腻。"]


class Studio:
    """HTTP calls of one brand on the server."""

    def __init__(self, base_url: str, headers: dict[str, str], brand_id: str) -> None:
        self.base, self.headers, self.brand = base_url, headers, brand_id

    def call(
        self, method: str, path: str, headers: dict[str, str] | None = None, **kw: Any
    ) -> httpx.Response:
        merged = {**self.headers, **(headers or {})}
        return httpx.request(method, f"{self.base}{path}", headers=merged, timeout=30, **kw)

    def upload(self, branch: str, path: str, data: bytes) -> None:
        blob = self.call(
            "POST",
            f"/v1/brands/{self.brand}/blobs",
            params={"kind": "video"},
            content=data,
            headers={"Content-Type": "video/mp4"},
        )
        assert blob.status_code in (200, 201), blob.text
        change = {"op": "put", "path": path, "blob": blob.json()["sha256"], "metadata": {}}
        body = {"branch": branch, "message": f"footage {path}", "changes": [change]}
        made = self.call("POST", f"/v1/brands/{self.brand}/commits", json=body)
        assert made.status_code == 201, made.text

    def submit(self, brief: dict[str, Any]) -> str:
        body = {"brand_id": self.brand, "kind": "video", "brief": brief}
        created = self.call("POST", "/v1/generations", json=body)
        assert created.status_code == 201, created.text
        job_id: str = created.json()["id"]
        return job_id

    def job(self, job_id: str) -> dict[str, Any]:
        job: dict[str, Any] = self.call("GET", f"/v1/jobs/{job_id}").json()
        return job

    def finished(self, job_id: str) -> dict[str, Any] | None:
        job = self.job(job_id)
        return job if job["status"] in ("succeeded", "failed", "cancelled") else None


def wait_for(probe: Callable[[], T | None], timeout: float, interval: float = 0.1) -> T:
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value:
            return value
        assert time.monotonic() < deadline, f"not within {timeout}s (last {value!r})"
        time.sleep(interval)


def _video_step(server_pid: int) -> int | None:
    """The ffmpeg of a render's video step running under the server, if any."""
    found = [pid for pid, cmd in descendants(server_pid).items() if ".video.part.mp4" in cmd]
    return found[0] if found else None


def _probe(path: Path) -> dict[str, Any]:
    out = subprocess.run(
        ["ffprobe", "-v", "error", "-show_streams", "-of", "json", str(path)],
        check=True,
        capture_output=True,
        timeout=30,
    ).stdout
    info: dict[str, Any] = json.loads(out)
    return info


def render_then_cancel(
    studio: Studio, server_pid: int, data_dir: Path, tmp: Path, samples: SampleSet
) -> None:
    """Upload ``samples`` (made at a 320 px long side) on a branch, render one small remix, then cancel a
    full-size one mid-render."""
    branch = studio.call("POST", f"/v1/brands/{studio.brand}/branches", json={"name": BRANCH})
    assert branch.status_code == 201, branch.text
    for stem in FOOTAGE:
        studio.upload(BRANCH, f"footage/{stem}.mp4", Path(samples.clip(stem).path).read_bytes())
    brief = {
        "footage": [f"footage/{stem}.mp4" for stem in FOOTAGE],
        "script": SCRIPT,
        "ref": BRANCH,
        "use_brand_kit": False,
        "n": 1,
        "seed": 3,
    }
    small = studio.submit({**brief, "scale": 0.2})
    done = wait_for(lambda: studio.finished(small), timeout=240)
    assert done["status"] == "succeeded", done
    assert done["result"]["videos"][0]["encoder"] in ("libx264", "h264_nvenc")
    stored = done["result"]["assets"]
    path = next(p for p in stored["paths"] if p.endswith(".mp4"))
    raw = studio.call("GET", f"/v1/brands/{studio.brand}/raw/{path}", params={"ref": stored["branch"]})
    assert raw.status_code == 200
    (tmp / "remix.mp4").write_bytes(raw.content)
    streams = {s["codec_type"]: s for s in _probe(tmp / "remix.mp4")["streams"]}
    assert (streams["video"]["codec_name"], streams["video"]["width"], streams["audio"]["codec_name"]) == (
        "h264",
        216,
        "aac",
    )

    job_id = studio.submit({**brief, "voice": "none", "seed": 4})  # 1080×1920: a long video step
    ffmpeg = wait_for(lambda: _video_step(server_pid), timeout=240, interval=0.05)
    cancel = studio.call("POST", f"/v1/jobs/{job_id}/cancel")
    assert cancel.status_code in (200, 202), cancel.text
    job = wait_for(lambda: studio.finished(job_id), timeout=30)
    assert job["status"] == "cancelled", job
    wait_for(lambda: not alive([ffmpeg]), timeout=15)  # the replica killed ffmpeg
    generated = studio.call(
        "GET", f"/v1/brands/{studio.brand}/assets", params={"ref": f"generations/{job_id.lower()}"}
    )
    assert generated.status_code == 404 or not generated.json()["items"], generated.text
    objects = LocalObjectStore(data_dir / "objects", UrlSigner(b"0" * 32, "http://unused"))
    assert list(objects.list_keys(f"tmp/video/{job_id.lower()}/")) == []  # the job's temporary objects
    work = data_dir / "video-work" / job_id.lower()
    left = [p for p in work.rglob("*") if p.name.startswith(".") or p.name in ("out.mp4", "video.mp4")]
    assert not left, left  # no half-written render: only whole finished steps stay for a resume


def data_dir_of(pid: int) -> Path:
    """The data folder of a running ``atelier serve`` (its ``ATELIER_DATA_DIR``)."""
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    env = dict(e.decode(errors="replace").partition("=")[::2] for e in entries if b"=" in e)
    return Path(env["ATELIER_DATA_DIR"])
