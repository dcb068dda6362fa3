"""Run the real ``atelier`` console script as a subprocess, and look at the processes it leaves."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
ATELIER = ROOT / ".venv" / "bin" / "atelier"
CLI_TIMEOUT_S = 60.0


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def cli_env(data_dir: Path, **extra: str) -> dict[str, str]:
    """This process's environment without any ATELIER_* / RAY_ADDRESS, plus a data dir and ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("ATELIER_") and k != "RAY_ADDRESS"}
    env["ATELIER_DATA_DIR"] = str(data_dir)
    env["NO_COLOR"] = "1"
    env["COLUMNS"] = "200"  # rich wraps long lines (tokens, ids) at the terminal width otherwise
    env.update(extra)
    return env


def run_cli(args: list[str], env: dict[str, str], *, check: bool = True) -> subprocess.CompletedProcess[str]:
    """Run ``atelier ARGS`` from the repository root; fail with its output when ``check`` and rc != 0."""
    done = subprocess.run(
        [str(ATELIER), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=CLI_TIMEOUT_S,
    )
    if check and done.returncode != 0:
        raise AssertionError(
            f"atelier {' '.join(args)} exited {done.returncode}\n--- stdout\n{done.stdout}\n"
            f"--- stderr\n{done.stderr}"
        )
    return done


def start_serve(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen[bytes]:
    """Start ``atelier serve ARGS`` in its own session (so a fallback kill reaches its whole group)."""
    with log_path.open("wb") as log:
        return subprocess.Popen(
            [str(ATELIER), "serve", *args],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def wait_healthy(base_url: str, proc: subprocess.Popen[bytes], log_path: Path, timeout: float) -> float:
    """Seconds until GET /healthz answers 200; fails early if the server process exits."""
    started = time.monotonic()
    while time.monotonic() - started < timeout:
        if proc.poll() is not None:
            raise AssertionError(f"atelier serve exited {proc.returncode}:\n{_tail(log_path)}")
        try:
            if httpx.get(f"{base_url}/healthz", timeout=2).status_code == 200:
                return time.monotonic() - started
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise AssertionError(f"atelier serve was not healthy within {timeout:.0f}s:\n{_tail(log_path)}")


def stop(proc: subprocess.Popen[bytes], log_path: Path, timeout: float) -> tuple[int, float]:
    """SIGTERM, wait up to ``timeout``; on overrun kill the whole process group and fail."""
    started = time.monotonic()
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
    try:
        code = proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        proc.wait(timeout=30)
        raise AssertionError(
            f"atelier serve did not exit within {timeout:.0f}s of SIGTERM (killed):\n{_tail(log_path)}"
        ) from None
    return code, time.monotonic() - started


def _tail(path: Path, lines: int = 60) -> str:
    try:
        return "\n".join(path.read_text(encoding="utf-8", errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def process_table() -> dict[int, tuple[int, str]]:
    """pid → (parent pid, command line) of every process, read from /proc."""
    table: dict[int, tuple[int, str]] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
        except OSError:
            continue
        # the command name in field 2 may hold spaces and parentheses: split after the last ')'
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        table[int(entry.name)] = (ppid, cmdline)
    return table


def descendants(pid: int) -> dict[int, str]:
    """pid → command line of every live descendant of ``pid``."""
    table = process_table()
    found: dict[int, str] = {}
    frontier = [pid]
    while frontier:
        parent = frontier.pop()
        for child, (ppid, cmdline) in table.items():
            if ppid == parent and child not in found:
                found[child] = cmdline
                frontier.append(child)
    return found


def alive(pids: list[int]) -> list[int]:
    """Those of ``pids`` that still run (zombies count as gone)."""
    running = []
    for pid in pids:
        try:
            state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z":
            running.append(pid)
    return running
