"""Ray Serve deployment of the poster compositor (CPU only; replicas scale posters out).

A call carries a batch of posters that share a brand kit and images; the replica composes them in a worker
thread, encodes the PNGs, runs the pixel checks (palette, logo) and, when asked, OCR on one rendition each.
"""

from __future__ import annotations

import asyncio
from typing import Any

from serving.gateway.poster_models import PosterCall, PosterWorker


class PosterDeployment:
    """One compositor per replica (fonts, templates and decoded images cached across calls)."""

    def __init__(self) -> None:
        self._worker = PosterWorker()

    async def compose(self, payload: dict[str, Any]) -> dict[str, Any]:
        reply = await asyncio.to_thread(self._worker.compose, PosterCall.model_validate(payload))
        return reply.model_dump()

    def ping(self) -> str:
        return "ok"
