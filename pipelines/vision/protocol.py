"""The image encoder contract. Backends: ``efficientnet`` (offline default: EfficientNet-Lite0 through
onnxruntime; ImageNet labels + 1280-d embedding) and ``open_clip`` (CLIP/SigLIP from ATELIER_MODEL_DIR;
zero-shot labels and a text tower in the same space as the images)."""

from __future__ import annotations

import logging
from abc import abstractmethod
from collections.abc import Sequence
from typing import Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray
from PIL import Image

from pipelines.base import LoadOnce
from pipelines.embeddings.text import l2_normalise
from pipelines.vision.types import Label, LabelVocabulary

log = logging.getLogger(__name__)

Vectors = NDArray[np.float32]


class VisionError(RuntimeError):
    """An image model failed to load or run (not a bad image: that is ``ImageDecodeError``)."""


class ImageDecodeError(ValueError):
    """The bytes are not an image we can analyse; ``code`` is machine-readable."""

    def __init__(self, message: str, code: str = "invalid_image") -> None:
        super().__init__(message)
        self.code = code


@runtime_checkable
class ImageEncoder(Protocol):
    """Embeds and labels RGB images in batches. Rows are L2-normalised float32."""

    name: str
    """Identifies the vector space: two encoders with the same name give comparable vectors."""
    dim: int
    supports_text: bool
    """True when ``encode_texts`` maps text into the image space (CLIP); False for classifiers."""

    def load(self) -> None:
        """Load weights once (thread-safe)."""
        ...

    def encode_images(self, images: Sequence[Image.Image]) -> Vectors:
        """One unit row per image (RGB PIL images of any size)."""
        ...

    def classify(self, images: Sequence[Image.Image], top_k: int = 5) -> list[list[Label]]:
        """Top ``top_k`` labels per image, best first."""
        ...

    def encode_and_classify(
        self, images: Sequence[Image.Image], top_k: int = 5
    ) -> tuple[Vectors, list[list[Label]]]:
        """Both in one forward pass where the backend allows it."""
        ...

    def encode_texts(self, texts: Sequence[str]) -> Vectors:
        """Text rows in the image space; ``VisionError`` when ``supports_text`` is False."""
        ...


class BaseImageEncoder(LoadOnce):
    """The public half shared by the encoders: thread-safe ``load`` with timing, batching, top-k labels
    and unit rows. A backend implements ``_load``, ``_forward``, ``label_names`` (and ``_encode_texts``)."""

    name: str
    dim: int
    supports_text: bool = False
    vocabulary: LabelVocabulary = "imagenet-1k"

    def __init__(self, *, batch_size: int = 16) -> None:
        super().__init__()
        self.batch_size = max(1, batch_size)

    def _load_name(self) -> str:
        return f"image encoder {self.name}"

    @property
    @abstractmethod
    def label_names(self) -> Sequence[str]:
        """Names of the classes ``classify`` chooses from (after ``load``)."""

    def encode_images(self, images: Sequence[Image.Image]) -> Vectors:
        return self.encode_and_classify(images, top_k=0)[0]

    def classify(self, images: Sequence[Image.Image], top_k: int = 5) -> list[list[Label]]:
        return self.encode_and_classify(images, top_k)[1]

    def encode_and_classify(
        self, images: Sequence[Image.Image], top_k: int = 5
    ) -> tuple[Vectors, list[list[Label]]]:
        self.load()
        if not images:
            return np.zeros((0, self.dim), dtype=np.float32), []
        rows: list[NDArray[np.float32]] = []
        labels: list[list[Label]] = []
        for start in range(0, len(images), self.batch_size):
            batch = [
                im if im.mode == "RGB" else im.convert("RGB")
                for im in images[start : start + self.batch_size]
            ]
            features, probabilities = self._forward(batch)
            rows.append(features)
            labels.extend(self._top_labels(probabilities, top_k))
        return l2_normalise(np.concatenate(rows, axis=0)), labels

    def encode_texts(self, texts: Sequence[str]) -> Vectors:
        if not self.supports_text:
            raise VisionError(f"image encoder {self.name} has no text tower (supports_text is False)")
        self.load()
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(self._encode_texts(texts))

    def _top_labels(self, probabilities: NDArray[np.float32], top_k: int) -> list[list[Label]]:
        if top_k <= 0:
            return [[] for _ in range(probabilities.shape[0])]
        names = self.label_names
        best = np.argsort(-probabilities, axis=1, kind="stable")[:, : min(top_k, probabilities.shape[1])]
        return [
            [
                Label(
                    index=int(i),
                    name=names[i],
                    score=float(np.clip(row[i], 0.0, 1.0)),
                    vocabulary=self.vocabulary,
                )
                for i in order
                if row[i] > 0
            ]
            for row, order in zip(probabilities, best, strict=True)
        ]

    @abstractmethod
    def _load(self) -> None: ...

    @abstractmethod
    def _forward(self, images: list[Image.Image]) -> tuple[NDArray[np.float32], NDArray[np.float32]]:
        """Raw features ``(n, dim)`` and class probabilities ``(n, len(label_names))`` for RGB images."""

    def _encode_texts(self, texts: Sequence[str]) -> NDArray[np.float32]:
        raise VisionError(f"image encoder {self.name} has no text tower")
