"""Gateway over Ray Serve deployment handles (the production path)."""

from __future__ import annotations

import asyncio
from typing import Any

from pipelines.diagnostics import EchoRequest, EchoResult

CHECK_TIMEOUT_S = 5.0


class RayServeGateway:
    """Calls model deployments through their handles; payloads cross as plain dicts."""

    name = "ray_serve"

    def __init__(self, echo_handle: Any) -> None:
        self._echo = echo_handle

    async def echo(self, request: EchoRequest) -> EchoResult:
        payload = await self._echo.predict.remote(request.model_dump())
        return EchoResult.model_validate(payload)

    async def check(self) -> dict[str, str]:
        try:
            status = await asyncio.wait_for(self._echo.ping.remote(), CHECK_TIMEOUT_S)
        except Exception as exc:  # any failure to reach the replica means not ready
            return {"echo": f"unreachable: {type(exc).__name__}"}
        return {"echo": str(status)}

    async def aclose(self) -> None:
        return None
