"""The words of a poster from copy: inline, from a copy asset's stored fields, or from a copy variant.

A copy variant is in its platform's shape (a note's title and body, a script's hook and lines, a listing's
title and selling points, a slogan and subline, …); a poster takes a headline, a short sub-head (the lead
sentence, cut at a clause boundary) and up to three short selling points.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from compliance_rules.brand import BrandVI
from pipelines.poster import PosterCopy

HEADLINE_KEYS = ("headline", "title", "slogan", "hook")
SUBHEAD_KEYS = ("subhead", "subline", "summary", "body", "lines", "text")
HEADLINE_MAX = 30
SUBHEAD_MAX = 30
POINT_MAX = 16
POINTS_MAX = 3
_SENTENCE = re.compile(r"(?<=[。！？!?；;…])|\n")
_SOFT = "，,、：: "


def lead(text: str, limit: int) -> str:
    """The first sentence of ``text``, cut to ``limit`` characters at a clause boundary when one keeps
    at least 40% of it (else at ``limit``)."""
    first = next((part.strip() for part in _SENTENCE.split(text) if part.strip()), "")
    if len(first) <= limit:
        return first
    head = first[:limit]
    cut = max(head.rfind(mark) for mark in _SOFT)
    return head[:cut].rstrip(_SOFT) if cut >= 0.4 * limit else head


def _first(value: Any) -> str:
    if isinstance(value, list):
        return next((str(v) for v in value if str(v).strip()), "")
    return str(value) if value is not None else ""


def copy_from_fields(
    fields: Mapping[str, Any],
    text: str = "",
    *,
    selling_points: Sequence[str] = (),
    price: str | None = None,
    cta: str | None = None,
    disclaimer: str | None = None,
) -> PosterCopy:
    """Poster words from a copy variant's fields (any platform shape), the flattened text as fallback."""
    headline = next((_first(fields[k]) for k in HEADLINE_KEYS if _first(fields.get(k)).strip()), "")
    rest = [_first(fields[k]) for k in SUBHEAD_KEYS if _first(fields.get(k)).strip()]
    if not headline:
        lines = [line for line in (rest[0] if rest else text).splitlines() if line.strip()] or [text]
        headline = lead(lines[0], HEADLINE_MAX)
        remainder = (rest[0] if rest else text).strip()[len(headline) :].lstrip("。！？!?；;…，, \n")
        rest = [remainder] if remainder else rest[1:]
    subhead = lead(rest[0], SUBHEAD_MAX) if rest else ""
    points_value = fields.get("selling_points")
    points = points_value if isinstance(points_value, list) else list(selling_points)
    short = [lead(str(p), POINT_MAX) for p in points if str(p).strip()][:POINTS_MAX]
    return PosterCopy(
        headline=lead(headline, HEADLINE_MAX) or text.strip()[:HEADLINE_MAX],
        subhead=subhead or None,
        selling_points=tuple(p for p in short if p),
        price=price,
        cta=cta,
        disclaimer=disclaimer,
    )


def copy_from_text(text: str, **extra: Any) -> PosterCopy:
    """Poster words from plain copy: the first line is the headline, the next the sub-head."""
    lines = [line.strip() for line in text.splitlines() if line.strip()]
    if not lines:
        raise ValueError("the copy is empty")
    fields: dict[str, Any] = {"headline": lines[0]}
    if len(lines) > 1:
        fields["subhead"] = lines[1]
    return copy_from_fields(fields, text, **extra)


def with_required_disclaimers(content: PosterCopy, brand: BrandVI | None) -> PosterCopy:
    """The words with the brand's required disclaimers appended to the small print (compliant by
    construction: the VI pack says every creative carries them)."""
    if brand is None or not brand.required_disclaimers:
        return content
    current = content.disclaimer or ""
    missing = [d for d in brand.required_disclaimers if d not in current]
    if not missing:
        return content
    disclaimer = " ".join(part for part in (current, *missing) if part)
    return PosterCopy.model_validate({**content.model_dump(), "disclaimer": disclaimer})
