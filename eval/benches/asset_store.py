"""Bench "asset-store": branch cost vs repository size, bulk commit, upload throughput, read-at-ref latency.

Runs the repository on a fresh embedded SQLite database (the ``make run`` default) in a temp dir, with
blob metadata rows inserted directly (the repository, not media validation, is what is measured here).
Uploads measure the ingest path of bytes: spool to disk while hashing (sha256) and store once under the
content address, on the local object store and on S3 — moto's in-process S3 server on 127.0.0.1, so the
S3 figure is a floor set by moto (Python) on this 2-core machine, not a MinIO measurement.
"""

from __future__ import annotations

import hashlib
import logging
import os
import random
import statistics
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session, sessionmaker

from asset_store.blobs import Spool, blob_key
from asset_store.models import Blob, BlobGrant
from asset_store.objects import ObjectStore, UrlSigner, open_object_store
from asset_store.repo.metadata import AssetMetadata, Generation, Lineage, Tag, TagSource
from asset_store.repo.repository import PutAsset, Repository
from asset_store.repo.sqlutil import insert_ignore
from asset_store.repo.tree import TreeStore
from serving.db import make_engine, make_session_factory, transaction, upgrade
from serving.tenancy.models import Brand

SIZES = (1_000, 100_000)
BRANCHES_PER_SIZE = 100
COMMIT_ASSETS = 1_000
COMMIT_REPEATS = 3
READS = 500
UPLOAD_MB = 64
UPLOAD_REPEATS = 3
BATCH = 10_000
PG_DSN = os.environ.get("ATELIER_BENCH_PG_DSN", "postgresql://postgres@127.0.0.1:5432/test")


