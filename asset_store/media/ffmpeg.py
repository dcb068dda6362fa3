"""The one place that runs ffmpeg and ffprobe: locating the binaries, timeouts, and safe input options.

Binaries come from ``$ATELIER_FFMPEG`` / ``$ATELIER_FFPROBE`` (a path or a name on ``PATH``) or else
``PATH``. Inputs are always opened as ``file:`` URLs with a forced demuxer and the ``file`` protocol only,
so an uploaded playlist or concat script can never make ffmpeg read other files or the network.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from asset_store.errors import InvalidAsset, MissingDependency

Tool = Literal["ffmpeg", "ffprobe"]
DEBIAN_PACKAGE = "ffmpeg"
PROBE_TIMEOUT_S = 30.0
DECODE_TIMEOUT_S = 60.0
FRAME_TIMEOUT_S = 30.0
_ENV = {"ffmpeg": "ATELIER_FFMPEG", "ffprobe": "ATELIER_FFPROBE"}


@dataclass(frozen=True)
class ToolResult:
    """A finished run: exit status, raw stdout and decoded stderr."""

    returncode: int
    stdout: bytes
    stderr: str


def find_binary(tool: Tool) -> str:
    """The path of ``tool``; MissingDependency naming the Debian package if it is not installed."""
    env_name = _ENV[tool]
    configured = os.environ.get(env_name)
    found = shutil.which(configured or tool)
    if found is None:
        where = f"${env_name}={configured!r}" if configured else "PATH"
        raise MissingDependency(
            f"{tool} not found on {where}: install the Debian package '{DEBIAN_PACKAGE}' "
            f"(apt-get install {DEBIAN_PACKAGE}) or point ${env_name} at the binary",
            details={"binary": tool, "package": DEBIAN_PACKAGE, "env": env_name},
        )
    return found


def run_tool(tool: Tool, args: list[str], *, timeout_s: float) -> ToolResult:
    """Run ``tool`` with ``args``; a timeout means the input is hostile or broken (corrupt_file)."""
    command = [find_binary(tool), "-hide_banner", *args]
    try:
        done = subprocess.run(
            command, stdin=subprocess.DEVNULL, capture_output=True, timeout=timeout_s, check=False
        )
    except subprocess.TimeoutExpired as exc:
        raise InvalidAsset(
            f"{tool} did not finish within {timeout_s:g} s",
            code="corrupt_file",
            details={"tool": tool, "timeout_s": timeout_s},
        ) from exc
    return ToolResult(done.returncode, done.stdout, done.stderr.decode("utf-8", errors="replace"))


def input_args(path: Path, demuxer: str, *, start_s: float | None = None) -> list[str]:
    """Options that open ``path`` with one demuxer and local-file access only."""
    seek = ["-ss", f"{start_s:.3f}"] if start_s else []
    return [*seek, "-protocol_whitelist", "file", "-f", demuxer, "-i", f"file:{path.resolve()}"]


def probe(path: Path, demuxer: str, *, timeout_s: float = PROBE_TIMEOUT_S) -> dict[str, Any]:
    """ffprobe's format and streams as JSON; corrupt_file if ffprobe cannot read the file."""
    args = ["-v", "error", "-print_format", "json", "-show_format", "-show_streams"]
    result = run_tool("ffprobe", [*args, *input_args(path, demuxer)], timeout_s=timeout_s)
    if result.returncode != 0:
        raise InvalidAsset(
            "the media file cannot be read (corrupt or truncated)",
            code="corrupt_file",
            details={"tool": "ffprobe", "error": result.stderr.strip()[-500:]},
        )
    try:
        parsed = json.loads(result.stdout)
    except ValueError as exc:
        raise InvalidAsset("ffprobe returned no usable report", code="corrupt_file") from exc
    if not isinstance(parsed, dict):
        raise InvalidAsset("ffprobe returned no usable report", code="corrupt_file")
    return parsed


def decode(
    path: Path, demuxer: str, *, stream: str, start_s: float | None, length_s: float | None
) -> tuple[ToolResult, int]:
    """Decode one stream (``v:0`` or ``a:0``) over a window; returns the run and the frames decoded."""
    window = ["-t", f"{length_s:.3f}"] if length_s else []
    args = ["-nostdin", "-v", "error", "-xerror", *input_args(path, demuxer, start_s=start_s)]
    args += [*window, "-map", f"0:{stream}", "-f", "framecrc", "-"]
    result = run_tool("ffmpeg", args, timeout_s=DECODE_TIMEOUT_S)
    frames = sum(1 for line in result.stdout.splitlines() if line and not line.startswith(b"#"))
    return result, frames


def grab_frame(path: Path, demuxer: str, *, at_s: float, max_side: int) -> bytes:
    """One video frame at ``at_s`` as PNG bytes, scaled down to fit ``max_side`` (empty if none there)."""
    square = "scale='max(1,round(iw*sar))':ih,setsar=1"  # anamorphic pixels to display aspect
    fit = f"scale='min({max_side},iw)':'min({max_side},ih)':force_original_aspect_ratio=decrease"
    args = ["-nostdin", "-v", "error", *input_args(path, demuxer, start_s=at_s)]
    args += [
        "-map",
        "0:v:0",
        "-frames:v",
        "1",
        "-vf",
        f"{square},{fit}",
        "-f",
        "image2pipe",
        "-c:v",
        "png",
        "-",
    ]
    result = run_tool("ffmpeg", args, timeout_s=FRAME_TIMEOUT_S)
    if result.returncode != 0:
        raise InvalidAsset(
            "no frame could be extracted from the video",
            code="corrupt_file",
            details={"tool": "ffmpeg", "error": result.stderr.strip()[-500:]},
        )
    return result.stdout
