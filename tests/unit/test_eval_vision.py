"""The vision eval set (files, paths, tag ids, sizes) and the eval's metrics and glue, without models."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import pytest
from PIL import Image

from eval.evals.vision import (
    DEFAULT_DATASET,
    DupQuery,
    Labelled,
    dup_metrics,
    evaluate,
    image_half,
    load_dups,
    load_labels,
    recall_at_k,
    tag_metrics,
)
from pipelines.vision.taxonomy import Taxonomy

TRANSFORMS = {"crop80", "crop70-offset", "jpeg30", "flip", "overlay", "resize50"}


@pytest.fixture(scope="module")
def labels() -> list[Labelled]:
    return load_labels(DEFAULT_DATASET)


@pytest.fixture(scope="module")
def dups() -> list[DupQuery]:
    return load_dups(DEFAULT_DATASET)


def test_labels_parse_and_point_at_images(labels: list[Labelled]) -> None:
    assert 40 <= len(labels) <= 80
    assert len({item.image for item in labels}) == len(labels)
    for item in labels:
        assert (DEFAULT_DATASET / item.image).is_file(), item.image
        assert item.queries_zh and item.queries_en, item.image
        assert all(q.strip() for q in (*item.queries_zh, *item.queries_en))


def test_every_tag_is_in_the_taxonomy(labels: list[Labelled]) -> None:
    taxonomy = Taxonomy.builtin()
    unknown = {(item.image, tag) for item in labels for tag in item.tags if tag not in taxonomy}
    assert not unknown
    assert sum(bool(item.tags) for item in labels) >= 0.9 * len(labels)


def test_dups_point_at_files_and_library_originals(labels: list[Labelled], dups: list[DupQuery]) -> None:
    library = {item.image for item in labels}
    assert len({q.query for q in dups}) == len(dups)
    for q in dups:
        assert (DEFAULT_DATASET / q.query).is_file(), q.query
        assert q.original is None or q.original in library, q.original
    originals = {q.original for q in dups if q.original is not None}
    assert len(originals) >= 25
    assert {q.transform for q in dups if q.original is not None} == TRANSFORMS
    assert sum(q.original is None for q in dups) >= 8


def test_images_are_small(labels: list[Labelled], dups: list[DupQuery]) -> None:
    for rel in [item.image for item in labels] + [q.query for q in dups]:
        with Image.open(DEFAULT_DATASET / rel) as image:
            assert max(image.size) <= 512, rel
    total = sum(p.stat().st_size for p in DEFAULT_DATASET.rglob("*") if p.is_file())
    assert total < 7_000_000


def test_recall_at_k() -> None:
    results = [("a", ["x", "a"]), ("b", ["x", "y"]), ("c", ["c"])]
    assert recall_at_k(results, k=2) == pytest.approx(2 / 3, abs=1e-4)
    assert recall_at_k(results, k=1) == pytest.approx(1 / 3, abs=1e-4)
    assert recall_at_k([]) == 0.0


def test_dup_metrics_count_distractor_matches_as_false_positives() -> None:
    rows = [
        (DupQuery("d/a_flip.jpg", "a", "flip"), "a"),  # found
        (DupQuery("d/a_crop80.jpg", "a", "crop80"), "b"),  # wrong top match: a claim, not found
        (DupQuery("d/b_flip.jpg", "b", "flip"), None),  # missed
        (DupQuery("d/x.jpg", None, "distractor"), "a"),  # false positive
        (DupQuery("d/y.jpg", None, "distractor"), None),  # correctly nothing
    ]
    metrics = dup_metrics(rows)
    assert metrics["dup_recall"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["dup_precision"] == pytest.approx(1 / 3, abs=1e-4)
    assert metrics["dup_distractor_false_positives"] == 1
    assert metrics["dup_recall_by_transform"] == {"crop80": 0.0, "flip": 0.5}


def test_tag_metrics() -> None:
    labels = [
        Labelled("i/coffee.jpg", ("咖啡",), ("coffee",), ("food_beverage/coffee",)),
        Labelled("i/cat.jpg", ("猫",), ("cat",), ("pets/cat",)),
        Labelled("i/coins.jpg", ("硬币",), ("coins",), ()),  # no labels: not scored
    ]
    predicted = {
        "i/coffee.jpg": ["home/decor", "home", "food_beverage/coffee", "food_beverage"],
        "i/cat.jpg": ["wildlife", "pets", "sky", "pets/cat"],
        "i/coins.jpg": ["festive"],
    }
    metrics = tag_metrics(labels, predicted)
    assert metrics["tagged_images"] == 2
    assert metrics["tag_accuracy"] == 0.5  # the cat's own tag is 4th
    assert metrics["tag_any_recall"] == 1.0
    # correct: food_beverage/coffee, food_beverage, pets (a parent), pets/cat → 4 of 8
    assert metrics["tag_precision"] == 0.5


class FakeLibrary:
    """Search finds paths by the query's words; duplicates by file name prefix."""

    def __init__(self) -> None:
        self.paths: list[str] = []
        self.index_seconds = 0.5

    def add(self, items: Sequence[tuple[str, bytes]], content_type: str = "image/jpeg") -> None:
        self.paths += [path for path, _ in items]

    def search(self, query: str, limit: int = 10) -> tuple[list[str], float]:
        return [p for p in self.paths if query.split()[0] in p][:limit], 1.0

    def duplicates(self, data: bytes) -> list[dict[str, Any]]:
        name = data.decode()
        return [{"path": p} for p in self.paths if name and p.endswith(f"/{name}.jpg")]

    def ai_tags(self) -> dict[str, list[str]]:
        return {p: ["pets/cat"] if "cat" in p else [] for p in self.paths}