def _sha(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _ms(samples: list[float], q: int) -> float:
    value = statistics.median(samples) if q == 50 else statistics.quantiles(samples, n=100)[q - 1]
    return round(value * 1000, 3)


def _brand(factory: sessionmaker[Session], slug: str) -> str:
    with transaction(factory) as session:
        brand = Brand(slug=slug, name=slug)
        session.add(brand)
        session.flush()
        return brand.id


def _blobs(factory: sessionmaker[Session], brand_id: str, names: list[str]) -> list[str]:
    shas = [_sha(n) for n in names]
    rows = [
        {"sha256": s, "size": 1000, "kind": "image", "content_type": "image/png", "info": {}, "previews": {}}
        for s in shas
    ]
    with transaction(factory) as session:
        for start in range(0, len(rows), BATCH):
            insert_ignore(session, Blob, rows[start : start + BATCH])
            insert_ignore(
                session,
                BlobGrant,
                [
                    {"brand_id": brand_id, "sha256": s, "kind": "image", "content_type": "image/png"}
                    for s in shas[start : start + BATCH]
                ],
            )
    return shas


def _fill(factory: sessionmaker[Session], trees: TreeStore, brand_id: str, count: int) -> list[str]:
    """A repository with ``count`` assets on main, committed in batches; returns the paths."""
    paths = [f"campaign/{i % 50:02}/asset_{i:06}.png" for i in range(count)]
    shas = _blobs(factory, brand_id, paths)
    for start in range(0, count, BATCH):
        with transaction(factory) as session:
            repo = Repository(session, brand_id, trees)
            repo.ensure()
            changes = [
                PutAsset(p, s)
                for p, s in zip(paths[start : start + BATCH], shas[start : start + BATCH], strict=True)
            ]
            repo.commit("main", changes, author_id=None, message=f"batch {start}")
    return paths


def _time(call: Callable[[], object]) -> float:
    started = time.perf_counter()
    call()
    return time.perf_counter() - started


def _branch_times(
    factory: sessionmaker[Session], trees: TreeStore, brands: dict[int, str]
) -> dict[int, list[float]]:
    """Branch creation times per repository size, interleaved so drift of the machine hits both alike."""
    times: dict[int, list[float]] = {size: [] for size in brands}
    for i in range(BRANCHES_PER_SIZE):
        for size, brand_id in brands.items():
            with transaction(factory) as session:
                repo = Repository(session, brand_id, trees)
                started = time.perf_counter()
                repo.create_branch(f"campaign/ab-{i}", "main")
                session.commit()
                times[size].append(time.perf_counter() - started)
    return times


def _metadata(i: int) -> AssetMetadata:
    """Distinct, realistic metadata per generated variant (so every asset gets its own record)."""
    return AssetMetadata(
        title=f"双11 主视觉 variant {i}",
        tags=(Tag(name="lipstick", source=TagSource.AI, score=0.5 + (i % 50) / 100), Tag(name="red")),
        campaign="double-11",
        lineage=Lineage(generation=Generation(model="sdxl-1.0", prompt="红色口红 海报", seed=i)),
    )


def _commit_times(factory: sessionmaker[Session], trees: TreeStore, brand_id: str, tag: str) -> list[float]:
    times = []
    for round_ in range(COMMIT_REPEATS):
        names = [f"drop/{tag}{round_}/variant_{i:04}.png" for i in range(COMMIT_ASSETS)]
        shas = _blobs(factory, brand_id, names)
        changes = [PutAsset(n, s, _metadata(i)) for i, (n, s) in enumerate(zip(names, shas, strict=True))]

        def commit(changes: list[PutAsset] = changes) -> None:
            with transaction(factory) as session:
                Repository(session, brand_id, trees).commit("main", changes, author_id=None, message="drop")

        times.append(_time(commit))
    return times


def _read_times(factory: sessionmaker[Session], brand_id: str, paths: list[str]) -> list[float]:
    trees = TreeStore()  # cold cache at first, warm as ranges are reused, like a running server
    rng = random.Random(11)
    times = []
    for _ in range(READS):
        path = rng.choice(paths)

        def read(path: str = path) -> None:
            with transaction(factory) as session:
                Repository(session, brand_id, trees).get("main", path)

        times.append(_time(read))
    return times


def _upload_mb_s(store: ObjectStore, tmp: Path) -> float:
    """MB/s of spool+hash+store for UPLOAD_MB of fresh random bytes, median of UPLOAD_REPEATS."""
    store.ensure_ready()
    rates = []
    chunk = 1 << 20
    for _ in range(UPLOAD_REPEATS):
        data = [os.urandom(chunk) for _ in range(UPLOAD_MB)]
        started = time.perf_counter()
        with Spool(tmp, UPLOAD_MB * chunk) as spool:
            for part in data:
                spool.write(part)
            spooled = spool.finish()
            store.put_file(blob_key(spooled.sha256), spooled.path, "application/octet-stream")
        rates.append(UPLOAD_MB / (time.perf_counter() - started))
    return round(statistics.median(rates), 1)


def _s3_upload(tmp: Path) -> float:
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    try:
        host, port = server.get_host_and_port()
        store = open_object_store(
            "s3",
            endpoint=f"{host}:{port}",
            bucket="bench",
            access_key="bench",
            secret_key="bench",
            secure=False,
            region="us-east-1",
        )
        return _upload_mb_s(store, tmp)
    finally:
        server.stop()


def _repo_metrics(url: str) -> dict[str, float]:
    """Branch, commit and read figures of the repository on one database."""
    engine = make_engine(url)
    factory = make_session_factory(engine)
    trees = TreeStore()
    paths: dict[int, list[str]] = {}
    brands: dict[int, str] = {}
    fill_s = 0.0
    try:
        for size in SIZES:
            brands[size] = _brand(factory, f"bench-{size}")
            started = time.perf_counter()
            paths[size] = _fill(factory, trees, brands[size], size)
            fill_s = time.perf_counter() - started
        branch_ms = _branch_times(factory, trees, brands)
        commit_s = _commit_times(factory, trees, brands[SIZES[0]], "small")
        commit_big_s = _commit_times(factory, trees, brands[SIZES[-1]], "big")
        reads = _read_times(factory, brands[SIZES[-1]], paths[SIZES[-1]])
    finally:
        engine.dispose()
    small, big = (statistics.median(branch_ms[s]) for s in SIZES)
    return {
        "branch_create_ratio_100k_vs_1k": round(big / small, 3),
        "branch_create_1k_p50_ms": _ms(branch_ms[SIZES[0]], 50),
        "branch_create_100k_p50_ms": _ms(branch_ms[SIZES[1]], 50),
        "commit_1000_assets_s": round(statistics.median(commit_s), 3),
        "commit_1000_assets_into_100k_s": round(statistics.median(commit_big_s), 3),
        "read_p50_ms": _ms(reads, 50),
        "read_p99_ms": _ms(reads, 99),
        "fill_100k_assets_s": round(fill_s, 2),
    }


@contextmanager
def _postgres() -> Iterator[str | None]:
    """A scratch PostgreSQL database (migrated) if the server is reachable, else None."""
    import psycopg

    name = f"atelier_bench_{os.getpid()}"
    try:
        with psycopg.connect(PG_DSN, autocommit=True, connect_timeout=3) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        yield None
        return
    url = PG_DSN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1) + f"/{name}"
    try:
        upgrade(url)
        yield url
    finally:
        with psycopg.connect(PG_DSN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def run() -> dict[str, Any]:
    with tempfile.TemporaryDirectory(prefix="atelier-bench-assets-") as folder:
        tmp = Path(folder)
        url = f"sqlite:///{tmp / 'bench.db'}"
        upgrade(url)
        metrics: dict[str, Any] = _repo_metrics(url)
        with _postgres() as pg_url:
            if pg_url is not None:
                metrics.update({f"pg_{k}": v for k, v in _repo_metrics(pg_url).items()})
        signer = UrlSigner(b"bench-secret-0123456789", "http://127.0.0.1:8000")
        local = open_object_store("local", root=tmp / "objects", signer=signer)
        metrics["upload_mb_s_local"] = _upload_mb_s(local, tmp / "spool")
        metrics["upload_mb_s_s3"] = _s3_upload(tmp / "spool")
    return {
        "metrics": metrics,
        "config": {
            "database": "sqlite (fresh, WAL); pg_* = PostgreSQL 15 on 127.0.0.1; repository layer, no HTTP",
            "sizes": list(SIZES),
            "branches_timed_per_size": BRANCHES_PER_SIZE,
            "commit_assets": COMMIT_ASSETS,
            "commit": "1,000 new assets with distinct metadata and lineage in one commit, onto 1k and 100k",
            "commit_repeats": COMMIT_REPEATS,
            "reads": READS,
            "read": "random path of the 100k-asset main, one transaction per read, shared tree cache",
            "upload_mb": UPLOAD_MB,
            "upload": "spool+sha256+put_file of random bytes; S3 = moto server in-process (not MinIO)",
            "cpus": os.cpu_count(),
        },
    }
