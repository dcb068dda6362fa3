"""Ray Serve deployment of the remix renderer (CPU; ``render_plan`` picks NVENC when the replica has an
NVIDIA GPU). A call renders one variant: inputs are read from the object store by key, the MP4 and cover
written back. ``render`` streams ``{"step", "fraction"}`` items while it works, then ``{"reply": ...}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from serving.gateway.video_models import VideoCall, VideoWorker, render_in_thread


class VideoDeployment:
    """One worker per replica (object store from ``Settings()``, work folders on local disk)."""

    def __init__(self) -> None:
        self._worker = VideoWorker()

    async def render(self, payload: dict[str, Any]) -> AsyncIterator[dict[str, Any]]:
        call = VideoCall.model_validate(payload)
        queue: asyncio.Queue[tuple[str, float]] = asyncio.Queue()
        task = asyncio.ensure_future(
            render_in_thread(self._worker, call, lambda step, f: queue.put_nowait((step, f)))
        )
        try:
            while not task.done():
                getter = asyncio.ensure_future(queue.get())
                await asyncio.wait({task, getter}, return_when=asyncio.FIRST_COMPLETED)
                if getter.done():
                    step, fraction = getter.result()
                    yield {"step": step, "fraction": fraction}
                else:
                    getter.cancel()
            yield {"reply": task.result().model_dump(mode="json")}
        finally:
            if not task.done():  # the caller cancelled: stop ffmpeg and wait for the thread
                task.cancel()
                await asyncio.gather(task, return_exceptions=True)

    def ping(self) -> str:
        return "ok"
