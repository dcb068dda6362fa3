"""Each platform's native copy shape: fields, length limits (from the platform specs), JSON Schema,
a pydantic model, and enforcement (trim at a clause boundary, or reject)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, create_model

from compliance_rules.schema import PlatformSpec
from serving.generation.copywriting.brief import Length

Fields = dict[str, str | list[str]]
Shape = Literal["note", "video_script", "article", "listing", "post", "slogan"]

_SCALE = {"short": 0.5, "medium": 1.0, "long": 2.0}
_BREAKS = "。！？!?；;…"
_SOFT_BREAKS = "，,、：: "
_ENDINGS = _BREAKS + "~～」”』)）.!"
_SENTENCE_FIELD = 30
"""Fields whose hint is at least this long hold sentences (cut mid-sentence with no boundary: rejected)."""
_TRIM_MIN_SHARE = 0.4
"""A trimmed text keeps at least this share of the limit, else the field is rejected."""


class FormatViolation(ValueError):
    """A generated field cannot be brought within its limits (the variant is regenerated)."""

    def __init__(self, field: str, reason: str) -> None:
        super().__init__(f"{field}: {reason}")
        self.field = field
        self.reason = reason


@dataclass(frozen=True)
class FieldSpec:
    """One output field; for lists, the limits apply to each item."""

    name: str
    label_zh: str
    label_en: str
    max_chars: int
    hint_chars: int
    min_chars: int = 1
    items: tuple[int, int] | None = None
    """(min, max) number of items for a list field; None for a text field."""
    hashtag: bool = False

    def json_schema(self) -> dict[str, Any]:
        text: dict[str, Any] = {"type": "string", "minLength": self.min_chars, "maxLength": self.max_chars}
        if self.items is None:
            return text
        return {"type": "array", "items": text, "minItems": self.items[0], "maxItems": self.items[1]}


@dataclass(frozen=True)
class CopyFormat:
    """The fields of one platform's copy and where the compliance check reads title and body."""

    platform: str
    shape: Shape
    fields: tuple[FieldSpec, ...]
    title_field: str | None = None
    spec: PlatformSpec = field(default_factory=PlatformSpec)
    composed: tuple[str, ...] = ()
    """Fields the pipeline fills in from the plan rather than the model (a listing's keyword title)."""

    def field(self, name: str) -> FieldSpec:
        return next(f for f in self.fields if f.name == name)

    def written(self) -> CopyFormat:
        """The fields the model writes: all but the ``composed`` ones (what the prompt, the grammar and
        the parser see)."""
        if not self.composed:
            return self
        return replace(
            self,
            fields=tuple(f for f in self.fields if f.name not in self.composed),
            title_field=None if self.title_field in self.composed else self.title_field,
            composed=(),
        )

    def json_schema(self) -> dict[str, Any]:
        """What the model must output (used for grammar-constrained decoding and in prompts)."""
        return {
            "type": "object",
            "properties": {f.name: f.json_schema() for f in self.fields},
            "required": [f.name for f in self.fields],
            "additionalProperties": False,
        }

    @cached_property
    def model(self) -> type[BaseModel]:
        """A pydantic model of the enforced output (its constraints are the limits)."""
        definitions: dict[str, Any] = {}
        for f in self.fields:
            text = (str, Field(min_length=f.min_chars, max_length=f.max_chars))
            if f.items is None:
                definitions[f.name] = text
            else:
                item = Field(min_length=f.items[0], max_length=f.items[1])
                definitions[f.name] = (list[_constrained(f)], item)  # type: ignore[misc]
        name = f"{self.platform.title().replace('_', '')}Copy"
        return create_model(name, __config__=ConfigDict(extra="forbid"), **definitions)

    def title(self, fields: Fields) -> str | None:
        value = fields.get(self.title_field) if self.title_field else None
        return value if isinstance(value, str) else None

    def body(self, fields: Fields) -> str:
        """Everything but the title, one field per line (hashtags joined), as the checker reads it."""
        lines: list[str] = []
        for f in self.fields:
            if f.name == self.title_field:
                continue
            value = fields.get(f.name, "")
            if isinstance(value, str):
                lines.append(value)
            elif f.hashtag:
                lines.append(" ".join(f"#{tag}" for tag in value))
            else:
                lines.extend(value)
        return "\n".join(line for line in lines if line)

    def flatten(self, fields: Fields) -> str:
        """Title and body as one text (what is shown, embedded and de-duplicated)."""
        title = self.title(fields)
        body = self.body(fields)
        return f"{title}\n{body}" if title else body

    def enforce(self, raw: Mapping[str, Any]) -> tuple[Fields, list[str]]:
        """Fields within limits and the trims made, or :class:`FormatViolation`."""
        out: Fields = {}
        trims: list[str] = []
        for f in self.fields:
            value = raw.get(f.name)
            if f.items is None:
                out[f.name], trimmed = _enforce_text(f, value)
                if trimmed:
                    trims.append(f.name)
            else:
                out[f.name], trimmed = _enforce_list(f, value)
                if trimmed:
                    trims.append(f.name)
        return out, trims

    def violations(self, fields: Mapping[str, Any]) -> list[str]:
        """Why ``fields`` break the limits (empty when within them)."""
        return schema_violations(fields, self.json_schema())


