"""The real multilingual text encoder (USE multilingual v3): paraphrases close, unrelated far, zh/en close."""

from __future__ import annotations

import threading

import numpy as np
import pytest

from pipelines.embeddings.text import TextEncoder, UseMultilingualEncoder


@pytest.fixture(scope="module")
def encoder() -> UseMultilingualEncoder:
    return UseMultilingualEncoder()


def cos(encoder: TextEncoder, a: str, b: str) -> float:
    va, vb = encoder.encode([a, b])
    return float(va @ vb)


def test_rows_are_unit_float32(encoder: UseMultilingualEncoder) -> None:
    vectors = encoder.encode(["山茶花面霜", "a camellia face cream", ""])
    assert vectors.dtype == np.float32 and vectors.shape == (3, 512)
    assert np.allclose(np.linalg.norm(vectors[:2], axis=1), 1.0, atol=1e-4)
    assert not vectors[2].any()
    assert isinstance(encoder, TextEncoder) and encoder.load_seconds is not None


def test_chinese_paraphrases_are_closer_than_unrelated_sentences(encoder: UseMultilingualEncoder) -> None:
    paraphrase = cos(encoder, "这款面霜保湿效果很好，冬天用也不干", "这个面霜特别滋润，冬天皮肤不会干")
    unrelated = cos(encoder, "这款面霜保湿效果很好，冬天用也不干", "明天上午的航班因为大雾延误了")
    assert paraphrase > unrelated + 0.2


def test_a_chinese_english_pair_is_close(encoder: UseMultilingualEncoder) -> None:
    pair = cos(
        encoder, "今天天气很好，我们去公园散步吧", "The weather is nice today, let's take a walk in the park"
    )
    unrelated = cos(encoder, "今天天气很好，我们去公园散步吧", "The quarterly earnings report was delayed")
    assert pair > 0.7 and pair > unrelated + 0.3


def test_batches_and_threads_give_the_same_vectors() -> None:
    encoder = UseMultilingualEncoder(batch_size=2)
    texts = ["山茶花面霜", "敏感肌可用", "清爽不油腻", "48小时保湿", "送给妈妈的礼物"]
    expected = encoder.encode(texts)
    results: list[np.ndarray] = []
    threads = [threading.Thread(target=lambda: results.append(encoder.encode(texts))) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(np.allclose(r, expected, atol=1e-5) for r in results)
