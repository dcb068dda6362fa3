"""OpenAICompatBackend against a real OpenAI-compatible HTTP server started in the test: uvicorn in a thread,
serving the tiny random-weight model through TransformersBackend (a real model answering, on CPU)."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from pydantic import SecretStr

from pipelines.llm.config import LLMConfig
from pipelines.llm.openai_compat import OpenAICompatBackend
from pipelines.llm.protocol import LLMBackend, LLMError
from pipelines.llm.registry import open_llm
from pipelines.llm.tiny import build_tiny_causal_lm
from pipelines.llm.transformers_backend import TransformersBackend
from pipelines.llm.types import ChatMessage, ChatRequest, SamplingParams

SAMPLING_KEYS = (
    "max_tokens",
    "temperature",
    "top_p",
    "seed",
    "stop",
    "presence_penalty",
    "frequency_penalty",
)


def ask(text: str, **params: Any) -> ChatRequest:
    return ChatRequest(messages=(ChatMessage(role="user", content=text),), params=SamplingParams(**params))


@dataclass
class Recorder:
    """What the server saw: bodies and Authorization headers, and the most requests in flight at once."""

    bodies: list[dict[str, Any]] = field(default_factory=list)
    auth: list[str | None] = field(default_factory=list)
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def build_server_app(model: TransformersBackend, seen: Recorder) -> FastAPI:
    """A minimal ``/v1/chat/completions``; a message ``FAIL`` answers 500, ``sleep:S`` waits S seconds."""
    app = FastAPI()

    @app.post("/v1/chat/completions")
    def completions(body: dict[str, Any], request: Request) -> Any:
        with seen.lock:
            seen.bodies.append(body)
            seen.auth.append(request.headers.get("authorization"))
            seen.in_flight += 1
            seen.most_in_flight = max(seen.most_in_flight, seen.in_flight)
        try:
            content = body["messages"][-1]["content"]
            if content == "FAIL":
                return JSONResponse({"error": {"message": "boom"}}, status_code=500)
            if content.startswith("sleep:"):
                time.sleep(float(content.removeprefix("sleep:")))
            params = SamplingParams(**{k: body[k] for k in SAMPLING_KEYS if k in body})
            messages = tuple(ChatMessage(**m) for m in body["messages"])
            (result,) = model.chat([ChatRequest(messages=messages, params=params)])
        finally:
            with seen.lock:
                seen.in_flight -= 1
        return {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": result.text},
                    "finish_reason": result.finish_reason,
                }
            ],
            "usage": {
                "prompt_tokens": result.prompt_tokens,
                "completion_tokens": result.completion_tokens,
                "total_tokens": result.prompt_tokens + result.completion_tokens,
            },
        }

    return app


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TransformersBackend]:
    folder = build_tiny_causal_lm(tmp_path_factory.mktemp("models") / "tiny-qwen2")
    model = TransformersBackend(LLMConfig(backend="transformers", model=str(folder), device="cpu"))
    model.load()
    yield model
    model.close()


@pytest.fixture(scope="module")
def recorder() -> Recorder:
    return Recorder()


@pytest.fixture(scope="module")
def base_url(tiny_model: TransformersBackend, recorder: Recorder) -> Iterator[str]:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(build_server_app(tiny_model, recorder), log_level="warning", lifespan="off")
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        assert time.monotonic() < deadline, "test server did not start"
        time.sleep(0.02)
    yield f"http://127.0.0.1:{port}/v1"
    server.should_exit = True
    thread.join(timeout=10)
    sock.close()


@pytest.fixture
def client(base_url: str, recorder: Recorder) -> Iterator[OpenAICompatBackend]:
    recorder.bodies.clear()
    recorder.auth.clear()
    recorder.most_in_flight = 0
    config = LLMConfig(
        backend="openai", model="tiny-served", base_url=base_url, api_key=SecretStr("sk-test"), n_parallel=4
    )
    llm = open_llm(config)
    assert isinstance(llm, OpenAICompatBackend) and isinstance(llm, LLMBackend)
    yield llm
    llm.close()


def test_results_in_order_with_usage_match_the_served_model(
    client: OpenAICompatBackend, tiny_model: TransformersBackend, recorder: Recorder
) -> None:
    requests = [
        ask("a much longer prompt about coffee and the summer season", max_tokens=8, seed=1),
        ask("hi", max_tokens=5, seed=2),
        ask("写一句广告语", max_tokens=6, temperature=0.0),
    ]
    results = client.chat(requests)
    direct = [tiny_model.chat([r])[0] for r in requests]
    assert [r.text for r in results] == [d.text for d in direct]
    assert [(r.prompt_tokens, r.completion_tokens) for r in results] == [
        (d.prompt_tokens, d.completion_tokens) for d in direct
    ]
    assert [r.finish_reason for r in results] == [d.finish_reason for d in direct]
    assert all(r.model == "tiny-served" and r.seconds > 0 and r.error is None for r in results)
    assert recorder.auth == ["Bearer sk-test"] * 3
    assert sorted(b["max_tokens"] for b in recorder.bodies) == [5, 6, 8]


def test_sampling_params_and_json_schema_are_forwarded(
    client: OpenAICompatBackend, recorder: Recorder
) -> None:
    schema = {"type": "object", "properties": {"slogan": {"type": "string"}}, "required": ["slogan"]}
    params = {
        "max_tokens": 4,
        "temperature": 0.5,
        "top_p": 0.9,
        "seed": 3,
        "stop": ("\n",),
        "frequency_penalty": 0.5,
    }
    (result,) = client.chat([ask("json please", json_schema=schema, **params)])
    assert result.error is None
    (body,) = recorder.bodies
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": schema, "strict": True},
    }
    assert body["model"] == "tiny-served"
    assert body["messages"] == [{"role": "user", "content": "json please"}]
    assert {k: body[k] for k in params} == {**params, "stop": ["\n"]}
    assert "presence_penalty" not in body


def test_a_server_error_fails_only_its_request(client: OpenAICompatBackend) -> None:
    good, bad, also_good = client.chat(
        [ask("ok", max_tokens=3, seed=1), ask("FAIL"), ask("fine", max_tokens=3, seed=1)]
    )
    assert bad.finish_reason == "error" and bad.error and "HTTP 500" in bad.error and bad.text == ""
    assert good.error is None and also_good.error is None
    assert good.completion_tokens == also_good.completion_tokens == 3


def test_requests_run_concurrently_up_to_n_parallel(client: OpenAICompatBackend, recorder: Recorder) -> None:
    started = time.perf_counter()
    results = client.chat([ask("sleep:0.5", max_tokens=1, seed=i) for i in range(8)])
    elapsed = time.perf_counter() - started
    assert [r.error for r in results] == [None] * 8
    assert recorder.most_in_flight == 4
    assert elapsed < 8 * 0.5


def test_timeout_is_an_error_result(base_url: str) -> None:
    llm = OpenAICompatBackend(LLMConfig(backend="openai", model="m", base_url=base_url, timeout_s=0.2))
    (result,) = llm.chat([ask("sleep:1")])
    llm.close()
    assert result.finish_reason == "error" and result.error and "Timeout" in result.error


def test_connection_refused_gives_error_results_not_exceptions() -> None:
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    sock.close()  # bound, never listening: nothing answers on this port
    llm = OpenAICompatBackend(LLMConfig(backend="openai", model="m", base_url=f"http://127.0.0.1:{port}/v1"))
    results = llm.chat([ask("a"), ask("b")])
    llm.close()
    assert [r.finish_reason for r in results] == ["error", "error"]
    assert all(r.error and "ConnectError" in r.error for r in results)


def test_without_base_url_load_raises() -> None:
    with pytest.raises(LLMError, match="base_url"):
        OpenAICompatBackend(LLMConfig(backend="openai")).load()


def test_no_api_key_sends_no_authorization(base_url: str, recorder: Recorder) -> None:
    recorder.auth.clear()
    llm = OpenAICompatBackend(LLMConfig(backend="openai", model="m", base_url=base_url + "/"))
    (result,) = llm.chat([ask("hi", max_tokens=2, seed=1)])
    llm.close()
    assert result.error is None and recorder.auth == [None]
