"""The vision eval's scratch library against the real API (fake image encoder and text embeddings):
three images of the eval set go in through blobs and a commit, the index job runs, and every search and
duplicate check of a small dataset comes back scored."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from eval.evals.vision import DEFAULT_DATASET, evaluate, load_dups, load_labels
from eval.evals.vision_library import open_library
from tests.fakes.gateway import FakeGateway

IMAGES = ("images/coffee.jpg", "images/cat.jpg", "images/poster_latte.jpg")
DUPS = ("dups/coffee_flip.jpg", "dups/cat_jpeg30.jpg", "dups/distractor_bricks.jpg")


def _tiny_dataset(folder: Path) -> Path:
    for rel in IMAGES + DUPS:
        (folder / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(DEFAULT_DATASET / rel, folder / rel)
    labels = (DEFAULT_DATASET / "labels.jsonl").read_text("utf-8").splitlines()
    dups = (DEFAULT_DATASET / "dups.jsonl").read_text("utf-8").splitlines()
    (folder / "labels.jsonl").write_text(
        "".join(f"{line}\n" for line in labels if json.loads(line)["image"] in IMAGES), "utf-8"
    )
    (folder / "dups.jsonl").write_text(
        "".join(f"{line}\n" for line in dups if json.loads(line)["query"] in DUPS), "utf-8"
    )
    return folder


def test_scratch_library_scores_a_tiny_dataset(tmp_path: Path) -> None:
    dataset = _tiny_dataset(tmp_path / "set")
    assert len(load_labels(dataset)) == 3 and len(load_dups(dataset)) == 3
    with open_library(FakeGateway(), vision={"backend": "fake", "ocr": False}) as library:
        outcome = evaluate(library, dataset)
    metrics = outcome["metrics"]
    for name in ("search_recall_at_10_zh", "search_recall_at_10_en", "dup_recall", "dup_precision"):
        assert 0.0 <= metrics[name] <= 1.0
    assert metrics["images"] == 3 and metrics["queries_zh"] == 6 and metrics["dup_queries"] == 3
    assert metrics["dup_recall_by_transform"] == {"flip": 1.0, "jpeg30": 1.0}  # pHash within a few bits
    assert set(outcome["tags"]) == set(IMAGES)
