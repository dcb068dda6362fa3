"""Model base class (lazy, once-only, thread-safe load) and the lazy registry; the echo model."""

from __future__ import annotations

import hashlib
import os
import sys
import threading
import time
from typing import ClassVar

import pytest
from pydantic import BaseModel

from pipelines.base import Model, Registry
from pipelines.diagnostics import EchoModel, EchoRequest, EchoResult


class _In(BaseModel):
    x: int


class _Out(BaseModel):
    y: int


class CountingModel(Model[_In, _Out]):
    task: ClassVar[str] = "test"
    kind: ClassVar[str] = "counting"

    def __init__(self, load_delay: float = 0.0) -> None:
        super().__init__()
        self.loads = 0
        self.load_delay = load_delay

    def _load(self) -> None:
        self.loads += 1
        time.sleep(self.load_delay)

    def _predict(self, request: _In) -> _Out:
        assert self.loaded, "predict ran before load finished"
        return _Out(y=request.x * 2)


class FailingLoadModel(CountingModel):
    def _load(self) -> None:
        self.loads += 1
        raise RuntimeError("weights missing")


def test_predict_loads_lazily_and_once() -> None:
    model = CountingModel()
    assert not model.loaded and model.loads == 0 and model.load_seconds is None
    assert model.predict(_In(x=21)) == _Out(y=42)
    assert model.loaded and model.loads == 1
    assert model.load_seconds is not None and model.load_seconds >= 0
    model.predict(_In(x=1))
    model.load()
    assert model.loads == 1


def test_concurrent_first_calls_load_once() -> None:
    model = CountingModel(load_delay=0.05)
    barrier = threading.Barrier(8)
    results: list[_Out] = []

    def call(i: int) -> None:
        barrier.wait()
        results.append(model.predict(_In(x=i)))

    threads = [threading.Thread(target=call, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert model.loads == 1
    assert sorted(r.y for r in results) == [2 * i for i in range(8)]


def test_failed_load_is_retried_next_time() -> None:
    model = FailingLoadModel()
    for _ in range(2):
        with pytest.raises(RuntimeError, match="weights missing"):
            model.predict(_In(x=1))
    assert model.loads == 2 and not model.loaded


def test_registry_resolves_lazily() -> None:
    sys.modules.pop("tests.unit._lazy_target", None)
    registry = Registry(
        "demo", {"lazy": "tests.unit._lazy_target:Target", "echo": "pipelines.diagnostics:EchoModel"}
    )
    assert registry.names() == ["echo", "lazy"]
    assert "tests.unit._lazy_target" not in sys.modules  # nothing imported until resolve
    assert registry.resolve("echo") is EchoModel
    assert "tests.unit._lazy_target" not in sys.modules
    assert registry.resolve("lazy").__name__ == "Target"
    assert "tests.unit._lazy_target" in sys.modules


def test_registry_unknown_name() -> None:
    registry = Registry("image", {"diffusers": "pipelines.diffusers:Backend", "tiny": "x:Y"})
    with pytest.raises(KeyError) as info:
        registry.resolve("dalle")
    message = str(info.value)
    assert "unknown image backend 'dalle'" in message
    assert "diffusers, tiny" in message


def test_registry_bad_target_raises_at_resolve() -> None:
    registry = Registry("x", {"missing": "no_such_module_atelier:Thing", "attr": "pipelines.base:Nope"})
    with pytest.raises(ModuleNotFoundError):
        registry.resolve("missing")
    with pytest.raises(AttributeError):
        registry.resolve("attr")


def test_registry_copies_its_entries() -> None:
    entries = {"echo": "pipelines.diagnostics:EchoModel"}
    registry = Registry("x", entries)
    entries["other"] = "a:b"
    assert registry.names() == ["echo"]


def test_echo_model_result() -> None:
    model = EchoModel()
    result = model.predict(EchoRequest(message="ni hao 你好", step=2, seed=7))
    assert isinstance(result, EchoResult)
    assert result.message == "ni hao 你好"
    assert result.step == 2
    assert result.sha256 == hashlib.sha256("ni hao 你好".encode()).hexdigest()
    assert result.length == len("ni hao 你好")
    assert result.worker_pid == os.getpid()
    assert result.worker_host
    assert result.elapsed_ms >= 0
    assert (EchoModel.task, EchoModel.kind) == ("diagnostics", "echo")


def test_echo_request_is_strict() -> None:
    with pytest.raises(ValueError, match="extra"):
        EchoRequest.model_validate({"message": "x", "temperature": 1})
    with pytest.raises(ValueError):
        EchoRequest(message="x", step=-1)
    with pytest.raises(ValueError):
        EchoRequest(message="x" * 10_001)
