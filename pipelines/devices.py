"""Where a torch model runs: one rule for every backend (no torch import here; callers pass it in)."""

from __future__ import annotations

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
