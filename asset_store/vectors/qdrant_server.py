"""The Qdrant server vector index, through ``qdrant_client`` (imported at use, not at import).

``location=":memory:"`` runs qdrant-client's local mode (same API, pure Python, slow): the contract tests
use it. Local mode ignores payload indexes (and warns about them), so they are created on servers only.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager, nullcontext
from typing import TYPE_CHECKING, Any

from asset_store.errors import (
    AssetStoreError,
    InvalidAsset,
    MissingDependency,
    ObjectNotFound,
    StorageUnavailable,
)
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

if TYPE_CHECKING:
    from qdrant_client import QdrantClient, models

_BATCH = 256


def _client_module() -> Any:
    """``qdrant_client``, or ``MissingDependency`` naming the package."""
    try:
        import qdrant_client
    except ImportError as exc:  # pragma: no cover - qdrant-client is a core dependency today
        raise MissingDependency(
            "the Qdrant server vector index needs the 'qdrant-client' package (pip install qdrant-client)",
            details={"package": "qdrant-client"},
        ) from exc
    return qdrant_client


@contextmanager
def _server(op: str, collection: str) -> Iterator[None]:
    """Translate qdrant-client errors into the asset-store hierarchy, in one place."""
    from qdrant_client.http.exceptions import UnexpectedResponse

    details = {"backend": "qdrant", "op": op, "collection": collection}
    try:
        yield
    except AssetStoreError:
        raise
    except UnexpectedResponse as exc:
        message = f"qdrant {op} on {collection!r} failed: {exc}"
        if exc.status_code == 404:
            raise ObjectNotFound(message, code="vector_collection_not_found", details=details) from exc
        if exc.status_code in (400, 422):
            raise InvalidAsset(message, code="vector_request_rejected", details=details) from exc
        raise StorageUnavailable(message, details=details) from exc
    except Exception as exc:  # connection refused, timeouts, local-mode errors
        raise StorageUnavailable(f"qdrant {op} on {collection!r} failed: {exc}", details=details) from exc


def server_filter(flt: VectorFilter) -> models.Filter:
    """The filter as a qdrant-client ``Filter`` (all conditions in ``must``)."""
    from qdrant_client import models

    conditions: list[models.Condition] = []
    for match in filter_matches(flt):
        value: models.Match = (
            models.MatchValue(value=match.values[0])
            if len(match.values) == 1
            else models.MatchAny(any=list(match.values))
        )
        conditions.append(models.FieldCondition(key=match.key, match=value))
    return models.Filter(must=conditions)


class QdrantServerIndex:
    """``VectorIndex`` on a Qdrant server (``url``) or qdrant-client's local mode (``location``)."""

    name = "qdrant"

    def __init__(
        self, url: str | None = None, api_key: str | None = None, *, location: str | None = None
    ) -> None:
        if (url is None) == (location is None):
            raise InvalidAsset("give exactly one of url and location", code="invalid_vector_config")
        module = _client_module()
        self._local = url is None and not str(location).startswith(("http://", "https://"))
        # no version probe at construction: an unreachable server surfaces at first use, as StorageUnavailable
        self._client: QdrantClient = module.QdrantClient(
            url=url, location=location, api_key=api_key, check_compatibility=False
        )
        # local mode is plain Python objects without locking; a server client is thread-safe
        self._lock: AbstractContextManager[Any] = threading.RLock() if self._local else nullcontext()
        self._dims: dict[str, int] = {}

    def ensure_collection(self, name: str, dim: int) -> None:
        """Create the collection (cosine, keyword payload indexes) if missing, or check its dimension."""
        from qdrant_client import models

        check_collection_name(name)
        check_dim(dim)
        with self._lock, _server("ensure_collection", name):
            if not self._client.collection_exists(name):
                try:
                    self._client.create_collection(
                        name, vectors_config=models.VectorParams(size=dim, distance=models.Distance.COSINE)
                    )
                except Exception:
                    if not self._client.collection_exists(name):  # else another process won the race
                        raise
                self._create_payload_indexes(name)
            existing = self._dim(name)
        if existing != dim:
            raise InvalidAsset(
                f"collection {name!r} holds {existing}-d vectors, not {dim}-d",
                code="vector_dim_mismatch",
                details={"collection": name, "expected": existing, "got": dim},
            )

    def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        """Validate all points, then write them in batches (waiting for each to apply)."""
        from qdrant_client import models

        with self._lock, _server("upsert", collection):
            prepared = prepare_points(points, self._dim(collection))
            for start in range(0, len(prepared), _BATCH):
                batch = [
                    models.PointStruct(id=p.uuid, vector=p.vector, payload=p.payload)
                    for p in prepared[start : start + _BATCH]
                ]
                self._client.upsert(collection, points=batch, wait=True)

    def delete(self, collection: str, ids: Sequence[str]) -> None:
        """Remove points by id."""
        from qdrant_client import models

        keys: list[models.ExtendedPointId] = [point_uuid(i) for i in ids]
        with self._lock, _server("delete", collection):
            self._dim(collection)
            if keys:
                self._client.delete(collection, points_selector=models.PointIdsList(points=keys), wait=True)

    def delete_where(self, collection: str, filter: VectorFilter) -> int:
        """Remove the points matching ``filter``; return how many matched (count, then delete: not atomic)."""
        from qdrant_client import models

        flt = server_filter(filter)
        with self._lock, _server("delete_where", collection):
            self._dim(collection)
            matched = self._client.count(collection, count_filter=flt, exact=True).count
            if matched:
                self._client.delete(collection, points_selector=models.FilterSelector(filter=flt), wait=True)
        return matched

    def search(
        self, collection: str, vector: Sequence[float], *, filter: VectorFilter, limit: int = 10
    ) -> list[VectorHit]:
        """Nearest points by cosine similarity among those matching ``filter``, best first."""
        flt = server_filter(filter)
        with self._lock, _server("search", collection):
            query = check_vector(vector, self._dim(collection))
            found = self._client.query_points(
                collection, query=query, query_filter=flt, limit=check_limit(limit), with_payload=True
            ).points
        hits = [to_hit(p.id, p.payload, p.score) for p in found]
        return sorted(hits, key=lambda h: h.score, reverse=True)

    def count(self, collection: str, filter: VectorFilter | None = None) -> int:
        """Exact number of points (matching ``filter`` if given)."""
        flt = None if filter is None else server_filter(filter)
        with self._lock, _server("count", collection):
            self._dim(collection)
            return self._client.count(collection, count_filter=flt, exact=True).count

    def get(self, collection: str, id: str) -> VectorHit | None:
        """The stored point with its (unit-length) vector, or None."""
        key = point_uuid(id)
        with self._lock, _server("get", collection):
            self._dim(collection)
            records = self._client.retrieve(collection, ids=[key], with_payload=True, with_vectors=True)
        return to_hit(records[0].id, records[0].payload, 1.0, records[0].vector) if records else None

    def close(self) -> None:
        """Close the client's connections (or the local store)."""
        with self._lock, _server("close", "*"):
            self._client.close()

    def _dim(self, collection: str) -> int:
        """The collection's dimension (cached); ``ObjectNotFound`` if it does not exist."""
        dim = self._dims.get(collection)
        if dim is None:
            check_collection_name(collection)
            if not self._client.collection_exists(collection):
                raise ObjectNotFound(
                    f"no vector collection {collection!r}", code="vector_collection_not_found"
                )
            params = self._client.get_collection(collection).config.params.vectors
            size = getattr(params, "size", None)
            if not isinstance(size, int):
                raise InvalidAsset(
                    f"collection {collection!r} has named vectors; the index uses one unnamed vector",
                    code="vector_dim_mismatch",
                )
            dim = self._dims[collection] = size
        return dim

    def _create_payload_indexes(self, name: str) -> None:
        from qdrant_client import models

        if self._local:
            return
        for key in INDEXED_FIELDS:
            schema: models.PayloadSchemaType | models.KeywordIndexParams = (
                models.KeywordIndexParams(type=models.KeywordIndexType.KEYWORD, is_tenant=True)
                if key == BRAND_FIELD
                else models.PayloadSchemaType.KEYWORD
            )
            self._client.create_payload_index(name, key, field_schema=schema, wait=True)
