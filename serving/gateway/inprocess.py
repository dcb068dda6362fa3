"""Gateway that runs pipelines in this process (``atelier serve --no-ray`` and tests).

Models load on first use, not at start-up: the API answers at once and the first generation pays
the load (the LLM ~1 s from the GGUF cache, the text encoder a few seconds).
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from typing import Any

from pipelines.diagnostics import EchoModel, EchoRequest, EchoResult
from pipelines.image.config import ImageGenConfig
from pipelines.llm.config import LLMConfig
from pipelines.llm.protocol import LLMBackend
from pipelines.llm.registry import open_llm
from pipelines.llm.types import ChatRequest, ChatResult
from pipelines.vision.config import VisionConfig
from serving.gateway.image_models import ImageCall, ImageModels, ImageReply
from serving.gateway.poster_models import PosterCall, PosterReply, PosterWorker
from serving.gateway.video_models import StepProgress, VideoCall, VideoReply, VideoWorker, render_in_thread
from serving.gateway.vision_models import VisionModels


class InProcessGateway:
    name = "inprocess"

    def __init__(
        self,
        llm: LLMConfig | None = None,
        vision: VisionConfig | None = None,
        image: ImageGenConfig | None = None,
    ) -> None:
        self._echo = EchoModel()
        self._vision = VisionModels(vision or VisionConfig())
        self._image = ImageModels(image or ImageGenConfig())
        self._posters = PosterWorker()
        self._videos = VideoWorker()  # object store and work root from Settings() on first use
        self._llm_config = llm or LLMConfig()
        self._llm: LLMBackend | None = None
        self._encoder: object | None = None
        self._lock = threading.Lock()

    def _backend(self) -> LLMBackend:
        with self._lock:
            if self._llm is None:
                self._llm = open_llm(self._llm_config)
            backend = self._llm
        backend.load()
        return backend

    async def echo(self, request: EchoRequest) -> EchoResult:
        return await asyncio.to_thread(self._echo.predict, request)

    async def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        return await asyncio.to_thread(lambda: self._backend().chat(list(requests)))

    async def embed_texts(self, texts: Sequence[str]) -> list[list[float]]:
        from pipelines.embeddings.text import UseMultilingualEncoder

        def encode() -> list[list[float]]:
            with self._lock:
                if self._encoder is None:
                    self._encoder = UseMultilingualEncoder()
                encoder = self._encoder
            assert isinstance(encoder, UseMultilingualEncoder)
            return [[float(v) for v in row] for row in encoder.encode(list(texts))]

        return await asyncio.to_thread(encode)

    async def analyse_images(self, datas: Sequence[bytes], *, ocr: bool) -> list[dict[str, Any]]:
        return await asyncio.to_thread(self._vision.analyse, list(datas), ocr=ocr)

    async def encode_image_texts(self, texts: Sequence[str]) -> list[list[float]]:
        return await asyncio.to_thread(self._vision.encode_texts, list(texts))

    async def generate_images(self, call: ImageCall) -> ImageReply:
        return await asyncio.to_thread(self._image.generate, call)

    async def compose_posters(self, call: PosterCall) -> PosterReply:
        return await asyncio.to_thread(self._posters.compose, call)

    async def render_video(self, call: VideoCall, progress: StepProgress | None = None) -> VideoReply:
        return await render_in_thread(self._videos, call, progress)

    async def check(self) -> dict[str, str]:
        return {"echo": "ok", "llm": "ok"}  # the LLM loads on first use; a missing model fails that job

    async def aclose(self) -> None:
        with self._lock:
            backend, self._llm = self._llm, None
        if backend is not None:
            await asyncio.to_thread(backend.close)
        await asyncio.to_thread(self._image.close)
