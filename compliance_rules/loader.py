"""Load rule packs from YAML; a malformed pack is refused with its file, line and field."""

from __future__ import annotations

from collections.abc import Iterable
from importlib import resources
from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from compliance_rules.errors import RulePackError
from compliance_rules.schema import CommonExceptions, Pack

M = TypeVar("M", bound=BaseModel)
BUILTIN = "packs"
"""Folder of the built-in packs inside this package (variants.yaml is not a pack)."""
COMMON = "common_exceptions.yaml"
"""The built-in exceptions every built-in pack shares (:class:`CommonExceptions`), beside ``packs/``."""


def _lines(node: yaml.Node, path: tuple[Any, ...], out: dict[tuple[Any, ...], int]) -> None:
    out[path] = node.start_mark.line + 1
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            child = path + (key.value,)
            out[child] = key.start_mark.line + 1
            _lines(value, child, out)
            out[child] = key.start_mark.line + 1
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            _lines(item, path + (index,), out)


def _line_of(lines: dict[tuple[Any, ...], int], loc: tuple[Any, ...]) -> int | None:
    for end in range(len(loc), -1, -1):
        if loc[:end] in lines:
            return lines[loc[:end]]
    return None


def parse(model: type[M], text: str, source: str) -> M:
    """Validate YAML ``text`` against ``model``; errors name ``source``, the line and the field."""
    try:
        node = yaml.compose(text)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        raise RulePackError(
            f"{source}:{line or '?'}: not valid YAML: {getattr(exc, 'problem', exc)}",
            details={"file": source, "line": line, "field": None},
        ) from exc
    if not isinstance(data, dict) or node is None:
        raise RulePackError(f"{source}: a pack is a YAML mapping", details={"file": source, "line": 1})
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        lines: dict[tuple[Any, ...], int] = {}
        _lines(node, (), lines)
        first = exc.errors()[0]
        loc = tuple(first["loc"])
        line = _line_of(lines, loc)
        field = ".".join(str(part) for part in loc)
        problems = [
            {
                "line": _line_of(lines, tuple(e["loc"])),
                "field": ".".join(map(str, e["loc"])),
                "error": e["msg"],
            }
            for e in exc.errors()
        ]
        raise RulePackError(
            f"{source}:{line}: {field}: {first['msg']}",
            details={"file": source, "line": line, "field": field, "problems": problems},
        ) from exc


def load_file(model: type[M], path: Path) -> M:
    """``model`` from a YAML file; an unreadable file or a bad field is a RulePackError naming it."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise RulePackError(f"{path}: cannot read: {exc}", details={"file": str(path)}) from exc
    return parse(model, text, str(path))


def load_pack(path: Path) -> Pack:
    """One pack from a YAML file."""
    return load_file(Pack, path)


def load_packs(paths: Iterable[Path]) -> list[Pack]:
    """Packs from files; pack names must be unique."""
    packs = [load_pack(p) for p in sorted(paths)]
    names = [p.pack for p in packs]
    duplicated = sorted({n for n in names if names.count(n) > 1})
    if duplicated:
        raise RulePackError(f"two packs are named {', '.join(duplicated)}", details={"packs": duplicated})
    return packs


def builtin_pack_paths() -> list[Path]:
    """The YAML packs shipped in ``compliance_rules/packs`` (every file but variants.yaml)."""
    folder = Path(str(resources.files("compliance_rules").joinpath(BUILTIN)))
    return sorted(p for p in folder.rglob("*.yaml") if p.name != "variants.yaml")


def load_common(path: Path) -> CommonExceptions:
    """Shared exceptions from a YAML file (errors name the file, line and field, as for a pack)."""
    return load_file(CommonExceptions, path)


def with_common(packs: Iterable[Pack], common: CommonExceptions) -> list[Pack]:
    """The packs, each with ``common``'s exceptions after its own."""
    return [pack.model_copy(update={"exceptions": pack.exceptions + common.exceptions}) for pack in packs]


def builtin_packs() -> list[Pack]:
    """The shipped packs, with the shipped common exceptions added to each."""
    common = load_common(Path(str(resources.files("compliance_rules").joinpath(COMMON))))
    return with_common(load_packs(builtin_pack_paths()), common)
