"""The image tagger and OCR behind ``analyse_images`` / ``encode_image_texts``, shared by the in-process
gateway and the Ray Serve vision deployment. The encoder loads on first use, never at import."""

from __future__ import annotations

import logging
import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pipelines.vision.config import VisionConfig
from serving.gateway.protocol import ModelCallUnsupported

if TYPE_CHECKING:
    from PIL import Image

    from pipelines.vision.tagger import ImageTagger

log = logging.getLogger(__name__)


class VisionModels:
    """One image tagger (and the shared OCR model) for this process."""

    def __init__(self, config: VisionConfig) -> None:
        self.config = config
        self._tagger: ImageTagger | None = None
        self._lock = threading.Lock()

    def tagger(self) -> ImageTagger:
        """The tagger over the configured encoder, loaded once (thread-safe)."""
        with self._lock:
            if self._tagger is None:
                from pipelines.vision.registry import open_image_encoder
                from pipelines.vision.tagger import ImageTagger

                encoder = open_image_encoder(self.config)
                encoder.load()
                self._tagger = ImageTagger(encoder, faces=self.config.faces, top_k=self.config.top_k)
            return self._tagger

    def analyse(self, datas: Sequence[bytes], *, ocr: bool) -> list[dict[str, Any]]:
        """Per image: ImageAnalysis JSON, or ``{"error", "message"}`` when the bytes cannot be decoded."""
        from pipelines.vision.decode import load_image
        from pipelines.vision.protocol import ImageDecodeError

        out: list[dict[str, Any]] = [{} for _ in datas]
        decoded: list[tuple[int, Image.Image]] = []
        for index, data in enumerate(datas):
            try:
                decoded.append((index, load_image(data)))
            except ImageDecodeError as exc:
                out[index] = {"error": exc.code, "message": str(exc)}
        if decoded:
            analyses = self.tagger().analyse([image for _, image in decoded])
            for (index, image), analysis in zip(decoded, analyses, strict=True):
                payload: dict[str, Any] = analysis.model_dump(mode="json")
                if ocr and self.config.ocr and analysis.likely_has_text:
                    payload["ocr_text"] = self._read_text(image)
                out[index] = payload
        return out

    def _read_text(self, image: Image.Image) -> str | None:
        """OCR text of an image that likely holds some (posters, banners); None when it failed."""
        try:
            from pipelines.ocr import ocr_image

            return "\n".join(line.text for line in ocr_image(image)) or None
        except Exception as exc:  # OCR is a bonus: a missing model must not lose the analysis
            log.warning("OCR failed: %s: %s", type(exc).__name__, exc)
            return None

    def encode_texts(self, texts: Sequence[str]) -> list[list[float]]:
        """Texts in the image space; ``ModelCallUnsupported`` when the encoder has no text tower."""
        encoder = self.tagger().encoder
        if not encoder.supports_text:
            raise ModelCallUnsupported(f"image encoder {encoder.name!r} cannot embed text")
        return [[float(v) for v in row] for row in encoder.encode_texts(list(texts))]
