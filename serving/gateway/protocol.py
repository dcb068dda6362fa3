"""ModelGateway: everything the API asks of model deployments, and nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from pipelines.diagnostics import EchoRequest, EchoResult
from pipelines.llm.types import ChatRequest, ChatResult


@runtime_checkable
class ModelGateway(Protocol):
    """Implemented in-process (tests, single process), over Ray Serve handles, and by test fakes."""

    name: str

    async def echo(self, request: EchoRequest) -> EchoResult:
        """Run the diagnostic echo model on a model deployment."""
        ...

    async def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        """Complete chat requests on the LLM deployment (batched there); results in order."""
        ...

    async def embed_texts(self, texts: Sequence[str]) -> list[list[float]]:
        """L2-normalised multilingual sentence embeddings, one per text."""
        ...

    async def check(self) -> dict[str, str]:
        """Readiness of each model deployment: ``{deployment: "ok" | reason}``."""
        ...

    async def aclose(self) -> None:
        """Release resources."""
        ...
