"""Colour words in search: the families a query names (zh/en), an image's colour families, and the
reserved colour terms of its search document."""

from __future__ import annotations

import pytest

from pipelines.vision.taxonomy import Taxonomy
from serving.vision.analyses import Analysis
from serving.vision.colour_words import (
    FAMILIES,
    colour_term,
    colour_terms_of,
    image_colour_families,
    image_colour_terms,
    query_colours,
)
from serving.vision.docs import Source, build_doc
from serving.vision.terms import query_terms
from serving.vision.vocabulary import Vocabulary


@pytest.mark.parametrize(
    ("query", "families"),
    [
        ("红色碗里的水果", ["red"]),
        ("一片蓝色的湖", ["blue"]),
        ("绿叶", ["green"]),  # a colour character starting a word colours it
        ("蓝天下的桥", ["blue"]),
        ("窗边的红花和绿叶", ["red", "green"]),  # words start after 的 and 和 too
        ("米色沙发", ["beige"]),
        ("金色礼盒", ["gold"]),
        ("Fig in a RED bowl", ["red"]),
        ("gray cat on a blue sofa", ["grey", "blue"]),
        ("golden hour", ["gold"]),
    ],
)
def test_queries_name_colours_in_both_languages(query: str, families: list[str]) -> None:
    assert query_colours(query) == families


@pytest.mark.parametrize(
    "query", ["白天的城市", "粉丝福利", "红利", "黑客大赛", "青春", "大红花", "reddish", "coffee", "", "🙂"]
)
def test_words_that_are_not_colours(query: str) -> None:
    assert query_colours(query) == []


def test_image_families_add_up_clusters_of_one_name() -> None:
    colours = [
        {"hex": "#777777", "share": 0.4, "name_zh": "灰", "name_en": "grey"},
        {"hex": "#cc2222", "share": 0.1, "name_zh": "红", "name_en": "red"},
        {"hex": "#aa1111", "share": 0.08, "name_zh": "红", "name_en": "red"},
        {"hex": "#2222cc", "share": 0.05, "name_zh": "蓝", "name_en": "blue"},
        {"hex": "#000000", "share": 0.37, "name_zh": "?", "name_en": "not-a-family"},
    ]
    assert image_colour_families(colours) == ["grey", "red"]  # red 0.18 in two clusters; blue too small
    assert image_colour_terms(colours) == [colour_term("grey"), colour_term("red")]
    assert image_colour_families([]) == []
    assert colour_terms_of(["red", "mauve"]) == ["~colour:red"]
    assert set(FAMILIES) >= {"red", "blue", "green", "beige", "gold"}


def test_colour_terms_are_reserved_and_written_for_images_only() -> None:
    assert not any(t.startswith("~") for t in query_terms("~colour:red 红色 red"))
    vocabulary = Vocabulary(Taxonomy.builtin())
    data: dict[str, object] = {
        "colours": [
            {"hex": "#cc2222", "share": 0.7, "name_zh": "红", "name_en": "red"},
            {"hex": "#eeeeee", "share": 0.3, "name_zh": "白", "name_en": "white"},
        ]
    }
    analysis = Analysis("b" * 64, "enc", data, [1.0, 0.0], ocr=False)
    image = build_doc(Source("kv/red.png", "b" * 64, "r1", "image", {}, None, analysis), vocabulary)
    assert {"~colour:red", "~colour:white"} <= set(image.terms)
    copy = build_doc(Source("copy/red.txt", "c" * 64, "r2", "copy", {}, "红色口红 red lipstick"), vocabulary)
    assert not any(t.startswith("~colour:") for t in copy.terms)
