"""The tag words search knows for one brand: the built-in taxonomy plus the brand's custom tags."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray
from sqlalchemy import select
from sqlalchemy.orm import Session

from pipelines.vision.taxonomy import Taxonomy
from serving.vision.models import BrandCustomTag


@dataclass(frozen=True)
class CustomTag:
    """A brand's tag learned by example (see ``serving.vision.thresholds``)."""

    id: str
    name_zh: str
    name_en: str
    encoder: str
    prototype: NDArray[np.float32]
    threshold: float

    def matches(self, encoder: str | None, embedding: Sequence[float] | None) -> bool:
        """Whether an image embedding (of ``encoder``'s space) is close enough to the prototype."""
        if encoder != self.encoder or not embedding or len(embedding) != len(self.prototype):
            return False
        return float(np.asarray(embedding, dtype=np.float32) @ self.prototype) >= self.threshold

    @classmethod
    def of(cls, row: BrandCustomTag) -> CustomTag:
        proto = np.asarray(row.prototype, dtype=np.float32)
        return cls(row.id, row.name_zh, row.name_en, row.encoder, proto, float(row.threshold))


def load_custom_tags(session: Session, brand_id: str) -> list[CustomTag]:
    rows = session.scalars(select(BrandCustomTag).where(BrandCustomTag.brand_id == brand_id))
    return [CustomTag.of(row) for row in rows]


class Vocabulary:
    """Canonical tag ids, their words (for keyword text and embeddings), and tags named in a query."""

    def __init__(self, taxonomy: Taxonomy, custom: Sequence[CustomTag] = ()) -> None:
        self.taxonomy = taxonomy
        self.custom = {tag.id: tag for tag in custom}
        self._names: dict[str, str] = {}
        for definition in taxonomy.all():
            for name in (definition.zh, definition.en):
                self._names.setdefault(name.casefold(), definition.id)
        for tag in custom:
            for name in (tag.name_zh, tag.name_en):
                self._names.setdefault(name.casefold(), tag.id)

    def canonical(self, name: str) -> str:
        """A taxonomy or brand tag id for ``name`` (an id, or a tag's zh/en name); else ``name`` itself."""
        name = name.strip()
        if name in self.taxonomy or name in self.custom:
            return name
        return self._names.get(name.casefold(), name)

    def words(self, tag_ids: Sequence[str]) -> str:
        """zh/en names (and synonyms) of the tags, brand tag names, and free tags as written."""
        known = [t for t in tag_ids if t in self.taxonomy]
        parts = [self.taxonomy.search_text(known)] if known else []
        for tag_id in tag_ids:
            if tag_id in self.custom:
                parts.append(f"{self.custom[tag_id].name_zh} {self.custom[tag_id].name_en}")
            elif tag_id not in self.taxonomy:
                parts.append(tag_id)
        return " ".join(p for p in parts if p)

    def names(self, tag_ids: Sequence[str]) -> str:
        """zh/en display names of the tags (no synonyms: a short, focused text to embed), brand tag names,
        and free tags as written."""
        parts: list[str] = []
        for tag_id in tag_ids:
            if tag_id in self.taxonomy:
                definition = self.taxonomy.get(tag_id)
                parts += [definition.zh, definition.en]
            elif tag_id in self.custom:
                parts += [self.custom[tag_id].name_zh, self.custom[tag_id].name_en]
            else:
                parts.append(tag_id)
        return " ".join(dict.fromkeys(p for p in parts if p.strip()))

    def match_query(self, text: str) -> list[str]:
        """Tag ids a query names: taxonomy words (zh or en, synonyms too) and brand tag names."""
        found = self.taxonomy.match_query(text)
        folded = text.casefold()
        for tag in self.custom.values():
            if any(n.casefold() in folded for n in (tag.name_zh, tag.name_en) if n.strip()):
                found.append(tag.id)
        return list(dict.fromkeys(found))

    def brand_tags_for(self, encoder: str | None, embedding: Sequence[float] | None) -> list[str]:
        return [t.id for t in self.custom.values() if t.matches(encoder, embedding)]
