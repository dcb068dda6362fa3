"""What asset events say about an asset for the CDP: its identity, content tags and their taxonomy.

Tags are canonical ids (built-in taxonomy ids such as ``food_beverage/coffee``, brand custom tag ids, or
free human tags as written), split by source, with the taxonomy entry of each known tag (zh/en names and
the path from its root), so audiences can be built from content affinity.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from asset_store.repo.tree import Entry
from pipelines.vision.taxonomy import Taxonomy
from serving.vision.models import SearchDoc
from serving.vision.tags import AssetTags, metadata_tags, rejected_tags
from serving.vision.vocabulary import Vocabulary, load_custom_tags

_CHUNK = 400


class TagCatalog:
    """Canonical ids and taxonomy entries of one brand's tags (built-in taxonomy + custom tags)."""

    def __init__(self, session: Session, brand_id: str) -> None:
        self.vocabulary = Vocabulary(Taxonomy.builtin(), load_custom_tags(session, brand_id))

    def taxonomy(self, tag_ids: Iterable[str]) -> list[dict[str, Any]]:
        """Taxonomy entries of the known tags among ``tag_ids`` (free tags have none)."""
        taxonomy, custom = self.vocabulary.taxonomy, self.vocabulary.custom
        out: list[dict[str, Any]] = []
        for tag_id in tag_ids:
            if tag_id in taxonomy:
                definition = taxonomy.get(tag_id)
                parts = tag_id.split("/")
                lineage = ["/".join(parts[: i + 1]) for i in range(len(parts))]
                out.append({"id": tag_id, "zh": definition.zh, "en": definition.en, "path": lineage})
            elif tag_id in custom:
                tag = custom[tag_id]
                out.append({"id": tag_id, "zh": tag.name_zh, "en": tag.name_en, "brand_tag": True})
        return out

    def tags(
        self, metadata: Mapping[str, Any], ai: Sequence[str] = (), brand: Sequence[str] = ()
    ) -> dict[str, Any]:
        """``tags`` (effective: people win), ``tag_sources`` and ``taxonomy`` of an asset's metadata plus the
        automatic tags search found for it."""
        canonical = self.vocabulary.canonical
        human, ai_meta = metadata_tags(metadata, canonical)
        tags = AssetTags(
            human=tuple(human),
            ai=tuple(dict.fromkeys([*ai_meta, *ai])),
            brand=tuple(brand),
            rejected=tuple(rejected_tags(metadata, canonical)),
        )
        effective = tags.effective()
        return {
            "tags": effective,
            "tag_sources": {"human": list(tags.human), "ai": list(tags.ai), "brand": list(tags.brand)},
            "taxonomy": self.taxonomy(effective),
        }


def metadata_of(record_body: Mapping[str, Any]) -> dict[str, Any]:
    value = record_body.get("metadata")
    return dict(value) if isinstance(value, Mapping) else {}


def asset_fields(entry: Entry, record_body: Mapping[str, Any]) -> dict[str, Any]:
    """The asset's identity and the metadata a CDP segments by."""
    metadata = metadata_of(record_body)
    source = metadata.get("source") if isinstance(metadata.get("source"), Mapping) else {}
    return {
        "path": entry.path,
        "blob": entry.blob,
        "record_id": entry.record,
        "kind": entry.kind,
        "size": entry.size,
        "content_type": record_body.get("content_type"),
        "title": metadata.get("title"),
        "campaign": metadata.get("campaign"),
        "platforms": list(metadata.get("platforms") or []),
        "region_id": metadata.get("region_id"),
        "language": metadata.get("language"),
        "generated": bool((source or {}).get("generated")),
    }


def automatic_tags(
    session: Session, brand_id: str, branch: str, entries: Sequence[Entry]
) -> dict[str, tuple[list[str], list[str]]]:
    """(AI tags, brand tags) search found for each entry's path on ``branch``, when it indexed these bytes."""
    blobs = {e.path: e.blob for e in entries}
    paths = sorted(blobs)
    found: dict[str, tuple[list[str], list[str]]] = {}
    for start in range(0, len(paths), _CHUNK):
        rows = session.execute(
            select(SearchDoc.path, SearchDoc.blob, SearchDoc.ai_tags, SearchDoc.brand_tags).where(
                SearchDoc.brand_id == brand_id,
                SearchDoc.branch == branch,
                SearchDoc.path.in_(paths[start : start + _CHUNK]),
            )
        )
        for path, blob, ai, brand in rows:
            if blobs.get(path) == blob:
                found[path] = (list(ai or []), list(brand or []))
    return found
