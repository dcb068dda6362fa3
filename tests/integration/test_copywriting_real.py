"""The copywriting pipeline with the real default LLM (Qwen2.5 0.5B on llama.cpp) and the real
multilingual encoder: six Xiaohongshu notes, valid, distinct, compliant or flagged, within limits."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from compliance_rules.checker import Checker
from compliance_rules.models import Verdict
from pipelines.embeddings.text import UseMultilingualEncoder
from pipelines.llm.config import LLMConfig
from pipelines.llm.protocol import LLMBackend
from pipelines.llm.registry import open_llm
from serving.generation.copywriting import CopyBrief, CopywritingPipeline
from serving.generation.copywriting.dedupe import DUPLICATE_COSINE
from serving.generation.copywriting.metrics import summarise, within_limits

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def llm() -> Iterator[LLMBackend]:
    backend = open_llm(LLMConfig())
    backend.load()
    yield backend
    backend.close()


def test_six_xiaohongshu_notes_from_the_real_model(llm: LLMBackend) -> None:
    encoder = UseMultilingualEncoder()
    pipeline = CopywritingPipeline(llm, encoder, Checker.builtin())
    brief = CopyBrief(
        brand="山茶集",
        product="山茶花保湿面霜",
        selling_points=("48小时保湿", "敏感肌可用", "清爽不油腻"),
        audience="25-35岁的上班族女性",
        platform="xiaohongshu",
        industry="cosmetics",
        tone="真诚、轻松",
        length="short",
        must_not_say=("医美",),
        num_variants=6,
        seed=11,
    )
    result = pipeline.run(brief)  # speed is measured by `atelier bench copy`, not here

    assert result.shortfall is None
    assert len(result.variants) == 6
    assert result.lineage.backend == "llamacpp" and result.lineage.model_id
    for variant in result.variants:
        assert within_limits(result, variant), variant.fields
        assert len(variant.fields["title"]) <= 20
        assert "医美" not in variant.text
        assert variant.status == "flagged" or variant.verdict != Verdict.BLOCK
        if variant.status == "flagged":
            assert variant.findings
    metrics = summarise(result, encoder)
    assert metrics["max_pair_cosine"] <= DUPLICATE_COSINE
    assert metrics["within_limits_rate"] == 1.0
    assert len({v.text for v in result.variants}) == 6
