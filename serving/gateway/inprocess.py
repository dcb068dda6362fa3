"""Gateway that runs pipelines in this process (``atelier serve --no-ray`` and tests)."""

from __future__ import annotations

import asyncio

from pipelines.diagnostics import EchoModel, EchoRequest, EchoResult


class InProcessGateway:
    name = "inprocess"

    def __init__(self) -> None:
        self._echo = EchoModel()

    async def echo(self, request: EchoRequest) -> EchoResult:
        return await asyncio.to_thread(self._echo.predict, request)

    async def check(self) -> dict[str, str]:
        return {"echo": "ok"}

    async def aclose(self) -> None:
        return None
