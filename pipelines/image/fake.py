"""A deterministic stand-in generator for tests of the layers above (jobs, API, posters): no model.

Text-to-image paints a two-colour gradient chosen by the prompt and seed; image-to-image blends the init
image with it by ``strength``; inpainting paints the gradient where the mask is white and keeps the init
image's pixels elsewhere, exactly like the real backend's overlay.
"""

from __future__ import annotations

import hashlib
import time

from PIL import Image

from pipelines.image.config import ImageGenConfig
from pipelines.image.overlay import keep_unmasked, prepare_init
from pipelines.image.types import GeneratedImage, ImageRequest


class FakeImageGenerator:
    """Same protocol as the diffusers backend; pictures depend only on prompt, seed and size."""

    def __init__(self, config: ImageGenConfig | None = None) -> None:
        self.config = config or ImageGenConfig(backend="fake")
        self.name = "fake:gradient"
        self.native_size = 1024
        self.loaded = False
        self.calls: list[ImageRequest] = []

    def load(self) -> None:
        self.loaded = True

    def close(self) -> None:
        self.loaded = False

    def generate(self, request: ImageRequest) -> list[GeneratedImage]:
        self.load()
        self.calls.append(request)
        params = request.params
        size = (params.width, params.height)
        out = []
        for index in range(params.count):
            began = time.perf_counter()
            seed = params.seed + index
            image = _gradient(params.prompt, seed, size)
            if request.mode != "text":
                assert request.init is not None  # ImageRequest checks it
                init = prepare_init(request.init, size)
                if request.mode == "image":
                    image = Image.blend(init, image, params.strength)
                else:
                    assert request.mask is not None
                    image = keep_unmasked(image, init, request.mask)
            out.append(
                GeneratedImage(
                    image=image,
                    seed=seed,
                    index=index,
                    mode=request.mode,
                    model=self.name,
                    seconds=time.perf_counter() - began,
                    adapters=params.adapters,
                )
            )
        return out


def _gradient(prompt: str, seed: int, size: tuple[int, int]) -> Image.Image:
    digest = hashlib.sha256(f"{prompt}\0{seed}".encode()).digest()
    top, bottom = tuple(digest[0:3]), tuple(digest[3:6])
    column = Image.linear_gradient("L").resize((1, size[1]))
    return Image.composite(Image.new("RGB", size, bottom), Image.new("RGB", size, top), column.resize(size))