def test_evaluate_runs_every_query(tmp_path: Path) -> None:
    (tmp_path / "images").mkdir()
    (tmp_path / "dups").mkdir()
    for name in ("cat", "coffee"):
        (tmp_path / "images" / f"{name}.jpg").write_bytes(b"x")
    (tmp_path / "dups" / "cat_flip.jpg").write_bytes(b"cat")
    (tmp_path / "dups" / "other.jpg").write_bytes(b"")
    rows = [
        {"image": "images/cat.jpg", "queries_zh": ["猫"], "queries_en": ["cat"], "tags": ["pets/cat"]},
        {"image": "images/coffee.jpg", "queries_zh": ["咖啡"], "queries_en": ["coffee"], "tags": []},
    ]
    (tmp_path / "labels.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows), encoding="utf-8")
    dup_rows = [
        {"query": "dups/cat_flip.jpg", "original": "images/cat.jpg", "transform": "flip"},
        {"query": "dups/other.jpg", "original": None, "transform": "distractor"},
    ]
    (tmp_path / "dups.jsonl").write_text("".join(json.dumps(r) + "\n" for r in dup_rows), encoding="utf-8")
    outcome = evaluate(FakeLibrary(), tmp_path)
    metrics = outcome["metrics"]
    assert metrics["search_recall_at_10_en"] == 1.0
    assert metrics["search_recall_at_10_zh"] == 0.0  # the fake matches English words in paths only
    assert metrics["dup_recall"] == 1.0 and metrics["dup_precision"] == 1.0
    assert metrics["tag_accuracy"] == 1.0 and metrics["tagged_images"] == 1
    assert len(outcome["search_misses"]) == 2
    halves = outcome["halves"]
    assert sum(int(h["images"]) for h in halves.values()) == 2
    cat_half = halves[image_half("images/cat.jpg")]
    assert cat_half["search_recall_at_10_en"] == 1.0 and cat_half["tag_accuracy"] == 1.0


def test_image_halves_are_fixed_and_both_used(labels: list[Labelled]) -> None:
    halves = [image_half(item.image) for item in labels]
    assert halves == [image_half(item.image) for item in labels]  # no randomness
    assert 0.25 < halves.count("even") / len(halves) < 0.75


def test_missing_field_names_the_line(tmp_path: Path) -> None:
    (tmp_path / "labels.jsonl").write_text('{"queries_zh": []}\n', encoding="utf-8")
    with pytest.raises(ValueError, match="labels.jsonl:1"):
        load_labels(tmp_path)
