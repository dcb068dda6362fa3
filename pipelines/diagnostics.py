"""A diagnostic "model" that proves a model deployment is reachable and doing work.

It fingerprints the message (sha256, length) and reports which worker process answered, so an
echo job run through Ray Serve shows the request really crossed to a replica.
"""

from __future__ import annotations

import hashlib
import os
import socket
import time
from typing import ClassVar

from pydantic import BaseModel, ConfigDict, Field

from pipelines.base import Model


class EchoRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    message: str = Field(max_length=10_000, description="Text to echo back.")
    step: int = Field(default=0, ge=0, description="Which step of a multi-step job this is.")
    seed: int | None = Field(default=None, description="Accepted for pipeline-argument parity; unused.")


class EchoResult(BaseModel):
    message: str
    step: int
    sha256: str
    length: int
    worker_host: str
    worker_pid: int
    elapsed_ms: float


class EchoModel(Model[EchoRequest, EchoResult]):
    """Deterministic echo with a fingerprint of the input and the worker's identity."""

    task: ClassVar[str] = "diagnostics"
    kind: ClassVar[str] = "echo"

    def _load(self) -> None:
        self._host = socket.gethostname()

    def _predict(self, request: EchoRequest) -> EchoResult:
        started = time.perf_counter()
        digest = hashlib.sha256(request.message.encode()).hexdigest()
        return EchoResult(
            message=request.message,
            step=request.step,
            sha256=digest,
            length=len(request.message),
            worker_host=self._host,
            worker_pid=os.getpid(),
            elapsed_ms=(time.perf_counter() - started) * 1000,
        )
