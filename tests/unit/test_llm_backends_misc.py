"""LLM backends without a model: vLLM's missing-dependency error, OpenAI wire mapping, folder rules, stop
trimming, and that opening a backend imports no heavy stack."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from pipelines.base import MissingDependency
from pipelines.llm.config import BackendName, LLMConfig
from pipelines.llm.openai_compat import OpenAICompatBackend, build_payload, parse_response
from pipelines.llm.protocol import LLMBackend, LLMError, ModelNotAvailable
from pipelines.llm.registry import open_llm
from pipelines.llm.transformers_backend import (
    TransformersBackend,
    fallback_prompt,
    resolve_model_path,
    trim_at_stop,
)
from pipelines.llm.types import ChatMessage, ChatRequest, SamplingParams
from pipelines.llm.vllm_backend import MISSING_VLLM, VllmBackend, structured_json


def ask(text: str, **params: Any) -> ChatRequest:
    return ChatRequest(messages=(ChatMessage(role="user", content=text),), params=SamplingParams(**params))


def test_vllm_missing_raises_missing_dependency_naming_the_alternatives(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "vllm", None)  # import vllm → ImportError, installed or not
    backend = VllmBackend(LLMConfig(backend="vllm", model="/models/qwen"))
    with pytest.raises(MissingDependency) as caught:
        backend.load()
    assert str(caught.value) == MISSING_VLLM
    assert "'openai'" in MISSING_VLLM and "'transformers'" in MISSING_VLLM and "gpu_deploy/" in MISSING_VLLM
    assert isinstance(caught.value, ImportError)


def test_vllm_gets_the_words_to_avoid_as_bad_words() -> None:
    backend = VllmBackend(LLMConfig(backend="vllm", model="m"))
    backend._vllm_sampling = SimpleNamespace(SamplingParams=lambda **kw: kw)
    params = backend.sampling_params(SamplingParams(avoid_words=("美白", "祛斑")))
    assert params["bad_words"] == ["美白", "祛斑"] and "bad_words" not in backend.sampling_params(
        SamplingParams()
    )


def test_vllm_structured_outputs_for_new_and_old_releases() -> None:
    schema = {"type": "object"}

    class Params:
        def __init__(self, json: dict[str, Any]) -> None:
            self.json = json

    new = structured_json(SimpleNamespace(StructuredOutputsParams=Params), schema)
    old = structured_json(SimpleNamespace(GuidedDecodingParams=Params), schema)
    assert list(new) == ["structured_outputs"] and new["structured_outputs"].json == schema
    assert list(old) == ["guided_decoding"] and old["guided_decoding"].json == schema
    with pytest.raises(LLMError):
        structured_json(SimpleNamespace(), schema)


@pytest.mark.parametrize("backend", ["openai", "vllm", "transformers"])
def test_registry_opens_each_backend_unloaded(backend: BackendName) -> None:
    llm = open_llm(LLMConfig(backend=backend, model="/models/some-model", base_url="http://x/v1"))
    assert isinstance(llm, LLMBackend)
    assert llm.name == backend
    assert llm.supports_json_schema is (backend != "transformers")


def test_opening_backends_imports_no_heavy_stack() -> None:
    code = (
        "import json, sys\n"
        "from pipelines.llm.config import LLMConfig\n"
        "from pipelines.llm.registry import open_llm\n"
        "import pipelines.llm.tiny\n"
        "for name in ('openai', 'vllm', 'transformers'):\n"
        "    open_llm(LLMConfig(backend=name, model='/m', base_url='http://x/v1'))\n"
        "print(json.dumps(sorted(sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert "pipelines.llm.transformers_backend" in loaded
    assert [m for m in loaded if m.split(".")[0] in {"torch", "transformers", "tokenizers", "vllm"}] == []


def test_openai_payload_carries_params_and_json_schema() -> None:
    schema = {"type": "object", "properties": {"a": {"type": "integer"}}}
    body = build_payload("served", ask("hi", max_tokens=9, seed=4, stop=("END",), json_schema=schema))
    assert body == {
        "model": "served",
        "messages": [{"role": "user", "content": "hi"}],
        "max_tokens": 9,
        "temperature": 0.8,
        "top_p": 0.95,
        "seed": 4,
        "stop": ["END"],
        "response_format": {
            "type": "json_schema",
            "json_schema": {"name": "output", "schema": schema, "strict": True},
        },
    }
    assert set(build_payload("m", ask("hi"))) == {"model", "messages", "max_tokens", "temperature", "top_p"}


@pytest.mark.parametrize(
    ("reason", "expected"), [("stop", "stop"), ("length", "length"), (None, "stop"), ("tool_calls", "stop")]
)
def test_openai_response_mapping(reason: str | None, expected: str) -> None:
    data = {
        "model": "served-name",
        "choices": [{"message": {"role": "assistant", "content": "你好"}, "finish_reason": reason}],
        "usage": {"prompt_tokens": 11, "completion_tokens": 3},
    }
    result = parse_response(data, "fallback", 0.5)
    assert (result.text, result.finish_reason, result.prompt_tokens, result.completion_tokens) == (
        "你好",
        expected,
        11,
        3,
    )
    assert (result.model, result.seconds, result.error) == ("served-name", 0.5, None)


def test_openai_response_without_usage_or_content() -> None:
    result = parse_response(
        {"choices": [{"message": {"content": None}, "finish_reason": "length"}]}, "m", 0.1
    )
    assert (result.text, result.finish_reason, result.prompt_tokens, result.model) == ("", "length", 0, "m")


@pytest.mark.parametrize(
    "data", [{}, {"choices": []}, {"choices": [{"text": "legacy"}]}, ["not", "a", "dict"]]
)
def test_openai_malformed_response_raises(data: Any) -> None:
    with pytest.raises(LLMError, match="malformed"):
        parse_response(data, "m", 0.0)


def test_openai_without_base_url_refuses_to_load() -> None:
    with pytest.raises(LLMError, match="ATELIER_LLM__BASE_URL"):
        OpenAICompatBackend(LLMConfig(backend="openai")).chat([ask("hi")])


def test_model_folder_rules(tmp_path: Path) -> None:
    (tmp_path / "org" / "model").mkdir(parents=True)
    relative = LLMConfig(backend="transformers", model="org/model", model_dir=tmp_path)
    assert resolve_model_path(relative) == tmp_path / "org" / "model"
    absolute = LLMConfig(
        backend="transformers", model=str(tmp_path / "org" / "model"), model_dir=Path("/elsewhere")
    )
    assert resolve_model_path(absolute) == tmp_path / "org" / "model"
    with pytest.raises(ModelNotAvailable, match="no model directory is set.*ATELIER_MODEL_DIR"):
        resolve_model_path(LLMConfig(backend="transformers", model="org/model"))
    with pytest.raises(ModelNotAvailable, match="does not exist"):
        resolve_model_path(LLMConfig(backend="transformers", model="org/other", model_dir=tmp_path))


def test_a_single_gguf_file_is_a_model_and_other_files_are_not(tmp_path: Path) -> None:
    (tmp_path / "qwen.gguf").write_bytes(b"GGUF")
    (tmp_path / "weights.bin").write_bytes(b"\0")
    gguf = LLMConfig(backend="transformers", model="qwen.gguf", model_dir=tmp_path)
    assert resolve_model_path(gguf) == tmp_path / "qwen.gguf"
    with pytest.raises(ModelNotAvailable, match="does not exist"):
        resolve_model_path(LLMConfig(backend="transformers", model="weights.bin", model_dir=tmp_path))


def test_missing_model_is_reported_before_any_heavy_import(tmp_path: Path) -> None:
    backend = TransformersBackend(LLMConfig(backend="transformers", model="absent", model_dir=tmp_path))
    with pytest.raises(ModelNotAvailable):
        backend.load()
    assert backend.model_id == "absent" and not backend.loaded


@pytest.mark.parametrize(
    ("text", "stops", "expected"),
    [
        ("hello END world", ("END",), ("hello ", True)),
        ("a|b#c", ("#", "|"), ("a", True)),
        ("no stop here", ("END",), ("no stop here", False)),
        ("empty stop", ("",), ("empty stop", False)),
        ("", (), ("", False)),
    ],
)
def test_trim_at_stop(text: str, stops: tuple[str, ...], expected: tuple[str, bool]) -> None:
    assert trim_at_stop(text, stops) == expected


def test_fallback_prompt_tags_roles_and_opens_the_answer() -> None:
    messages = [ChatMessage(role="system", content="Be brief."), ChatMessage(role="user", content="Slogan?")]
    assert fallback_prompt(messages) == "<|system|>\nBe brief.\n<|user|>\nSlogan?\n<|assistant|>\n"
