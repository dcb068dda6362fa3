"""The streaming schedule: a backend with ``concurrent_requests`` gets single requests kept in flight,
settled as they land; the target stops new requests; failures and deterministic fixes behave as in rounds."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from typing import Any

import pytest

from compliance_rules.checker import Checker
from pipelines.embeddings.text import HashingEncoder
from pipelines.llm.types import ChatRequest, ChatResult
from serving.generation.copywriting import CopyBrief, CopyProgress, CopywritingPipeline, CopywritingSettings
from serving.generation.copywriting.errors import GenerationFailed
from tests.unit.test_copywriting_fake_llm import ScriptedLLM, note

CHECKER = Checker.builtin()


class ConcurrentLLM(ScriptedLLM):
    """A scripted LLM that serves single requests from several threads and records the peak in flight."""

    def __init__(self, *args: Any, slots: int = 3, delay: float = 0.01, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.concurrent_requests = slots
        self.delay = delay
        self.lock = threading.Lock()
        self.in_flight = 0
        self.peak = 0
        self.batch_sizes: list[int] = []

    def chat(self, requests: Sequence[ChatRequest]) -> list[ChatResult]:
        with self.lock:
            self.in_flight += 1
            self.peak = max(self.peak, self.in_flight)
            self.batch_sizes.append(len(requests))
            answers = super().chat(requests)
        time.sleep(self.delay)
        with self.lock:
            self.in_flight -= 1
        return answers


def brief(**changes: Any) -> CopyBrief:
    data: dict[str, Any] = {
        "brand": "山茶集",
        "product": "山茶花保湿面霜",
        "selling_points": ("48小时保湿", "敏感肌可用"),
        "platform": "xiaohongshu",
        "industry": "cosmetics",
        "num_variants": 10,
        "seed": 3,
    } | changes
    return CopyBrief(**data)


def run(llm: ScriptedLLM, **changes: Any) -> Any:
    pipeline = CopywritingPipeline(llm, HashingEncoder(), CHECKER, CopywritingSettings())
    updates: list[CopyProgress] = []
    result = pipeline.run(brief(**changes), updates.append)
    return result, updates


def test_single_requests_keep_every_slot_busy_and_stop_at_the_target() -> None:
    llm = ConcurrentLLM(slots=3)
    result, updates = run(llm)
    assert len(result.variants) == 10
    assert set(llm.batch_sizes) == {1} and llm.peak == 3
    # Every request is counted once; at most the slots' worth are left over when the target is met.
    assert result.stats.requests + result.stats.surplus - 2 <= len(llm.requests) <= 10 + 3
    assert updates and updates[-1].accepted == 10
    assert [u.accepted for u in updates] == sorted(u.accepted for u in updates)
    assert all(v.attempts >= 1 for v in result.variants)


def test_results_are_the_same_shape_as_with_rounds() -> None:
    streamed, _ = run(ConcurrentLLM(slots=4), num_variants=6)
    rounds = CopywritingPipeline(ScriptedLLM(), HashingEncoder(), CHECKER).run(brief(num_variants=6))
    assert len(streamed.variants) == len(rounds.variants) == 6
    assert [v.index for v in streamed.variants] == list(range(6))
    assert streamed.stats.tokens_per_s >= 0 and streamed.stats.llm_seconds > 0


def test_a_backend_that_keeps_failing_stops_the_run() -> None:
    with pytest.raises(GenerationFailed):
        run(ConcurrentLLM(slots=2, error="server down"))


def test_an_offending_hashtag_is_dropped_without_a_model_call() -> None:
    bad = note(
        "山茶集面霜秋冬用",
        "山茶集面霜清爽不油腻，敏感肌也能安心用，早晚一次就很水润。",
        ("护肤", "面霜", "全网第一"),
    )
    llm = ConcurrentLLM([bad], slots=1)
    result, _ = run(llm, num_variants=1)
    variant = result.variants[0]
    assert "全网第一" not in variant.text and variant.fields["hashtags"] == ["护肤", "面霜"]
    assert result.stats.deterministic_fixes == 1 and result.stats.rewrites == 0


def test_a_hashtag_field_too_short_without_the_offending_tag_gets_the_briefs_words() -> None:
    body = "山茶集面霜清爽不油腻，敏感肌也能安心用，早晚一次就很水润。"
    bad = note("山茶集面霜秋冬用", body, ("美白", "面霜"))
    llm = ConcurrentLLM([bad], slots=1)
    result, _ = run(llm, num_variants=1, must_not_say=("美白",), must_say=("山茶集",))
    variant = result.variants[0]
    assert variant.fields["hashtags"] == ["面霜", "山茶集"] and "美白" not in variant.text
    assert result.stats.deterministic_fixes == 1 and result.stats.rewrites == 0 and len(llm.requests) == 1


def test_an_offending_sentence_is_dropped_when_enough_remains() -> None:
    body = "山茶集面霜清爽不油腻，敏感肌也能安心用。这是全网第一的面霜。早晚各用一次，整个冬天都很水润。"
    llm = ConcurrentLLM([note("山茶集面霜秋冬用", body)], slots=1)
    result, _ = run(llm, num_variants=1)
    text = result.variants[0].fields["body"]
    assert isinstance(text, str) and "全网第一" not in text and "整个冬天都很水润" in text
    assert result.stats.rewrites == 0


class Stop(Exception):
    """Stands in for JobCancelled."""


@pytest.mark.parametrize("slots", [None, 3], ids=["rounds", "streaming"])
def test_a_cancelled_run_stops_sending_requests_and_raises(slots: int | None) -> None:
    llm = ConcurrentLLM(slots=3) if slots else ScriptedLLM()
    pipeline = CopywritingPipeline(llm, HashingEncoder(), CHECKER, CopywritingSettings(batch_size=4))
    updates: list[CopyProgress] = []

    def cancelled_after_first_progress() -> None:
        if updates:
            raise Stop

    with pytest.raises(Stop):
        pipeline.run(brief(num_variants=40), updates.append, check_cancelled=cancelled_after_first_progress)
    sent = len(llm.requests)
    assert 1 <= sent <= 4 + 3  # one round (or the slots' worth) more at most, never the other ~36 variants
    assert updates[0].accepted < 40
