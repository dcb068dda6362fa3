"""Image generator backends by name; a backend's module (and diffusers) is imported only when opened."""

from __future__ import annotations

from pipelines.base import Registry
from pipelines.image.config import ImageGenConfig
from pipelines.image.protocol import ImageGenerator

IMAGE_BACKENDS = Registry(
    "image generator",
    {
        "diffusers": "pipelines.image.diffusers_backend:DiffusersImageGenerator",
        "fake": "pipelines.image.fake:FakeImageGenerator",
    },
)


def open_image_generator(config: ImageGenConfig) -> ImageGenerator:
    """The configured generator, not loaded yet (``generate`` loads it)."""
    cls = IMAGE_BACKENDS.resolve(config.backend)
    generator: ImageGenerator = cls(config)
    return generator
