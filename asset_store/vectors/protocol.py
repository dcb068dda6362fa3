"""The vector index contract: tenant-scoped cosine search over embeddings of brand assets.

Payload fields the index knows (keyword-indexed by every backend):

- ``brand_id`` (str, required on every point): the tenant; every search and filter names one.
- ``branch`` (str): the asset-store branch the asset lives on.
- ``kind`` (str): the asset kind, e.g. ``"image"``, ``"video"``, ``"copy"``.
- ``tags`` (list of str): free tags; ``VectorFilter.tags_all`` / ``tags_any`` match on them.

Any other JSON value may ride along. Ids are arbitrary strings; Qdrant wants ints or UUIDs, so a backend
stores each point under ``point_uuid(id)`` (uuid5) and keeps the caller's id in the reserved payload field
``_id``; hits give the caller's id back.
"""

from __future__ import annotations

import json
import math
import re
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeAlias, runtime_checkable

import numpy as np

from asset_store.errors import InvalidAsset

JSONValue: TypeAlias = "str | int | float | bool | None | Sequence[JSONValue] | Mapping[str, JSONValue]"

ID_FIELD = "_id"
BRAND_FIELD = "brand_id"
BRANCH_FIELD = "branch"
KIND_FIELD = "kind"
TAGS_FIELD = "tags"
INDEXED_FIELDS: tuple[str, ...] = (BRAND_FIELD, BRANCH_FIELD, KIND_FIELD, TAGS_FIELD)

ID_NAMESPACE = uuid.UUID("5b0c4f1e-9a63-5d2e-8f4b-61746c696572")
"""Namespace of ``point_uuid``; changing it orphans every stored point."""

_COLLECTION_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,62}")


@dataclass(frozen=True)
class VectorPoint:
    """One embedding to store: the caller's id, the vector, and its payload (``brand_id`` required)."""

    id: str
    vector: Sequence[float]
    payload: Mapping[str, JSONValue] = field(default_factory=dict)


@dataclass(frozen=True)
class VectorHit:
    """One search result (or a stored point): the caller's id, cosine similarity, payload without ``_id``."""

    id: str
    score: float
    payload: dict[str, Any]
    vector: list[float] | None = None


@dataclass(frozen=True)
class VectorFilter:
    """Which points a search may see; all given conditions must hold (AND).

    ``kinds`` and ``tags_any`` match any of their values; ``tags_all`` needs every tag; ``extra`` matches
    other payload fields by exact string value.
    """

    brand_id: str
    branch: str | None = None
    kinds: tuple[str, ...] = ()
    tags_all: tuple[str, ...] = ()
    tags_any: tuple[str, ...] = ()
    extra: Mapping[str, str] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.brand_id, str) or not self.brand_id:
            raise InvalidAsset("a vector filter needs a brand_id", code="invalid_filter")
        for name in ("kinds", "tags_all", "tags_any"):
            values = tuple(getattr(self, name))
            if not all(isinstance(v, str) and v for v in values):
                raise InvalidAsset(f"{name} must hold non-empty strings", code="invalid_filter")
            object.__setattr__(self, name, values)
        extra = dict(self.extra)
        if any(
            not isinstance(k, str) or not k or k == ID_FIELD or not isinstance(v, str)
            for k, v in extra.items()
        ):
            raise InvalidAsset("extra must map payload field names to strings", code="invalid_filter")
        object.__setattr__(self, "extra", extra)


@dataclass(frozen=True)
class FieldMatch:
    """A backend-neutral condition: payload field ``key`` equals one of ``values`` (for lists: contains)."""

    key: str
    values: tuple[str, ...]


@runtime_checkable
class VectorIndex(Protocol):
    """Named collections of fixed-dimension vectors with cosine similarity. Backends: qdrant-edge, Qdrant.

    Writes are visible to the next search. Engine failures raise ``StorageUnavailable``; bad input raises
    ``InvalidAsset`` (codes ``vector_dim_mismatch``, ``invalid_vector``, ``invalid_payload``,
    ``invalid_filter``, ``invalid_collection_name``, ``invalid_limit``); a collection never ensured raises
    ``ObjectNotFound``.
    """

    def ensure_collection(self, name: str, dim: int) -> None:
        """Create ``name`` (cosine, payload indexes) if missing; idempotent; another ``dim`` is an error."""

    def upsert(self, collection: str, points: Sequence[VectorPoint]) -> None:
        """Insert or replace points by id; all are validated before any is written."""

    def delete(self, collection: str, ids: Sequence[str]) -> None:
        """Remove points by id; unknown ids are ignored."""

    def delete_where(self, collection: str, filter: VectorFilter) -> int:
        """Remove the points matching ``filter``; return how many matched."""

    def search(
        self, collection: str, vector: Sequence[float], *, filter: VectorFilter, limit: int = 10
    ) -> list[VectorHit]:
        """The ``limit`` points nearest to ``vector`` among those matching ``filter``, best first."""

    def count(self, collection: str, filter: VectorFilter | None = None) -> int:
        """Exact number of points (matching ``filter`` if given)."""

    def get(self, collection: str, id: str) -> VectorHit | None:
        """The stored point (score 1.0, vector as stored: unit length) or None."""

    def close(self) -> None:
        """Release files and connections; the index is unusable afterwards."""


