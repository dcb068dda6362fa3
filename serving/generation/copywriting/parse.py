"""Read the model's JSON answer, repairing the usual slips of small models (fences, chatter around the
object, trailing commas, a missing closing bracket, field names in Chinese)."""

from __future__ import annotations

import json
import re
from typing import Any

from serving.generation.copywriting.formats import CopyFormat

_FENCE = re.compile(r"```(?:json)?\s*(.*?)```", re.DOTALL)
_TRAILING_COMMA = re.compile(r",\s*([}\]])")
_CLOSERS = ("", "}", '"}', "]}", '"]}', '"]}"}')


class ParseFailure(ValueError):
    """No JSON object could be read from the answer."""


def _candidates(text: str) -> list[str]:
    fenced = _FENCE.search(text)
    body = fenced.group(1) if fenced else text
    start = body.find("{")
    if start < 0:
        return []
    end = body.rfind("}")
    out = [body[start : end + 1]] if end > start else []
    out.append(body[start:].rstrip().rstrip(","))  # truncated answer: try closing it
    return out


def _load(candidate: str) -> dict[str, Any] | None:
    candidate = _TRAILING_COMMA.sub(r"\1", candidate)
    for closer in _CLOSERS:
        try:
            value = json.loads(candidate + closer, strict=False)
        except json.JSONDecodeError:
            continue
        return value if isinstance(value, dict) else None
    return None


def parse_answer(text: str, fmt: CopyFormat) -> dict[str, Any]:
    """The answer's fields keyed by the format's names, or :class:`ParseFailure`."""
    for candidate in _candidates(text):
        value = _load(candidate)
        if value is not None:
            return _rename(value, fmt)
    raise ParseFailure(f"no JSON object in the answer: {text[:80]!r}")


def _rename(value: dict[str, Any], fmt: CopyFormat) -> dict[str, Any]:
    aliases: dict[str, str] = {}
    for f in fmt.fields:
        for alias in (f.name, f.label_zh, f.label_en, f.label_en.replace(" ", "_")):
            aliases[alias.casefold()] = f.name
    out: dict[str, Any] = {}
    for key, item in value.items():
        name = aliases.get(str(key).strip().casefold())
        if name is not None and name not in out:
            out[name] = item
    return out
