"""The embedded vector index: one in-process qdrant-edge shard per collection under ``<path>/<name>/``.

Measured on qdrant-edge 0.9.0: an upsert is visible to the next search without ``flush`` or ``optimize``;
every update goes to a write-ahead log first, so it survives a crash even without ``flush``. The engine never
builds HNSW by itself: unindexed points are searched by brute force (a brand-filtered search stays ~1 ms, an
unfiltered one over 100k 512-d points takes ~7 ms), and ``optimize()`` builds the index in the foreground
(~80 s for 100k 512-d points), so it is a maintenance call, not part of ``upsert``. A shard directory can be
open once per process (the WAL is locked), hence the cache of open shards. The shard object is safe to share
between threads (a ``Sync`` Rust class); a lock per collection keeps validate-then-write and count-then-delete
atomic, and one lock guards opening and closing.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import qdrant_edge as qe

from asset_store.errors import AssetStoreError, InvalidAsset, ObjectNotFound, StorageUnavailable
from asset_store.vectors.protocol import (
    BRAND_FIELD,
    INDEXED_FIELDS,
    VectorFilter,
    VectorHit,
    VectorPoint,
    check_collection_name,
    check_dim,
    check_limit,
    check_vector,
    filter_matches,
    point_uuid,
    prepare_points,
    to_hit,
)

_CONFIG_FILE = "edge_config.json"
_BATCH = 512


@dataclass
class _Collection:
    """An open shard and what we know about it."""

    shard: qe.EdgeShard
    dim: int
    lock: threading.Lock = field(default_factory=threading.Lock)


@contextmanager
def _engine(op: str, collection: str) -> Iterator[None]:
    """Translate qdrant-edge errors (plain ``Exception``/``ValueError``) into the asset-store hierarchy."""
    try:
        yield
    except AssetStoreError:
        raise
    except Exception as exc:
        raise StorageUnavailable(
            f"qdrant-edge {op} on {collection!r} failed: {exc}",
            details={"backend": "qdrant-edge", "op": op, "collection": collection},
        ) from exc


def edge_filter(flt: VectorFilter) -> qe.Filter:
    """The filter as a qdrant-edge ``Filter`` (all conditions in ``must``)."""
    conditions: list[qe.ConditionType] = []
    for match in filter_matches(flt):
        if len(match.values) == 1:
            conditions.append(qe.FieldCondition(match.key, match=qe.MatchValue(match.values[0])))
        else:
            conditions.append(qe.FieldCondition(match.key, match=qe.MatchAny(list(match.values))))
    return qe.Filter(must=conditions)


class EdgeVectorIndex:
    """``VectorIndex`` on qdrant-edge shards persisted under ``path`` (the embedded default)."""

    name = "qdrant-edge"

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._lock = threading.Lock()
        self._open: dict[str, _Collection] = {}
        self._closed = False

    def ensure_collection(self, name: str, dim: int) -> None:
        """Create the shard with cosine distance and keyword payload indexes, or check its dimension."""
        check_collection_name(name)
        check_dim(dim)
        with self._lock:
            coll = self._get_locked(name, create_dim=dim)
        if coll.dim != dim:
            raise InvalidAsset(
                f"collection {name!r} holds {coll.dim}-d vectors, not {dim}-d",
                code="vector_dim_mismatch",
                details={"collection": name, "expected": coll.dim, "got": dim},
            )

    def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        """Validate all points, then write them in batches."""
        coll = self._get(collection)
        prepared = prepare_points(points, coll.dim)
        with coll.lock, _engine("upsert", collection):
            for start in range(0, len(prepared), _BATCH):
                batch = [qe.Point(p.uuid, p.vector, p.payload) for p in prepared[start : start + _BATCH]]
                coll.shard.update(qe.UpdateOperation.upsert_points(batch))

    def delete(self, collection: str, ids: Sequence[str]) -> None:
        """Remove points by id."""
        coll = self._get(collection)
        keys: list[qe.PointId] = [point_uuid(i) for i in ids]
        if not keys:
            return
        with coll.lock, _engine("delete", collection):
            coll.shard.update(qe.UpdateOperation.delete_points(keys))

    def delete_where(self, collection: str, filter: VectorFilter) -> int:
        """Remove the points matching ``filter``; return how many there were."""
        coll = self._get(collection)
        flt = edge_filter(filter)
        with coll.lock, _engine("delete_where", collection):
            matched = coll.shard.count(qe.CountRequest(exact=True, filter=flt))
            if matched:
                coll.shard.update(qe.UpdateOperation.delete_points_by_filter(flt))
        return matched

    def search(
        self, collection: str, vector: Sequence[float], *, filter: VectorFilter, limit: int = 10
    ) -> list[VectorHit]:
        """Nearest points by cosine similarity among those matching ``filter``, best first."""
        coll = self._get(collection)
        query = qe.Query.Nearest(check_vector(vector, coll.dim))
        request = qe.SearchRequest(
            query, check_limit(limit), filter=edge_filter(filter), with_payload=True, with_vector=False
        )
        with _engine("search", collection):
            found = coll.shard.search(request)
        hits = [to_hit(p.id, p.payload, p.score) for p in found]
        return sorted(hits, key=lambda h: h.score, reverse=True)

    def count(self, collection: str, filter: VectorFilter | None = None) -> int:
        """Exact number of points (matching ``filter`` if given)."""
        coll = self._get(collection)
        request = qe.CountRequest(exact=True, filter=None if filter is None else edge_filter(filter))
        with _engine("count", collection):
            return coll.shard.count(request)

    def get(self, collection: str, id: str) -> VectorHit | None:
        """The stored point with its (unit-length) vector, or None."""
        coll = self._get(collection)
        key = point_uuid(id)
        with _engine("get", collection):
            # the 0.9.0 binding requires all three arguments, although its stub marks two optional
            records = coll.shard.retrieve([key], True, True)
        return to_hit(records[0].id, records[0].payload, 1.0, records[0].vector) if records else None

    def optimize(self, collection: str) -> bool:
        """Build the HNSW index and merge segments in the foreground (slow); True if anything changed."""
        coll = self._get(collection)
        with coll.lock, _engine("optimize", collection):
            return coll.shard.optimize()

    def close(self) -> None:
        """Flush and close every open shard; later calls raise ``StorageUnavailable``."""
        with self._lock:
            self._closed = True
            open_now, self._open = self._open, {}
            for name, coll in open_now.items():
                with coll.lock, _engine("close", name):
                    coll.shard.flush()
                    coll.shard.close()

    def _get(self, name: str) -> _Collection:
        check_collection_name(name)
        with self._lock:
            return self._get_locked(name, create_dim=None)

    def _get_locked(self, name: str, *, create_dim: int | None) -> _Collection:
        """The open collection: cached, loaded from disk, or (with ``create_dim``) created."""
        if self._closed:
            raise StorageUnavailable("the vector index is closed", code="vector_index_closed")
        coll = self._open.get(name)
        if coll is None:
            directory = self.path / name
            if (directory / _CONFIG_FILE).is_file():
                coll = self._load(name, directory)
            elif create_dim is not None:
                coll = self._create(name, directory, create_dim)
            else:
                raise ObjectNotFound(f"no vector collection {name!r}", code="vector_collection_not_found")
            self._open[name] = coll
        return coll

    def _create(self, name: str, directory: Path, dim: int) -> _Collection:
        config = qe.EdgeConfig(vectors=qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine))
        with _engine("create", name):
            directory.mkdir(parents=True, exist_ok=True)
            shard = qe.EdgeShard.create(str(directory), config)
            try:
                _ensure_payload_indexes(shard)
            except Exception:
                shard.close()
                raise
        return _Collection(shard, dim)

    def _load(self, name: str, directory: Path) -> _Collection:
        with _engine("load", name):
            # the engine exposes no config getter; its own config file records the dimension
            saved = json.loads((directory / _CONFIG_FILE).read_text(encoding="utf-8"))
            dim = int(saved["vectors"][""]["size"])
            config = qe.EdgeConfig(vectors=qe.EdgeVectorParams(size=dim, distance=qe.Distance.Cosine))
            shard = qe.EdgeShard.load(str(directory), config)
            _ensure_payload_indexes(shard)
        return _Collection(shard, dim)


def _ensure_payload_indexes(shard: qe.EdgeShard) -> None:
    """Keyword indexes on the filter fields (``brand_id`` as the tenant key); adds any that are missing."""
    present = set(shard.info().payload_schema)
    for key in INDEXED_FIELDS:
        if key in present:
            continue
        schema: qe.PayloadSchemaType | qe.KeywordIndexParams = (
            qe.KeywordIndexParams(is_tenant=True) if key == BRAND_FIELD else qe.PayloadSchemaType.Keyword
        )
        shard.update(qe.UpdateOperation.create_field_index(key, schema))
