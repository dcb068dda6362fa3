"""The bilingual marketing taxonomy: file validity, label → tag aggregation, keyword matching."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from pydantic import ValidationError

from pipelines.vision.taxonomy import BUILTIN_PATH, Taxonomy
from pipelines.vision.types import Label


@pytest.fixture(scope="module")
def taxonomy() -> Taxonomy:
    return Taxonomy.builtin()


def _imagenet(index: int, score: float, name: str = "x") -> Label:
    return Label(index=index, name=name, score=score)


def test_builtin_is_valid_and_curated(taxonomy: Taxonomy) -> None:
    tags = taxonomy.all()
    ids = [t.id for t in tags]
    assert 40 <= len(tags) <= 70
    assert len(ids) == len(set(ids))
    assert all(0 <= i <= 999 for t in tags for i in t.imagenet)
    assert all(t.zh and t.en for t in tags)
    assert all(t.parent is None or t.parent in ids for t in tags)
    for required in (
        "food_beverage/coffee",
        "pets/cat",
        "pets/dog",
        "outdoor/beach",
        "outdoor/mountain",
        "portrait",
    ):
        assert required in taxonomy
    assert taxonomy.get("pets/dog").imagenet == tuple(range(151, 269))
    covered = {i for t in tags for i in t.imagenet}
    assert len(covered) >= 800  # most ImageNet classes say something about a marketing asset


def test_package_data_ships_the_yaml() -> None:
    pyproject = (Path(__file__).parents[2] / "pyproject.toml").read_text()
    assert "vision/*.yaml" in pyproject and BUILTIN_PATH.is_file()


def test_labels_aggregate_into_tags_and_parents(taxonomy: Taxonomy) -> None:
    # espresso .6 + cup .2 + coffee mug .1 → coffee .9; tabby .05 alone is under min_score
    tags = taxonomy.tags_for(
        [_imagenet(967, 0.6), _imagenet(968, 0.2), _imagenet(504, 0.1), _imagenet(281, 0.05)]
    )
    scores = {t.id: t.score for t in tags}
    assert scores == pytest.approx({"food_beverage/coffee": 0.9, "food_beverage": 0.9})
    assert [t.id for t in tags] == ["food_beverage/coffee", "food_beverage"]  # child before parent on ties
    assert tags[0].zh == "咖啡" and tags[0].source == "ai"


def test_dog_breeds_add_up(taxonomy: Taxonomy) -> None:
    labels = [_imagenet(207, 0.3), _imagenet(208, 0.25), _imagenet(222, 0.1)]  # retrievers, kuvasz
    assert taxonomy.tags_for(labels)[0].id == "pets/dog"
    assert taxonomy.tags_for(labels)[0].score == pytest.approx(0.65)


def test_parent_takes_its_best_child(taxonomy: Taxonomy) -> None:
    labels = [_imagenet(978, 0.3), _imagenet(970, 0.5)]  # seashore, alp
    scores = {t.id: t.score for t in taxonomy.tags_for(labels)}
    assert scores["outdoor"] == pytest.approx(0.5)
    assert scores["outdoor/beach"] == pytest.approx(0.3)


def test_other_vocabularies(taxonomy: Taxonomy) -> None:
    zero_shot = [Label(index=3, name="pets/cat", score=0.7, vocabulary="taxonomy")]
    assert [t.id for t in taxonomy.tags_for(zero_shot)] == ["pets/cat", "pets"]
    custom = [Label(index=0, name="sneakers", score=0.5, vocabulary="custom")]
    assert taxonomy.tags_for(custom)[0].id == "apparel/shoes"
    assert taxonomy.tags_for([Label(index=0, name="nothing known", score=0.9, vocabulary="custom")]) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("海边咖啡海报", ["outdoor/beach", "food_beverage/coffee", "graphics"]),
        ("Cute CATS on the sofa", ["pets/cat", "home/furniture"]),
        ("新鲜面包", ["food_beverage/dessert"]),  # 面包 is bread, not 包 (bags)
        ("category scatter", []),  # no 'cat' inside other words
        ("", []),
    ],
)
def test_match_query(taxonomy: Taxonomy, query: str, expected: list[str]) -> None:
    assert taxonomy.match_query(query) == expected


def test_search_text_is_bilingual(taxonomy: Taxonomy) -> None:
    text = taxonomy.search_text(["pets/cat", "unknown/tag", "food_beverage/coffee"])
    for word in ("猫", "cat", "kitten", "咖啡", "latte"):
        assert word in text


def test_get_unknown_raises(taxonomy: Taxonomy) -> None:
    with pytest.raises(KeyError, match="unknown tag"):
        taxonomy.get("nope")


def _write(tmp_path: Path, tags: list[dict[str, object]]) -> Path:
    path = tmp_path / "taxonomy.yaml"
    path.write_text(yaml.safe_dump({"version": 1, "tags": tags}, allow_unicode=True))
    return path


def test_from_yaml_expands_ranges(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        [{"id": "a", "zh": "甲", "en": "a"}, {"id": "a/b", "zh": "乙", "en": "b", "imagenet": [1, "5-7"]}],
    )
    assert Taxonomy.from_yaml(path).get("a/b").imagenet == (1, 5, 6, 7)


@pytest.mark.parametrize(
    "tags",
    [
        [{"id": "a", "zh": "甲", "en": "a", "imagenet": [1000]}],
        [{"id": "a", "zh": "甲", "en": "a"}, {"id": "a", "zh": "乙", "en": "b"}],
        [{"id": "x/y", "zh": "甲", "en": "a"}],
        [{"id": "Bad Id", "zh": "甲", "en": "a"}],
        [{"id": "a", "zh": "甲", "en": "a", "imagenet": ["9-3"]}],
        [{"id": "a", "zh": "甲", "en": "a", "colour": "red"}],
    ],
    ids=["index-out-of-range", "duplicate-id", "orphan", "bad-id", "empty-range", "unknown-field"],
)
def test_invalid_files_are_refused(tmp_path: Path, tags: list[dict[str, object]]) -> None:
    with pytest.raises(ValidationError):
        Taxonomy.from_yaml(_write(tmp_path, tags))


def test_broad_tags_need_their_share_of_the_imagenet_classes(taxonomy: Taxonomy) -> None:
    # bee .15 + sulphur butterfly .1 + daisy .4: 'wildlife' (about 270 classes) at .25 is under its share
    spread = taxonomy.tags_for([_imagenet(309, 0.15), _imagenet(325, 0.1), _imagenet(985, 0.4)])
    assert [t.id for t in spread] == ["flowers_plants"]
    assert [t.id for t in taxonomy.tags_for([_imagenet(301, 0.8)])] == ["wildlife"]  # ladybug
    # a narrow tag needs only min_score; labels of other vocabularies have no class share
    assert taxonomy.tags_for([_imagenet(967, 0.3)])[0].id == "food_beverage/coffee"
    zero_shot = [Label(index=0, name="wildlife", score=0.2, vocabulary="taxonomy")]
    assert [t.id for t in taxonomy.tags_for(zero_shot)] == ["wildlife"]


def test_confident_keeps_tags_near_the_best(taxonomy: Taxonomy) -> None:
    tags = [taxonomy.tag("portrait", 0.75), taxonomy.tag("sports", 0.2), taxonomy.tag("sky", 0.25)]
    assert [t.id for t in Taxonomy.confident(tags, 0.3)] == ["portrait", "sky"]
    assert Taxonomy.confident(tags, 0.0) == tags and Taxonomy.confident([], 0.3) == []


def test_text_tags_from_printed_text(taxonomy: Taxonomy) -> None:
    tags = taxonomy.text_tags("全场包邮 醇香拿铁 | Hiking season sale", 0.5)
    assert [t.id for t in tags] == ["food_beverage/coffee", "food_beverage", "outdoor/mountain", "outdoor"]
    assert {t.score for t in tags} == {0.5}
    assert taxonomy.text_tags("包邮 花呗", 0.5) == []  # one-character terms are parts of other words here
    assert taxonomy.match_query("包邮", min_chars=2) == [] and taxonomy.match_query("包邮") == [
        "apparel/bags"
    ]
