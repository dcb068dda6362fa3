"""Bench "vision": tagging throughput, OCR throughput and search latency at scale, on this CPU.

- ``images_per_s``: the tagger (EfficientNet-Lite0 on onnxruntime: labels + embedding; taxonomy tags,
  dominant colours, quality, perceptual hashes and the text guess), batches of 16, decode included, over
  ``images`` JPEGs of the vision eval set after one warm-up batch. Faces (OpenCV Haar, the slowest
  per-image step) are off there and measured apart: ``images_per_s_with_faces`` is the default tagger.
- ``ocr_images_per_s``: RapidOCR on the set's text-bearing renders (posters and product shots), the
  stage the indexer runs only where ``likely_has_text``.
- ``search_p99_ms``: the text-search p99 of bench "search" (the whole search service with filters over
  ``assets`` synthetic docs in SQLite + the embedded qdrant-edge index; a hashing encoder stands in for
  the query embedding, whose own time is ``query_embedding_ms``, USE multilingual); ``search=0`` skips it.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from PIL import Image

from pipelines.vision.config import VisionConfig
from pipelines.vision.decode import load_image

DATASET = Path(__file__).resolve().parents[1] / "datasets" / "vision"
BATCH = 16
TEXT_RENDERS = ("poster_", "product_")


def dataset_images(dataset: Path = DATASET) -> list[Path]:
    """The set's library images, then its duplicate queries (distinct JPEGs, ≤ 512 px)."""
    return sorted((dataset / "images").glob("*.jpg")) + sorted((dataset / "dups").glob("*.jpg"))


def _per_image_ms(step: Callable[[Image.Image], object], images: Sequence[Image.Image]) -> float:
    began = time.perf_counter()
    for image in images:
        step(image)
    return round((time.perf_counter() - began) / len(images) * 1000, 2)


def tagging(paths: Sequence[Path], count: int) -> dict[str, Any]:
    """Images per second of the tagger without and with faces, and a per-stage breakdown."""
    from pipelines.vision.colours import dominant_colours
    from pipelines.vision.efficientnet import EfficientNetLiteEncoder
    from pipelines.vision.faces import detect_faces
    from pipelines.vision.hashing import image_hashes
    from pipelines.vision.quality import assess
    from pipelines.vision.tagger import TAG_LABELS, ImageTagger, likely_has_text

    if len(paths) < count + BATCH:
        raise ValueError(f"the bench needs {count + BATCH} images, the dataset has {len(paths)}")
    datas = [p.read_bytes() for p in paths[: count + BATCH]]
    encoder = EfficientNetLiteEncoder(VisionConfig(batch_size=BATCH))
    began = time.perf_counter()
    encoder.load()
    load_s = time.perf_counter() - began
    fast = ImageTagger(encoder, faces=False, batch_size=BATCH)
    fast.analyse_bytes(datas[:BATCH])  # warm-up: first runs allocate the session's buffers
    timed = datas[BATCH:]
    began = time.perf_counter()
    results = fast.analyse_bytes(timed)
    fast_s = time.perf_counter() - began
    began = time.perf_counter()
    ImageTagger(encoder, faces=True, batch_size=BATCH).analyse_bytes(timed)
    full_s = time.perf_counter() - began
    images = [load_image(d) for d in timed]
    began = time.perf_counter()
    for start in range(0, len(images), BATCH):
        encoder.encode_and_classify(images[start : start + BATCH], top_k=TAG_LABELS)
    encoder_ms = round((time.perf_counter() - began) / len(images) * 1000, 2)
    flagged = sum(1 for r in results if not isinstance(r, Exception) and r.likely_has_text)
    return {
        "images_per_s": round(len(timed) / fast_s, 2),
        "images_per_s_with_faces": round(len(timed) / full_s, 2),
        "tagged_images": len(timed),
        "encoder_load_seconds": round(load_s, 2),
        "stage_ms_per_image": {
            "decode": _decode_ms(timed),
            "encoder_batch16": encoder_ms,
            "colours": _per_image_ms(dominant_colours, images),
            "quality": _per_image_ms(assess, images),
            "hashes": _per_image_ms(image_hashes, images),
            "text_guess": _per_image_ms(likely_has_text, images),
            "faces": _per_image_ms(detect_faces, images),
        },
        "likely_has_text_share": round(flagged / len(timed), 3),
    }


def _decode_ms(datas: Sequence[bytes]) -> float:
    began = time.perf_counter()
    for data in datas:
        load_image(data)
    return round((time.perf_counter() - began) / len(datas) * 1000, 2)


def ocr(paths: Sequence[Path], reads: int = 16) -> dict[str, Any]:
    """RapidOCR images per second on the text-bearing renders (cycled to ``reads`` reads after warm-up)."""
    from pipelines.ocr import RapidOcrModel

    renders = [p for p in paths if p.parent.name == "images" and p.name.startswith(TEXT_RENDERS)]
    if not renders:
        raise ValueError("no text-bearing renders (images/poster_*.jpg, images/product_*.jpg) in the dataset")
    images = [load_image(p.read_bytes()) for p in renders]
    model = RapidOcrModel()
    began = time.perf_counter()
    model.load()
    load_s = time.perf_counter() - began
    model.read(images[0])  # the first real read builds the rest of the pipeline's state
    lines: list[int] = []
    began = time.perf_counter()
    for i in range(max(reads, len(images))):
        lines.append(len(model.read(images[i % len(images)])))
    elapsed = time.perf_counter() - began
    return {
        "ocr_images_per_s": round(len(lines) / elapsed, 3),
        "ocr_ms_per_image": round(elapsed / len(lines) * 1000, 1),
        "ocr_reads": len(lines),
        "ocr_renders": len(images),
        "ocr_lines_per_image": round(sum(lines) / len(lines), 2),
        "ocr_load_seconds": round(load_s, 2),
    }


def search_latency(assets: int, queries: int) -> dict[str, Any]:
    """Bench "search" at ``assets`` docs: its text-search p99 is this bench's ``search_p99_ms``."""
    from eval.benches import search

    metrics: dict[str, Any] = search.run(docs=assets, queries=queries)["metrics"]
    return {
        "search_p99_ms": metrics["text_search_p99_ms"],
        "search_p50_ms": metrics["text_search_p50_ms"],
        "image_search_p99_ms": metrics["image_search_p99_ms"],
        "search_assets": metrics["docs"],
        "search_fill_seconds": metrics["fill_seconds"],
        "query_embedding_ms": metrics.get("use_query_embedding_ms"),
    }


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def run(
    assets: int | str = 100_000, images: int | str = 96, queries: int | str = 300, search: int | str = 1
) -> dict[str, Any]:
    """Tagging and OCR throughput on the vision eval set, then search latency at ``assets`` docs."""
    paths = dataset_images()
    load_before = _load_average()
    tagged = tagging(paths, int(images))
    stages = tagged.pop("stage_ms_per_image")
    metrics: dict[str, Any] = {**tagged, **ocr(paths)}
    if int(search):
        metrics.update(search_latency(int(assets), int(queries)))
    return {
        "metrics": metrics,
        "stage_ms_per_image": stages,
        "load_average": {"before": load_before, "after": _load_average()},
        "notes": "EfficientNet-Lite0 ONNX on CPU, batch 16; faces off in images_per_s; OCR is its own stage",
        "result_name": "vision-bench",
    }
