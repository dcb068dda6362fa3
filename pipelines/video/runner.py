"""ffmpeg / ffprobe binaries and one way to run them: a subprocess with a timeout, progress from
``-progress pipe:1`` and cooperative cancel (the process is killed, its partial output is the caller's
to remove). The binaries are found as :mod:`pipelines.frames` finds them (``ATELIER_FFMPEG`` /
``ATELIER_FFPROBE`` or PATH); ffmpeg falls back to the one bundled with ``imageio-ffmpeg``."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable, Sequence
from functools import lru_cache
from pathlib import Path

from pipelines.base import MissingDependency
from pipelines.frames import _binary
from pipelines.video.errors import RenderCancelled, RenderError

Progress = Callable[[float], None]
"""Called with the fraction done (0..1) of the running step."""
Cancel = Callable[[], bool]
"""Returns True when the caller wants the render stopped."""


@lru_cache(maxsize=1)
def ffmpeg_exe() -> str:
    """The ffmpeg binary: ``ATELIER_FFMPEG``, PATH, then the one inside ``imageio-ffmpeg``."""
    try:
        return _binary("ffmpeg")
    except MissingDependency:
        try:
            import imageio_ffmpeg
        except ImportError:
            raise MissingDependency(
                "ffmpeg not found: install the Debian package 'ffmpeg' or 'imageio-ffmpeg'"
            ) from None
        return str(imageio_ffmpeg.get_ffmpeg_exe())


def ffprobe_exe() -> str:
    """The ffprobe binary (``ATELIER_FFPROBE`` or PATH; imageio-ffmpeg ships none)."""
    return _binary("ffprobe")


def run_tool(args: Sequence[str], *, what: str, timeout: float, cwd: Path | None = None) -> bytes:
    """Run a command to completion; its stdout, or RenderError with the last lines of stderr."""
    try:
        done = subprocess.run(list(args), capture_output=True, timeout=timeout, check=False, cwd=cwd)
    except subprocess.TimeoutExpired:
        raise RenderError(what, f"took longer than {timeout:.0f} s") from None
    if done.returncode != 0:
        raise RenderError(what, _tail(done.stderr))
    return done.stdout


def run_ffmpeg(
    args: Sequence[str],
    *,
    what: str,
    duration: float,
    timeout: float,
    cwd: Path | None = None,
    progress: Progress | None = None,
    cancel: Cancel | None = None,
    global_args: Sequence[str] = (),
) -> None:
    """Run ffmpeg (``args`` without the binary) reporting progress over ``duration`` seconds of output
    while it runs (the caller reports completion); ``global_args`` go before the inputs.

    Raises RenderError on failure or timeout, RenderCancelled when ``cancel()`` turns true."""
    cmd = [ffmpeg_exe(), "-hide_banner", "-nostdin", "-y", "-v", "error", "-progress", "pipe:1"]
    cmd += ["-stats_period", "0.25", *global_args, *args]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=cwd)
    errors: list[bytes] = []
    reader = threading.Thread(target=lambda: errors.append(proc.stderr.read() if proc.stderr else b""))
    reader.start()
    expired = threading.Event()

    def expire() -> None:
        expired.set()
        proc.kill()

    timer = threading.Timer(timeout, expire)
    timer.start()
    cancelled = False
    try:
        assert proc.stdout is not None
        for raw in proc.stdout:
            if cancel is not None and cancel():
                cancelled = True
                proc.kill()
                break
            key, _, value = raw.decode("ascii", "replace").strip().partition("=")
            if progress is not None and key == "out_time_us" and value.isdigit() and duration > 0:
                progress(min(0.99, int(value) / 1e6 / duration))
        returncode = proc.wait()
    finally:
        timer.cancel()
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        reader.join()
    if cancelled:
        raise RenderCancelled(what, "cancelled")
    if returncode != 0:
        raise RenderError(
            what, f"took longer than {timeout:.0f} s" if expired.is_set() else _tail(b"".join(errors))
        )


def _tail(stderr: bytes) -> str:
    lines = stderr.decode("utf-8", "replace").strip().splitlines()[-4:]
    return " | ".join(lines) or "no message"


@lru_cache(maxsize=1)
def encoders() -> frozenset[str]:
    """Video encoder names this ffmpeg lists (``ffmpeg -encoders``)."""
    out = run_tool([ffmpeg_exe(), "-hide_banner", "-encoders"], what="ffmpeg -encoders", timeout=30)
    names = set()
    for line in out.decode("utf-8", "replace").splitlines():
        parts = line.split()
        if len(parts) >= 2 and len(parts[0]) == 6 and parts[0][0] == "V":
            names.add(parts[1])
    return frozenset(names)


_HIDDEN = ("", "-1", "none", "nodevfiles", "void")
"""``CUDA_VISIBLE_DEVICES`` values that hide every GPU from CUDA (and so from NVENC)."""


def gpu_present(dev: Path = Path("/dev")) -> bool:
    """An NVIDIA device node is visible in ``dev`` and ``CUDA_VISIBLE_DEVICES`` does not hide every GPU
    (NVENC needs both, whatever ``-encoders`` lists)."""
    hidden = os.environ.get("CUDA_VISIBLE_DEVICES")
    if hidden is not None and hidden.strip().lower() in _HIDDEN:
        return False
    return (dev / "nvidiactl").exists() or (dev / "nvidia0").exists()
