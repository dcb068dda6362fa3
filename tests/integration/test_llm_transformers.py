"""TransformersBackend on a tiny random-weight Qwen2 model built in the test (CPU, offline)."""

from __future__ import annotations

import shutil
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from transformers import AutoTokenizer

from pipelines.llm.config import LLMConfig
from pipelines.llm.protocol import LLMBackend, ModelNotAvailable
from pipelines.llm.registry import open_llm
from pipelines.llm.tiny import build_tiny_causal_lm
from pipelines.llm.transformers_backend import TransformersBackend, fallback_prompt
from pipelines.llm.types import ChatMessage, ChatRequest, SamplingParams


def ask(text: str, **params: Any) -> ChatRequest:
    return ChatRequest(messages=(ChatMessage(role="user", content=text),), params=SamplingParams(**params))


@pytest.fixture(scope="module")
def tiny_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_causal_lm(tmp_path_factory.mktemp("models") / "tiny-qwen2")


@pytest.fixture(scope="module")
def backend(tiny_dir: Path) -> Iterator[TransformersBackend]:
    config = LLMConfig(
        backend="transformers", model=tiny_dir.name, model_dir=tiny_dir.parent, device="cpu", n_parallel=2
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("HF_HUB_OFFLINE", "1")
        llm = open_llm(config)
        assert isinstance(llm, TransformersBackend)
        llm.load()
        yield llm
        llm.close()


def test_backend_meets_the_protocol(backend: TransformersBackend) -> None:
    assert isinstance(backend, LLMBackend)
    assert (backend.name, backend.model_id, backend.device, backend.dtype) == (
        "transformers",
        "tiny-qwen2",
        "cpu",
        "float32",
    )
    assert backend.supports_json_schema is False


def test_batch_results_in_request_order_match_single_runs(backend: TransformersBackend) -> None:
    # Different prompt lengths, and n_parallel=2 splits these three into two length-sorted batches.
    requests = [
        ask("a much longer prompt about coffee, summer drinks and the new season", max_tokens=12, seed=1),
        ask("hi", max_tokens=12, seed=2),
        ask("写一句广告语", max_tokens=12, temperature=0.0),
    ]
    results = backend.chat(requests)
    singles = [backend.chat([request])[0] for request in requests]
    assert len(results) == 3
    assert [r.prompt_tokens for r in results] == [s.prompt_tokens for s in singles]
    assert results[0].prompt_tokens > results[2].prompt_tokens > results[1].prompt_tokens
    assert [r.text for r in results] == [s.text for s in singles]
    assert all(r.model == "tiny-qwen2" and r.seconds > 0 and r.error is None for r in results)


def test_same_seed_same_text_other_seed_other_text(backend: TransformersBackend) -> None:
    first, again, other = backend.chat(
        [
            ask("slogan", max_tokens=16, seed=7),
            ask("slogan", max_tokens=16, seed=7),
            ask("slogan", max_tokens=16, seed=8),
        ]
    )
    assert first.text == again.text
    assert first.text != other.text


def test_greedy_is_deterministic_without_seed(backend: TransformersBackend) -> None:
    one, two = (backend.chat([ask("hello", max_tokens=10, temperature=0.0)])[0] for _ in range(2))
    assert one.text == two.text and one.completion_tokens == 10


def test_max_tokens_ends_with_length(backend: TransformersBackend) -> None:
    (result,) = backend.chat([ask("count", max_tokens=5, seed=3)])
    assert (result.finish_reason, result.completion_tokens) == ("length", 5)


def test_stop_string_trims_and_stops_early(backend: TransformersBackend) -> None:
    full = backend.chat([ask("stop test", max_tokens=24, seed=11)])[0]
    clean = [i for i in range(4, len(full.text) - 2) if "\ufffd" not in full.text[i : i + 2]]
    assert clean, full.text
    stop = full.text[clean[0] : clean[0] + 2]
    (stopped,) = backend.chat([ask("stop test", max_tokens=24, seed=11, stop=(stop,))])
    assert stopped.finish_reason == "stop"
    assert stopped.text == full.text[: full.text.index(stop)]
    assert stopped.completion_tokens < full.completion_tokens


def test_frequency_penalty_changes_greedy_output(backend: TransformersBackend) -> None:
    plain, penalised = backend.chat(
        [
            ask("repeat", max_tokens=24, temperature=0.0),
            ask("repeat", max_tokens=24, temperature=0.0, frequency_penalty=2.0),
        ]
    )
    assert plain.text != penalised.text


def test_prompt_over_the_context_is_an_error_result(tiny_dir: Path) -> None:
    llm = TransformersBackend(LLMConfig(backend="transformers", model=str(tiny_dir), device="cpu", n_ctx=256))
    long_prompt, near_full = llm.chat(
        [ask("coffee " * 300, max_tokens=4), ask("coffee " * 236, max_tokens=300, seed=1)]
    )
    assert long_prompt.finish_reason == "error" and long_prompt.error and "256" in long_prompt.error
    assert long_prompt.prompt_tokens > 256
    # The context also caps a request's room to grow: prompt + completion stays within n_ctx.
    assert near_full.prompt_tokens > 240
    assert (
        near_full.finish_reason == "length" and near_full.prompt_tokens + near_full.completion_tokens == 256
    )


def test_tokenizer_without_chat_template_uses_the_fallback(tiny_dir: Path, tmp_path: Path) -> None:
    plain = tmp_path / "no-template"
    shutil.copytree(tiny_dir, plain)
    (plain / "chat_template.jinja").unlink()
    llm = TransformersBackend(LLMConfig(backend="transformers", model=str(plain), device="cpu"))
    (result,) = llm.chat([ask("hi", max_tokens=3, seed=1)])
    tokenizer = AutoTokenizer.from_pretrained(plain, local_files_only=True)
    assert not tokenizer.chat_template
    expected = len(tokenizer(fallback_prompt([ChatMessage(role="user", content="hi")]))["input_ids"])
    assert (result.prompt_tokens, result.completion_tokens) == (expected, 3)


def test_missing_folder_is_model_not_available(tmp_path: Path) -> None:
    llm = TransformersBackend(LLMConfig(backend="transformers", model="absent", model_dir=tmp_path))
    with pytest.raises(ModelNotAvailable, match="ATELIER_MODEL_DIR"):
        llm.chat([ask("hi")])


def test_folder_without_weights_is_model_not_available(tmp_path: Path) -> None:
    (tmp_path / "empty").mkdir()
    llm = TransformersBackend(LLMConfig(backend="transformers", model=str(tmp_path / "empty")))
    with pytest.raises(ModelNotAvailable, match="cannot load"):
        llm.load()


def test_loads_and_answers_with_the_network_cut_off(
    tiny_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise OSError("network disabled in this test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    llm = TransformersBackend(LLMConfig(backend="transformers", model=str(tiny_dir), device="cpu"))
    (result,) = llm.chat([ask("offline", max_tokens=4, seed=1)])
    assert result.completion_tokens == 4
    hub_name = TransformersBackend(
        LLMConfig(backend="transformers", model="Qwen/Qwen2.5-0.5B-Instruct", model_dir=tmp_path)
    )
    with pytest.raises(ModelNotAvailable):
        hub_name.load()
    assert attempts == []


def test_close_frees_and_the_next_chat_reloads(tiny_dir: Path) -> None:
    llm = TransformersBackend(LLMConfig(backend="transformers", model=str(tiny_dir), device="cpu"))
    first = llm.chat([ask("again", max_tokens=6, seed=5)])[0]
    llm.close()
    assert not llm.loaded
    assert llm.chat([ask("again", max_tokens=6, seed=5)])[0].text == first.text
