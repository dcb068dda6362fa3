"""Bench "compliance": text checks per second on one core (Python API) and the API's latency under load.

``checks_per_s``: the product's check at ``fast`` depth (built-in packs + the n-gram second opinion + the
result object: real-time interception) on ~100-character Chinese ad copy (dev lines joined, so dense with
violations), one thread, after a warm-up; 20,000 checks in 5 windows, the median window reported
(``checks_per_s_slowest_window`` beside it); ``rules_only_checks_per_s``: the rules engine alone;
``checks_per_s_full``: the ``full`` depth (adds the semantic second opinion, a sentence embedding per text),
1,000 checks. ``config.engine`` says whether the mypyc-compiled engine (built by ``make setup``) or plain
Python ran.
``api_p99_ms``: ``POST /v1/compliance/check`` with text at the REST default depth (``fast``), 20 concurrent
keep-alive clients (asyncio, this process), each sending a request every 100 ms (200 requests/s offered),
against ``atelier serve --no-ray`` started as a separate process (one uvicorn worker) on a fresh SQLite data
dir; every request authenticates with an API key, as in production. ``api_saturated_*`` repeats it with the
clients back to back: then every request waits behind the 19 others (Little's law), which measures
throughput, not latency. ``*_full`` repeat both with ``"depth": "full"`` and 10 requests per client.
Diagnostics: ``api_p90_ms``; ``api_server_cpu_ms_per_request`` (the server process's CPU time, user and
system, per paced request: what the server costs, whatever else the machine runs); and in ``config`` the
1-minute load average when each part started, since both parts share the machine's cores, and
``host_python_loop_ms`` (a fixed pure-Python loop: the host's speed, to compare runs across machines).
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from compliance_rules import native
from compliance_rules.checker import Checker
from compliance_rules.engine import Engine

ROOT = Path(__file__).resolve().parents[2]
CORPUS = ROOT.parent / "shared" / "data" / "compliance_dev_zh.jsonl"
CHECKS = 20_000
FULL_CHECKS = 1_000
WINDOWS = 5
CLIENTS = 20
REQUESTS_PER_CLIENT = 100
# At full depth one worker serves ~6 requests/s: 100 per client would take ~6 minutes per part.
REQUESTS_PER_CLIENT_FULL = 10
TARGET_CHARS = 100
PACED_INTERVAL_S = 0.1


def corpus() -> list[tuple[str, str | None]]:
    """~100-character copy: dev lines joined until they reach TARGET_CHARS (text, industry)."""
    rows = [json.loads(line) for line in CORPUS.read_text(encoding="utf-8").splitlines() if line.strip()]
    out: list[tuple[str, str | None]] = []
    for i, row in enumerate(rows):
        text, j = row["text"], i
        while len(text) < TARGET_CHARS:
            j = (j + 7) % len(rows)
            text += rows[j]["text"]
        out.append((text[:TARGET_CHARS], row.get("industry")))
    return out


def _rates(
    check: Callable[[str, str | None], object], samples: list[tuple[str, str | None]], checks: int = CHECKS
) -> list[float]:
    """Checks per second in each of WINDOWS consecutive windows (``checks`` in all), after a warm-up."""
    for text, industry in samples:
        check(text, industry)
    per_window = checks // WINDOWS
    rates: list[float] = []
    for window in range(WINDOWS):
        started = time.perf_counter()
        for n in range(window * per_window, (window + 1) * per_window):
            text, industry = samples[n % len(samples)]
            check(text, industry)
        rates.append(per_window / (time.perf_counter() - started))
    return rates


def _checks_per_s(samples: list[tuple[str, str | None]]) -> dict[str, float]:
    """The product path (rules + the n-gram second opinion + result), and the rules engine alone: the median
    window of each (the host's neighbours slow some windows by 10-30%), with the slowest window beside it."""
    checker = Checker.builtin()
    fast = _rates(lambda text, industry: checker.check_copy(text, industry=industry, depth="fast"), samples)
    rules = _rates(lambda text, industry: checker.engine.check_text(text, industry=industry), samples)
    full = _rates(lambda text, industry: checker.check_copy(text, industry=industry), samples, FULL_CHECKS)
    return {
        "checks_per_s": round(statistics.median(fast), 1),
        "checks_per_s_slowest_window": round(min(fast), 1),
        "check_mean_us": round(1e6 * statistics.fmean(1 / rate for rate in fast), 1),  # all 20,000
        "rules_only_checks_per_s": round(statistics.median(rules), 1),
        "checks_per_s_full": round(statistics.median(full), 1),
    }


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _ms(samples: list[float], q: int) -> float:
    value = statistics.median(samples) if q == 50 else statistics.quantiles(samples, n=100)[q - 1]
    return round(value * 1000, 2)


async def _load(
    base: str,
    token: str,
    samples: list[tuple[str, str | None]],
    interval_s: float,
    depth: str,
    requests_per_client: int,
) -> list[float]:
    """CLIENTS concurrent clients; each sends a request every ``interval_s`` (0: back to back)."""
    limits = httpx.Limits(max_connections=CLIENTS, max_keepalive_connections=CLIENTS)
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, headers=headers, limits=limits, timeout=30) as http:
        for text, industry in samples[:50]:  # warm-up: packs compiled, connections open
            body = {"text": text, "industry": industry, "depth": depth}
            (await http.post("/v1/compliance/check", json=body)).raise_for_status()
        latencies: list[float] = []

        async def client(offset: int) -> None:
            await asyncio.sleep(interval_s * offset / CLIENTS)  # spread the clients' phases
            next_at = time.perf_counter()
            for n in range(requests_per_client):
                text, industry = samples[(offset * 31 + n) % len(samples)]
                started = time.perf_counter()
                body = {"text": text, "industry": industry, "depth": depth}
                response = await http.post("/v1/compliance/check", json=body)
                latencies.append(time.perf_counter() - started)
                response.raise_for_status()
                next_at += interval_s
                await asyncio.sleep(max(0.0, next_at - time.perf_counter()))

        await asyncio.gather(*(client(i) for i in range(CLIENTS)))
        return latencies


