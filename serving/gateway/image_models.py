"""Image generation as the gateway carries it: plain, serialisable calls and replies (PNG bytes), and the
lazily opened generator that answers them (in-process, in a Ray Serve replica, or in the test fake)."""

from __future__ import annotations

import io
import threading

from PIL import Image, UnidentifiedImageError
from pydantic import BaseModel, ConfigDict, Field

from pipelines.image.config import ImageGenConfig
from pipelines.image.protocol import ImageGenerator, ImageGenError, ModelNotAvailable
from pipelines.image.registry import open_image_generator
from pipelines.image.types import AdapterWeight, GenerationMode, ImageParams, ImageRequest
from pipelines.vision.decode import load_image
from pipelines.vision.protocol import ImageDecodeError


class ImageCall(BaseModel):
    """One generation request across the gateway."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    params: ImageParams
    mode: GenerationMode = "text"
    init: bytes | None = Field(default=None, description="Encoded init image (image and inpaint modes).")
    mask: bytes | None = Field(default=None, description="Encoded mask, white = redraw (inpaint).")


class GeneratedPicture(BaseModel):
    """One generated picture across the gateway (PNG) and how it was made."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    png: bytes
    width: int
    height: int
    seed: int
    index: int
    mode: GenerationMode
    model: str
    seconds: float
    adapters: tuple[AdapterWeight, ...] = ()


class ImageReply(BaseModel):
    """The pictures, or why there are none: ``unavailable`` (weights, device: not the caller's fault) or
    ``invalid`` (the request cannot be served, e.g. an unknown adapter or an undecodable init image)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    pictures: tuple[GeneratedPicture, ...] = ()
    error: str | None = Field(default=None, pattern="^(unavailable|invalid)$")
    message: str | None = None


def _decode(data: bytes, what: str) -> Image.Image:
    try:
        return load_image(data)
    except (ImageDecodeError, UnidentifiedImageError, OSError) as exc:
        raise ImageGenError(f"the {what} image cannot be decoded: {exc}") from exc


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=False, compress_level=6)
    return out.getvalue()


class ImageModels:
    """The configured generator, opened on first use; ``generate`` never raises for model trouble."""

    def __init__(self, config: ImageGenConfig) -> None:
        self.config = config
        self._generator: ImageGenerator | None = None
        self._lock = threading.Lock()

    def generator(self) -> ImageGenerator:
        with self._lock:
            if self._generator is None:
                self._generator = open_image_generator(self.config)
            return self._generator

    def generate(self, call: ImageCall) -> ImageReply:
        """Run one call; failures come back as an ``ImageReply`` with ``error`` set."""
        try:
            generator = self.generator()
            request = ImageRequest(
                call.params,
                mode=call.mode,
                init=_decode(call.init, "init") if call.init is not None else None,
                mask=_decode(call.mask, "mask") if call.mask is not None else None,
            )
            images = generator.generate(request)
        except ModelNotAvailable as exc:
            return ImageReply(error="unavailable", message=str(exc))
        except (ImageGenError, ValueError) as exc:
            return ImageReply(error="invalid", message=str(exc))
        return ImageReply(
            pictures=tuple(
                GeneratedPicture(
                    png=_png(g.image),
                    width=g.image.width,
                    height=g.image.height,
                    seed=g.seed,
                    index=g.index,
                    mode=g.mode,
                    model=g.model,
                    seconds=round(g.seconds, 4),
                    adapters=g.adapters,
                )
                for g in images
            )
        )

    def close(self) -> None:
        with self._lock:
            generator, self._generator = self._generator, None
        if generator is not None:
            generator.close()
