"""Search building blocks: rank fusion (and its tail), search documents, custom-tag thresholds, tag merging
(people win), cursors, terms."""

from __future__ import annotations

import numpy as np
import pytest

from asset_store.repo.metadata import AssetMetadata, Tag, TagSource
from pipelines.vision.taxonomy import Taxonomy
from serving.errors import InvalidInput
from serving.vision.analyses import Analysis
from serving.vision.cursor import decode_cursor, encode_cursor, fingerprint
from serving.vision.docs import Source, build_doc
from serving.vision.duplicates import clusters
from serving.vision.fusion import fuse_with_tail, reciprocal_rank_fusion
from serving.vision.runtime import image_collection, point_id, split_point_id, text_collection
from serving.vision.tags import AssetTags, edit_tags, metadata_tags, rejected_tags
from serving.vision.terms import doc_terms, lineage_term, query_terms
from serving.vision.thresholds import learn, learn_threshold, prototype
from serving.vision.vocabulary import Vocabulary

# -- reciprocal rank fusion --------------------------------------------------------------------------


def test_rrf_scores_sum_reciprocal_ranks_and_keep_the_legs() -> None:
    fused = reciprocal_rank_fusion([("semantic", ["a", "b", "c"]), ("keyword", ["c", "a"])], k=60)
    scores = {f.id: f.score for f in fused}
    assert scores["a"] == pytest.approx(1 / 61 + 1 / 62)
    assert scores["c"] == pytest.approx(1 / 63 + 1 / 61)
    assert scores["b"] == pytest.approx(1 / 62)
    assert [f.id for f in fused] == ["a", "c", "b"]
    assert fused[0].legs == ("semantic", "keyword") and fused[1].legs == (
        "keyword",
        "semantic",
    )  # best rank first


def test_rrf_ignores_repeats_within_a_list_and_breaks_ties_deterministically() -> None:
    fused = reciprocal_rank_fusion([("x", ["a", "a", "b"]), ("y", ["b", "a"])], k=1)
    assert {f.id: round(f.score, 6) for f in fused} == {
        "a": round(1 / 2 + 1 / 3, 6),
        "b": round(1 / 3 + 1 / 2, 6),
    }
    assert [f.id for f in fused] == ["a", "b"]  # equal scores: same best rank 1, then by id
    assert reciprocal_rank_fusion([]) == []
    with pytest.raises(ValueError):
        reciprocal_rank_fusion([("x", ["a"])], k=0)


def test_rrf_one_leg_keeps_its_order() -> None:
    assert [f.id for f in reciprocal_rank_fusion([("image", ["z", "y", "x"])])] == ["z", "y", "x"]


def test_tail_ids_follow_every_fused_id_in_their_order() -> None:
    fused = fuse_with_tail(
        [("keyword", ["a", "b"]), ("semantic", ["b"])], [("semantic", ["c", "b", "d"])], depth=2
    )
    assert [f.id for f in fused] == ["b", "a", "c", "d"]
    assert [f.score for f in fused] == sorted((f.score for f in fused), reverse=True)
    assert fused[2].score < 1 / (60 + 2) and fused[2].legs == ("semantic",)
    assert [f.id for f in fuse_with_tail([], [("semantic", ["x", "y"])], depth=5)] == ["x", "y"]


# -- search documents --------------------------------------------------------------------------------


def _image_source(data: dict[str, object]) -> Source:
    analysis = Analysis("b" * 64, "enc", data, [1.0, 0.0], ocr=True)
    return Source("kv/poster.jpg", "b" * 64, "r1", "image", {}, None, analysis)


