"""Where models run and where their weights live: one rule for every backend (torch is passed in, never
imported here)."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any


class DeviceUnavailable(RuntimeError):
    """CUDA was asked for on a machine where torch sees none."""


def placement(torch: Any, device: str, dtype: str) -> tuple[str, str]:
    """``(device, dtype)`` to run on: ``auto`` picks CUDA when there is one; dtype ``auto`` is float16 on
    CUDA and float32 on the CPU (half precision on a CPU is slower, not faster)."""
    cuda = bool(torch.cuda.is_available())
    if device == "auto":
        device = "cuda" if cuda else "cpu"
    if device.startswith("cuda") and not cuda:
        raise DeviceUnavailable(f"device {device!r} asked for, but torch sees no CUDA device here")
    if dtype == "auto":
        dtype = "float16" if device.startswith("cuda") else "float32"
    return device, dtype


MODEL_DIR_ENV = "ATELIER_MODEL_DIR"


def model_dir(explicit: Path | None) -> Path | None:
    """Where weights live: ``explicit``, else ``$ATELIER_MODEL_DIR``, else None."""
    if explicit is not None:
        return explicit.expanduser()
    env = os.environ.get(MODEL_DIR_ENV, "").strip()
    return Path(env).expanduser() if env else None


@contextmanager
def seeded_init(torch: Any, device: str, dtype: str, seed: int) -> Iterator[None]:
    """Build modules inside: parameters are created on ``device`` in ``dtype`` (no float32 copy on the way)
    from ``seed``, without touching the caller's random state or default dtype."""
    rng_devices = [torch.device(device).index or 0] if device.startswith("cuda") else []
    default_dtype = torch.get_default_dtype()
    try:
        torch.set_default_dtype(getattr(torch, dtype))
        with torch.random.fork_rng(devices=rng_devices), torch.device(device):
            torch.manual_seed(seed)
            yield
    finally:
        torch.set_default_dtype(default_dtype)
