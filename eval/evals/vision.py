"""Eval "vision": auto-tags, text search (zh/en) and near-duplicates on a labelled set of real photos.

The dataset (default ``eval/datasets/vision``, built by ``scripts/build_vision_dataset.py``) has
``labels.jsonl`` lines ``{"image", "queries_zh", "queries_en", "tags"}`` and ``dups.jsonl`` lines
``{"query", "original", "transform"}`` (``original`` null for a distractor), paths relative to the
dataset. Every labelled image is ingested into a scratch library through the REST API (see
``vision_library``), then:

- search: a query hits when its image is among the top 10 of ``POST /v1/search`` (recall@10 per language);
- duplicates: a query is found when its original is the top match of ``POST /v1/search/duplicates``;
  precision counts every query with a match (a distractor with any match is a false positive);
- tags: ``tag_accuracy`` is the share of tagged images whose top-3 AI tags include a labelled tag;
  ``tag_precision`` the share of all AI tags that are a labelled tag or a parent of one.

Besides the metrics, ``halves`` scores the same searches and tags on two fixed halves of the images (by
the parity of the first byte of the sha256 of the image path): a change tuned on one half should help the
other too, or it does not generalise.
"""

from __future__ import annotations

import hashlib
import json
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

ROOT = Path(__file__).resolve().parents[2]
DEFAULT_DATASET = ROOT / "eval" / "datasets" / "vision"
K = 10
TOP_TAGS = 3


@dataclass(frozen=True)
class Labelled:
    image: str
    queries_zh: tuple[str, ...]
    queries_en: tuple[str, ...]
    tags: tuple[str, ...]


@dataclass(frozen=True)
class DupQuery:
    query: str
    original: str | None
    transform: str


def _jsonl(path: Path) -> Iterable[tuple[int, dict[str, Any]]]:
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if raw.strip():
            yield number, json.loads(raw)


def load_labels(dataset: Path) -> list[Labelled]:
    """``labels.jsonl`` of ``dataset``; ValueError naming the line when a field is missing."""
    path = dataset / "labels.jsonl"
    out: list[Labelled] = []
    for number, row in _jsonl(path):
        try:
            out.append(
                Labelled(
                    image=str(row["image"]),
                    queries_zh=tuple(str(q) for q in row.get("queries_zh") or ()),
                    queries_en=tuple(str(q) for q in row.get("queries_en") or ()),
                    tags=tuple(str(t) for t in row.get("tags") or ()),
                )
            )
        except KeyError as exc:
            raise ValueError(f"{path}:{number}: missing field {exc}") from exc
    return out


def load_dups(dataset: Path) -> list[DupQuery]:
    """``dups.jsonl`` of ``dataset`` (empty when the file is absent)."""
    path = dataset / "dups.jsonl"
    if not path.is_file():
        return []
    out: list[DupQuery] = []
    for number, row in _jsonl(path):
        try:
            original = row["original"]
            out.append(
                DupQuery(
                    str(row["query"]),
                    None if original is None else str(original),
                    str(row.get("transform", "")),
                )
            )
        except KeyError as exc:
            raise ValueError(f"{path}:{number}: missing field {exc}") from exc
    return out


# ------------------------------------------------------------------------------------------------ metrics
def _ratio(num: int, den: int) -> float:
    return round(num / den, 4) if den else 0.0


def recall_at_k(results: Sequence[tuple[str, Sequence[str]]], k: int = K) -> float:
    """Share of ``(expected, ranked paths)`` whose expected path is in the first ``k``."""
    return _ratio(sum(expected in ranked[:k] for expected, ranked in results), len(results))


def dup_metrics(results: Sequence[tuple[DupQuery, str | None]]) -> dict[str, Any]:
    """Recall and precision from ``(query, top match or None)``; recall per transform too."""
    positives = [(q, top) for q, top in results if q.original is not None]
    claimed = [(q, top) for q, top in results if top is not None]
    correct = sum(top == q.original for q, top in claimed)
    by_transform: dict[str, list[bool]] = defaultdict(list)
    for q, top in positives:
        by_transform[q.transform].append(top == q.original)
    distractors = [top for q, top in results if q.original is None]
    return {
        "dup_recall": _ratio(sum(top == q.original for q, top in positives), len(positives)),
        "dup_precision": _ratio(correct, len(claimed)),
        "dup_distractor_false_positives": sum(top is not None for top in distractors),
        "dup_recall_by_transform": {t: _ratio(sum(v), len(v)) for t, v in sorted(by_transform.items())},
    }


def _correct_tag(tag: str, labelled: Sequence[str]) -> bool:
    """A labelled tag, or a parent of one (a coffee is food and beverage too)."""
    return any(tag == want or want.startswith(tag + "/") for want in labelled)


