"""Registry and runner for benchmarks and evals; results land in eval/results/."""

from __future__ import annotations

import importlib
import json
import os
import platform
import subprocess
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Literal

Kind = Literal["bench", "eval"]
RESULTS_DIR = Path(__file__).resolve().parent / "results"

# name → "module:function"; the function takes keyword options (none by default) and returns
# {"metrics": {...}, ...}.
BENCHES: dict[str, str] = {
    "api": "eval.benches.api:run",
    "asset-store": "eval.benches.asset_store:run",
    "compliance": "eval.benches.compliance:run",
    "copy": "eval.benches.copy:run",
    "export": "eval.benches.export:run",
    "gpu": "eval.benches.gpu:run",
    "llm": "eval.benches.llm:run",
    "poster": "eval.benches.poster:run",
    "search": "eval.benches.search:run",
    "studio": "eval.benches.studio:run",
    "video": "eval.benches.video:run",
    "vision": "eval.benches.vision:run",
    "webhooks": "eval.benches.webhooks:run",
}
EVALS: dict[str, str] = {
    "compliance": "eval.evals.compliance:run",
    "compliance_models": "eval.evals.compliance_models:run",
    "llm_quant": "eval.evals.llm_quant:run",
    "vision": "eval.evals.vision:run",
}


def registry(kind: Kind) -> dict[str, str]:
    return BENCHES if kind == "bench" else EVALS


def resolve(kind: Kind, name: str) -> Callable[..., dict[str, Any]]:
    entries = registry(kind)
    if name not in entries:
        known = ", ".join(sorted(entries)) or "none yet"
        raise KeyError(f"unknown {kind} {name!r}; known: {known}")
    module_name, _, attr = entries[name].partition(":")
    function: Callable[..., dict[str, Any]] = getattr(importlib.import_module(module_name), attr)
    return function


def _git_commit() -> str | None:
    """The checkout's short commit; ``$ATELIER_COMMIT`` where the tree travelled without its .git."""
    if pinned := os.environ.get("ATELIER_COMMIT", "").strip():
        return pinned
    try:
        out = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, timeout=5
        )
    except OSError:
        return None
    return out.stdout.strip() or None


def run(
    kind: Kind, name: str, results_dir: Path = RESULTS_DIR, options: dict[str, Any] | None = None
) -> dict[str, Any]:
    """Run one bench/eval and write its result JSON; returns the result object.

    ``options`` (e.g. ``{"dataset": path}``) are passed to the function; an outcome may name its result
    file with ``"result_name"`` (so a held-out run does not overwrite the dev-set result)."""
    function = resolve(kind, name)
    started = time.perf_counter()
    outcome = function(**(options or {}))
    result_name = str(outcome.pop("result_name", name))
    result: dict[str, Any] = {
        "name": name,
        "kind": kind,
        "metrics": outcome["metrics"],
        **{k: v for k, v in outcome.items() if k != "metrics"},
        "run": {
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "seconds": round(time.perf_counter() - started, 3),
            "commit": _git_commit(),
            "machine": f"{platform.machine()} {platform.processor() or ''}".strip(),
            "python": platform.python_version(),
        },
    }
    results_dir.mkdir(parents=True, exist_ok=True)
    path = results_dir / f"{result_name}.json"
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(result, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)
    return result
