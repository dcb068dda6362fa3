"""Backend for any OpenAI-compatible chat server (vLLM, llama.cpp server, SGLang, a hosted API).

Requests go out concurrently (up to ``n_parallel`` at once) over one pooled ``httpx.Client``; ``chat()``
stays synchronous. A request that fails (HTTP error, timeout, refused connection, malformed answer)
becomes a ``ChatResult`` with ``finish_reason="error"``; the other requests are unaffected.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import httpx

from pipelines.llm.config import LLMConfig
from pipelines.llm.protocol import LLMError
from pipelines.llm.types import ChatRequest, ChatResult, FinishReason

_FINISH: dict[str, FinishReason] = {
    "stop": "stop",
    "length": "length",
    "eos": "stop",
    "stop_sequence": "stop",
}


def build_payload(model: str, request: ChatRequest) -> dict[str, Any]:
    """The ``/chat/completions`` body for one request (JSON schema as ``response_format``)."""
    params = request.params
    body: dict[str, Any] = {
        "model": model,
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "max_tokens": params.max_tokens,
        "temperature": params.temperature,
        "top_p": params.top_p,
    }
    if params.seed is not None:
        body["seed"] = params.seed
    if params.stop:
        body["stop"] = list(params.stop)
    if params.presence_penalty:
        body["presence_penalty"] = params.presence_penalty
    if params.frequency_penalty:
        body["frequency_penalty"] = params.frequency_penalty
    if params.json_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": params.json_schema, "strict": True},
        }
    return body


def parse_response(data: Any, fallback_model: str, seconds: float) -> ChatResult:
    """A ``ChatResult`` from a ``/chat/completions`` JSON answer (raises ``LLMError`` if malformed)."""
    try:
        choice = data["choices"][0]
        text = choice["message"].get("content") or ""
        reason = choice.get("finish_reason") or "stop"
        usage = data.get("usage") or {}
        return ChatResult(
            text=str(text),
            finish_reason=_FINISH.get(str(reason), "stop"),
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            seconds=seconds,
            model=str(data.get("model") or fallback_model),
        )
    except (KeyError, IndexError, TypeError, AttributeError, ValueError) as exc:
        raise LLMError(f"malformed chat completion: {str(data)[:300]}") from exc


class OpenAICompatBackend:
    """Chat completions from an OpenAI-compatible HTTP server at ``config.base_url``."""

    name = "openai"
    supports_json_schema = True

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.concurrent_requests = config.n_parallel
        """Single requests the server takes at once: callers may keep this many in flight."""
        self.model_id = config.model
        self._client: httpx.Client | None = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Open the HTTP client (idempotent); no request is sent."""
        if self._client is not None:
            return
        with self._lock:
            if self._client is not None:
                return
            if not self.config.base_url:
                raise LLMError(
                    "llm.base_url is not set: the openai backend needs the server's base URL, "
                    "e.g. ATELIER_LLM__BASE_URL=http://vllm:8000/v1"
                )
            headers = {"Accept": "application/json"}
            if self.config.api_key is not None:
                headers["Authorization"] = f"Bearer {self.config.api_key.get_secret_value()}"
            n = self.config.n_parallel
            self._client = httpx.Client(
                base_url=self.config.base_url.rstrip("/") + "/",
                headers=headers,
                timeout=httpx.Timeout(self.config.timeout_s, connect=min(10.0, self.config.timeout_s)),
                limits=httpx.Limits(max_connections=n, max_keepalive_connections=n),
            )

    def close(self) -> None:
        """Close the HTTP client."""
        with self._lock:
            client, self._client = self._client, None
        if client is not None:
            client.close()

    def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        """Send every request (``n_parallel`` in flight at most); results in the same order."""
        self.load()
        if len(requests) <= 1:
            return [self._one(r) for r in requests]
        with ThreadPoolExecutor(max_workers=min(self.config.n_parallel, len(requests))) as pool:
            return list(pool.map(self._one, requests))

    def _one(self, request: ChatRequest) -> ChatResult:
        client = self._client
        if client is None:
            raise LLMError("the openai backend was closed")
        started = time.perf_counter()
        try:
            response = client.post("chat/completions", json=build_payload(self.config.model, request))
            if response.status_code >= 400:
                raise LLMError(f"HTTP {response.status_code} from {response.url}: {response.text[:300]}")
            return parse_response(response.json(), self.config.model, time.perf_counter() - started)
        except (httpx.HTTPError, LLMError, ValueError) as exc:
            return ChatResult(
                text="",
                finish_reason="error",
                prompt_tokens=0,
                completion_tokens=0,
                seconds=time.perf_counter() - started,
                model=self.config.model,
                error=f"{type(exc).__name__}: {exc}" if isinstance(exc, httpx.HTTPError) else str(exc),
            )