def point_uuid(point_id: str) -> str:
    """The UUID a caller's string id is stored under (deterministic uuid5)."""
    if not isinstance(point_id, str) or not point_id:
        raise InvalidAsset("a vector point id must be a non-empty string", code="invalid_vector_id")
    return str(uuid.uuid5(ID_NAMESPACE, point_id))


def check_collection_name(name: str) -> str:
    """``name`` if it is a safe collection (and directory) name, else ``InvalidAsset``."""
    if not isinstance(name, str) or not _COLLECTION_NAME.fullmatch(name) or ".." in name:
        raise InvalidAsset(f"bad vector collection name {name!r}", code="invalid_collection_name")
    return name


def check_limit(limit: int) -> int:
    """A search limit: a positive integer (a bool is not one)."""
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 1:
        raise InvalidAsset(f"search limit must be a positive integer, got {limit!r}", code="invalid_limit")
    return limit


def check_dim(dim: int) -> int:
    """``dim`` if it is a usable vector dimension."""
    if isinstance(dim, bool) or not isinstance(dim, int) or not 1 <= dim <= 65536:
        raise InvalidAsset(f"bad vector dimension {dim!r}", code="vector_dim_mismatch")
    return dim


def check_vector(vector: Sequence[float], dim: int) -> list[float]:
    """The vector as float32 values; wrong length, NaN, inf or all zeros raise ``InvalidAsset``."""
    try:
        with np.errstate(all="ignore"):
            array = np.asarray(vector, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise InvalidAsset(f"not a numeric vector: {exc}", code="invalid_vector") from exc
    if array.ndim != 1 or array.shape[0] != dim:
        raise InvalidAsset(
            f"vector has shape {array.shape}, the collection wants ({dim},)",
            code="vector_dim_mismatch",
            details={"expected": dim, "shape": list(array.shape)},
        )
    if not bool(np.isfinite(array).all()):
        raise InvalidAsset("vector holds NaN or infinity", code="invalid_vector")
    if not bool(array.any()):
        raise InvalidAsset("a zero vector has no cosine direction", code="invalid_vector")
    values: list[float] = array.tolist()
    return values


def check_payload(point_id: str, payload: Mapping[str, JSONValue]) -> dict[str, Any]:
    """A JSON copy of ``payload`` with ``_id`` added; field types of the indexed fields are enforced."""
    if ID_FIELD in payload:
        raise InvalidAsset(f"payload field {ID_FIELD!r} is reserved", code="invalid_payload")
    try:
        data: dict[str, Any] = json.loads(json.dumps(dict(payload), allow_nan=False))
    except (TypeError, ValueError) as exc:
        raise InvalidAsset(f"payload of {point_id!r} is not JSON: {exc}", code="invalid_payload") from exc
    brand = data.get(BRAND_FIELD)
    if not isinstance(brand, str) or not brand:
        raise InvalidAsset(f"payload of {point_id!r} needs a brand_id string", code="invalid_payload")
    for key in (BRANCH_FIELD, KIND_FIELD):
        if key in data and not isinstance(data[key], str):
            raise InvalidAsset(f"payload field {key!r} must be a string", code="invalid_payload")
    tags = data.get(TAGS_FIELD, [])
    if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
        raise InvalidAsset("payload field 'tags' must be a list of strings", code="invalid_payload")
    data[ID_FIELD] = point_id
    return data


@dataclass(frozen=True)
class PreparedPoint:
    """A validated point in storage form."""

    uuid: str
    vector: list[float]
    payload: dict[str, Any]


def prepare_points(points: Sequence[VectorPoint], dim: int) -> list[PreparedPoint]:
    """Validate every point (nothing is written if one is bad); a repeated id keeps its last version."""
    prepared: dict[str, PreparedPoint] = {}
    for point in points:
        key = point_uuid(point.id)
        prepared.pop(key, None)
        prepared[key] = PreparedPoint(
            key, check_vector(point.vector, dim), check_payload(point.id, point.payload)
        )
    return list(prepared.values())


def filter_matches(flt: VectorFilter) -> list[FieldMatch]:
    """The filter as AND-ed field conditions; the brand condition always comes first."""
    matches = [FieldMatch(BRAND_FIELD, (flt.brand_id,))]
    if flt.branch is not None:
        matches.append(FieldMatch(BRANCH_FIELD, (flt.branch,)))
    if flt.kinds:
        matches.append(FieldMatch(KIND_FIELD, flt.kinds))
    matches.extend(FieldMatch(TAGS_FIELD, (tag,)) for tag in flt.tags_all)
    if flt.tags_any:
        matches.append(FieldMatch(TAGS_FIELD, flt.tags_any))
    matches.extend(FieldMatch(key, (value,)) for key, value in sorted(flt.extra.items()))
    return matches


def to_hit(raw_id: object, payload: Mapping[str, Any] | None, score: float, vector: Any = None) -> VectorHit:
    """A hit from a stored point: the caller's id comes back out of ``_id`` (else the engine's id)."""
    data = dict(payload or {})
    point_id = data.pop(ID_FIELD, None)
    values = [float(v) for v in vector] if isinstance(vector, list) else None
    score = float(score)
    return VectorHit(
        point_id if isinstance(point_id, str) else str(raw_id),
        score if math.isfinite(score) else 0.0,
        data,
        values,
    )
