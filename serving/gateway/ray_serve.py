"""Gateway over Ray Serve deployment handles (the production path)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

from pipelines.diagnostics import EchoRequest, EchoResult
from pipelines.llm.types import ChatRequest, ChatResult
from serving.gateway.image_models import ImageCall, ImageReply
from serving.gateway.poster_models import PosterCall, PosterReply
from serving.gateway.protocol import ModelCallUnsupported
from serving.gateway.video_models import StepProgress, VideoCall, VideoReply

CHECK_TIMEOUT_S = 5.0


class RayServeGateway:
    """Calls model deployments through their handles; payloads cross as plain dicts.

    Chat requests go one per call so the LLM deployment's ``@serve.batch`` groups requests from every
    caller (jobs, the OpenAI-compatible route) into one decoding batch.
    """

    name = "ray_serve"

    def __init__(
        self,
        echo_handle: Any,
        llm_handle: Any = None,
        text_embed_handle: Any = None,
        vision_handle: Any = None,
        image_handle: Any = None,
        poster_handle: Any = None,
        video_handle: Any = None,
    ) -> None:
        self._echo = echo_handle
        self._llm = llm_handle
        self._text_embed = text_embed_handle
        self._vision = vision_handle
        self._image = image_handle
        self._poster = poster_handle
        self._video = video_handle

    async def echo(self, request: EchoRequest) -> EchoResult:
        payload = await self._echo.predict.remote(request.model_dump())
        return EchoResult.model_validate(payload)

    async def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        if self._llm is None:
            raise RuntimeError("this Serve application has no LLM deployment")
        payloads = await asyncio.gather(*(self._llm.chat.remote(r.model_dump()) for r in requests))
        return [ChatResult.model_validate(p) for p in payloads]

    async def embed_texts(self, texts: Sequence[str]) -> list[list[float]]:
        if self._text_embed is None:
            raise RuntimeError("this Serve application has no text embedding deployment")
        vectors: list[list[float]] = await self._text_embed.embed.remote(list(texts))
        return vectors

    async def analyse_images(self, datas: Sequence[bytes], *, ocr: bool) -> list[dict[str, Any]]:
        """One call per image, so the deployment's ``@serve.batch`` groups images from every caller."""
        if self._vision is None:
            raise RuntimeError("this Serve application has no vision deployment")
        results: list[dict[str, Any]] = await asyncio.gather(
            *(self._vision.analyse.remote(data, ocr) for data in datas)
        )
        return results

    async def encode_image_texts(self, texts: Sequence[str]) -> list[list[float]]:
        if self._vision is None:
            raise RuntimeError("this Serve application has no vision deployment")
        reply: dict[str, Any] = await self._vision.encode_texts.remote(list(texts))
        if "error" in reply:
            raise ModelCallUnsupported(str(reply.get("message", reply["error"])))
        vectors: list[list[float]] = reply["vectors"]
        return vectors

    async def generate_images(self, call: ImageCall) -> ImageReply:
        if self._image is None:
            return ImageReply(error="unavailable", message="this Serve application has no image deployment")
        payload: dict[str, Any] = await self._image.generate.remote(call.model_dump())
        return ImageReply.model_validate(payload)

    async def compose_posters(self, call: PosterCall) -> PosterReply:
        if self._poster is None:
            return PosterReply(error="unavailable", message="this Serve application has no poster deployment")
        payload: dict[str, Any] = await self._poster.compose.remote(call.model_dump())
        return PosterReply.model_validate(payload)

    async def render_video(self, call: VideoCall, progress: StepProgress | None = None) -> VideoReply:
        """A streaming call: the replica yields progress items, then the reply; cancelling the awaiting
        task cancels the request there (which stops ffmpeg)."""
        if self._video is None:
            return VideoReply(
                error="unavailable",
                kind="unavailable",
                message="this Serve application has no video deployment",
            )
        stream = self._video.options(stream=True).render.remote(call.model_dump(mode="json"))
        try:
            async for item in stream:
                if "reply" in item:
                    return VideoReply.model_validate(item["reply"])
                if progress is not None:
                    progress(str(item["step"]), float(item["fraction"]))
        except asyncio.CancelledError:
            stream.cancel()
            raise
        return VideoReply(error="render_failed", kind="render", message="the video replica sent no reply")

    async def check(self) -> dict[str, str]:
        handles = {
            "echo": self._echo,
            "llm": self._llm,
            "text_embed": self._text_embed,
            "vision": self._vision,
            "image": self._image,
            "poster": self._poster,
            "video": self._video,
        }
        status: dict[str, str] = {}
        for name, handle in handles.items():
            if handle is None:
                continue
            try:
                status[name] = str(await asyncio.wait_for(handle.ping.remote(), CHECK_TIMEOUT_S))
            except Exception as exc:  # any failure to reach the replica means not ready
                status[name] = f"unreachable: {type(exc).__name__}"
        return status

    async def aclose(self) -> None:
        return None
