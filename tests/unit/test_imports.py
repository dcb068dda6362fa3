"""Importing Atelier pulls in no heavy ML stack and no Ray (registries are lazy; Ray loads at use)."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

HEAVY = ("torch", "transformers", "diffusers", "vllm", "ray")
MODULES = (
    "serving",
    "serving.api",
    "serving.app",
    "serving.cli.main",
    "serving.jobs.kinds",
    "pipelines",
    "pipelines.base",
    "pipelines.diagnostics",
    "asset_store",
    "compliance_rules",
    "eval",
)


def _loaded_after(code: str) -> list[str]:
    probe = f"{code}\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.strip().splitlines()[-1])
    return loaded


def test_imports_pull_in_no_heavy_stack() -> None:
    loaded = _loaded_after("\n".join(f"import {m}" for m in MODULES))
    assert set(MODULES) <= set(loaded)
    heavy = sorted(m for m in loaded if m.split(".")[0] in HEAVY)
    assert heavy == []


@pytest.mark.parametrize("builder", ["serving.app:build_app", "serving.api:create_app"])
def test_builders_are_importable_without_ray(builder: str) -> None:
    module, _, attr = builder.partition(":")
    loaded = _loaded_after(f"from {module} import {attr}\nassert callable({attr})")
    assert not [m for m in loaded if m == "ray" or m.startswith("ray.")]