def _cpu_s(pid: int) -> float | None:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc), or None where unknown."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def _host_loop_ms() -> float:
    """Best of three runs of a fixed pure-Python loop (2 million additions), in ms: how fast this host runs
    Python, so results from different machines (or one shared machine on different days) can be compared."""
    best = float("inf")
    for _ in range(3):
        started, total = time.perf_counter(), 0
        for n in range(2_000_000):
            total += n
        best = min(best, time.perf_counter() - started)
    return round(best * 1e3, 1)


def _load_1m() -> float | None:
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def _api(samples: list[tuple[str, str | None]]) -> dict[str, float]:
    atelier = str(Path(sys.executable).parent / "atelier")
    with tempfile.TemporaryDirectory(prefix="atelier-bench-compliance-") as tmp:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATELIER_")}
        env.update(ATELIER_DATA_DIR=tmp, ATELIER_LOG_LEVEL="WARNING", ATELIER_JOBS__WORKERS="0")
        subprocess.run([atelier, "db", "upgrade"], env=env, check=True, capture_output=True)
        subprocess.run([atelier, "demo", "seed"], env=env, check=True, capture_output=True)
        token = (Path(tmp) / "demo-api-key").read_text().strip()
        port = _free_port()
        server = subprocess.Popen(
            [atelier, "serve", "--no-ray", "--port", str(port)],
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        base = f"http://127.0.0.1:{port}"
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    if httpx.get(f"{base}/healthz", timeout=1).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline or server.poll() is not None:
                    raise RuntimeError("the bench server did not start")
                time.sleep(0.2)
            metrics: dict[str, float] = {}
            parts = (("fast", "", REQUESTS_PER_CLIENT), ("full", "_full", REQUESTS_PER_CLIENT_FULL))
            for depth, suffix, per_client in parts:  # the REST default first
                cpu_before = _cpu_s(server.pid)
                paced = asyncio.run(_load(base, token, samples, PACED_INTERVAL_S, depth, per_client))
                cpu_after = _cpu_s(server.pid)
                started = time.perf_counter()
                saturated = asyncio.run(_load(base, token, samples, 0.0, depth, per_client))
                wall = time.perf_counter() - started
                metrics |= {
                    f"api_p50_ms{suffix}": _ms(paced, 50),
                    f"api_p90_ms{suffix}": _ms(paced, 90),
                    f"api_p99_ms{suffix}": _ms(paced, 99),
                    f"api_saturated_p50_ms{suffix}": _ms(saturated, 50),
                    f"api_saturated_p99_ms{suffix}": _ms(saturated, 99),
                    f"api_saturated_requests_per_s{suffix}": round(len(saturated) / wall, 1),
                }
                if cpu_before is not None and cpu_after is not None:  # not the warm-up's 50 requests
                    metrics[f"api_server_cpu_ms_per_request{suffix}"] = round(
                        (cpu_after - cpu_before) / len(paced) * 1e3, 3
                    )
            return metrics
        finally:
            server.terminate()
            server.wait(timeout=30)


def run() -> dict[str, Any]:
    samples = corpus()
    host_loop_ms = _host_loop_ms()
    load_checks = _load_1m()
    checks = _checks_per_s(samples)
    # The clients run in this process, which still holds the engine the checks built: freeze that heap so
    # a full collection of it does not pause the clients' event loop and add to the server's latencies.
    gc.collect()
    gc.freeze()
    load_api = _load_1m()
    return {
        "metrics": {**checks, **_api(samples)},
        "config": {
            "load_avg_1m": {"checks": load_checks, "api": load_api},
            "host_python_loop_ms": host_loop_ms,
            "copy_chars": TARGET_CHARS,
            "checks": CHECKS,
            "check_windows": WINDOWS,
            "engine": "compiled (mypyc, .native/)" if native.active() else "python",
            "api_clients": CLIENTS,
            "api_requests": CLIENTS * REQUESTS_PER_CLIENT,
            "api_requests_full": CLIENTS * REQUESTS_PER_CLIENT_FULL,
            "api_paced": f"each client sends a request every {PACED_INTERVAL_S}s "
            f"({CLIENTS / PACED_INTERVAL_S:g}/s offered in all); api_saturated_*: back to back",
            "server": "atelier serve --no-ray (1 uvicorn worker, separate process), SQLite, API-key auth",
            "packs": [p.ref for p in Engine.builtin().packs],
            "cpus": os.cpu_count(),
        },
    }
