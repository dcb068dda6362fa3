"""TransformersBackend on CUDA with a random-weight model of Qwen2.5-0.5B's real architecture (bfloat16).

Measures batched decoding throughput (32 requests × 128 new tokens in one batch); no language quality.
Needs CUDA: tests/gpu runs on the device machine (marker ``gpu``), never on the CPU-only CI machine.
"""

from __future__ import annotations

import json
import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import torch

from pipelines.llm.config import LLMConfig
from pipelines.llm.tiny import build_random_causal_lm, build_tiny_causal_lm
from pipelines.llm.transformers_backend import TransformersBackend
from pipelines.llm.types import ChatMessage, ChatRequest, SamplingParams

pytestmark = [pytest.mark.gpu, pytest.mark.slow]

BATCH, NEW_TOKENS = 32, 128


def ask(text: str, **params: object) -> ChatRequest:
    return ChatRequest(
        messages=(ChatMessage(role="user", content=text),),
        params=SamplingParams.model_validate(params),
    )


@pytest.fixture(scope="module", autouse=True)
def _needs_cuda() -> None:
    if not torch.cuda.is_available():  # CI has no GPU; scripts/gpu_checks.sh runs these on a GPU machine
        pytest.skip("tests/gpu needs CUDA: run scripts/gpu_checks.sh on a GPU machine")


@pytest.fixture(scope="module")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransformersBackend]:
    folder = build_random_causal_lm(tmp_path_factory.mktemp("models") / "qwen2.5-0.5b-random", device="cuda")
    config = LLMConfig(backend="transformers", model=str(folder), device="auto", n_parallel=BATCH, n_ctx=4096)
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        llm = TransformersBackend(config)
        llm.load()
        yield llm
        llm.close()


def test_loads_on_cuda_in_bfloat16(backend: TransformersBackend) -> None:
    assert (backend.device, backend.dtype) == ("cuda", "bfloat16")


def test_batch_of_32_by_128_tokens_throughput(
    backend: TransformersBackend, record_property: Callable[[str, object], None]
) -> None:
    prompts = [
        f"Write slogan number {i} for a summer coffee campaign. 写一句广告语。" * (1 + i % 4)
        for i in range(BATCH)
    ]
    requests = [ask(p, max_tokens=NEW_TOKENS, temperature=0.8, seed=i) for i, p in enumerate(prompts)]
    backend.chat([ask("warm up", max_tokens=8, seed=0)] * 4)
    torch.cuda.synchronize()
    torch.cuda.reset_peak_memory_stats()
    started = time.perf_counter()
    results = backend.chat(requests)
    torch.cuda.synchronize()
    seconds = time.perf_counter() - started

    assert len(results) == BATCH
    # Prompts repeat 1..4 times in turn, so request order shows in the prompt lengths.
    assert all(
        results[i].prompt_tokens < results[i + 1].prompt_tokens for i in range(BATCH - 1) if i % 4 != 3
    )
    assert all(
        r.finish_reason in ("length", "stop") and 1 <= r.completion_tokens <= NEW_TOKENS for r in results
    )
    # A random model samples the EOS id about once in 150k draws: nearly every row runs to max_tokens.
    generated = sum(r.completion_tokens for r in results)
    assert generated >= 0.9 * BATCH * NEW_TOKENS
    throughput = generated / seconds
    stats = {
        "device": torch.cuda.get_device_name(),
        "batch": BATCH,
        "new_tokens": NEW_TOKENS,
        "generated_tokens": generated,
        "seconds": round(seconds, 3),
        "tokens_per_s": round(throughput, 1),
        "peak_gib": round(torch.cuda.max_memory_allocated() / 2**30, 2),
    }
    for key, value in stats.items():
        record_property(key, value)
    print("\nqwen2.5-0.5b random, transformers backend:", json.dumps(stats))
    if out := os.environ.get("ATELIER_GPU_BENCH_JSON"):
        Path(out).write_text(json.dumps(stats))
    assert throughput > 500, stats


def test_seeded_requests_repeat_on_cuda(tmp_path: Path) -> None:
    # The tiny model's 512-token vocabulary decodes every sampled id, so texts can be compared.
    folder = build_tiny_causal_lm(tmp_path / "tiny")
    llm = TransformersBackend(LLMConfig(backend="transformers", model=str(folder), device="cuda"))
    requests = [ask(f"prompt {i}", max_tokens=16, seed=100 + i % 2) for i in range(4)]
    first, again = llm.chat(requests), llm.chat(requests)
    llm.close()
    assert llm.device == "cuda"
    assert [r.text for r in first] == [r.text for r in again]
    assert len({r.text for r in first}) == 4 and all(r.text for r in first)