def tag_metrics(labels: Sequence[Labelled], predicted: Mapping[str, Sequence[str]]) -> dict[str, float | int]:
    """``tag_accuracy`` (top-3 holds a labelled tag) and ``tag_precision`` over images with labels."""
    tagged = [item for item in labels if item.tags]
    hits = sum(any(t in item.tags for t in predicted.get(item.image, [])[:TOP_TAGS]) for item in tagged)
    ai = [(t, item.tags) for item in tagged for t in predicted.get(item.image, [])]
    found = sum(any(t in item.tags for t in predicted.get(item.image, [])) for item in tagged)
    return {
        "tag_accuracy": _ratio(hits, len(tagged)),
        "tag_precision": _ratio(sum(_correct_tag(t, want) for t, want in ai), len(ai)),
        "tag_any_recall": _ratio(found, len(tagged)),
        "tagged_images": len(tagged),
    }


def image_half(image: str) -> str:
    """``even`` or ``odd``: a fixed half of the labelled images, by the sha256 of the image path."""
    return "even" if hashlib.sha256(image.encode("utf-8")).digest()[0] % 2 == 0 else "odd"


def half_metrics(
    labels: Sequence[Labelled],
    searches: Mapping[str, Sequence[tuple[str, Sequence[str]]]],
    predicted: Mapping[str, Sequence[str]],
) -> dict[str, dict[str, float | int]]:
    """Search recall@10 per language and tag metrics on each half (see :func:`image_half`)."""
    out: dict[str, dict[str, float | int]] = {}
    for half in ("even", "odd"):
        mine = [item for item in labels if image_half(item.image) == half]
        row: dict[str, float | int] = {"images": len(mine)}
        for lang, results in searches.items():
            row[f"search_recall_at_10_{lang}"] = recall_at_k([r for r in results if image_half(r[0]) == half])
        tags = tag_metrics(mine, predicted)
        row["tag_accuracy"], row["tag_precision"] = tags["tag_accuracy"], tags["tag_precision"]
        out[half] = row
    return out


# ------------------------------------------------------------------------------------------------ the run
class Library(Protocol):
    """What the eval needs from a library (the API-backed one, or a test double)."""

    index_seconds: float

    def add(self, items: Sequence[tuple[str, bytes]], content_type: str = ...) -> None: ...
    def search(self, query: str, limit: int = ...) -> tuple[list[str], float]: ...
    def duplicates(self, data: bytes) -> list[dict[str, Any]]: ...
    def ai_tags(self) -> dict[str, list[str]]: ...


def evaluate(library: Library, dataset: Path) -> dict[str, Any]:
    """Ingest the labelled images into ``library``, run every query and score them."""
    labels, dups = load_labels(dataset), load_dups(dataset)
    library.add([(item.image, (dataset / item.image).read_bytes()) for item in labels])
    searches: dict[str, list[tuple[str, list[str]]]] = {"zh": [], "en": []}
    took: list[float] = []
    misses: list[dict[str, Any]] = []
    for item in labels:
        for lang, queries in (("zh", item.queries_zh), ("en", item.queries_en)):
            for query in queries:
                ranked, ms = library.search(query, K)
                searches[lang].append((item.image, ranked))
                took.append(ms)
                if item.image not in ranked:
                    misses.append({"query": query, "expected": item.image, "top3": ranked[:3]})
    dup_results: list[tuple[DupQuery, str | None]] = []
    dup_errors: list[dict[str, Any]] = []
    for q in dups:
        matches = library.duplicates((dataset / q.query).read_bytes())
        top = str(matches[0]["path"]) if matches else None
        dup_results.append((q, top))
        if top != q.original:
            dup_errors.append({"query": q.query, "expected": q.original, "matches": matches[:2]})
    predicted = library.ai_tags()
    metrics: dict[str, Any] = {
        "search_recall_at_10_zh": recall_at_k(searches["zh"]),
        "search_recall_at_10_en": recall_at_k(searches["en"]),
        **dup_metrics(dup_results),
        **tag_metrics(labels, predicted),
        "images": len(labels),
        "queries_zh": len(searches["zh"]),
        "queries_en": len(searches["en"]),
        "dup_queries": len(dups),
        "search_p50_ms": round(statistics.median(took), 2) if took else 0.0,
        "index_seconds": round(library.index_seconds, 1),
    }
    per_image = {
        item.image: {"labelled": list(item.tags), "ai": predicted.get(item.image, [])} for item in labels
    }
    return {
        "metrics": metrics,
        "halves": half_metrics(labels, searches, predicted),
        "search_misses": misses,
        "dup_errors": dup_errors,
        "tags": per_image,
    }


def run(dataset: Path | str | None = None) -> dict[str, Any]:
    """The vision eval on ``dataset`` (default: the committed set) through a scratch API library."""
    from eval.evals.vision_library import open_library

    path = Path(dataset) if dataset is not None else DEFAULT_DATASET
    with open_library() as library:
        outcome = evaluate(library, path)
    default = path.resolve() == DEFAULT_DATASET.resolve()
    return {**outcome, "dataset": str(path), "result_name": "vision" if default else f"vision-{path.name}"}