def _constrained(f: FieldSpec) -> Any:
    return Annotated[str, StringConstraints(min_length=f.min_chars, max_length=f.max_chars)]


def schema_violations(fields: Mapping[str, Any], schema: Mapping[str, Any]) -> list[str]:
    """Why ``fields`` break an output schema of :meth:`CopyFormat.json_schema` (empty when they do not)."""
    problems = [f"unexpected field {name}" for name in fields if name not in schema["properties"]]
    for name, prop in schema["properties"].items():
        value = fields.get(name)
        if prop["type"] == "array":
            if not isinstance(value, list) or not prop["minItems"] <= len(value) <= prop["maxItems"]:
                problems.append(f"{name}: needs {prop['minItems']}-{prop['maxItems']} items")
                continue
            problems += [p for item in value for p in _string_problems(name, item, prop["items"])]
        else:
            problems += _string_problems(name, value, prop)
    return problems


def _string_problems(name: str, value: Any, prop: Mapping[str, Any]) -> list[str]:
    if not isinstance(value, str):
        return [f"{name}: not a string"]
    if not prop["minLength"] <= len(value) <= prop["maxLength"]:
        return [f"{name}: {len(value)} chars, allowed {prop['minLength']}-{prop['maxLength']}"]
    return []


def _clean(value: Any) -> str:
    text = value if isinstance(value, str) else "" if value is None else str(value)
    text = re.sub(r"[ \t\u3000]+", " ", text).strip()
    return text.strip("\"'“”‘’「」")


def trim_to(text: str, limit: int) -> str | None:
    """``text`` cut at the last clause boundary within ``limit`` chars, or None if too little remains."""
    if len(text) <= limit:
        return text
    head = text[: limit + 1]
    for breaks, keep_mark in ((_BREAKS, True), (_SOFT_BREAKS, False)):
        cut = max(head.rfind(mark) for mark in breaks)
        if cut >= 0:
            kept = head[: cut + 1] if keep_mark else head[:cut]
            kept = kept[:limit].rstrip(_SOFT_BREAKS)
            if len(kept) >= _TRIM_MIN_SHARE * limit:
                return kept
    return None


def _enforce_text(f: FieldSpec, value: Any) -> tuple[str, bool]:
    text = _clean(value)
    if f.hashtag:
        text = text.strip("#").strip()
    trimmed = trim_to(text, f.max_chars)
    if trimmed is not None and len(trimmed) >= f.max_chars and trimmed[-1] not in _ENDINGS:
        # Stopped right at the limit mid-phrase (a grammar's maxLength does that): cut back to a boundary;
        # a short field without one is kept, a sentence field without one is rejected.
        cut = trim_to(trimmed, len(trimmed) - 1)
        if cut is not None or f.hint_chars >= _SENTENCE_FIELD:
            trimmed = cut
    if trimmed is None:
        raise FormatViolation(f.name, f"{len(text)} chars, limit {f.max_chars}, no clause boundary to cut at")
    if len(trimmed) < f.min_chars:
        raise FormatViolation(f.name, f"{len(trimmed)} chars, at least {f.min_chars}")
    return trimmed, trimmed != text


def _as_items(value: Any, hashtag: bool) -> list[Any]:
    if isinstance(value, list):
        return value
    if isinstance(value, str):
        parts = re.split(r"[#\n]+" if hashtag else r"\n+", value)
        return [p for part in parts for p in (part.split() if hashtag else [part])]
    return []


def _enforce_list(f: FieldSpec, value: Any) -> tuple[list[str], bool]:
    assert f.items is not None
    low, high = f.items
    raw = _as_items(value, f.hashtag)
    items: list[str] = []
    trimmed = False
    for item in raw:
        try:
            text, cut = _enforce_text(f, item)
        except FormatViolation:
            trimmed = True
            continue
        if f.hashtag:
            text = text.replace(" ", "")
        if text and text not in items:
            items.append(text)
            trimmed = trimmed or cut
    if len(items) > high:
        items, trimmed = items[:high], True
    if len(items) < low:
        raise FormatViolation(f.name, f"{len(items)} usable items, at least {low}")
    return items, trimmed


