"""Sync views of the async model gateway for pipelines that run in a worker thread."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import numpy as np

from pipelines.embeddings.text import Vectors
from pipelines.llm.types import ChatRequest, ChatResult
from serving.gateway.protocol import ModelGateway

CALL_TIMEOUT_S = 900.0


class GatewayLLM:
    """An LLMBackend whose ``chat`` goes through the gateway (Ray Serve's batching LLM deployment, or
    the in-process backend), called from a worker thread while ``loop`` runs the gateway."""

    supports_json_schema = True

    def __init__(
        self,
        gateway: ModelGateway,
        loop: asyncio.AbstractEventLoop,
        model_id: str,
        concurrent_requests: int | None = None,
    ) -> None:
        self._gateway = gateway
        self._loop = loop
        self.name = f"gateway:{gateway.name}"
        self.model_id = model_id
        self.concurrent_requests = concurrent_requests
        """Requests to keep in flight (the deployment batches them); None: the pipeline sends rounds."""

    def load(self) -> None:
        return None

    def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        future = asyncio.run_coroutine_threadsafe(self._gateway.chat(list(requests)), self._loop)
        return future.result(timeout=CALL_TIMEOUT_S)

    def close(self) -> None:
        return None


class GatewayEncoder:
    """A TextEncoder over the gateway's multilingual sentence encoder."""

    name = "gateway:text_embed"

    def __init__(self, gateway: ModelGateway, loop: asyncio.AbstractEventLoop, dim: int = 512) -> None:
        self._gateway = gateway
        self._loop = loop
        self.dim = dim

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        future = asyncio.run_coroutine_threadsafe(self._gateway.embed_texts(list(texts)), self._loop)
        return np.asarray(future.result(timeout=CALL_TIMEOUT_S), dtype=np.float32)
