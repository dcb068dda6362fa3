"""Model base class (public load/predict own timing and logging; backends implement _load/_predict)
and a registry that maps names to ``"module:Class"`` strings and imports on first use."""

from __future__ import annotations

import importlib
import logging
import threading
import time
from abc import ABC, abstractmethod
from typing import Any, ClassVar, Generic, TypeVar

from pydantic import BaseModel

log = logging.getLogger(__name__)

RequestT = TypeVar("RequestT", bound=BaseModel)
ResultT = TypeVar("ResultT", bound=BaseModel)


class MissingDependency(ImportError):
    """An optional dependency is not installed; the message names the extra to install."""


class LoadOnce(ABC):
    """Thread-safe, timed, load-once weights: ``load()`` runs the subclass's ``_load`` the first time."""

    def __init__(self) -> None:
        self._loaded = False
        self._load_lock = threading.Lock()
        self.load_seconds: float | None = None

    @property
    def loaded(self) -> bool:
        return self._loaded

    def load(self) -> None:
        """Load weights once (thread-safe); later calls return at once."""
        if self._loaded:
            return
        with self._load_lock:
            if self._loaded:
                return
            started = time.perf_counter()
            self._load()
            self.load_seconds = time.perf_counter() - started
            self._loaded = True
            log.info("loaded %s in %.2fs", self._load_name(), self.load_seconds)

    def _load_name(self) -> str:
        return type(self).__name__

    @abstractmethod
    def _load(self) -> None: ...


class Model(LoadOnce, Generic[RequestT, ResultT]):
    """A loadable model. Call ``predict``; subclasses implement ``_load`` and ``_predict``."""

    task: ClassVar[str]
    kind: ClassVar[str]

    def _load_name(self) -> str:
        return f"{self.task}/{self.kind}"

    def predict(self, request: RequestT) -> ResultT:
        """Run the model on one request, loading it first if needed."""
        self.load()
        started = time.perf_counter()
        result = self._predict(request)
        log.debug("%s/%s predicted in %.1f ms", self.task, self.kind, (time.perf_counter() - started) * 1000)
        return result

    @abstractmethod
    def _predict(self, request: RequestT) -> ResultT: ...


class Registry:
    """Names → ``"module:Class"``; nothing is imported until ``resolve``."""

    def __init__(self, family: str, entries: dict[str, str]) -> None:
        self.family = family
        self._entries = dict(entries)

    def names(self) -> list[str]:
        return sorted(self._entries)

    def resolve(self, name: str) -> type[Any]:
        try:
            target = self._entries[name]
        except KeyError:
            raise KeyError(
                f"unknown {self.family} backend {name!r}; known: {', '.join(self.names())}"
            ) from None
        module_name, _, attr = target.partition(":")
        return getattr(importlib.import_module(module_name), attr)  # type: ignore[no-any-return]
