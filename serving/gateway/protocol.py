"""ModelGateway: everything the API asks of model deployments, and nothing more."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pipelines.diagnostics import EchoRequest, EchoResult
from pipelines.llm.types import ChatRequest, ChatResult

if TYPE_CHECKING:
    from serving.gateway.image_models import ImageCall, ImageReply
    from serving.gateway.poster_models import PosterCall, PosterReply
    from serving.gateway.video_models import StepProgress, VideoCall, VideoReply


class ModelCallUnsupported(RuntimeError):
    """The deployed model cannot do this (e.g. text → image embeddings with an encoder that has no text
    tower); callers treat it as "this search leg is not available", not as a failure."""


@runtime_checkable
class ModelGateway(Protocol):
    """Implemented in-process (tests, single process), over Ray Serve handles, and by test fakes."""

    name: str

    async def echo(self, request: EchoRequest) -> EchoResult:
        """Run the diagnostic echo model on a model deployment."""
        ...

    async def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        """Complete chat requests on the LLM deployment (batched there); results in order."""
        ...

    async def embed_texts(self, texts: Sequence[str]) -> list[list[float]]:
        """L2-normalised multilingual sentence embeddings, one per text."""
        ...

    async def analyse_images(self, datas: Sequence[bytes], *, ocr: bool) -> list[dict[str, Any]]:
        """Analyse encoded images (batched on the vision deployment): per image the ImageAnalysis JSON
        (labels, tags, colours, quality, faces, hashes, embedding, encoder, ocr_text when ``ocr`` and the
        image likely holds text), or ``{"error": code, "message": ...}`` for bytes that are not an image."""
        ...

    async def encode_image_texts(self, texts: Sequence[str]) -> list[list[float]]:
        """Texts embedded in the image encoder's space (CLIP text tower), one unit row per text;
        ``ModelCallUnsupported`` when the encoder has no text tower."""
        ...

    async def generate_images(self, call: ImageCall) -> ImageReply:
        """Generate pictures on the image deployment (one call's ``count`` images run as one batch there);
        model trouble comes back in ``ImageReply.error``, not as an exception."""
        ...

    async def compose_posters(self, call: PosterCall) -> PosterReply:
        """Compose, encode and pixel-check posters on the poster deployment (CPU); compositor errors come
        back per poster in the reply, model trouble in ``PosterReply.error``."""
        ...

    async def render_video(self, call: VideoCall, progress: StepProgress | None = None) -> VideoReply:
        """Render one remix variant on the video deployment (CPU; NVENC where a GPU has it): inputs are
        read from the object store by key, the MP4 and cover written back under ``call``'s keys;
        ``progress(step, fraction)`` runs on the caller's loop. Cancelling the awaiting task stops the
        render (finished steps stay for a retry); render trouble comes back in ``VideoReply.error``."""
        ...

    async def check(self) -> dict[str, str]:
        """Readiness of each model deployment: ``{deployment: "ok" | reason}``."""
        ...

    async def aclose(self) -> None:
        """Release resources."""
        ...
