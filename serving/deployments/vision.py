"""Ray Serve deployment of the image tagger: concurrent images are grouped by ``@serve.batch`` into one
forward pass (and one OCR pass over the posters among them)."""

from __future__ import annotations

import asyncio
from typing import Any

from ray import serve

from serving.gateway.protocol import ModelCallUnsupported
from serving.gateway.vision_models import VisionModels
from serving.settings import Settings


class VisionDeployment:
    """One image encoder per replica, loaded on the first request (the replica starts at once)."""

    def __init__(self, max_batch_size: int = 16, batch_wait_timeout_s: float = 0.02) -> None:
        self._models = VisionModels(Settings().vision_config())
        batched: Any = self.analyse_batch  # serve.batch adds these setters to the bound method
        batched.set_max_batch_size(max_batch_size)
        batched.set_batch_wait_timeout_s(batch_wait_timeout_s)

    @serve.batch(max_batch_size=16, batch_wait_timeout_s=0.02)
    async def analyse_batch(self, requests: list[tuple[bytes, bool]]) -> list[dict[str, Any]]:
        """One forward pass for the images without OCR and one for those with (OCR runs per image)."""
        plain = [data for data, ocr in requests if not ocr]
        with_ocr = [data for data, ocr in requests if ocr]
        done_plain = iter(await asyncio.to_thread(self._models.analyse, plain, ocr=False) if plain else [])
        done_ocr = iter(await asyncio.to_thread(self._models.analyse, with_ocr, ocr=True) if with_ocr else [])
        return [next(done_ocr) if ocr else next(done_plain) for _, ocr in requests]

    async def analyse(self, data: bytes, ocr: bool = False) -> dict[str, Any]:
        result: dict[str, Any] = await self.analyse_batch((data, ocr))
        return result

    async def encode_texts(self, texts: list[str]) -> dict[str, Any]:
        try:
            vectors = await asyncio.to_thread(self._models.encode_texts, texts)
        except ModelCallUnsupported as exc:
            return {"error": "image_text_unsupported", "message": str(exc)}
        return {"vectors": vectors}

    def ping(self) -> str:
        return "ok"
