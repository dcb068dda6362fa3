"""Headless Debian Chromium through Playwright, and a real `atelier serve` for it to load (bench and tests).

No browser is downloaded: Playwright drives ``/usr/bin/chromium`` (Debian package ``chromium``, in
requirements/apt.txt) with the flags this network needs (no background connections, no QUIC)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = os.environ.get("ATELIER_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
DEMO_PASSWORD = "studio demo password 1"


class BrowserUnavailable(RuntimeError):
    """Chromium or the built studio is missing; the message says what to install or build."""


def launch(playwright: Any) -> Any:
    """Start headless Chromium; a clear error when it is not installed."""
    if not Path(CHROMIUM).exists() and shutil.which(CHROMIUM) is None:
        raise BrowserUnavailable(f"{CHROMIUM} not found: install Debian's chromium (make setup does)")
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)


def require_studio_build() -> Path:
    """``web/dist`` with its index; fails with the command that builds it."""
    dist = ROOT / "web" / "dist"
    if not (dist / "index.html").is_file():
        raise BrowserUnavailable("web/dist is not built: run `make setup` (scripts/build_web.sh)")
    return dist


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@dataclass
class Served:
    """A running ``atelier serve --no-ray`` over its own data dir."""

    base_url: str
    env: dict[str, str]
    log: Path
    process: subprocess.Popen[bytes]


def _clean_env(data_dir: Path, extra: dict[str, str]) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATELIER_") and k != "RAY_ADDRESS"}
    env |= {"ATELIER_DATA_DIR": str(data_dir), "ATELIER_DEMO_PASSWORD": DEMO_PASSWORD, "NO_COLOR": "1"}
    env |= {"COLUMNS": "200"}
    env.update(extra)
    return env


def atelier(args: list[str], env: dict[str, str], timeout: float = 120.0) -> str:
    """Run the ``atelier`` CLI of this checkout; its stdout, or an error with its output."""
    done = subprocess.run(
        [str(ROOT / ".venv" / "bin" / "atelier"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    if done.returncode != 0:
        raise RuntimeError(
            f"atelier {' '.join(args)} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
        )
    return done.stdout


@contextmanager
def serve_studio(
    data_dir: Path, extra_env: dict[str, str] | None = None, timeout: float = 120.0
) -> Iterator[Served]:
    """Migrate, seed the demo (password ``DEMO_PASSWORD``) and serve on a free port until the block ends."""
    env = _clean_env(data_dir, extra_env or {})
    data_dir.mkdir(parents=True, exist_ok=True)
    atelier(["db", "upgrade"], env)
    atelier(["demo", "seed"], env)
    port = free_port()
    log = data_dir / "serve.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(
            [str(ROOT / ".venv" / "bin" / "atelier"), "serve", "--no-ray", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    served = Served(f"http://127.0.0.1:{port}", env, log, process)
    try:
        _wait_healthy(served, timeout)
        yield served
    finally:
        _stop(process)


def _wait_healthy(served: Served, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if served.process.poll() is not None:
            raise RuntimeError(
                f"atelier serve exited {served.process.returncode}:\n{served.log.read_text()[-3000:]}"
            )
        try:
            if httpx.get(f"{served.base_url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise RuntimeError(f"atelier serve not healthy within {timeout:.0f}s:\n{served.log.read_text()[-3000:]}")


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)


def login_token(base_url: str, email: str, password: str = DEMO_PASSWORD) -> str:
    """A session token for a seeded user (to start a browser already logged in)."""
    response = httpx.post(
        f"{base_url}/v1/auth/sessions", json={"email": email, "password": password}, timeout=30
    )
    response.raise_for_status()
    token: str = response.json()["token"]
    return token
