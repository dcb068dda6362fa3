"""Bench "api": latency and job throughput of the API over real HTTP on 127.0.0.1.

The API runs in this process under uvicorn (a thread) with the in-process model gateway and a fresh
SQLite data dir seeded with the demo brand, the way ``atelier serve --no-ray`` runs it; the client is
httpx in the main thread. Client and server share one interpreter, so the figures include GIL
contention between them: compare runs of this bench with each other, not with a separate load tester.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import statistics
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import uvicorn

from serving.api import create_app
from serving.db import make_engine, make_session_factory, transaction, upgrade
from serving.gateway.inprocess import InProcessGateway
from serving.seed import seed_demo
from serving.settings import DEV_PEPPER, Settings

HOST = "127.0.0.1"
REQUESTS = 200  # per latency series (healthz, list brands)
SUBMITS = 100  # job submissions timed on their own
ROUNDTRIPS = 50  # submit → poll until succeeded, one at a time
CONCURRENT_JOBS = 50  # submitted at once for jobs_per_s
WARMUP = 10
POLL_S = 0.005  # client poll interval while waiting for a job
JOB_TIMEOUT_S = 30.0
TERMINAL = {"succeeded", "failed", "cancelled"}


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


def _ms(samples: list[float], q: int) -> float:
    """The q-th percentile of ``samples`` (seconds), in milliseconds."""
    if q == 50:
        value = statistics.median(samples)
    else:
        value = statistics.quantiles(samples, n=100, method="inclusive")[q - 1]
    return round(value * 1000, 3)


def _timed(count: int, call: Callable[[], object]) -> list[float]:
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return samples


@contextmanager
def _server(settings: Settings) -> Iterator[str]:
    """Serve the app on a free port in a thread; yields its base URL."""
    port = _free_port()
    app = create_app(settings, InProcessGateway())
    config = uvicorn.Config(app, host=HOST, port=port, log_level="warning", access_log=False, lifespan="on")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name="atelier-bench-server", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("the bench server did not start")
        time.sleep(0.02)
    try:
        yield f"http://{HOST}:{port}"
    finally:
        server.should_exit = True
        thread.join(timeout=30)


class _Client:
    def __init__(self, http: httpx.Client, brand_id: str) -> None:
        self.http = http
        self.brand_id = brand_id

    def ok(self, response: httpx.Response, status: int = 200) -> httpx.Response:
        if response.status_code != status:
            raise RuntimeError(f"{response.request.method} {response.request.url}: {response.status_code}")
        return response

    def submit(self) -> str:
        body = {"brand_id": self.brand_id, "kind": "echo", "brief": {"message": "基准 bench", "steps": 1}}
        job_id: str = self.ok(self.http.post("/v1/generations", json=body), 201).json()["id"]
        return job_id

    def wait(self, job_id: str) -> None:
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            status = self.ok(self.http.get(f"/v1/jobs/{job_id}")).json()["status"]
            if status == "succeeded":
                return
            if status in TERMINAL:
                raise RuntimeError(f"bench job {job_id} ended {status}")
            time.sleep(POLL_S)
        raise RuntimeError(f"bench job {job_id} did not finish in {JOB_TIMEOUT_S}s")

    def drain(self) -> None:
        """Wait until no job is queued or running (so one phase's jobs don't load the next)."""
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while time.monotonic() < deadline:
            busy = [
                self.ok(self.http.get("/v1/jobs", params={"status": s, "limit": 1})).json()["items"]
                for s in ("queued", "running")
            ]
            if not any(busy):
                return
            time.sleep(0.05)
        raise RuntimeError("bench jobs did not drain")


async def _concurrent_jobs(base_url: str, headers: dict[str, str], brand_id: str, count: int) -> float:
    """Submit ``count`` jobs at once and poll until all succeeded; returns the wall time in seconds."""
    body = {"brand_id": brand_id, "kind": "echo", "brief": {"message": "并发 concurrent", "steps": 1}}
    limits = httpx.Limits(max_connections=count, max_keepalive_connections=count)
    async with httpx.AsyncClient(base_url=base_url, headers=headers, limits=limits, timeout=30) as http:
        started = time.perf_counter()
        responses = await asyncio.gather(*(http.post("/v1/generations", json=body) for _ in range(count)))
        if any(r.status_code != 201 for r in responses):
            raise RuntimeError(f"submits failed: {sorted({r.status_code for r in responses})}")
        pending = {r.json()["id"] for r in responses}
        deadline = time.monotonic() + JOB_TIMEOUT_S
        while pending:
            if time.monotonic() > deadline:
                raise RuntimeError(f"{len(pending)} concurrent jobs did not finish")
            jobs = await asyncio.gather(*(http.get(f"/v1/jobs/{job_id}") for job_id in sorted(pending)))
            for job in jobs:
                status = job.json()["status"]
                if status in TERMINAL:
                    if status != "succeeded":
                        raise RuntimeError(f"concurrent job ended {status}")
                    pending.discard(job.json()["id"])
            if pending:
                await asyncio.sleep(POLL_S * 4)
        return time.perf_counter() - started


def run() -> dict[str, Any]:
    """Measure, on a fresh SQLite data dir; returns ``{"metrics": {...}, "config": {...}}``."""
    logging.getLogger("serving").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory(prefix="atelier-bench-api-") as tmp:
        data_dir = Path(tmp)
        settings = Settings.model_validate(
            {
                "env": "test",
                "data_dir": data_dir,
                "database": {"url": f"sqlite:///{data_dir / 'atelier.db'}"},
                "auth": {"key_pepper": DEV_PEPPER},
                "log_level": "WARNING",
            }
        )
        upgrade(settings.database_url)
        engine = make_engine(settings.database_url)
        with transaction(make_session_factory(engine)) as session:
            seed = seed_demo(session, settings)
            brand_id = seed.brand.id
        engine.dispose()
        headers = {"Authorization": f"Bearer {seed.token}"}

        with (
            _server(settings) as base_url,
            httpx.Client(base_url=base_url, headers=headers, timeout=30) as http,
        ):
            client = _Client(http, brand_id)
            for _ in range(WARMUP):
                client.ok(http.get("/healthz"))
                client.ok(http.get("/v1/brands"))
            healthz = _timed(REQUESTS, lambda: client.ok(http.get("/healthz")))
            brands = _timed(REQUESTS, lambda: client.ok(http.get("/v1/brands")))
            submits = _timed(SUBMITS, lambda: client.submit())
            client.drain()
            roundtrips = _timed(ROUNDTRIPS, lambda: client.wait(client.submit()))
            client.drain()
            concurrent_s = asyncio.run(_concurrent_jobs(base_url, headers, brand_id, CONCURRENT_JOBS))

    metrics = {
        "healthz_p50_ms": _ms(healthz, 50),
        "healthz_p95_ms": _ms(healthz, 95),
        "list_brands_p50_ms": _ms(brands, 50),
        "list_brands_p95_ms": _ms(brands, 95),
        "submit_p50_ms": _ms(submits, 50),
        "job_roundtrip_p50_ms": _ms(roundtrips, 50),
        "job_roundtrip_p95_ms": _ms(roundtrips, 95),
        "jobs_per_s": round(CONCURRENT_JOBS / concurrent_s, 2),
    }
    config = {
        "requests_per_series": REQUESTS,
        "submits": SUBMITS,
        "roundtrips": ROUNDTRIPS,
        "concurrent_jobs": CONCURRENT_JOBS,
        "job_brief": {"kind": "echo", "steps": 1},
        "client_poll_s": POLL_S,
        "server": "uvicorn in a thread of this process, 127.0.0.1, HTTP/1.1 keep-alive",
        "gateway": "inprocess",
        "database": "sqlite (fresh, WAL)",
        "job_workers": settings.jobs.workers,
        "job_poll_s": settings.jobs.poll_seconds,
        "cpus": os.cpu_count(),
    }
    return {"metrics": metrics, "config": config}
