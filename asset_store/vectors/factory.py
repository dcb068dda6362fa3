"""Pick the vector index from settings: a Qdrant server when a URL is set, else embedded qdrant-edge."""

from __future__ import annotations

from pathlib import Path

from asset_store.vectors.protocol import VectorIndex


def open_vector_index(url: str | None, api_key: str | None, data_dir: Path) -> VectorIndex:
    """``QdrantServerIndex(url, api_key)`` if ``url`` is set, else ``EdgeVectorIndex(data_dir/"vectors")``."""
    if url:
        from asset_store.vectors.qdrant_server import QdrantServerIndex

        return QdrantServerIndex(url, api_key)
    from asset_store.vectors.edge import EdgeVectorIndex

    return EdgeVectorIndex(Path(data_dir) / "vectors")
