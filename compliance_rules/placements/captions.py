"""The copy shipped with a rendition, fitted to the placement: the title and the caption trimmed to their
limits (at the last sentence or clause end that keeps most of the text, else hard with an ellipsis),
hashtags kept up to the limit and only while they fit in the caption."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from compliance_rules.placements.catalog import Resolved

ELLIPSIS = "…"
_SENTENCE_END = "。！？!?；;"
_CLAUSE_END = "，,、：:）)」』】 "
KEEP_AT_LEAST = 0.6
"""A cut at punctuation is taken only when it keeps this share of the limit."""
_TAG = re.compile(r"^#?([^#\s]{1,40})$")


@dataclass(frozen=True)
class FittedCopy:
    """Title, caption (hashtags appended) and what had to change."""

    title: str | None
    caption: str | None
    hashtags: tuple[str, ...]
    changes: list[str] = field(default_factory=list)


def trim(text: str, limit: int) -> str:
    """``text`` in at most ``limit`` characters: whole when it fits; else up to the last sentence end,
    then clause end, that keeps at least 60 % of the limit; else cut with an ellipsis."""
    text = text.strip()
    if len(text) <= limit:
        return text
    floor = int(limit * KEEP_AT_LEAST)
    for marks, keep_mark in ((_SENTENCE_END, True), (_CLAUSE_END, False)):
        cut = max((i for i in range(floor, limit) if text[i] in marks), default=-1)
        if cut >= 0:
            kept = text[: cut + 1] if keep_mark else text[:cut].rstrip() + ELLIPSIS
            if len(kept) <= limit:
                return kept
    return text[: max(0, limit - 1)].rstrip() + ELLIPSIS


def hashtag(name: str) -> str | None:
    """``#name`` for a usable tag (no spaces or '#', at most 40 characters), else None."""
    match = _TAG.match(name.strip())
    return f"#{match.group(1)}" if match else None


def fit_copy(
    p: Resolved, title: str | None, caption: str | None, hashtags: tuple[str, ...] = ()
) -> FittedCopy:
    """The copy for placement ``p``: trimmed to its title and caption limits and hashtag count."""
    changes: list[str] = []
    if title is not None and p.title_max_chars is not None and len(title.strip()) > p.title_max_chars:
        changes.append(f"title trimmed to {p.title_max_chars} characters")
        title = trim(title, p.title_max_chars)
    tags = [t for t in (hashtag(h) for h in hashtags) if t is not None]
    if p.hashtags_max is not None and len(tags) > p.hashtags_max:
        changes.append(f"hashtags cut to {p.hashtags_max}")
        tags = tags[: p.hashtags_max]
    body = caption.strip() if caption else ""
    limit = p.caption_max_chars
    if limit is not None and len(body) > limit:
        changes.append(f"caption trimmed to {limit} characters")
        body = trim(body, limit)
    kept: list[str] = []
    for tag in tags:
        candidate = " ".join([body, *kept, tag]).strip()
        if limit is not None and len(candidate) > limit:
            changes.append(f"hashtag {tag} dropped: no room in the caption")
            continue
        kept.append(tag)
    text = " ".join([body, *kept]).strip() or None
    return FittedCopy(title.strip() if title else None, text, tuple(kept), changes)
