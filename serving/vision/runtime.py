"""What vision routes and jobs share: the database, asset services, the vector index, settings and the
taxonomy; plus collection names and point ids."""

from __future__ import annotations

import hashlib
import io
import re
import threading
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from sqlalchemy.orm import Session, sessionmaker

from asset_store.vectors import VectorIndex
from serving.assets.services import AssetServices
from serving.db import read_only_factory
from serving.errors import ServiceUnavailable
from serving.gateway.protocol import ModelGateway
from serving.settings import SearchSettings

if TYPE_CHECKING:
    from pipelines.vision.taxonomy import Taxonomy

RESOURCE = "vision"
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]+")


def image_collection(encoder: str) -> str:
    """The vector collection of one image space (its encoder name, made safe, plus a short digest)."""
    slug = _UNSAFE.sub("-", encoder).strip("-")[:40] or "encoder"
    return f"img-{slug}-{hashlib.sha256(encoder.encode()).hexdigest()[:8]}"


def text_collection(dim: int) -> str:
    """The vector collection of the text space (multilingual sentence embeddings of ``dim`` dimensions)."""
    return f"text-{dim}"


def point_id(brand_id: str, branch: str, path: str) -> str:
    """A doc's vector point id: ``{brand}:{branch}:{path}`` (neither brand ids nor refs contain ':')."""
    return f"{brand_id}:{branch}:{path}"


def split_point_id(value: str) -> tuple[str, str, str]:
    brand_id, branch, path = value.split(":", 2)
    return brand_id, branch, path


@dataclass(frozen=True)
class ImageSpace:
    """The image encoder in service: its name (which names the collection) and dimension."""

    encoder: str
    dim: int

    @property
    def collection(self) -> str:
        return image_collection(self.encoder)


def _probe_png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (32, 32), (128, 128, 128)).save(buffer, format="PNG")
    return buffer.getvalue()


@dataclass
class VisionRuntime:
    """Built once in the app factory (or the CLI); the vector index opens its collections lazily."""

    factory: sessionmaker[Session]
    assets: AssetServices
    settings: SearchSettings
    vectors: VectorIndex
    readers: sessionmaker[Session] = field(init=False)
    _taxonomy: Taxonomy | None = field(default=None, init=False)
    _space: ImageSpace | None = field(default=None, init=False)
    _ensured: set[str] = field(default_factory=set, init=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False)
    _writes: dict[str, int] = field(default_factory=dict, init=False)
    image_text: bool | None = field(default=None, init=False)
    """Whether the image encoder embeds text (learned on the first try; None: not tried yet)."""

    def __post_init__(self) -> None:
        self.readers = read_only_factory(self.factory)

    def taxonomy(self) -> Taxonomy:
        with self._lock:
            if self._taxonomy is None:
                from pipelines.vision.taxonomy import Taxonomy

                self._taxonomy = Taxonomy.builtin()
            return self._taxonomy

    def ensure_collection(self, name: str, dim: int) -> None:
        """Create a collection once per process (the index call is idempotent but not free)."""
        key = f"{name}/{dim}"
        if key in self._ensured:
            return
        self.vectors.ensure_collection(name, dim)
        with self._lock:
            self._ensured.add(key)

    def count_writes(self, collection: str, points: int) -> None:
        with self._lock:
            self._writes[collection] = self._writes.get(collection, 0) + points

    def maybe_optimize(self) -> list[str]:
        """Build the search graph of collections written to a lot since the last build (an embedded index
        scans unindexed points; a Qdrant server optimises by itself and has no ``optimize``)."""
        threshold = self.settings.optimize_after
        optimize = getattr(self.vectors, "optimize", None)
        if threshold <= 0 or not callable(optimize):
            return []
        with self._lock:
            due = [name for name, count in self._writes.items() if count >= threshold]
            for name in due:
                self._writes[name] = 0
        for name in due:
            optimize(name)
        return due

    def max_hamming(self) -> int:
        if self.settings.duplicate_max_hamming is not None:
            return self.settings.duplicate_max_hamming
        from pipelines.vision.hashing import NEAR_DUPLICATE_MAX_DISTANCE

        return int(NEAR_DUPLICATE_MAX_DISTANCE)

    async def image_space(self, gateway: ModelGateway) -> ImageSpace:
        """The encoder the vision deployment runs, learned once by analysing a tiny grey image."""
        if self._space is not None:
            return self._space
        (probe,) = await gateway.analyse_images([_probe_png()], ocr=False)
        if "error" in probe or not probe.get("encoder") or not probe.get("embedding"):
            raise ServiceUnavailable(
                f"the vision model did not analyse a probe image: {probe.get('message', probe)}",
                code="vision_unavailable",
            )
        self._space = ImageSpace(str(probe["encoder"]), len(probe["embedding"]))
        return self._space

    def close(self) -> None:
        self.vectors.close()
