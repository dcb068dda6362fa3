"""The protocol every LLM backend implements, and the errors they raise."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from pipelines.llm.types import ChatRequest, ChatResult


class LLMError(RuntimeError):
    """A backend failed to load or to answer (the message says why and what to do)."""


class ModelNotAvailable(LLMError):
    """The configured model is not on this machine (no download happens at run time)."""


@runtime_checkable
class LLMBackend(Protocol):
    """Chat completion over a batch of requests; loading is lazy and thread-safe."""

    name: str
    """Backend name, e.g. ``llamacpp``."""
    model_id: str
    """What is loaded, e.g. ``qwen2.5-0.5b-instruct-q4_k_m``; recorded in lineage."""
    supports_json_schema: bool
    """Whether ``SamplingParams.json_schema`` constrains decoding (else the caller validates)."""

    def load(self) -> None:
        """Load the model (idempotent)."""
        ...

    def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        """Complete every request; results in the same order. Backends batch where they can."""
        ...

    def close(self) -> None:
        """Free the model."""
        ...
