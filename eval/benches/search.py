"""Bench "search": latency of ``POST /v1/search``'s service at 100k assets in the embedded index.

A fresh SQLite database and qdrant-edge index in a temp dir hold ``docs`` synthetic assets of one brand
(and a tenth as many of a second brand): taxonomy tags, product words and Chinese terms, a 512-d text
vector each (hashing encoder) and a 512-d image vector for the images (clustered by tag). Rows and points
are written directly (the index job's throughput is the vision models', measured elsewhere). Text queries
run the whole search service (semantic, tag-keyword and term-keyword legs, fusion, filters, docs); image
queries run the image leg (nearest neighbours + docs). The query's own embedding is not in the figure
(a hashing encoder stands in); the USE encoder's time per query is reported apart.
"""

from __future__ import annotations

import asyncio
import random
import statistics
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from sqlalchemy import insert

from asset_store.sql import new_id, utcnow
from asset_store.vectors import VectorFilter, VectorPoint
from asset_store.vectors.edge import EdgeVectorIndex
from pipelines.embeddings.text import HashingEncoder
from pipelines.vision.taxonomy import Taxonomy
from serving.assets.services import build_asset_services
from serving.db import make_engine, make_session_factory, transaction, upgrade
from serving.seed import cli_caller
from serving.settings import SearchSettings, Settings
from serving.tenancy.models import Brand
from serving.vision.models import SearchDoc, SearchTerm
from serving.vision.runtime import VisionRuntime, image_collection, point_id, text_collection
from serving.vision.schemas import SearchRequest
from serving.vision.search import search
from serving.vision.terms import doc_terms

DIM = 512
ENCODER = "bench-image-512"
CHUNK = 5_000
ZH = ["新品", "限定", "上市", "夏日", "礼盒", "爆款", "清爽", "经典", "联名", "直播"]


class _Gateway:
    """Only what search calls: hashing text vectors; no image-text tower."""

    name = "bench"

    def __init__(self) -> None:
        self.encoder = HashingEncoder(dim=DIM)

    async def embed_texts(self, texts: Sequence[str]) -> list[list[float]]:
        return [[float(v) for v in row] for row in self.encoder.encode(list(texts))]

    async def encode_image_texts(self, texts: Sequence[str]) -> list[list[float]]:
        from serving.gateway.protocol import ModelCallUnsupported

        raise ModelCallUnsupported("bench")


def _ms(samples: list[float], q: int) -> float:
    value = statistics.median(samples) if q == 50 else statistics.quantiles(samples, n=100)[q - 1]
    return round(value * 1000, 2)


def _brand(factory: Any, slug: str) -> str:
    with transaction(factory) as session:
        brand = Brand(slug=slug, name=slug)
        session.add(brand)
        session.flush()
        return brand.id


def _fill(
    runtime: VisionRuntime, brand_id: str, count: int, rng: random.Random, tags: list[str]
) -> list[str]:
    taxonomy = runtime.taxonomy()
    encoder = HashingEncoder(dim=DIM)
    centres = {t: np.random.default_rng(abs(hash(t)) % 2**32).normal(size=DIM) for t in tags}
    words = [f"sku{i:04d}" for i in range(2000)]
    paths: list[str] = []
    for start in range(0, count, CHUNK):
        docs: list[dict[str, Any]] = []
        terms: list[dict[str, Any]] = []
        text_points: list[VectorPoint] = []
        image_points: list[VectorPoint] = []
        texts: list[str] = []
        for i in range(start, min(start + CHUNK, count)):
            kind = "image" if i % 4 else "copy"
            doc_tags = rng.sample(tags, rng.randint(1, 3))
            text = " ".join([taxonomy.search_text(doc_tags), *rng.sample(words, 3), *rng.sample(ZH, 2)])
            path = f"{kind}/{i:06d}.{'png' if kind == 'image' else 'txt'}"
            doc_id = new_id("sdoc")
            docs.append(
                {
                    "id": doc_id,
                    "brand_id": brand_id,
                    "branch": "main",
                    "path": path,
                    "blob": f"{i:064x}",
                    "record_id": f"{i:064x}",
                    "kind": kind,
                    "title": path,
                    "text": text,
                    "tags": doc_tags,
                    "human_tags": [],
                    "ai_tags": doc_tags,
                    "brand_tags": [],
                    "rejected_tags": [],
                    "derived_from": [],
                    "encoder": ENCODER if kind == "image" else None,
                    "text_dim": DIM,
                    "updated_at": utcnow(),
                }
            )
            terms += [
                {"brand_id": brand_id, "term": t, "branch": "main", "doc_id": doc_id} for t in doc_terms(text)
            ]
            texts.append(text)
            payload = {"brand_id": brand_id, "branch": "main", "kind": kind, "tags": doc_tags, "path": path}
            pid = point_id(brand_id, "main", path)
            text_points.append(VectorPoint(pid, [], payload))
            if kind == "image":
                vector = centres[doc_tags[0]] + np.random.default_rng(i).normal(scale=1.5, size=DIM)
                image_points.append(VectorPoint(pid, [float(v) for v in vector], payload))
            paths.append(path)
        vectors = encoder.encode(texts)
        text_points = [
            VectorPoint(p.id, [float(v) for v in row], p.payload)
            for p, row in zip(text_points, vectors, strict=True)
        ]
        runtime.vectors.upsert(text_collection(DIM), text_points)
        runtime.vectors.upsert(image_collection(ENCODER), image_points)
        with transaction(runtime.factory) as session:
            session.execute(insert(SearchDoc), docs)
            for t in range(0, len(terms), 20_000):
                session.execute(insert(SearchTerm), terms[t : t + 20_000])
    return paths


