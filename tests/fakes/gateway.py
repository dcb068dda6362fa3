"""A full in-memory implementation of the ModelGateway contract for route and job tests."""

from __future__ import annotations

import asyncio
import hashlib

from pipelines.diagnostics import EchoRequest, EchoResult


class FakeGateway:
    """Deterministic echo; can be told to fail, to block until released, or to report unready."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[EchoRequest] = []
        self.fail_with: Exception | None = None
        self.ready = True
        self.gate: asyncio.Event | None = None  # when set, echo waits for the gate to open
        self.closed = False

    async def echo(self, request: EchoRequest) -> EchoResult:
        self.calls.append(request)
        if self.gate is not None:
            await self.gate.wait()
        if self.fail_with is not None:
            raise self.fail_with
        return EchoResult(
            message=request.message,
            step=request.step,
            sha256=hashlib.sha256(request.message.encode()).hexdigest(),
            length=len(request.message),
            worker_host="fake",
            worker_pid=0,
            elapsed_ms=0.0,
        )

    async def check(self) -> dict[str, str]:
        return {"echo": "ok" if self.ready else "unreachable: fake"}

    async def aclose(self) -> None:
        self.closed = True
