"""Bench "llm": decoding throughput of the configured LLM backend at several batch sizes.

Each batch size sends that many chat requests at once (Chinese ad-copy prompts, ``new_tokens`` new
tokens each, sampling, distinct seeds) after a warm-up, and reports completion tokens per second of wall
time. Default: the configured backend (llama.cpp, Qwen2.5-0.5B GGUF, CPU). With ``model=random:PRESET``
and ``backend=transformers`` it builds a random-weight model of a real architecture (e.g. ``random:
qwen2.5-0.5b``) for GPU speed where real weights cannot be carried: tokens/s only, no language quality.
"""

from __future__ import annotations

import os
import platform
import tempfile
import time
from pathlib import Path
from typing import Any

from pipelines.llm.config import LLMConfig
from pipelines.llm.registry import open_llm
from pipelines.llm.types import ChatMessage, ChatRequest, SamplingParams

PROMPTS = (
    "为一款燕麦拿铁写一句小红书标题，20字以内。",
    "写一段抖音口播开场白，介绍一款降噪耳机，口语化。",
    "给一款维C精华写三条淘宝卖点，每条不超过15字。",
    "为写字楼电梯屏写一句秋季咖啡新品的广告语。",
)


def _config(backend: str | None, model: str | None, device: str | None, n_parallel: int) -> LLMConfig:
    try:
        from serving.settings import Settings

        base = Settings().llm_config()
    except ImportError:  # a bare GPU image without the serving stack: defaults plus the options
        base = LLMConfig()
    update: dict[str, Any] = {"n_parallel": n_parallel}
    if backend:
        update["backend"] = backend
    if model:
        update["model"] = model
    if device:
        update["device"] = device
    return base.model_copy(update=update)


def _requests(count: int, new_tokens: int) -> list[ChatRequest]:
    return [
        ChatRequest(
            messages=(ChatMessage(role="user", content=PROMPTS[i % len(PROMPTS)]),),
            params=SamplingParams(max_tokens=new_tokens, temperature=0.8, seed=i),
        )
        for i in range(count)
    ]


def run(
    backend: str | None = None,
    model: str | None = None,
    device: str | None = None,
    batches: str = "1,4",
    new_tokens: int | str = 64,
) -> dict[str, Any]:
    sizes = [int(b) for b in str(batches).split(",") if b.strip()]
    new_tokens = int(new_tokens)
    workdir = tempfile.mkdtemp(prefix="atelier-llm-bench-")
    random_weights = bool(model and model.startswith("random:"))
    if model and model.startswith("random:"):
        from pipelines.llm.tiny import build_random_causal_lm

        model = str(
            build_random_causal_lm(Path(workdir) / "model", model.split(":", 1)[1], device=device or "cpu")
        )
    config = _config(backend, model, device, max(sizes))
    llm = open_llm(config)
    started = time.perf_counter()
    llm.load()
    load_seconds = time.perf_counter() - started
    llm.chat(_requests(min(2, max(sizes)), 8))  # warm-up
    rows: dict[str, dict[str, float]] = {}
    for size in sizes:
        requests = _requests(size, new_tokens)
        started = time.perf_counter()
        results = llm.chat(requests)
        seconds = time.perf_counter() - started
        tokens = sum(r.completion_tokens for r in results)
        errors = sum(r.finish_reason == "error" for r in results)
        rows[str(size)] = {
            "seconds": round(seconds, 3),
            "completion_tokens": float(tokens),
            "tokens_per_s": round(tokens / seconds, 2) if seconds else 0.0,
            "errors": float(errors),
        }
    llm.close()
    best = max(rows.values(), key=lambda r: r["tokens_per_s"])
    metrics = {
        "tokens_per_s": rows[str(sizes[0])]["tokens_per_s"],
        "batched_tokens_per_s": best["tokens_per_s"],
        "load_seconds": round(load_seconds, 2),
    }
    device_name = "cpu"
    try:
        import torch

        if torch.cuda.is_available() and (device or config.device) != "cpu":
            device_name = torch.cuda.get_device_name(0)
    except ImportError:
        pass
    name = "llm" if device_name == "cpu" else "llm-gpu"
    if model and not random_weights and model != LLMConfig().model:
        name += "-" + llm.model_id  # another model than the default: its own result file
    return {
        "metrics": metrics,
        "result_name": name,
        "by_batch": rows,
        "llm": {"backend": config.backend, "model": model or config.model, "model_id": llm.model_id},
        "new_tokens": new_tokens,
        "device": device_name,
        "cpu_count": os.cpu_count(),
        "machine": platform.node(),
        "random_weights": random_weights,
    }
