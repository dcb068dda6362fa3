"""Loading and saving templates (YAML/JSON), with errors that name the template and the field."""

from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from pipelines.poster.errors import TemplateError
from pipelines.poster.template import Template

TEMPLATE_DIR = Path(__file__).resolve().parent / "templates"


def _location(loc: tuple[int | str, ...]) -> str:
    return ".".join(str(part) for part in loc) or "(root)"


def parse_template(data: Any, source: str = "template") -> Template:
    """A dict (from YAML/JSON) → Template; TemplateError naming the first bad field otherwise."""
    try:
        return Template.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{_location(e['loc'])}: {e['msg'].removeprefix('Value error, ')}" for e in exc.errors()[:5]
        )
        first = exc.errors()[0]
        raise TemplateError(f"{source}: {_location(first['loc'])}", problems) from None


def load_template(path: str | Path) -> Template:
    """Read one template from a .yaml/.yml/.json file."""
    file = Path(path)
    try:
        text = file.read_text(encoding="utf-8")
    except OSError as exc:
        raise TemplateError(str(file), f"cannot read template: {exc}") from exc
    try:
        data = json.loads(text) if file.suffix == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise TemplateError(str(file), f"not valid YAML/JSON: {exc}") from exc
    return parse_template(data, file.name)


def dump_template(template: Template) -> str:
    """A template as YAML (loads back to an equal template)."""
    text: str = yaml.safe_dump(
        template.model_dump(mode="json", exclude_none=True), allow_unicode=True, sort_keys=False
    )
    return text


@lru_cache(maxsize=1)
def builtin_templates() -> dict[str, Template]:
    """The templates shipped in ``pipelines/poster/templates`` by name."""
    templates = [load_template(path) for path in sorted(TEMPLATE_DIR.glob("*.yaml"))]
    return {template.name: template for template in templates}


def get_template(name: str | Template) -> Template:
    """A Template as is, or a built-in template by name (TemplateError naming the known ones)."""
    if isinstance(name, Template):
        return name
    templates = builtin_templates()
    if name not in templates:
        raise TemplateError("template", f"unknown template {name!r}; known: {', '.join(templates)}")
    return templates[name]
