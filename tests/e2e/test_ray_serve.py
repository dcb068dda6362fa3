"""End to end through the real CLI and a real Ray Serve deployment, over real HTTP.

One ``atelier serve`` (local Ray, profile gpu_deploy/cpu.yaml) is started for the whole module, the
way ``make run`` starts it, and stopped with SIGTERM at the end; the stop itself is checked too.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.e2e import video_serve
from tests.e2e.procs import (
    alive,
    cli_env,
    descendants,
    free_port,
    run_cli,
    start_serve,
    stop,
    wait_healthy,
)
from tests.footage import shared_sample_footage

pytestmark = pytest.mark.slow
STARTUP_TIMEOUT_S = 120.0
SHUTDOWN_TIMEOUT_S = 60.0


@dataclass
class RayServer:
    base_url: str
    pid: int
    token: str
    brand_id: str
    processes: dict[int, str]  # pid → command line of the Ray processes the server started

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}

    def pid_of(self, title: str) -> int:
        matches = [pid for pid, cmdline in self.processes.items() if title in cmdline]
        assert len(matches) == 1, f"expected one {title!r} process, got {matches}: {self.processes}"
        return matches[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RayServer]:
    data_dir = tmp_path_factory.mktemp("ray-serve")
    port = free_port()
    from pipelines.image.random_pipeline import build_random_pipeline

    pipeline = build_random_pipeline(data_dir / "models" / "tiny-sdxl", "tiny")
    env = cli_env(
        data_dir,
        ATELIER_API__PORT=str(port),
        ATELIER_RAY__NUM_CPUS="2",
        ATELIER_MODEL_DIR=str(pipeline.parent),
        ATELIER_IMAGE__MODEL="tiny-sdxl",
    )
    run_cli(["db", "upgrade"], env)
    run_cli(["demo", "seed"], env)
    token = (data_dir / "demo-api-key").read_text(encoding="utf-8").strip()
    log_path = data_dir / "serve.log"
    base_url = f"http://127.0.0.1:{port}"
    proc = start_serve([], env, log_path)
    try:
        wait_healthy(base_url, proc, log_path, STARTUP_TIMEOUT_S)
        brands = httpx.get(f"{base_url}/v1/brands", headers={"Authorization": f"Bearer {token}"}).json()
        brand_id = next(b["id"] for b in brands["items"] if b["slug"] == "demo")
        ray_processes = descendants(proc.pid)
        yield RayServer(base_url, proc.pid, token, brand_id, ray_processes)
    finally:
        code, seconds = stop(proc, log_path, SHUTDOWN_TIMEOUT_S)
    log = log_path.read_text(encoding="utf-8", errors="replace")
    assert code == 0, f"atelier serve exited {code} after SIGTERM:\n{log[-4000:]}"
    assert "draining and shutting down" in log
    time.sleep(1.0)  # Ray reaps its last workers just after the driver returns
    left = alive(list(ray_processes))
    leftovers = [ray_processes[pid] for pid in left]
    assert not left, f"processes left running {seconds:.1f}s after SIGTERM: {leftovers}"


def _submit(server: RayServer, brief: dict[str, Any], kind: str = "echo") -> dict[str, Any]:
    response = httpx.post(
        f"{server.base_url}/v1/generations",
        headers=server.headers(),
        json={"brand_id": server.brand_id, "kind": kind, "brief": brief},
        timeout=10,
    )
    assert response.status_code == 201, response.text
    assert response.headers["location"] == f"/v1/jobs/{response.json()['id']}"
    job: dict[str, Any] = response.json()
    return job


def _wait_job(server: RayServer, job_id: str, timeout: float = 30.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job: dict[str, Any] = httpx.get(
            f"{server.base_url}/v1/jobs/{job_id}", headers=server.headers(), timeout=10
        ).json()
        if job["status"] in {"succeeded", "failed", "cancelled"}:
            return job
        time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not finish within {timeout}s: {job}")


def test_liveness_docs_and_openapi(server: RayServer) -> None:
    health = httpx.get(f"{server.base_url}/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok"

    docs = httpx.get(f"{server.base_url}/docs")
    assert docs.status_code == 200
    assert "swagger-ui" in docs.text.lower()

    spec = httpx.get(f"{server.base_url}/openapi.json").json()
    operation_ids = {op["operationId"] for path in spec["paths"].values() for op in path.values()}
    assert {"createGeneration", "getJob", "streamJobEvents", "getMe", "listBrands", "readyz"} <= operation_ids
    assert spec["info"]["title"] == "Atelier API"


def test_readyz_reaches_the_echo_deployment(server: RayServer) -> None:
    response = httpx.get(f"{server.base_url}/readyz", timeout=15)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    models = dict.fromkeys(("echo", "llm", "text_embed", "vision", "image", "poster", "video"), "ok")
    assert body["checks"]["models"] == models
    assert body["checks"]["database"] == "ok"


def test_demo_key_authenticates(server: RayServer) -> None:
    response = httpx.get(f"{server.base_url}/v1/me", headers=server.headers())
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["kind"] == "operator"  # the demo admin is a platform operator
    assert {"brand_id": server.brand_id, "role": "brand_admin"}.items() <= me["grants"][0].items()


def test_echo_job_runs_on_the_echo_replica(server: RayServer) -> None:
    job = _submit(server, {"message": "你好", "steps": 3})
    assert job["status"] == "queued"
    done = _wait_job(server, job["id"])
    assert done["status"] == "succeeded", done
    assert done["progress"] == 1.0
    result = done["result"]
    assert result["gateway"] == "ray_serve"
    steps = result["steps"]
    assert [s["step"] for s in steps] == [0, 1, 2]
    assert {s["sha256"] for s in steps} == {hashlib.sha256("你好".encode()).hexdigest()}
    worker_pids = {s["worker_pid"] for s in steps}
    assert len(worker_pids) == 1
    (worker_pid,) = worker_pids
    # It ran in the echo replica: not in this process, not in the CLI driver, not in the ingress replica.
    assert worker_pid not in {os.getpid(), server.pid}
    assert worker_pid == server.pid_of("ServeReplica:atelier:echo")
    assert worker_pid != server.pid_of("ServeReplica:atelier:ingress")


def test_image_job_runs_diffusion_on_the_image_replica(server: RayServer) -> None:
    brief = {"prompt": "夏日冰咖啡", "width": 64, "height": 64, "count": 2, "steps": 2, "seed": 5}
    done = _wait_job(server, _submit(server, brief, "image")["id"], timeout=240.0)
    assert done["status"] == "succeeded", done
    images = done["result"]["images"]
    assert [(i["seed"], i["width"], i["model"]) for i in images] == [
        (5, 64, "diffusers:tiny-sdxl"),
        (6, 64, "diffusers:tiny-sdxl"),
    ]
    stored = done["result"]["assets"]
    raw = httpx.get(
        f"{server.base_url}/v1/brands/{server.brand_id}/raw/{stored['paths'][0]}",
        params={"ref": stored["branch"]},
        headers=server.headers(),
        timeout=10,
    )
    assert raw.status_code == 200 and raw.content.startswith(b"\x89PNG")
    assert server.pid_of("ServeReplica:atelier:image")


def test_sse_streams_live_through_the_serve_proxy(server: RayServer) -> None:
    job = _submit(server, {"message": "sse", "steps": 3, "delay_s": 0.4})
    received: list[tuple[float, str, dict[str, Any]]] = []
    event_type = ""
    with httpx.stream(
        "GET", f"{server.base_url}/v1/jobs/{job['id']}/events", headers=server.headers(), timeout=30
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            if line.startswith("event: "):
                event_type = line.removeprefix("event: ")
            elif line.startswith("data: "):
                received.append((time.monotonic(), event_type, json.loads(line.removeprefix("data: "))))
    types = [t for _, t, _ in received]
    assert types[-1] == "end"
    assert types.count("progress") == 3
    statuses = [d["status"] for _, t, d in received if t == "status"]
    assert statuses[0] in {"queued", "running"}
    assert statuses[-1] == "succeeded"
    seqs = [d["seq"] for _, t, d in received if t != "end"]
    assert seqs == sorted(seqs) and len(set(seqs)) == len(seqs)
    # Delivered as they happened, not buffered by the proxy until the job ended (0.8 s of delays).
    progress_at = [at for at, t, _ in received if t == "progress"]
    assert progress_at[-1] - progress_at[0] >= 0.5


def test_bad_key_is_401_problem(server: RayServer) -> None:
    response = httpx.get(f"{server.base_url}/v1/me", headers={"Authorization": "Bearer atk_nope_nope"})
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    problem = response.json()
    assert problem["status"] == 401
    assert problem["instance"] == "/v1/me"
    assert problem["code"]


def test_oversized_body_is_413(server: RayServer) -> None:
    url = f"{server.base_url}/v1/generations"
    big = {"brand_id": server.brand_id, "kind": "echo", "brief": {"message": "x" * 1_100_000}}
    declared = httpx.post(url, headers=server.headers(), json=big, timeout=30)
    assert declared.status_code == 413
    assert declared.headers["content-type"] == "application/problem+json"
    assert declared.json()["code"] == "payload_too_large"

    def chunks() -> Iterator[bytes]:  # no Content-Length: the limit is enforced while streaming
        for _ in range(20):
            yield b"x" * 65536

    streamed = httpx.post(url, headers=server.headers(), content=chunks(), timeout=30)
    assert streamed.status_code == 413
    assert streamed.json()["code"] == "payload_too_large"


def test_one_request_id_header(server: RayServer) -> None:
    response = httpx.get(f"{server.base_url}/healthz", headers={"X-Request-ID": "e2e-request-1"})
    assert response.headers.get_list("x-request-id") == ["e2e-request-1"]
    generated = httpx.get(f"{server.base_url}/v1/me").headers.get_list("x-request-id")
    assert len(generated) == 1
    assert re.fullmatch(r"[A-Za-z0-9._:-]{1,64}", generated[0])


def test_ray_processes_belong_to_the_cli(server: RayServer) -> None:
    # A local Ray started by the CLI: raylet, Serve controller and both replicas run under its process.
    titles = " ".join(server.processes.values())
    assert "raylet" in titles
    assert "ServeReplica:atelier:ingress" in titles
    assert "ServeController" in titles


def test_video_job_renders_and_cancels_on_the_video_replica(
    server: RayServer, tmp_path: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    # A small remix stored, then a full-size render cancelled while the video replica's ffmpeg runs.
    studio = video_serve.Studio(server.base_url, server.headers(), server.brand_id)
    assert server.pid_of("ServeReplica:atelier:video")
    samples = shared_sample_footage(tmp_path_factory, long_side=320)
    data_dir = video_serve.data_dir_of(server.pid)
    video_serve.render_then_cancel(studio, server.pid, data_dir, tmp_path, samples)
