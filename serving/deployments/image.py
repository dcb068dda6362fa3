"""Ray Serve deployment of the image generator (diffusion; ``num_gpus`` from the profile).

A call carries one request's ``count`` images, which the pipeline denoises in batches of ``max_batch``;
calls from several jobs queue on the replica (``max_ongoing_requests``) while it is busy.
"""

from __future__ import annotations

import asyncio
from typing import Any

from serving.gateway.image_models import ImageCall, ImageModels
from serving.settings import Settings


class ImageDeployment:
    """One generator per replica, loaded on the first request (the replica starts at once)."""

    def __init__(self) -> None:
        self._models = ImageModels(Settings().image_config())

    async def generate(self, payload: dict[str, Any]) -> dict[str, Any]:
        reply = await asyncio.to_thread(self._models.generate, ImageCall.model_validate(payload))
        return reply.model_dump()

    def ping(self) -> str:
        return "ok"
