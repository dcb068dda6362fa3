"""The llama.cpp backend: request/response mapping and clear load errors, then the real offline default
model (Qwen2.5 0.5B Q4_K_M joined from its pip packages): Chinese answers, seeded sampling,
grammar-constrained JSON, batches, limits and per-request errors."""

from __future__ import annotations

import json
import re
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from pipelines.base import MissingDependency
from pipelines.llm.config import LLMConfig
from pipelines.llm.llamacpp import LlamaCppBackend, parse_response, request_body
from pipelines.llm.protocol import LLMBackend, ModelNotAvailable
from pipelines.llm.registry import open_llm
from pipelines.llm.types import ChatMessage, ChatRequest, SamplingParams

CJK = re.compile(r"[\u4e00-\u9fff]")
POST_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "title": {"type": "string", "maxLength": 20},
        "body": {"type": "string", "maxLength": 40},
        "hashtags": {
            "type": "array",
            "items": {"type": "string", "maxLength": 8},
            "minItems": 3,
            "maxItems": 3,
        },
    },
    "required": ["title", "body", "hashtags"],
    "additionalProperties": False,
}


def ask(text: str, system: str | None = None, **params: Any) -> ChatRequest:
    messages = [ChatMessage(role="system", content=system)] if system else []
    messages.append(ChatMessage(role="user", content=text))
    return ChatRequest(messages=tuple(messages), params=SamplingParams(**params))


def test_sampling_params_map_to_openai_fields() -> None:
    request = ask(
        "hi",
        system="s",
        max_tokens=9,
        temperature=0.3,
        top_p=0.5,
        seed=4,
        stop=("\n",),
        presence_penalty=0.2,
        frequency_penalty=0.1,
        json_schema={"type": "object"},
    )
    body = request_body(request)
    assert body["messages"] == [{"role": "system", "content": "s"}, {"role": "user", "content": "hi"}]
    assert (body["max_tokens"], body["temperature"], body["top_p"], body["seed"]) == (9, 0.3, 0.5, 4)
    assert (body["stop"], body["presence_penalty"], body["frequency_penalty"]) == (["\n"], 0.2, 0.1)
    assert body["response_format"] == {
        "type": "json_schema",
        "json_schema": {"name": "output", "schema": {"type": "object"}},
    }
    assert "seed" not in request_body(ask("hi")) and "response_format" not in request_body(ask("hi"))
    assert request_body(ask("hi"), [7, 9])["logit_bias"] == [[7, False], [9, False]]
    assert "logit_bias" not in request_body(ask("hi", avoid_words=("美白",)))  # ids come from the server


def test_responses_map_to_results() -> None:
    ok = {
        "choices": [{"finish_reason": "length", "message": {"role": "assistant", "content": "你好"}}],
        "usage": {"prompt_tokens": 7, "completion_tokens": 2},
    }
    result = parse_response(ok, "m", 0.5)
    assert (result.text, result.finish_reason, result.prompt_tokens, result.completion_tokens) == (
        "你好",
        "length",
        7,
        2,
    )
    error = {"error": {"code": 400, "message": "request exceeds the context", "type": "x"}}
    failed = parse_response(error, "m", 0.1)
    assert (failed.finish_reason, failed.error, failed.text) == ("error", "request exceeds the context", "")
    assert parse_response({"code": 500, "message": "bad json"}, "m", 0).error == "bad json"


