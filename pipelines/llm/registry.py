"""Backends by name; a backend's module (and its heavy library) is imported only when it is opened."""

from __future__ import annotations

from pipelines.base import Registry
from pipelines.llm.config import LLMConfig
from pipelines.llm.protocol import LLMBackend

LLM_BACKENDS = Registry(
    "llm",
    {
        "llamacpp": "pipelines.llm.llamacpp:LlamaCppBackend",
        "openai": "pipelines.llm.openai_compat:OpenAICompatBackend",
        "vllm": "pipelines.llm.vllm_backend:VllmBackend",
        "transformers": "pipelines.llm.transformers_backend:TransformersBackend",
    },
)


def open_llm(config: LLMConfig) -> LLMBackend:
    """The configured backend, not loaded yet (call ``load()`` or let the first ``chat`` do it)."""
    cls = LLM_BACKENDS.resolve(config.backend)
    backend: LLMBackend = cls(config)
    return backend
