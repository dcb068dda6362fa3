"""Ray Serve deployments of the copywriting LLM (batched) and the multilingual text encoder."""

from __future__ import annotations

import asyncio
from typing import Any

from ray import serve

from pipelines.llm.protocol import LLMBackend
from pipelines.llm.registry import open_llm
from pipelines.llm.types import ChatRequest
from serving.settings import Settings


class LLMDeployment:
    """One backend per replica; concurrent requests are grouped by ``@serve.batch`` and decoded together
    (llama.cpp parallel slots, a transformers batch, vLLM continuous batching)."""

    def __init__(self, max_batch_size: int = 8, batch_wait_timeout_s: float = 0.02) -> None:
        self._backend: LLMBackend = open_llm(Settings().llm_config())
        self._backend.load()
        batched: Any = self.chat_batch  # serve.batch adds these setters to the bound method
        batched.set_max_batch_size(max_batch_size)
        batched.set_batch_wait_timeout_s(batch_wait_timeout_s)

    @serve.batch(max_batch_size=8, batch_wait_timeout_s=0.02)
    async def chat_batch(self, payloads: list[dict[str, Any]]) -> list[dict[str, Any]]:
        requests = [ChatRequest.model_validate(p) for p in payloads]
        results = await asyncio.to_thread(self._backend.chat, requests)
        return [r.model_dump() for r in results]

    async def chat(self, payload: dict[str, Any]) -> dict[str, Any]:
        result: dict[str, Any] = await self.chat_batch(payload)
        return result

    def ping(self) -> str:
        return "ok"


class TextEmbedDeployment:
    """The multilingual sentence encoder (dedupe of variants, text search)."""

    def __init__(self) -> None:
        from pipelines.embeddings.text import UseMultilingualEncoder

        self._encoder = UseMultilingualEncoder()
        self._encoder.encode(["warm-up"])

    def embed(self, texts: list[str]) -> list[list[float]]:
        return [[float(v) for v in row] for row in self._encoder.encode(texts)]

    def ping(self) -> str:
        return "ok"
