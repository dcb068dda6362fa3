"""The bilingual (zh/en) marketing taxonomy: tag definitions loaded from YAML (validated), classifier labels
mapped to tags (parents get their best child's score), and keyword matching of free-text queries."""

from __future__ import annotations

import re
from collections.abc import Sequence
from functools import cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from pipelines.vision.types import Label, Tag

BUILTIN_PATH = Path(__file__).with_name("taxonomy.yaml")
IMAGENET_CLASSES = 1000
_ID = re.compile(r"^[a-z0-9_]+(/[a-z0-9_]+)*$")
_RANGE = re.compile(r"^\s*(\d+)\s*-\s*(\d+)\s*$")
_LATIN = re.compile(r"^[\x00-\x7f]+$")
TEXT_TERM_MIN_CHARS = 2


class TagDef(BaseModel):
    """One tag: stable id (``parent/child``), names, synonyms and the ImageNet classes that imply it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(description="Stable id, lower-case ASCII path such as 'food_beverage/coffee'.")
    zh: str = Field(min_length=1, description="Chinese display name.")
    en: str = Field(min_length=1, description="English display name.")
    synonyms_zh: tuple[str, ...] = Field(default=(), description="Other Chinese words for the tag.")
    synonyms_en: tuple[str, ...] = Field(default=(), description="Other English words for the tag.")
    imagenet: tuple[int, ...] = Field(
        default=(), description="ImageNet-1k class indices; YAML may also give inclusive ranges 'a-b'."
    )

    @field_validator("id")
    @classmethod
    def _valid_id(cls, value: str) -> str:
        if not _ID.match(value):
            raise ValueError(f"tag id {value!r} must be lower-case ASCII words joined by '/'")
        return value

    @field_validator("imagenet", mode="before")
    @classmethod
    def _expand_ranges(cls, value: Any) -> Any:
        if not isinstance(value, list | tuple):
            return value
        out: list[Any] = []
        for item in value:
            match = _RANGE.match(item) if isinstance(item, str) else None
            if match:
                low, high = int(match.group(1)), int(match.group(2))
                if low > high:
                    raise ValueError(f"empty ImageNet range {item!r}")
                out.extend(range(low, high + 1))
            else:
                out.append(item)
        return out

    @field_validator("imagenet")
    @classmethod
    def _in_range(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        bad = [i for i in value if not 0 <= i < IMAGENET_CLASSES]
        if bad:
            raise ValueError(f"ImageNet indices out of 0..{IMAGENET_CLASSES - 1}: {bad}")
        if len(set(value)) != len(value):
            raise ValueError("ImageNet indices repeat within one tag")
        return value

    @property
    def parent(self) -> str | None:
        return self.id.rpartition("/")[0] or None

    @property
    def terms(self) -> tuple[str, ...]:
        """Names and synonyms, zh then en."""
        return (self.zh, *self.synonyms_zh, self.en, *self.synonyms_en)


class TaxonomyFile(BaseModel):
    """The YAML document: a version and the list of tags."""

    model_config = ConfigDict(extra="forbid")

    version: int = Field(ge=1)
    tags: list[TagDef] = Field(min_length=1)

    @model_validator(mode="after")
    def _consistent(self) -> TaxonomyFile:
        ids = [t.id for t in self.tags]
        duplicates = sorted({i for i in ids if ids.count(i) > 1})
        if duplicates:
            raise ValueError(f"duplicate tag ids: {duplicates}")
        orphans = sorted(t.id for t in self.tags if t.parent is not None and t.parent not in ids)
        if orphans:
            raise ValueError(f"tags whose parent is not defined: {orphans}")
        return self


class Taxonomy:
    """Tag definitions with lookups from ImageNet classes and from words."""

    def __init__(self, document: TaxonomyFile) -> None:
        self.version = document.version
        self._tags = {t.id: t for t in document.tags}
        self._by_imagenet: dict[int, list[str]] = {}
        for tag in document.tags:
            for index in tag.imagenet:
                self._by_imagenet.setdefault(index, []).append(tag.id)
        owners: dict[str, list[str]] = {}
        for tag in document.tags:
            for term in {t.casefold() for t in tag.terms if t.strip()}:
                owners.setdefault(term, []).append(tag.id)
        self._owners = owners
        # One alternation per script, longest term first: a single scan finds every term, and a longer
        # term hides the shorter ones inside it (面包 does not also match 包).
        ordered = sorted(owners, key=lambda term: (-len(term), term))
        latin = "|".join(re.escape(t) for t in ordered if _LATIN.match(t))
        other = "|".join(re.escape(t) for t in ordered if not _LATIN.match(t))
        self._term_patterns = [
            re.compile(rf"(?<![0-9a-z])({latin})(?:s|es)?(?![0-9a-z])") if latin else None,
            re.compile(f"({other})") if other else None,
        ]

    @classmethod
    def builtin(cls) -> Taxonomy:
        """The taxonomy shipped with Atelier (``taxonomy.yaml`` next to this module); parsed once."""
        return _builtin()

    @classmethod
    def from_yaml(cls, path: str | Path) -> Taxonomy:
        """Load and validate a taxonomy file (pydantic ``ValidationError`` when it is malformed)."""
        data = yaml.safe_load(Path(path).read_text(encoding="utf-8"))
        return cls(TaxonomyFile.model_validate(data))

    def all(self) -> list[TagDef]:
        """Every tag, in file order (parents before their children)."""
        return list(self._tags.values())

    def get(self, tag_id: str) -> TagDef:
        """The tag ``tag_id``; ``KeyError`` when it is unknown."""
        try:
            return self._tags[tag_id]
        except KeyError:
            raise KeyError(f"unknown tag {tag_id!r}") from None

    def __contains__(self, tag_id: object) -> bool:
        return tag_id in self._tags

    def tag(self, tag_id: str, score: float) -> Tag:
        """A ``Tag`` result for ``tag_id`` with ``score`` (clipped to 0..1)."""
        definition = self.get(tag_id)
        return Tag(id=tag_id, zh=definition.zh, en=definition.en, score=min(1.0, max(0.0, score)))

    def tags_for(self, labels: Sequence[Label], *, min_score: float = 0.1) -> list[Tag]:
        """Tags implied by classifier labels, best first. A tag's own score is the sum of its labels'
        probabilities (the classes exclude each other); a parent scores the best of itself and its
        children. Labels are read by vocabulary: ImageNet index, taxonomy id, or a custom name matched to
        tag names and synonyms.

        A tag must reach ``min_score``, and a tag summed from ImageNet classes also its share of the
        ImageNet classes: a classifier that knows nothing spreads its probability over all of them, so
        'wildlife' (some 270 classes) at 0.25 says less than 'coffee' (5 classes) at 0.25 does."""
        own: dict[str, float] = {}
        imagenet: set[str] = set()
        for label in labels:
            for tag_id in self._tag_ids_of(label):
                own[tag_id] = own.get(tag_id, 0.0) + label.score
                if label.vocabulary == "imagenet-1k":
                    imagenet.add(tag_id)
        scores: dict[str, float] = {}
        for tag_id, score in own.items():
            if tag_id in imagenet and score < len(self._tags[tag_id].imagenet) / IMAGENET_CLASSES:
                continue
            node: str | None = tag_id
            while node is not None:
                scores[node] = max(scores.get(node, 0.0), min(1.0, score))
                node = self._tags[node].parent
        ranked = sorted(scores.items(), key=lambda item: (-item[1], -item[0].count("/"), item[0]))
        return [self.tag(tag_id, score) for tag_id, score in ranked if score >= min_score]

    @staticmethod
    def confident(tags: Sequence[Tag], ratio: float) -> list[Tag]:
        """The tags scoring at least ``ratio`` times the best one (order kept): a helmet at 0.2 next to a
        face at 0.75 is the classifier guessing, not a second subject."""
        best = max((tag.score for tag in tags), default=0.0)
        return [tag for tag in tags if tag.score >= ratio * best]

    def _tag_ids_of(self, label: Label) -> list[str]:
        if label.vocabulary == "imagenet-1k":
            return self._by_imagenet.get(label.index, [])
        if label.vocabulary == "taxonomy":
            return [label.name] if label.name in self._tags else []
        exact = [
            t.id for t in self._tags.values() if label.name.casefold() in (x.casefold() for x in t.terms)
        ]
        return exact or self.match_query(label.name)

    def search_text(self, tag_ids: Sequence[str]) -> str:
        """Names and synonyms (zh and en) of the known tags in ``tag_ids``, for keyword and text-embedding
        search; unknown ids are skipped."""
        words: list[str] = []
        for tag_id in tag_ids:
            if tag_id in self._tags:
                words.extend(term for term in self._tags[tag_id].terms if term not in words)
        return " ".join(words)

    def match_query(self, text: str, *, min_chars: int = 1) -> list[str]:
        """Ids of tags whose names or synonyms occur in ``text`` (case-insensitive; English terms on word
        boundaries, Chinese terms as substrings; a longer term hides the shorter ones inside it, so
        '面包' does not also match '包'). Terms shorter than ``min_chars`` are ignored. In order of first
        occurrence."""
        haystack = text.casefold()
        found: dict[str, int] = {}
        for pattern in self._term_patterns:
            if pattern is None:
                continue
            for match in pattern.finditer(haystack):
                if len(match.group(1)) < min_chars:
                    continue
                for tag_id in self._owners[match.group(1)]:
                    found[tag_id] = min(found.get(tag_id, match.start()), match.start())
        return sorted(found, key=lambda tag_id: (found[tag_id], tag_id))

    def text_tags(self, text: str, score: float) -> list[Tag]:
        """Tags named by text printed in an image (OCR): each matched tag and its parents at ``score``.
        Single-character Chinese terms are ignored here: in running ad copy they are mostly parts of
        other words (包 in 包邮 'free shipping', 花 in 花呗, 车 in 购物车)."""
        ids: list[str] = []
        for tag_id in self.match_query(text, min_chars=TEXT_TERM_MIN_CHARS):
            node: str | None = tag_id
            while node is not None:
                if node not in ids:
                    ids.append(node)
                node = self._tags[node].parent
        return [self.tag(tag_id, score) for tag_id in ids]


@cache
def _builtin() -> Taxonomy:
    return Taxonomy.from_yaml(BUILTIN_PATH)
