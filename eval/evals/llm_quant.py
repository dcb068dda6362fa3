"""Eval "llm_quant": what re-quantizing the default GGUF costs in language quality.

Teacher-forced negative log-likelihood of held-out clean Chinese ad copy under the published Qwen2.5-0.5B
file and under the re-quantized default (Q5_0 matrices as Q4_0): each text is forced through llama.cpp
with a grammar that allows only that text, and the model's log-probability of every token it is made to
take is summed (greedy decoding under such a grammar follows the tokenizer's own split). Lower is better;
the metric that matters is the difference, ``nll_delta_per_token``. Speed is ``atelier bench llm``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from pipelines.llm.config import LLMConfig
from pipelines.llm.llamacpp import LlamaCppBackend

ROOT = Path(__file__).resolve().parents[2]
SOURCES = (
    ROOT.parent / "shared" / "data" / "compliance_dev_zh.jsonl",
    ROOT / "eval" / "datasets" / "compliance_heldout_zh.jsonl",
    ROOT / "eval" / "datasets" / "compliance_val2_zh.jsonl",
    ROOT / "eval" / "datasets" / "compliance_val3_zh.jsonl",
)
"""Clean lines of development sets (never the blind test sets)."""
BASELINE = "qwen2.5-0.5b-instruct"
SYSTEM = "你是一名品牌文案写手。"
ASK = "写一句广告文案。"


def texts(limit: int) -> list[str]:
    """Up to ``limit`` clean lines of 20-120 characters from the development sets, in file order."""
    found: list[str] = []
    for path in SOURCES:
        if not path.is_file():
            continue
        for raw in path.read_text(encoding="utf-8").splitlines():
            row = json.loads(raw) if raw.strip() else {}
            text = str(row.get("text", ""))
            if row and not row.get("violating") and 20 <= len(text) <= 120 and text not in found:
                found.append(text)
    return found[:limit]


def forced_nll(backend: LlamaCppBackend, text: str) -> tuple[float, int]:
    """Summed negative log-likelihood of ``text`` as the answer to a fixed ad-copy request, and its tokens."""
    backend.load()
    server = backend._server
    if server is None:
        raise RuntimeError("the llama.cpp backend did not load")
    body = {
        "messages": [{"role": "system", "content": SYSTEM}, {"role": "user", "content": ASK}],
        "grammar": "root ::= " + json.dumps(text, ensure_ascii=False),
        "max_tokens": 4 * len(text) + 8,
        "temperature": 0,
        "logprobs": True,
        "top_logprobs": 1,
    }
    response = server.handle_chat_completions(body)
    choice = response["choices"][0]
    if choice["message"]["content"] != text:
        raise RuntimeError(f"the grammar did not force the text: {choice['message']['content']!r}")
    logprobs = [float(item["logprob"]) for item in choice["logprobs"]["content"]]
    return -sum(logprobs), len(logprobs)


def score(model: str, lines: list[str]) -> dict[str, float]:
    backend = LlamaCppBackend(LLMConfig(model=model, n_parallel=1))
    try:
        total, tokens = 0.0, 0
        for text in lines:
            nll, count = forced_nll(backend, text)
            total, tokens = total + nll, tokens + count
    finally:
        backend.close()
    chars = sum(len(t) for t in lines)
    return {
        "nll_per_token": round(total / tokens, 4),
        "nll_per_char": round(total / chars, 4),
        "tokens": tokens,
    }


def run(limit: int | str = 200, model: str | None = None) -> dict[str, Any]:
    lines = texts(int(limit))
    candidate = model or LLMConfig().model
    baseline = score(BASELINE, lines)
    quantized = score(candidate, lines)
    return {
        "metrics": {
            "nll_per_token": quantized["nll_per_token"],
            "nll_per_token_published": baseline["nll_per_token"],
            "nll_delta_per_token": round(quantized["nll_per_token"] - baseline["nll_per_token"], 4),
            "texts": float(len(lines)),
        },
        "models": {BASELINE: baseline, candidate: quantized},
    }