def _scaled(base: int, length: Length, cap: int | None) -> int:
    value = max(4, round(base * _SCALE[length]))
    return min(value, cap) if cap else value


def _cap(spec: PlatformSpec, attr: Literal["title_max_chars", "body_max_chars"], default: int) -> int:
    value = getattr(spec, attr)
    return min(default, value) if value else default


def _note(platform: str, spec: PlatformSpec, length: Length) -> CopyFormat:
    body = _scaled(200, length, spec.body_max_chars)
    tags = {"short": 3, "medium": 4, "long": 5}[length]
    return CopyFormat(
        platform,
        "note",
        (
            FieldSpec("title", "标题", "title", _cap(spec, "title_max_chars", 20), 14, min_chars=4),
            FieldSpec("body", "正文", "body", body, body * 3 // 5, min_chars=20),
            FieldSpec("hashtags", "话题", "hashtags", 10, 5, items=(2, _tags(spec, tags)), hashtag=True),
        ),
        "title",
        spec,
    )


def _script(platform: str, spec: PlatformSpec, length: Length) -> CopyFormat:
    lines = {"short": (2, 3), "medium": (3, 4), "long": (4, 6)}[length]
    return CopyFormat(
        platform,
        "video_script",
        (
            FieldSpec("hook", "开头3秒钩子", "3-second hook", _cap(spec, "title_max_chars", 18), 12, 4),
            FieldSpec("lines", "口播台词", "script lines", 30, 18, 4, items=lines),
            FieldSpec("cta", "行动号召", "call to action", 20, 12, 2),
        ),
        "hook",
        spec,
    )


def _article(platform: str, spec: PlatformSpec, length: Length) -> CopyFormat:
    return CopyFormat(
        platform,
        "article",
        (
            FieldSpec("headline", "标题", "headline", _cap(spec, "title_max_chars", 64), 20, 4),
            FieldSpec("summary", "摘要", "summary", 120, _scaled(70, length, 110), 10),
        ),
        "headline",
        spec,
    )


def _listing(platform: str, spec: PlatformSpec, length: Length) -> CopyFormat:
    points = {"short": (2, 3), "medium": (2, 4), "long": (3, 5)}[length]
    return CopyFormat(
        platform,
        "listing",
        (
            FieldSpec("title", "商品标题", "product title", _cap(spec, "title_max_chars", 30), 26, 8),
            FieldSpec("selling_points", "卖点", "selling points", 20, 12, 4, items=points),
        ),
        "title",
        spec,
        composed=("title",),  # the plan's keywords (prompts.listing_title): the model writes the points
    )


def _post(platform: str, spec: PlatformSpec, length: Length) -> CopyFormat:
    post = _scaled(140, length, spec.body_max_chars)
    return CopyFormat(
        platform,
        "post",
        (
            FieldSpec("text", "微博正文", "post", post, post * 3 // 5, 10),
            FieldSpec("hashtags", "话题", "hashtags", 15, 6, items=(1, _tags(spec, 3)), hashtag=True),
        ),
        None,
        spec,
    )


def _slogan(platform: str, spec: PlatformSpec, length: Length) -> CopyFormat:
    return CopyFormat(
        platform,
        "slogan",
        (
            FieldSpec("slogan", "主标语", "slogan", 16, 10, 2),
            FieldSpec("subline", "副标语", "subline", 24, 14, 2),
        ),
        None,
        spec,
    )


def _tags(spec: PlatformSpec, wanted: int) -> int:
    return min(wanted, spec.hashtags_max) if spec.hashtags_max is not None else wanted


_BUILDERS = {
    "xiaohongshu": _note,
    "douyin": _script,
    "kuaishou": _script,
    "bilibili": _script,
    "wechat": _article,
    "taobao": _listing,
    "weibo": _post,
    "offline_screen": _slogan,
}


def format_for(platform: str, length: Length, specs: Mapping[str, PlatformSpec]) -> CopyFormat:
    """The copy shape of ``platform`` (canonical name) with limits taken from its spec where it has one;
    a platform without a shape of its own gets a slogan."""
    spec = specs.get(platform) or PlatformSpec()
    return _BUILDERS.get(platform, _slogan)(platform, spec, length)
