"""What every image generator offers, and its errors."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol, runtime_checkable

from pipelines.image.types import GeneratedImage, ImageRequest


class ImageGenError(Exception):
    """Generation cannot go ahead (bad weights folder, unknown adapter, device trouble…)."""


class ModelNotAvailable(ImageGenError):
    """The weights are not where the config says; nothing is ever downloaded."""


@runtime_checkable
class ImageGenerator(Protocol):
    """Text-to-image, image-to-image and inpainting behind one call."""

    name: str
    native_size: int
    """The model's native image side in pixels (SDXL: 1024); sizes per platform scale from it."""

    def load(self) -> None:
        """Load weights once (thread-safe); ``generate`` calls it when needed."""

    def generate(self, request: ImageRequest) -> Sequence[GeneratedImage]:
        """``request.params.count`` images, in seed order."""

    def close(self) -> None:
        """Free the weights (and GPU memory)."""
