"""A full in-memory implementation of the ModelGateway contract for route and job tests."""

from __future__ import annotations

import asyncio
import hashlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from pipelines.diagnostics import EchoRequest, EchoResult
from pipelines.image.config import ImageGenConfig
from pipelines.llm.types import ChatRequest, ChatResult
from pipelines.vision.config import VisionConfig
from serving.gateway.image_models import ImageCall, ImageModels, ImageReply
from serving.gateway.poster_models import PosterCall, PosterReply, PosterWorker
from serving.gateway.video_models import StepProgress, VideoCall, VideoReply, VideoWorker, render_in_thread
from serving.gateway.vision_models import VisionModels


def _echo_reply(request: ChatRequest) -> str:
    return request.messages[-1].content


class FakeGateway:
    """Deterministic echo; can be told to fail, to block until released, or to report unready."""

    name = "fake"

    def __init__(self) -> None:
        self.calls: list[EchoRequest] = []
        self.fail_with: Exception | None = None
        self.ready = True
        self.gate: asyncio.Event | None = None  # when set, echo waits for the gate to open
        self.closed = False
        self.chat_reply: Callable[[ChatRequest], str] = _echo_reply
        """What the fake LLM answers to one request (tests script it)."""
        self.chat_calls: list[ChatRequest] = []
        self.vision = VisionModels(VisionConfig(backend="fake", ocr=False))
        """The real tagger over the weightless fake encoder (colour grid, deterministic)."""
        self.images = ImageModels(ImageGenConfig(backend="fake"))
        """The fake generator (deterministic gradients; inpainting keeps the unmasked pixels)."""
        self.image_calls: list[ImageCall] = []
        self.image_reply: ImageReply | None = None
        """When set, ``generate_images`` answers this instead (tests of model trouble)."""
        self.posters = PosterWorker(ocr=None)
        """The real compositor and pixel checks (CPU, fast); no OCR model unless a test gives one."""
        self.poster_calls: list[PosterCall] = []
        self.videos = VideoWorker()
        """The real renderer (ffmpeg on the CPU); tests give it the app's object store and a work root."""
        self.video_calls: list[VideoCall] = []
        self.analysed: list[int] = []
        """Sizes of the image batches analysed (tests check that identical bytes are analysed once)."""

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

    async def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        self.chat_calls.extend(requests)
        results = []
        for request in requests:
            text = self.chat_reply(request)
            results.append(
                ChatResult(
                    text=text,
                    finish_reason="stop",
                    prompt_tokens=sum(len(m.content) for m in request.messages),
                    completion_tokens=len(text),
                    seconds=0.0,
                    model="fake",
                )
            )
        return results

    async def embed_texts(self, texts: Sequence[str]) -> list[list[float]]:
        """Character-trigram hashing vectors: deterministic, similar texts are close."""
        out: list[list[float]] = []
        for text in texts:
            vector = np.zeros(256, dtype=np.float32)
            for i in range(max(len(text) - 2, 1)):
                vector[int(hashlib.md5(text[i : i + 3].encode()).hexdigest(), 16) % 256] += 1.0
            norm = float(np.linalg.norm(vector)) or 1.0
            out.append([float(v) / norm for v in vector])
        return out

    async def analyse_images(self, datas: Sequence[bytes], *, ocr: bool) -> list[dict[str, Any]]:
        self.analysed.append(len(datas))
        return await asyncio.to_thread(self.vision.analyse, list(datas), ocr=ocr)

    async def encode_image_texts(self, texts: Sequence[str]) -> list[list[float]]:
        return await asyncio.to_thread(self.vision.encode_texts, list(texts))

    async def generate_images(self, call: ImageCall) -> ImageReply:
        self.image_calls.append(call)
        if self.image_reply is not None:
            return self.image_reply
        return await asyncio.to_thread(self.images.generate, call)

    async def compose_posters(self, call: PosterCall) -> PosterReply:
        self.poster_calls.append(call)
        return await asyncio.to_thread(self.posters.compose, call)

    async def render_video(self, call: VideoCall, progress: StepProgress | None = None) -> VideoReply:
        self.video_calls.append(call)
        return await render_in_thread(self.videos, call, progress)

    async def check(self) -> dict[str, str]:
        return {"echo": "ok" if self.ready else "unreachable: fake"}

    async def aclose(self) -> None:
        self.closed = True
