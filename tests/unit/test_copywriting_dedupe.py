"""De-duplication, the hashing text encoder and the benchmark metrics."""

from __future__ import annotations

import numpy as np
import pytest

from compliance_rules.models import Verdict
from pipelines.embeddings.text import HashingEncoder, TextEncoder, UseMultilingualEncoder, l2_normalise
from serving.generation.copywriting.dedupe import Deduper, text_key
from serving.generation.copywriting.metrics import distinct_n, max_pair_cosine, summarise, units
from serving.generation.copywriting.planner import Plan
from serving.generation.copywriting.result import CopyResult, CopyStats, Lineage, Variant


def test_hashing_encoder_is_deterministic_and_normalised() -> None:
    encoder = HashingEncoder(dim=64)
    assert isinstance(encoder, TextEncoder)
    vectors = encoder.encode(["山茶花面霜", "山茶花面霜", "完全不同的一句话", ""])
    assert vectors.dtype == np.float32 and vectors.shape == (4, 64)
    assert np.allclose(np.linalg.norm(vectors[:3], axis=1), 1.0, atol=1e-5)
    assert not vectors[3].any()
    assert np.allclose(vectors[0], vectors[1])
    assert float(vectors[0] @ vectors[2]) < 0.5
    assert encoder.encode([]).shape == (0, 64)


def test_l2_normalise_keeps_zero_rows() -> None:
    out = l2_normalise(np.array([[3.0, 4.0], [0.0, 0.0]]))
    assert np.allclose(out, [[0.6, 0.8], [0.0, 0.0]])


def test_use_encoder_loads_lazily() -> None:
    encoder = UseMultilingualEncoder()
    assert encoder.dim == 512 and encoder.load_seconds is None
    assert encoder.encode([]).shape == (0, 512)


def test_text_key_ignores_spaces_punctuation_and_case() -> None:
    assert text_key("Hello, 世界！ ") == text_key("hello世界")


def test_deduper_refuses_exact_and_near_duplicates() -> None:
    encoder = HashingEncoder()
    dedupe = Deduper(encoder, threshold=0.92)
    texts = [
        "清晨通勤路上皮肤紧绷干燥，山茶集面霜让我一整天水润舒服。",
        "清晨通勤路上，皮肤紧绷干燥！山茶集面霜让我一整天水润舒服。",
        "清晨通勤路上皮肤紧绷干燥，山茶集面霜让我一整天水润舒服呀。",
        "周末去海边旅行，晚风很温柔，带上一支防晒就够了。",
    ]
    vectors = dedupe.embed(texts)
    assert [dedupe.admit(t, v) for t, v in zip(texts, vectors, strict=True)] == [True, False, False, True]
    assert len(dedupe) == 2
    assert dedupe.nearest(vectors[2]) > 0.92


def test_distinct_n_counts_cjk_characters_and_latin_words() -> None:
    assert units("Hi there，山茶花!") == ["hi", "there", "山", "茶", "花"]
    assert distinct_n(["山茶花", "山茶花"], 2) == pytest.approx(0.5)
    assert distinct_n(["abc def ghi"], 2) == 1.0
    assert distinct_n([], 2) == 0.0


def test_max_pair_cosine() -> None:
    encoder = HashingEncoder()
    assert max_pair_cosine(["一"], encoder) == 0.0
    assert max_pair_cosine(["山茶花", "山茶花", "海边"], encoder) == pytest.approx(1.0, abs=1e-5)


def _variant(index: int, text: str, verdict: Verdict, title: str = "标题不错") -> Variant:
    plan = Plan(index=index, angle="gift", hook="question", structure="list", nuance="warm", seed=1)
    fields: dict[str, str | list[str]] = {"title": title, "body": text, "hashtags": ["护肤", "面霜"]}
    return Variant(
        index=index,
        plan=plan,
        fields=fields,
        text=text,
        verdict=verdict,
        findings=[],
        status="ok",
        attempts=1,
    )


def test_summarise_reports_the_benchmark_metrics() -> None:
    schema = {
        "type": "object",
        "properties": {
            "title": {"type": "string", "minLength": 4, "maxLength": 20},
            "body": {"type": "string", "minLength": 2, "maxLength": 200},
            "hashtags": {
                "type": "array",
                "items": {"type": "string", "minLength": 1, "maxLength": 12},
                "minItems": 2,
                "maxItems": 5,
            },
        },
    }
    result = CopyResult(
        variants=[
            _variant(0, "清晨通勤，皮肤干燥", Verdict.PASS),
            _variant(1, "周末海边，晚风温柔", Verdict.WARN),
            _variant(2, "雨天书桌，一杯咖啡", Verdict.BLOCK, title="标题" * 11),
            _variant(3, "夜跑回家，花香扑面", Verdict.PASS),
        ],
        stats=CopyStats(seconds=12.0, llm_seconds=10.0, tokens=500, tokens_per_s=50.0),
        lineage=Lineage(
            backend="x",
            model_id="y",
            prompt_version="p",
            seed=0,
            encoder="hashing",
            platform="xiaohongshu",
            shape="note",
        ),
        output_schema=schema,
    )
    metrics = summarise(result, HashingEncoder())
    assert metrics["seconds_per_100"] == 300.0
    assert metrics["within_limits_rate"] == 0.75
    assert metrics["compliance_pass_rate"] == 0.75
    assert metrics["compliance_clean_rate"] == 0.5
    assert 0 < metrics["max_pair_cosine"] < 0.92
    assert metrics["distinct_2"] > 0.9
    assert metrics["tokens_per_s"] == 50.0
