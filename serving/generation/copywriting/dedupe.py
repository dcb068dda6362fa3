"""Near-duplicate screening by embedding cosine: a candidate too close to an admitted text is refused."""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

from pipelines.embeddings.text import TextEncoder, Vectors
from serving.generation.copy_settings import DUPLICATE_COSINE

__all__ = ["DUPLICATE_COSINE", "Deduper", "text_key"]

_NOISE = re.compile(r"[\s\W_]+", re.UNICODE)


def text_key(text: str) -> str:
    """Text without spaces, punctuation and case: equal keys are exact duplicates."""
    return _NOISE.sub("", text).casefold()


class Deduper:
    """Holds the admitted texts' vectors; ``admit`` accepts a candidate only if it is novel."""

    def __init__(self, encoder: TextEncoder, threshold: float = DUPLICATE_COSINE) -> None:
        self.encoder = encoder
        self.threshold = threshold
        self._rows: list[Vectors] = []
        self._texts: list[str] = []
        self._keys: set[str] = set()
        self._matrix: Vectors = np.zeros((0, encoder.dim), dtype=np.float32)

    def __len__(self) -> int:
        return len(self._keys)

    def embed(self, texts: Sequence[str]) -> Vectors:
        return self.encoder.encode(texts)

    def nearest(self, vector: Vectors) -> float:
        """The highest cosine between ``vector`` and an admitted text (0 when none)."""
        return self.closest(vector)[0]

    def closest(self, vector: Vectors) -> tuple[float, str | None]:
        """The highest cosine between ``vector`` and an admitted text, and that text ((0, None) when none)."""
        if len(self._rows) != self._matrix.shape[0]:
            self._matrix = np.stack(self._rows) if self._rows else self._matrix
        if self._matrix.shape[0] == 0:
            return 0.0, None
        sims = self._matrix @ vector
        best = int(np.argmax(sims))
        return float(sims[best]), self._texts[best]

    def admit(self, text: str, vector: Vectors) -> bool:
        """Add the candidate if it is neither an exact nor a near duplicate; say whether it was added."""
        key = text_key(text)
        if key in self._keys or self.nearest(vector) > self.threshold:
            return False
        self._keys.add(key)
        self._rows.append(vector)
        self._texts.append(text)
        return True
