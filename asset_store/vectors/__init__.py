"""Vector index for semantic asset search: the contract, embedded qdrant-edge and Qdrant server backends.

Backends load at first use (``open_vector_index`` or attribute access), so importing this package pulls in
neither qdrant-edge nor qdrant-client.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from asset_store.vectors.factory import open_vector_index
from asset_store.vectors.protocol import (
    INDEXED_FIELDS,
    JSONValue,
    VectorFilter,
    VectorHit,
    VectorIndex,
    VectorPoint,
    point_uuid,
)

if TYPE_CHECKING:
    from asset_store.vectors.edge import EdgeVectorIndex
    from asset_store.vectors.qdrant_server import QdrantServerIndex

__all__ = [
    "INDEXED_FIELDS",
    "EdgeVectorIndex",
    "JSONValue",
    "QdrantServerIndex",
    "VectorFilter",
    "VectorHit",
    "VectorIndex",
    "VectorPoint",
    "open_vector_index",
    "point_uuid",
]

_LAZY = {
    "EdgeVectorIndex": "asset_store.vectors.edge",
    "QdrantServerIndex": "asset_store.vectors.qdrant_server",
}


def __getattr__(name: str) -> Any:
    """Import a backend class on first access."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
