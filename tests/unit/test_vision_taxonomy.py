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