def test_missing_library_and_model_are_clear_errors(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_WAIT_POLICY", "PASSIVE")  # what load() sets, undone after the test
    monkeypatch.setitem(sys.modules, "xllamacpp", None)  # import fails as if not installed
    with pytest.raises(MissingDependency, match="pip install 'xllamacpp=="):
        LlamaCppBackend(LLMConfig(cache_dir=tmp_path)).load()
    monkeypatch.delitem(sys.modules, "xllamacpp")
    backend = LlamaCppBackend(LLMConfig(model=str(tmp_path / "absent.gguf")))
    assert backend.model_id == "absent"
    with pytest.raises(ModelNotAvailable):
        backend.chat([ask("hi")])


@pytest.fixture(scope="module")
def config(tmp_path_factory: pytest.TempPathFactory) -> LLMConfig:
    return LLMConfig(cache_dir=tmp_path_factory.mktemp("models"), n_ctx=1024, n_parallel=4)


@pytest.fixture(scope="module")
def llm(config: LLMConfig) -> Iterator[LlamaCppBackend]:
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("OMP_WAIT_POLICY", "PASSIVE")  # what load() sets, undone after the module
        backend = LlamaCppBackend(config)
        backend.load()
        yield backend
        backend.close()
    for made in Path(str(config.cache_dir)).glob("*.gguf"):
        made.unlink()  # ~1 GB (the joined file and the re-quantized default): not kept in temp dirs


def test_is_a_loaded_backend(llm: LlamaCppBackend, config: LLMConfig) -> None:
    assert isinstance(llm, LLMBackend)
    assert (llm.name, llm.supports_json_schema) == ("llamacpp", True)
    assert llm.model_id == "qwen2.5-0.5b-instruct-q4_0"
    assert llm.model_path == Path(str(config.cache_dir)) / "qwen2.5-0.5b-instruct-q4_0.gguf"
    assert isinstance(open_llm(config), LlamaCppBackend)


def test_a_word_of_one_token_is_kept_out_of_the_answer(llm: LlamaCppBackend) -> None:
    server = llm._server
    assert server is not None
    [single] = llm.banned_tokens(server, ["美白"])  # one token in Qwen's vocabulary
    assert llm.banned_tokens(server, ["美白", "美白肌肤", "美白"]) == [single]  # several tokens: not banned
    repeat = "请把“美白”这个词重复五遍，用逗号隔开。"
    [free, kept_out] = llm.chat(
        [
            ask(repeat, max_tokens=24, temperature=0),
            ask(repeat, max_tokens=24, temperature=0, avoid_words=("美白",)),
        ]
    )
    assert "美白" in free.text and kept_out.finish_reason != "error", kept_out.error
    assert "美白" not in kept_out.text and len(CJK.findall(kept_out.text)) >= 4, kept_out.text


def test_answers_in_chinese(llm: LlamaCppBackend) -> None:
    [result] = llm.chat(
        [ask("用一句话介绍西湖。", system="你是一名中文文案写手。", max_tokens=24, temperature=0)]
    )
    assert result.finish_reason in ("stop", "length"), result.error
    assert len(CJK.findall(result.text)) >= 5, result.text
    assert result.prompt_tokens > 10 and 0 < result.completion_tokens <= 24
    assert result.model == "qwen2.5-0.5b-instruct-q4_0" and result.seconds > 0


def test_same_seed_same_text(llm: LlamaCppBackend) -> None:
    # The repacked Q4_0 kernels round differently for a batch of prompt tokens than for a single one, so a
    # seed repeats its text when the prompt is evaluated the same way: here both from llama.cpp's prompt
    # cache (the first call fills it; the first call's own text may differ in the last digits' luck).
    request = ask("给一款绿茶饮料想一句广告语。", max_tokens=12, temperature=0.8, seed=1234)
    llm.chat([request])
    first = llm.chat([request])[0]
    second = llm.chat([request])[0]
    assert first.finish_reason != "error", first.error
    assert first.text and first.text == second.text


def test_json_schema_output_parses_and_validates(llm: LlamaCppBackend) -> None:
    request = ask(
        "为一款绿茶饮料写一条小红书笔记，包含标题、正文和三个话题标签。",
        max_tokens=160,
        temperature=0.7,
        seed=7,
        json_schema=POST_SCHEMA,
    )
    [result] = llm.chat([request])
    assert result.finish_reason == "stop", (result.error, result.text)
    post = json.loads(result.text)
    assert set(post) == {"title", "body", "hashtags"}
    assert isinstance(post["title"], str) and len(post["title"]) <= 20
    assert isinstance(post["body"], str) and len(post["body"]) <= 40
    assert len(post["hashtags"]) == 3
    assert all(isinstance(tag, str) and len(tag) <= 8 for tag in post["hashtags"])


def test_batch_keeps_order_and_max_tokens(llm: LlamaCppBackend) -> None:
    cities = ["杭州", "上海", "成都", "西安"]
    requests = [
        ask(f"详细介绍{city}的历史、美食和景点。", max_tokens=4 + i, temperature=0.5, seed=i)
        for i, city in enumerate(cities)
    ]
    results = llm.chat(requests)
    assert len(results) == 4
    for i, result in enumerate(results):
        assert result.finish_reason == "length", result.error
        assert result.completion_tokens == 4 + i  # the i-th result answers the i-th request
        assert result.prompt_tokens > 0 and result.text


def test_a_bad_request_fails_alone(llm: LlamaCppBackend) -> None:
    bad = ask("写一句广告语。", max_tokens=4, json_schema={"type": "no-such-type"})
    too_long = ask("测试" * 1500, max_tokens=4)  # about 3,000 tokens; the window is 1,024
    good = ask("写一句广告语。", max_tokens=4, temperature=0)
    results = llm.chat([good, bad, too_long, good])
    assert [r.finish_reason for r in results] == ["length", "error", "error", "length"]
    assert results[1].error and "no-such-type" in results[1].error
    assert results[2].error and "context" in results[2].error
    assert results[0].text and results[3].text