def run(docs: int | str = 100_000, queries: int | str = 300) -> dict[str, Any]:
    """Fill the index, then time text and image searches (p50/p95/p99 in ms)."""
    count, n_queries = int(docs), int(queries)
    rng = random.Random(7)
    with tempfile.TemporaryDirectory(prefix="atelier-search-bench-") as tmp:
        url = f"sqlite:///{Path(tmp) / 'bench.db'}"
        upgrade(url)
        engine = make_engine(url)
        settings = Settings.model_validate({"data_dir": tmp, "database": {"url": url}})
        index = EdgeVectorIndex(Path(tmp) / "vectors")
        runtime = VisionRuntime(
            make_session_factory(engine),
            build_asset_services(settings),
            SearchSettings(),
            index,
        )
        tags = [t.id for t in Taxonomy.builtin().all()]
        runtime.ensure_collection(text_collection(DIM), DIM)
        runtime.ensure_collection(image_collection(ENCODER), DIM)
        started = time.perf_counter()
        brand = _brand(runtime.factory, "bench-a")
        paths = _fill(runtime, brand, count, rng, tags)
        _fill(runtime, _brand(runtime.factory, "bench-b"), max(count // 10, 1), rng, tags)
        fill_s = time.perf_counter() - started
        scan = _measure(runtime, brand, paths, n_queries, rng)
        started = time.perf_counter()
        for name in (text_collection(DIM), image_collection(ENCODER)):
            index.optimize(name)  # what an index job does after search.optimize_after writes
        optimize_s = time.perf_counter() - started
        graph = _measure(runtime, brand, paths, n_queries, rng)
        use_ms = _use_ms()
        runtime.close()
        engine.dispose()
    return {
        "metrics": {
            "docs": count,
            "fill_seconds": round(fill_s, 1),
            "optimize_seconds": round(optimize_s, 1),
            **graph,
            **{f"{k}_before_optimize": v for k, v in scan.items() if k.endswith(("p50_ms", "p99_ms"))},
            "use_query_embedding_ms": use_ms,
        },
        "notes": "SQLite + qdrant-edge, 512-d text and image vectors, one process; after optimize the "
        "collections have their HNSW graph (the index job builds it after search.optimize_after writes)",
    }


def _measure(
    runtime: VisionRuntime, brand: str, paths: list[str], n: int, rng: random.Random
) -> dict[str, Any]:
    text_ms, hits = _text_queries(runtime, brand, n, rng)
    image_ms = _image_queries(runtime, brand, paths, n, rng)
    return {
        "text_search_p50_ms": _ms(text_ms, 50),
        "text_search_p95_ms": _ms(text_ms, 95),
        "text_search_p99_ms": _ms(text_ms, 99),
        "image_search_p50_ms": _ms(image_ms, 50),
        "image_search_p99_ms": _ms(image_ms, 99),
        "mean_hits": round(statistics.mean(hits), 1),
    }


def _text_queries(
    runtime: VisionRuntime, brand: str, n: int, rng: random.Random
) -> tuple[list[float], list[int]]:
    taxonomy = Taxonomy.builtin()
    names = [d.zh for d in taxonomy.all()] + [d.en for d in taxonomy.all()]
    gateway: Any = _Gateway()
    caller = cli_caller()
    samples: list[float] = []
    hits: list[int] = []

    async def one(query: str, **filters: Any) -> None:
        body = SearchRequest(brand_id=brand, query=query, limit=20, **filters)
        began = time.perf_counter()
        result = await search(runtime, gateway, caller, body)
        samples.append(time.perf_counter() - began)
        hits.append(len(result.hits))

    async def all_queries() -> None:
        await one("warm up")
        samples.clear()
        for i in range(n):
            query = rng.choice(
                [rng.choice(names), f"{rng.choice(names)} {rng.choice(ZH)}", f"sku{rng.randrange(2000):04d}"]
            )
            await one(query, **({"kinds": ["image"]} if i % 3 == 0 else {}))

    asyncio.run(all_queries())
    return samples, hits


def _image_queries(
    runtime: VisionRuntime, brand: str, paths: list[str], n: int, rng: random.Random
) -> list[float]:
    from serving.vision.search import load_candidates

    images = [p for p in paths if p.startswith("image/")]
    samples: list[float] = []
    for _ in range(n):
        hit = runtime.vectors.get(image_collection(ENCODER), point_id(brand, "main", rng.choice(images)))
        assert hit is not None and hit.vector is not None
        began = time.perf_counter()
        found = runtime.vectors.search(
            image_collection(ENCODER),
            hit.vector,
            filter=VectorFilter(brand_id=brand, branch="main"),
            limit=SearchSettings().candidates,
        )
        with transaction(runtime.readers) as session:
            load_candidates(session, brand, "main", [str(h.payload["path"]) for h in found[:50]])
        samples.append(time.perf_counter() - began)
    return samples


def _use_ms() -> float | None:
    try:
        from pipelines.embeddings.text import UseMultilingualEncoder

        encoder = UseMultilingualEncoder()
        encoder.load()
        began = time.perf_counter()
        for query in ("咖啡", "summer beach", "口红 新色", "red sports car", "夏日限定礼盒"):
            encoder.encode([query])
        return round((time.perf_counter() - began) / 5 * 1000, 2)
    except Exception:  # the model is optional for this bench
        return None