def test_image_doc_tags_from_printed_text_and_labels_in_the_view() -> None:
    vocabulary = Vocabulary(Taxonomy.builtin())
    doc = build_doc(
        _image_source(
            {
                "labels": [
                    {"index": 470, "name": "candle", "score": 0.3},
                    {"index": 968, "name": "cup", "score": 0.07},
                    {"index": 504, "name": "coffee mug", "score": 0.02},
                ],
                "tags": [{"id": "home/decor", "score": 0.35}, {"id": "home", "score": 0.35}],
                "ocr_text": "秋季限定\n醇香拿铁 全场包邮",
            }
        ),
        vocabulary,
    )
    # the poster names latte (coffee, at the text score 0.5), not bags (包 in 包邮 is 'free shipping')
    assert list(doc.tags.ai) == ["food_beverage/coffee", "food_beverage", "home/decor", "home"]
    assert "candle, cup" in doc.text_view and "coffee mug" not in doc.text_view
    assert "咖啡 coffee" in doc.text_view and "latte" not in doc.text_view  # names, not every synonym
    assert "latte" in doc.terms and "拿铁" in doc.terms  # the keyword side keeps the synonyms


# -- custom tag thresholds ---------------------------------------------------------------------------


def _unit(v: list[float]) -> list[float]:
    a = np.asarray(v, dtype=np.float64)
    return list(a / np.linalg.norm(a))


def test_prototype_is_the_normalised_mean() -> None:
    proto = prototype([[1, 0, 0], [0, 1, 0]])
    assert np.allclose(proto, [2**-0.5, 2**-0.5, 0])
    with pytest.raises(InvalidInput):
        prototype([[1, 0], [-1, 0]])  # they cancel out
    with pytest.raises(InvalidInput):
        prototype([[0, 0, 0]])


def test_threshold_halfway_to_the_background_but_within_the_margin() -> None:
    assert learn_threshold([0.9, 0.95], [0.1, 0.2, 0.3], margin=0.5) == pytest.approx(
        (0.9 + np.quantile([0.1, 0.2, 0.3], 0.95)) / 2
    )
    assert learn_threshold([0.9, 0.95], [0.1, 0.2, 0.3], margin=0.1) == pytest.approx(0.8)  # capped by margin
    assert learn_threshold([0.9], [0.95, 0.99], margin=0.1) == pytest.approx(
        0.9
    )  # not separable: the examples
    assert learn_threshold([0.9], [], margin=0.1) == pytest.approx(0.85)  # no background: half the margin


def test_learned_tag_accepts_every_example_and_rejects_far_images() -> None:
    rng = np.random.default_rng(3)
    centre = rng.normal(size=16)
    examples = [_unit(list(centre + rng.normal(scale=0.2, size=16))) for _ in range(4)]
    background = [_unit(list(rng.normal(size=16))) for _ in range(50)]
    learned = learn(examples, background, margin=0.2)
    proto = np.asarray(learned.prototype)
    assert all(float(np.dot(e, proto)) >= learned.threshold for e in examples)
    assert learned.separable and learned.background_p95 is not None
    assert sum(float(np.dot(b, proto)) >= learned.threshold for b in background) <= 2
    assert learn(examples, [], margin=0.2).background_p95 is None


# -- tags: people win --------------------------------------------------------------------------------


def test_effective_tags_are_human_then_unrejected_automatic_ones() -> None:
    tags = AssetTags(
        human=("promo", "food_beverage/coffee"),
        ai=("food_beverage/coffee", "transport/car", "outdoor/beach"),
        brand=("brand:cup",),
        rejected=("transport/car", "brand:cup", "promo"),
    )
    # a rejected AI tag and a rejected brand tag are gone; a human tag wins over its own rejection
    assert tags.effective() == ["promo", "food_beverage/coffee", "outdoor/beach"]


def test_metadata_tags_split_by_source_and_canonicalise() -> None:
    canonical = {"咖啡": "food_beverage/coffee", "Coffee": "food_beverage/coffee"}.get
    metadata = {
        "tags": [{"name": "咖啡"}, {"name": "angle", "source": "ai", "score": 0.4}, "Coffee", {"bad": 1}],
        "rejected_tags": ["x", 3],
    }
    human, ai = metadata_tags(metadata, lambda n: canonical(n) or n)
    assert human == ["food_beverage/coffee"] and ai == ["angle"]
    assert rejected_tags(metadata) == ["x"]


