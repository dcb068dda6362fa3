"""Image encoder backends by name; a backend's module is imported only when it is opened."""

from __future__ import annotations

from pipelines.base import Registry
from pipelines.vision.config import VisionConfig
from pipelines.vision.protocol import ImageEncoder

IMAGE_ENCODERS = Registry(
    "image encoder",
    {
        "efficientnet": "pipelines.vision.efficientnet:EfficientNetLiteEncoder",
        "open_clip": "pipelines.vision.open_clip_backend:OpenClipEncoder",
        "fake": "pipelines.vision.fake:FakeImageEncoder",
    },
)


def open_image_encoder(config: VisionConfig) -> ImageEncoder:
    """Build (not load) the encoder ``config.backend`` names; weights load on first use or ``load()``."""
    encoder_class = IMAGE_ENCODERS.resolve(config.backend)
    encoder: ImageEncoder = encoder_class(config)
    return encoder
