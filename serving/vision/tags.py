"""Effective tags, where people win: human ∪ ((AI ∪ brand) − rejected), and tag edits on metadata."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from asset_store.repo.metadata import AssetMetadata, TagSource
from serving.errors import InvalidInput

Canonical = Callable[[str], str]
"""Maps a tag as written (an id, or a zh/en name) to its id; unknown free strings map to themselves."""


def _same(name: str) -> str:
    return name


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(i for i in items if i))


@dataclass(frozen=True)
class AssetTags:
    """The tag sources of one asset, canonicalised."""

    human: tuple[str, ...] = ()
    ai: tuple[str, ...] = ()
    brand: tuple[str, ...] = ()
    rejected: tuple[str, ...] = ()

    def effective(self) -> list[str]:
        """Human tags first, then AI and brand tags that nobody rejected; no repeats."""
        rejected = set(self.rejected) - set(self.human)
        automatic = [t for t in (*self.ai, *self.brand) if t not in rejected]
        return _unique([*self.human, *automatic])


def metadata_tags(metadata: Mapping[str, Any], canonical: Canonical = _same) -> tuple[list[str], list[str]]:
    """(human tags, AI tags) in an asset's metadata (``tags``: objects with name and source, or strings)."""
    human: list[str] = []
    ai: list[str] = []
    for item in metadata.get("tags") or []:
        if isinstance(item, str):
            name, source = item, TagSource.HUMAN.value
        elif isinstance(item, Mapping) and isinstance(item.get("name"), str):
            name, source = item["name"], str(item.get("source", TagSource.HUMAN.value))
        else:
            continue
        (ai if source == TagSource.AI.value else human).append(canonical(name))
    return _unique(human), _unique(ai)


def rejected_tags(metadata: Mapping[str, Any], canonical: Canonical = _same) -> list[str]:
    return _unique(canonical(t) for t in metadata.get("rejected_tags") or [] if isinstance(t, str))


def edit_tags(
    metadata: AssetMetadata, add: Sequence[str], remove: Sequence[str], canonical: Canonical = _same
) -> AssetMetadata:
    """Add human tags and remove tags; a removed tag is remembered in ``rejected_tags`` so automatic
    tagging never brings it back, and adding a tag takes it off that list again."""
    adding = _unique(canonical(t.strip()) for t in add)
    removing = _unique(canonical(t.strip()) for t in remove)
    both = sorted(set(adding) & set(removing))
    if both:
        raise InvalidInput(f"tags both added and removed: {', '.join(both)}", code="tag_conflict")
    kept = [t for t in metadata.tags if canonical(t.name) not in removing]
    # an AI tag a person adds again becomes theirs
    tags: list[dict[str, Any]] = [
        {"name": t.name, "source": TagSource.HUMAN.value}
        if canonical(t.name) in adding
        else t.model_dump(mode="json")
        for t in kept
    ]
    present = {canonical(t.name) for t in kept}
    tags += [{"name": name, "source": TagSource.HUMAN.value} for name in adding if name not in present]
    rejected = [t for t in metadata.rejected_tags if canonical(t) not in adding]
    data = {
        **metadata.model_dump(mode="json"),
        "tags": tags,
        "rejected_tags": _unique([*rejected, *removing]),
    }
    try:
        return AssetMetadata.model_validate(data)
    except ValidationError as exc:
        raise InvalidInput(
            f"these tags cannot be stored: {exc.errors()[0]['msg']}", code="invalid_tags"
        ) from exc