def test_edit_tags_records_rejections_and_adding_lifts_them() -> None:
    start = AssetMetadata(
        title="kv", tags=(Tag(name="summer"), Tag(name="outdoor/beach", source=TagSource.AI, score=0.7))
    )
    edited = edit_tags(start, add=["咖啡"], remove=["outdoor/beach", "transport/car"])
    assert [t.name for t in edited.tags] == ["summer", "咖啡"]
    assert edited.rejected_tags == ("outdoor/beach", "transport/car")
    assert edited.title == "kv"
    again = edit_tags(edited, add=["transport/car"], remove=[])
    assert again.rejected_tags == ("outdoor/beach",)
    assert [(t.name, t.source) for t in again.tags][-1] == ("transport/car", TagSource.HUMAN)
    with pytest.raises(InvalidInput) as conflict:
        edit_tags(start, add=["a"], remove=["a"])
    assert conflict.value.code == "tag_conflict"
    with pytest.raises(InvalidInput) as too_long:
        edit_tags(start, add=["x" * 65], remove=[])
    assert too_long.value.code == "invalid_tags"


# -- cursors, terms, ids -----------------------------------------------------------------------------


def test_cursor_round_trip_and_refusals() -> None:
    digest = fingerprint({"query": "咖啡", "brand_id": "brd_1"})
    assert digest == fingerprint({"brand_id": "brd_1", "query": "咖啡"})
    assert decode_cursor(None, digest) == 0
    assert decode_cursor(encode_cursor(40, digest), digest) == 40
    for bad in ("%%%", encode_cursor(40, "other"), "bm90LWEtbnVtYmVy"):
        with pytest.raises(InvalidInput) as refused:
            decode_cursor(bad, digest)
        assert refused.value.code == "invalid_cursor"


def test_terms_are_words_and_chinese_bigrams() -> None:
    assert query_terms("口红新色") == ["口红", "红新", "新色"]
    assert doc_terms("Lipstick-RED_2026.png", "双11 口红") == [
        "lipstick",
        "red",
        "2026",
        "png",
        "双",
        "11",
        "口红",
    ]
    assert query_terms("a 咖") == ["咖"]  # one-letter Latin words are noise; a lone Chinese character is not
    assert len(doc_terms(" ".join(f"w{i}" for i in range(1000)))) == 256
    assert lineage_term("path", "a/b.png").startswith("~path:") and not query_terms("~path:x")[0].startswith(
        "~"
    )


def test_terms_of_other_scripts_are_words_or_bigrams() -> None:
    assert query_terms("кофе с молоком") == ["кофе", "молоком"]  # one-letter words are noise here too
    assert query_terms("コーヒー") == ["コー", "ーヒ", "ヒー"]  # no spaces: bigrams, like Chinese
    assert query_terms("커피 광고") == ["커피", "광고"]
    assert query_terms("قهوة") == ["قهوة"] and query_terms("Καφές") == ["καφές"]
    assert query_terms("café") == ["caf"]  # Latin is unchanged (accented letters still split words)
    assert query_terms("🙂☕") == []
    assert set(query_terms("КОФЕ")) <= set(doc_terms("Кофе с молоком", "コーヒー広告"))
    assert set(query_terms("コーヒー")) <= set(doc_terms("Кофе с молоком", "コーヒー広告"))


def test_point_ids_and_collection_names() -> None:
    pid = point_id("brd_1", "campaign/618", "kv/主视觉:v2.png")
    assert split_point_id(pid) == ("brd_1", "campaign/618", "kv/主视觉:v2.png")
    assert image_collection("open_clip:ViT-B-32/laion2b") != image_collection("open_clip:ViT-B-32/laion400m")
    assert image_collection("fake-colour-grid").startswith("img-fake-colour-grid-")
    assert text_collection(512) == "text-512"


def test_clusters_join_pairs_transitively() -> None:
    assert clusters([("a", "b"), ("c", "d"), ("b", "e"), ("f", "c")]) == [["a", "b", "e"], ["c", "d", "f"]]
    assert clusters([]) == []
