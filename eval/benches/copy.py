"""Bench "copy": 100 variants per brief with the configured LLM (default: Qwen2.5-0.5B GGUF on CPU
through llama.cpp), the multilingual encoder for de-duplication and the compliance engine in the loop.

Per brief: seconds for its variants, the share within platform limits, the share passing compliance
(not blocked), the highest cosine between two variants (multilingual USE), distinct-2, tokens/s. The
headline ``metrics`` are the worst brief for time and limits (the target holds per brief) and the
means for the rest. ``--option briefs=N`` runs the first N briefs, ``--option only=ID[,ID]`` the named
ones, ``--option variants=N`` asks N each.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

from compliance_rules.checker import Checker
from pipelines.embeddings.text import UseMultilingualEncoder
from pipelines.llm.config import LLMConfig
from pipelines.llm.registry import open_llm
from serving.generation.copy_settings import CopywritingSettings
from serving.generation.copywriting.brief import parse_brief
from serving.generation.copywriting.metrics import summarise
from serving.generation.copywriting.pipeline import CopywritingPipeline

ROOT = Path(__file__).resolve().parents[2]
BRIEFS = ROOT / "eval" / "datasets" / "copy_briefs_zh.jsonl"


def _settings() -> tuple[LLMConfig, CopywritingSettings]:
    """The LLM and the pipeline settings from ATELIER_LLM__* and ATELIER_COPYWRITING__* variables
    (defaults otherwise), as the server would read them."""
    from serving.settings import Settings

    settings = Settings()
    return settings.llm_config(), settings.copywriting


def _device(llm: object) -> str:
    """Where the model runs: the GPU's name when the backend placed it on CUDA, else ``cpu``."""
    if str(getattr(llm, "device", "cpu")).startswith("cuda"):
        import torch

        return str(torch.cuda.get_device_name(0))
    return "cpu"


def run(
    briefs: int | str | None = None, variants: int | str | None = None, only: str | None = None
) -> dict[str, Any]:
    rows = [json.loads(line) for line in BRIEFS.read_text(encoding="utf-8").splitlines() if line.strip()]
    if only is not None:
        wanted = [name.strip() for name in str(only).split(",") if name.strip()]
        unknown = sorted(set(wanted) - {row["id"] for row in rows})
        if unknown:
            known = ", ".join(row["id"] for row in rows)
            raise ValueError(f"unknown brief id(s) {', '.join(unknown)}; known: {known}")
        rows = [row for row in rows if row["id"] in wanted]
    if briefs is not None:
        if int(briefs) < 1:
            raise ValueError(f"briefs must be at least 1 (there are {len(rows)} in {BRIEFS.name})")
        rows = rows[: int(briefs)]
    load_before = [round(x, 2) for x in os.getloadavg()]
    config, copy_settings = _settings()
    llm = open_llm(config)
    llm.load()
    encoder = UseMultilingualEncoder()
    encoder.load()
    checker = Checker.builtin()
    pipeline = CopywritingPipeline(llm, encoder, checker, copy_settings)
    per_brief: dict[str, dict[str, Any]] = {}
    for row in rows:
        brief_id = row.pop("id")
        if variants is not None:
            row["num_variants"] = int(variants)
        result = pipeline.run(parse_brief(row))
        summary: dict[str, Any] = summarise(result, encoder)
        summary["shortfall"] = result.shortfall
        summary["examples"] = [v.fields for v in result.variants[:3]]
        per_brief[brief_id] = summary
    values = list(per_brief.values())

    def mean(key: str) -> float:
        return round(sum(float(v[key]) for v in values) / len(values), 4)

    metrics = {
        "seconds_per_100": max(float(v["seconds_per_100"]) for v in values),
        "within_limits_rate": min(float(v["within_limits_rate"]) for v in values),
        "compliance_pass_rate": mean("compliance_pass_rate"),
        "max_pair_cosine": max(float(v["max_pair_cosine"]) for v in values),
        "distinct_2": mean("distinct_2"),
        "tokens_per_s": mean("tokens_per_s"),
        "briefs": float(len(values)),
    }
    device = _device(llm)
    name = "copy" if device == "cpu" else "copy-gpu"  # a GPU run sits beside the CPU one
    if only is not None:
        name = f"{name}-{'-'.join(per_brief)}"
    return {
        "metrics": metrics,
        "per_brief": per_brief,
        "llm": {"backend": config.backend, "model": config.model, "model_id": llm.model_id},
        "device": device,
        "batch_size": copy_settings.batch_size,
        "cpu_count": os.cpu_count(),
        "load_average": {"before": load_before, "after": [round(x, 2) for x in os.getloadavg()]},
    } | ({"result_name": name} if name != "copy" else {})
